"""Shared fixtures: a clean Streamlit cache for every AppTest test."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    """The deployed app hides exception details (.streamlit/config.toml); a failing AppTest should print them."""
    from streamlit import config as st_config

    st_config.set_option("client.showErrorDetails", "full")


@pytest.fixture
def clean_caches():
    """st.cache_data/st.cache_resource survive between AppTest instances in one process: start empty."""
    import streamlit as st

    from ui.cache import clear_all

    st.cache_data.clear()
    st.cache_resource.clear()
    clear_all()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
    clear_all()


@pytest.fixture(scope="session", autouse=True)
def symbolic_worker():
    """Start gradcore.budget's forkserver once, before the first test: its start (importing sympy and working one
    formula through, a few seconds) is not the time of whichever test happens to parse first."""
    from gradcore.budget import warm_up

    warm_up()
