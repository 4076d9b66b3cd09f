"""Exports: the page's figures as standalone HTML files (plotly.js inlined, animation included) that open offline,
and trajectories as CSV (st.dataframe's own toolbar downloads every table as CSV).

The bytes are made only when a button is clicked (a deferred download), never on a rerun: a rerun only notes each
chart's figure in this run's dict, which the one sidebar button zips when clicked.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from ui.i18n import _

_FIGURES = "_export_figures"     # session_state: chart key -> function returning its figure, of the current run

Spec = go.Figure | dict            # a plotly figure, or its JSON as a dict


def figure_html(fig: Spec) -> str:
    """The figure as one HTML file: plotly.js inlined (no network), its frames and play buttons kept."""
    return pio.to_html(fig, include_plotlyjs=True, full_html=True, auto_play=False, validate=False,
                       config={"responsive": True, "displaylogo": False})


def figures_zip(figures: dict[str, Callable[[], Spec]]) -> bytes:
    """A zip of one <chart key>.html per figure, each built now."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, figure in figures.items():
            archive.writestr(f"{key}.html", figure_html(figure()))
    return buffer.getvalue()


def remember(key: str, figure: Callable[[], Spec]) -> None:
    """Note how to get a chart's figure for this run's export, called only on a click (ui.chart notes every chart)."""
    st.session_state.setdefault(_FIGURES, {})[key] = figure


def figures_button(name: str) -> None:
    """The sidebar's one export button: every figure this run draws, as HTML files in a zip, made when clicked."""
    figures: dict[str, Callable[[], Spec]] = {}
    st.session_state[_FIGURES] = figures          # filled by the charts drawn after this, in this run
    st.download_button(_("Figures as HTML (zip)"), lambda: figures_zip(figures), file_name=f"{name}_figures.zip",
                       mime="application/zip", key="export_html", on_click="ignore", icon=":material/download:",
                       width="stretch", help=_("Every figure of this page as a standalone HTML file: it opens offline in "
                                               "any browser, zoomable, with its animation."))


def csv_button(label: str, make_csv: Callable[[], str], name: str, key: str) -> None:
    """A small CSV download (a table, a trajectory), its text made by make_csv() when clicked."""
    st.download_button(label, make_csv, file_name=f"{name}.csv", mime="text/csv", key=key, on_click="ignore",
                       type="tertiary", icon=":material/download:")
