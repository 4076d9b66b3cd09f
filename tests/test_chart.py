"""ui.chart: a figure split into named parts and joined back is the same figure; a θ step re-sends only what moved."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest
from pagetest import array, figure_sizes, figures, open_page

from ui.chart import join_figure, split_figure

pytestmark = pytest.mark.usefixtures("clean_caches")


def surface_and_point(px: float) -> dict:
    x = np.linspace(-2, 2, 41)
    fig = go.Figure([go.Surface(x=x, y=x, z=np.add.outer(x**2, x**2), name="f"),
                     go.Scatter3d(x=[px], y=[0.0], z=[px**2], name="P")],
                    {"title": {"text": "f"}}, frames=[{"name": "0", "data": [{"x": [0.0]}], "traces": [1]}])
    return json.loads(fig.to_json())


def test_split_then_join_gives_the_figure_back():
    spec = surface_and_point(1.0)
    skeleton, parts = split_figure(spec)
    assert join_figure(skeleton, parts) == spec
    assert len(parts) == 4                               # two traces, the template, the frames


def test_a_part_is_named_by_its_content():
    (sk1, _), (sk2, _) = split_figure(surface_and_point(1.0)), split_figure(surface_and_point(1.5))
    assert sk1["traces"][0] == sk2["traces"][0]          # the surface did not change: same name, the browser keeps it
    assert sk1["traces"][1] != sk2["traces"][1]          # the point moved
    assert sk1["template"] == sk2["template"]


def test_a_theta_step_sends_the_moving_parts_only():
    at = open_page("pages/1_Directional_derivative.py")
    first = figure_sizes(at)
    z_before = array(figures(at)["fig_surface"]["data"][0]["z"])
    at.slider(key="theta").set_value(31).run()
    step = figure_sizes(at)
    assert sum(step.values()) < 50_000 < sum(first.values())
    assert step["fig_level"] < 0.05 * first["fig_level"]                 # the level map's z grid is not re-sent
    np.testing.assert_array_equal(array(figures(at)["fig_surface"]["data"][0]["z"]), z_before)   # still drawn
