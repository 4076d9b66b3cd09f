"""The θ sweep's frames: the level map's arrow u turns once around P, the θ curve's marker runs along D_u f."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gradcore import parse
from gradcore.directional import directional, theta_curve
from gradcore.figures import SWEEP_FRAMES, level_set_figure, sample_grid, theta_figure

HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"
P = np.array([1.0, 1.0])


@pytest.fixture(scope="module")
def sweep_figures():
    f = parse(HIMMELBLAU)
    d = directional(f, P, 30.0)
    sweep = theta_curve(d.plane_gradient, SWEEP_FRAMES)
    grid = sample_grid(f, (-6, 6, -6, 6), resolution=31)
    level = level_set_figure(grid, d.plane_point, d.value, d.plane_u, d.plane_gradient, "level", sweep)
    curve = theta_curve(d.plane_gradient)
    theta = theta_figure(curve.thetas, curve.values, 30.0, d.rate, curve.phi, curve.maximum, curve.zeros, "θ",
                         sweep=sweep)
    return level, theta


def torch_rate(theta: float) -> float:
    """D_u f at P by torch autograd: ∇f(P) · (cos θ, sin θ)."""
    x = torch.tensor(P, dtype=torch.float64, requires_grad=True)
    f = (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2
    f.backward()
    t = np.deg2rad(theta)
    return float(x.grad[0] * np.cos(t) + x.grad[1] * np.sin(t))


def test_the_arrow_u_turns_once_around_p_in_five_degree_steps(sweep_figures):
    level, _ = sweep_figures
    assert len(level.frames) == SWEEP_FRAMES
    tips = np.array([[fr.layout.annotations[0].x, fr.layout.annotations[0].y] for fr in level.frames])
    tails = np.array([[fr.layout.annotations[0].ax, fr.layout.annotations[0].ay] for fr in level.frames])
    assert tails == pytest.approx(np.tile(P, (SWEEP_FRAMES, 1)))          # the hiker turns on the spot
    angles = np.rad2deg(np.unwrap(np.arctan2(*(tips - tails).T[::-1])))
    assert angles == pytest.approx(np.arange(0, 361, 5.0))
    assert np.hypot(*(tips - tails).T) == pytest.approx(np.full(SWEEP_FRAMES, 0.2 * 12))   # u keeps its length
    grad_arrow = level.layout.annotations[2]
    assert all(fr.layout.annotations[2] == grad_arrow for fr in level.frames)   # ∇f stays where it is
    assert level.layout.updatemenus[0].buttons[0].label == "⟳ Turn u once around"


@pytest.mark.parametrize("theta", [0.0, 45.0, 220.0, 315.0])
def test_the_theta_marker_runs_along_d_u_f_from_torch(sweep_figures, theta):
    level, fig = sweep_figures
    frame = next(fr for fr in fig.frames if fr.name == f"{theta:g}")
    assert frame.data[0].x[0] == theta
    assert frame.data[0].y[0] == pytest.approx(torch_rate(theta), rel=1e-12, abs=1e-12)
    assert frame.traces == (len(fig.data) - 1,)                                   # the "your θ" marker
    assert fig.layout.meta["play_group"] == level.layout.updatemenus[0].buttons[0].args[1]["group"]   # one button


def test_without_a_sweep_there_are_no_frames_and_no_button():
    f = parse(HIMMELBLAU)
    d = directional(f, P, 30.0)
    grid = sample_grid(f, (-6, 6, -6, 6), resolution=31)
    level = level_set_figure(grid, d.plane_point, d.value, d.plane_u, d.plane_gradient, "level")
    assert not level.frames and not level.layout.updatemenus


def arrow_tips(layout) -> list[tuple[float, float]]:
    return [(a.x, a.y) for a in layout.annotations if a.showarrow]


@pytest.mark.parametrize(("point", "theta"), [((5.9, 0.0), 0.0), ((-5.95, -5.9), 225.0), ((0.0, 5.99), 90.0)])
def test_arrows_end_inside_the_plot_area_never_over_the_colour_bar(point, theta):
    f = parse(HIMMELBLAU)
    d = directional(f, np.array(point), theta)
    grid = sample_grid(f, (-6, 6, -6, 6), resolution=31)
    level = level_set_figure(grid, d.plane_point, d.value, d.plane_u, d.plane_gradient, "level",
                             theta_curve(d.plane_gradient, SWEEP_FRAMES))
    tips = arrow_tips(level.layout) + [tip for fr in level.frames for tip in arrow_tips(fr.layout)]
    assert len(tips) == 2 + 2 * SWEEP_FRAMES                            # u and ∇f, in the figure and in every frame
    assert all(-6 <= x <= 6 and -6 <= y <= 6 for x, y in tips), [t for t in tips if max(map(abs, t)) > 6]
    u_tip = np.array(tips[0])
    along = u_tip - point
    assert along[0] * d.plane_u[1] - along[1] * d.plane_u[0] == pytest.approx(0, abs=1e-12)   # cut short, still along u
    assert np.dot(u_tip - point, d.plane_u) > 0 or np.allclose(u_tip, point)
    label = level.layout.annotations[1]
    assert label.xshift * d.plane_u[0] + label.yshift * d.plane_u[1] <= 0      # the label sits inside, behind the tip
