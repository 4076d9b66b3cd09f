"""Exports: each figure as a standalone HTML file (plotly.js inlined, animation included) that opens offline, and
trajectories as CSV (st.dataframe's own toolbar downloads every table as CSV); the bytes are made only when the
button is clicked (a deferred download), never on a rerun."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go
import streamlit as st


def figure_html(fig: go.Figure) -> str:
    """The figure as one HTML file: plotly.js inlined (no network), its frames and play buttons kept."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False,
                       config={"responsive": True, "displaylogo": False})


def html_button(fig: go.Figure, key: str) -> None:
    """A small 'figure as HTML' download under a chart, built when clicked."""
    st.download_button("Figure as HTML", lambda: figure_html(fig), file_name=f"{key}.html", mime="text/html",
                       key=f"{key}_html", on_click="ignore", type="tertiary", icon=":material/download:",
                       help="A standalone file: opens offline in any browser, zoomable, with its animation.")


def csv_button(label: str, make_csv: Callable[[], str], name: str, key: str) -> None:
    """A small CSV download (a table, a trajectory), its text made by make_csv() when clicked."""
    st.download_button(label, make_csv, file_name=f"{name}.csv", mime="text/csv", key=key, on_click="ignore",
                       type="tertiary", icon=":material/download:")
