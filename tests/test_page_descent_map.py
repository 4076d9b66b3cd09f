"""The Gradient descent map drawn at a step t (the page keeps one map per run and moves xₜ into it) is the figure
gradcore.descent_figures builds with xₜ there, trace for trace: the saving costs nothing in what is drawn."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pagetest import figures, open_page

from gradcore import descend, parse
from gradcore.descent_figures import RunPath, click_grid, path_curve_figure, path_map_figure
from gradcore.figures import sample_grid
from gradcore.presets import PRESETS
from ui.chart import join_figure, split_figure

PAGE = "pages/4_Gradient_descent.py"
pytestmark = pytest.mark.usefixtures("clean_caches")


def drawn(fig) -> dict:
    """A figure as the browser receives it (ui.chart's split and join)."""
    return join_figure(*split_figure(json.loads(fig.to_json())))


@pytest.mark.parametrize("t", [0, 7, 300])
def test_the_map_at_step_t_is_the_map_built_with_x_t(t):
    at = open_page(PAGE, "(x^2+y-11)^2+(x+y^2-7)^2", scrub=str(t), steps="300")
    f = parse("(x^2+y-11)^2+(x+y^2-7)^2")
    run = descend(f, "Adam", (-4.0, 0.0), 1e-3, 300)
    path = RunPath.of(run, "Adam, γ = 0.001", "#111111", (0, 1))
    expected = path_map_figure(sample_grid(f, (-6, 6, -6, 6), resolution=120, axes=(0, 1)), [path], [-4.0, 0.0],
                               PRESETS["Himmelblau"].minima, run.points[t], click_grid((-6, 6, -6, 6)),
                               "Path on the level curves · click to start there")
    got = figures(at)["fig_map"]
    want = drawn(expected)
    assert [tr.get("name") for tr in got["data"]] == [tr.get("name") for tr in want["data"]]
    assert got == want


def test_the_curve_at_step_t_for_one_variable_is_the_curve_built_with_x_t():
    at = open_page(PAGE, "x^4 - 3x^2 + x", scrub="5", steps="50", sx="2")
    f = parse("x^4 - 3x^2 + x")
    run = descend(f, "Adam", (2.0,), 1e-3, 50)
    lo, hi = at.session_state["xr"]
    xs = np.linspace(lo, hi, 301)
    expected = path_curve_figure(xs, f.value(xs[:, None]), [RunPath.of(run, "Adam, γ = 0.001", "#111111", (0,))],
                                 (2.0, float(f.value(np.array([2.0])))), [], (run.points[5][0], float(f.value(run.points[5]))),
                                 "x", "The path on f · click the curve to start there")
    assert figures(at)["fig_map"] == drawn(expected)
