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


@pytest.fixture(scope="session", autouse=True)
def symbolic_worker():
    """Start gradcore.budget's forkserver once, before the first test: its start (importing sympy and working one
    formula through, a few seconds) is not the time of whichever test happens to parse first."""
    from gradcore.budget import warm_up

    warm_up()
