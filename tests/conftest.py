"""Shared fixtures: a clean Streamlit cache for every AppTest test."""

from __future__ import annotations

import pytest


@pytest.fixture
def clean_caches():
    """st.cache_data/st.cache_resource survive between AppTest instances in one process: start empty."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
