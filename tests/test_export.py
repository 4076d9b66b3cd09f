"""Exports: a figure's HTML file carries plotly.js and its animation (it opens offline); a path's CSV holds every step
in full precision; the sidebar's zip holds every chart of the page."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import numpy as np
import plotly.graph_objects as go
import pytest
from pagetest import charts as charts_of
from pagetest import open_page

from gradcore.minibatch import Run, paths_csv
from ui.export import _FIGURES as FIGURES
from ui.export import figure_html, figures_zip


def test_figure_html_inlines_plotly_and_keeps_the_frames():
    fig = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], name="path")],
                    frames=[go.Frame(data=[go.Scatter(x=[t], y=[t])], name=str(t)) for t in range(3)])
    html = figure_html(fig)
    assert html.lstrip().lower().startswith("<!doctype html>") and len(html) > 3_000_000         # plotly.min.js is several MB, inlined
    assert not re.search(r"<script[^>]+src=", html)                      # nothing fetched: it opens offline
    assert "Plotly.addFrames" in html and '"name":"2"' in html


def test_paths_csv_holds_every_step_of_every_run_exactly():
    w_b = np.array([[-1.0, 3.0], [0.1 + 0.2, 2.5], [1 / 3, 2.0]])
    run = Run("B = 16", 16, w_b, np.array([5.0, 2.0, 1e-17]), np.array([0, 16, 32]), np.array([0, 2]), False)
    rows = list(csv.DictReader(io.StringIO(paths_csv([run, run]))))
    assert len(rows) == 6 and rows[0].keys() == {"run", "step", "examples", "w", "b", "loss"}
    assert [float(r["w"]) for r in rows[:3]] == w_b[:, 0].tolist()        # repr round-trips: 0.30000000000000004
    assert [int(r["examples"]) for r in rows[:3]] == [0, 16, 32] and float(rows[2]["loss"]) == 1e-17


@pytest.mark.usefixtures("clean_caches")
def test_the_export_zips_every_chart_of_the_page_as_html():
    at = open_page("pages/2_Gradient.py")
    charts = {el.key for el in charts_of(at)}
    figures = at.session_state[FIGURES]
    assert len(charts) >= 3 and set(figures) == charts           # two slices and the gradient field
    with zipfile.ZipFile(io.BytesIO(figures_zip(figures))) as archive:
        assert sorted(archive.namelist()) == sorted(f"{key}.html" for key in charts)
        assert "Plotly.newPlot" in archive.read("fig_field.html").decode()


@pytest.mark.usefixtures("clean_caches")
def test_the_export_holds_figures_a_page_builds_once_for_every_session():
    at = open_page("pages/4_Gradient_descent.py")           # its charts are builders with a memo, shared by sessions
    with zipfile.ZipFile(io.BytesIO(figures_zip(at.session_state[FIGURES]))) as archive:
        assert {"fig_map.html", "fig_loss.html"} <= set(archive.namelist())
        assert "Plotly.addFrames" in archive.read("fig_map.html").decode()     # the path's animation came along
