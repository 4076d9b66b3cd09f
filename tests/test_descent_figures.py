"""gradcore.runs (reading a run) and gradcore.descent_figures (drawing it).

torch.optim is the oracle for every number about a step: the step taken, the momentum and the adaptive step size
are compared with torch's own optimizer state after the same updates.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest
import torch

from gradcore import descend, parse
from gradcore.descent_figures import (
    MAX_FRAMES,
    MAX_PATH,
    RUN_COLORS,
    RunPath,
    click_grid,
    loss_figure,
    path_curve_figure,
    path_map_figure,
    path_surface_figure,
    step_arrows,
    step_figure,
)
from gradcore.figures import sample_grid
from gradcore.presets import PRESETS
from gradcore.runs import (
    is_stationary,
    log_every,
    log_grid,
    log_rows,
    log_table,
    nearest_minimum,
    nearest_on_log_grid,
    step_table,
    step_view,
    step_window,
    thin,
    trajectory_csv,
)

HIMMELBLAU = PRESETS["Himmelblau"]
DOMAIN = HIMMELBLAU.domain


@pytest.fixture(scope="module")
def himmelblau():
    return parse(HIMMELBLAU.formula)


def torch_f(p: torch.Tensor) -> torch.Tensor:
    x, y = p[0], p[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def torch_steps(optimizer: str, x0, lr: float, updates: int, **hyper):
    """x after `updates` steps of torch.optim, the step it takes next, and its state after that step."""
    p = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([p], lr=lr, **hyper)
    for _ in range(updates + 1):
        before = p.detach().clone()
        opt.zero_grad()
        torch_f(p).backward()
        opt.step()
    state = {k: v.detach().clone().numpy() for k, v in opt.state[p].items() if torch.is_tensor(v) and v.ndim}
    return before.numpy(), (p.detach() - before).numpy(), state


# ---------------------------------------------------------------- grids and counts

def test_log_grid_is_exact_decimals_from_1e_5_to_1():
    grid = log_grid(1e-5, 1.0)
    assert grid[:4] == [1e-5, 2e-5, 5e-5, 1e-4] and grid[-2:] == [0.5, 1.0] and len(grid) == 16
    assert 1e-3 in grid and log_grid(1e-10, 1e-2, (1,)) == [10.0**-k for k in range(10, 1, -1)]


@pytest.mark.parametrize(("value", "nearest"), [(3e-3, 2e-3), (7e-4, 5e-4), (8e-4, 1e-3), (1e-9, 1e-5), (40.0, 1.0)])
def test_nearest_on_log_grid_uses_log_distance(value, nearest):
    assert nearest_on_log_grid(log_grid(1e-5, 1.0), value) == nearest


@pytest.mark.parametrize(("steps", "every"), [(20_000, 2_000), (1_000, 100), (50_000, 5_000), (300, 25), (7, 1), (0, 1)])
def test_log_every_gives_about_a_dozen_lines(steps, every):
    assert log_every(steps) == every
    if steps:
        assert 5 <= len(log_rows(np.arange(steps + 1), every)) <= 14


def test_log_rows_keep_the_last_step():
    assert log_rows(np.arange(11), 3).tolist() == [0, 3, 6, 9, 10]
    assert log_rows(np.arange(0), 3).tolist() == []


def test_thin_keeps_the_ends():
    assert thin(5, 10).tolist() == [0, 1, 2, 3, 4]
    kept = thin(50_001, 1500)
    assert len(kept) <= 1500 and kept[0] == 0 and kept[-1] == 50_000 and (np.diff(kept) > 0).all()


# ---------------------------------------------------------------- where a run ended

@pytest.mark.parametrize("minimum", HIMMELBLAU.minima, ids=lambda m: f"{m[0]:+.2f},{m[1]:+.2f}")
def test_nearest_minimum_names_each_published_himmelblau_minimum(minimum):
    near = nearest_minimum(np.array(minimum) + [3e-4, -2e-4], HIMMELBLAU.minima)
    assert near.minimum == minimum and near.reached and near.distance == pytest.approx(math.hypot(3e-4, 2e-4))
    far = nearest_minimum(np.array(minimum) + [0.1, 0.0], HIMMELBLAU.minima)
    assert far.minimum == minimum and not far.reached


@pytest.mark.parametrize(("name", "point", "stationary"), [
    ("Three-hump camel", (1.7475523458, -0.8737761729), True),     # sympy's local minimum, rounded to 1e-10
    ("Three-hump camel", (1.7476, -0.8738), True),                 # a 5,000-step run's end: within 1e-3 by Newton
    ("Three-hump camel", (2.0, -1.0), False),
    ("Himmelblau", (-3.073026, -0.081353), True),                   # a saddle point
    ("Himmelblau", (1.0, 1.0), False),
    ("Himmelblau", (np.nan, 0.0), False),
])
def test_is_stationary_judges_by_newtons_step(name, point, stationary):
    preset = PRESETS[name]
    span = preset.domain[1] - preset.domain[0]
    assert is_stationary(parse(preset.formula), point, span) == stationary


def test_a_stationary_end_that_is_no_listed_minimum():
    # A list holding only the global minimum: the camel's local minimum is then a stationary point not in it.
    camel = parse(PRESETS["Three-hump camel"].formula)
    near = nearest_minimum((1.7476, -0.8738), [(0.0, 0.0)])
    assert not near.reached and is_stationary(camel, (1.7476, -0.8738), 10.0)


def test_nearest_minimum_needs_matching_dimensions_and_a_finite_point():
    assert nearest_minimum([1.0], HIMMELBLAU.minima) is None
    assert nearest_minimum([np.nan, 0.0], HIMMELBLAU.minima) is None
    assert nearest_minimum([0.0, 0.0], ()) is None


def test_lecture_run_reaches_the_minimum_near_minus_4_0(himmelblau):
    run = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 20_000)
    near = nearest_minimum(run.points[-1], HIMMELBLAU.minima)
    assert near.minimum == (-3.779310, -3.283186) and near.reached
    assert [round(v, 4) for v in run.points[-1]] == [-3.7793, -3.2832]
    log = log_table(run, himmelblau.variables, log_every(20_000))
    assert log["step"].tolist() == list(range(0, 20_001, 2_000))
    assert log.loc[0, "f"] == 146.0 and log.loc[0, "|∇f|"] == pytest.approx(math.hypot(102, 10))


def test_csv_holds_every_step_in_full_precision(himmelblau):
    run = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 50)
    table = pd.read_csv(io.StringIO(trajectory_csv(run, himmelblau.variables)))
    assert list(table.columns) == ["step", "x", "y", "f", "grad_x", "grad_y", "grad_norm",
                                   "exp_avg_x", "exp_avg_y", "exp_avg_sq_x", "exp_avg_sq_y"]
    assert table["step"].tolist() == list(range(51))
    np.testing.assert_array_equal(table[["x", "y"]].to_numpy(), run.points)        # bit for bit
    np.testing.assert_array_equal(table["f"].to_numpy(), run.losses)
    np.testing.assert_array_equal(table[["exp_avg_x", "exp_avg_y"]].to_numpy(), run.state["exp_avg"])


# ---------------------------------------------------------------- one step, against torch.optim's own state

STEP_CASES = [
    ("SGD", {}, "", None),
    ("SGD", {"momentum": 0.9}, "momentum_buffer", None),
    ("SGD", {"momentum": 0.9, "nesterov": True}, "momentum_buffer", None),
    ("Adam", {}, "exp_avg", "exp_avg_sq"),
    ("Adam", {"amsgrad": True}, "exp_avg", "max_exp_avg_sq"),
    ("AdamW", {}, "exp_avg", "exp_avg_sq"),
    ("RMSprop", {}, "", "square_avg"),
    ("RMSprop", {"momentum": 0.5}, "momentum_buffer", "square_avg"),
    ("Adagrad", {"lr_decay": 0.01}, "", "sum"),
    ("Rprop", {}, "", None),
]


@pytest.mark.parametrize(("optimizer", "hyper", "momentum", "second"), STEP_CASES,
                         ids=[f"{o}-{'-'.join(h) or 'defaults'}" for o, h, _, _ in STEP_CASES])
@pytest.mark.parametrize("t", [0, 7])
def test_step_view_matches_torch_state(himmelblau, optimizer, hyper, momentum, second, t):
    lr = 1e-2
    run = descend(himmelblau, optimizer, (-4.0, 0.0), lr, 10, **hyper)
    view = step_view(run, t)
    x, step, state = torch_steps(optimizer, [-4.0, 0.0], lr, t, **hyper)
    np.testing.assert_allclose(view.x, x, rtol=1e-12)
    np.testing.assert_allclose(view.step, step, rtol=1e-9)
    np.testing.assert_allclose(view.sgd_step, -lr * view.grad)
    np.testing.assert_allclose(view.rate, -step / view.grad, rtol=1e-9)
    assert view.momentum_name == momentum
    if momentum:
        np.testing.assert_allclose(view.momentum, state[momentum], rtol=1e-9)
    else:
        assert view.momentum is None
    assert (view.adaptive_rate is not None) == (second is not None)


@pytest.mark.parametrize("t", [0, 5, 99])
def test_adam_step_is_adaptive_rate_times_bias_corrected_momentum(himmelblau, t):
    """torch's Adam step is −γ/(√v̂+ε) · m̂ with m̂ = m/(1−β₁ᵏ): the page's step size explains the step exactly."""
    run = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 100)
    view = step_view(run, t)
    _, step, state = torch_steps("Adam", [-4.0, 0.0], 1e-3, t)
    m_hat = state["exp_avg"] / (1 - 0.9 ** (t + 1))
    np.testing.assert_allclose(-view.adaptive_rate * m_hat, step, rtol=1e-9)
    assert view.adaptive_formula == "γ/(√v̂ₜ+ε)"


@pytest.mark.parametrize(("optimizer", "hyper"), [("RMSprop", {}), ("Adagrad", {"lr_decay": 0.01})])
def test_rmsprop_and_adagrad_step_is_adaptive_rate_times_gradient(himmelblau, optimizer, hyper):
    run = descend(himmelblau, optimizer, (-4.0, 0.0), 1e-2, 10, **hyper)
    for t in (0, 4):
        view = step_view(run, t)
        np.testing.assert_allclose(view.step, -view.adaptive_rate * view.grad, rtol=1e-9)


def test_first_adam_step_is_gamma_sign_g_so_it_leaves_the_gradient_direction(himmelblau):
    view = step_view(descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 3), 0)
    np.testing.assert_allclose(view.step, [1e-3, -1e-3], rtol=1e-6)
    np.testing.assert_allclose(view.adaptive_rate, [1e-3 / 102, 1e-3 / 10], rtol=1e-6)
    expected = math.degrees(math.acos((102 + 10) / (math.sqrt(2) * math.hypot(102, 10))))
    assert view.angle == pytest.approx(expected)
    sgd = step_view(descend(himmelblau, "SGD", (-4.0, 0.0), 1e-3, 3), 0)
    assert sgd.angle == pytest.approx(0.0, abs=1e-6)
    np.testing.assert_allclose(sgd.rate, [1e-3, 1e-3], rtol=1e-12)


def test_last_step_has_no_next_step(himmelblau):
    run = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 5)
    view = step_view(run, 5)
    assert (view.step, view.momentum, view.rate, view.adaptive_rate, view.angle) == (None, None, None, None, None)
    assert step_window(view, (0, 1), 0.3) == 0.3
    assert step_table(view, ("x", "y"))["quantity"].tolist() == ["xₜ", "gₜ = ∇f(xₜ)", "−γ·gₜ (plain GD step)"]


def test_step_table_rows_and_columns(himmelblau):
    table = step_table(step_view(descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 3), 0), ("x", "y"))
    assert table["quantity"].tolist() == ["xₜ", "gₜ = ∇f(xₜ)", "−γ·gₜ (plain GD step)", "momentum m", "Δx (the step taken)",
                                          "Δx / (−g): step size", "γ/(√v̂ₜ+ε)"]
    assert table.set_index("quantity").loc["gₜ = ∇f(xₜ)"].tolist() == [-102.0, 10.0]


# ---------------------------------------------------------------- figures

def decode(value) -> np.ndarray:
    if isinstance(value, dict):
        import base64
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float)
    return np.array(value, dtype=float)


def as_json(fig) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def trace(fig: dict, name: str) -> dict:
    (found,) = [t for t in fig["data"] if t.get("name") == name]
    return found


@pytest.fixture(scope="module")
def grid(himmelblau):
    return sample_grid(himmelblau, DOMAIN, resolution=60)


def test_click_grid_is_a_round_lattice_over_the_domain():
    xs, ys = click_grid(DOMAIN)
    assert len(xs) == 25 * 25 and xs.min() == -6 and xs.max() == 6
    assert np.allclose(np.unique(xs), np.arange(-6, 6.01, 0.5))
    xs, ys = click_grid((-2, 2, -1, 3))
    assert np.allclose(np.diff(np.unique(xs)), 0.2) and len(xs) == 21 * 21 and ys.min() == -1 and ys.max() == 3


def test_map_draws_each_run_and_animates_it_with_few_numbers(himmelblau, grid):
    adam = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 50_000)
    sgd = descend(himmelblau, "SGD", (-4.0, 0.0), 1e-3, 50_000)
    paths = [RunPath.of(adam, "Adam", RUN_COLORS[0], (0, 1)), RunPath.of(sgd, "SGD", RUN_COLORS[1], (0, 1))]
    fig = as_json(path_map_figure(grid, paths, (-4, 0), HIMMELBLAU.minima, adam.points[10], click_grid(DOMAIN), "t"))
    drawn = trace(fig, "Adam")
    x = decode(drawn["x"])
    assert len(x) <= MAX_PATH and x[0] == -4.0 and x[-1] == pytest.approx(adam.points[-1, 0], rel=1e-6)
    assert decode(trace(fig, "known minima")["x"]).tolist() == pytest.approx([m[0] for m in HIMMELBLAU.minima], rel=1e-6)
    assert decode(trace(fig, "xₜ")["y"])[0] == pytest.approx(adam.points[10, 1], rel=1e-6)
    click = trace(fig, "click to start here")
    assert click["marker"]["color"] == "rgba(0,0,0,0)" and len(decode(click["x"])) == 25 * 25
    frames = fig["frames"]
    heads = fig["data"].index(trace(fig, "animated heads"))
    assert len(frames) == MAX_FRAMES and all(fr["traces"] == [heads] for fr in frames)
    assert frames[0]["data"][0]["x"] == [-4.0, -4.0] and frames[0]["data"][0]["text"][0] == "step 0"
    assert frames[-1]["name"] == "50000" and frames[-1]["data"][0]["text"][0] == "step 50,000"
    assert frames[-1]["data"][0]["x"] == pytest.approx([adam.points[-1, 0], sgd.points[-1, 0]], rel=1e-6)
    play, pause = fig["layout"]["updatemenus"][0]["buttons"]
    assert play["method"] == pause["method"] == "animate" and play["args"][1]["frame"]["redraw"] is False
    assert len(pio.to_json(path_map_figure(grid, paths, (-4, 0), (), None, click_grid(DOMAIN)), validate=False)) < 400_000


def test_a_diverged_path_is_drawn_with_finite_numbers(himmelblau, grid):
    run = descend(himmelblau, "SGD", (-4.0, 0.0), 1.0, 100)
    assert not run.ok and len(run.steps) == 5
    fig = as_json(path_map_figure(grid, [RunPath.of(run, "SGD", RUN_COLORS[0], (0, 1))], (-4, 0)))
    drawn = trace(fig, "SGD")
    assert np.isfinite(decode(drawn["x"])).all() and decode(drawn["x"]).max() <= 1e30
    assert trace(fig, "animated heads")["text"][0] == "step 4"


def test_empty_run_draws_no_path(himmelblau, grid):
    run = descend(parse("log(x) + y"), "SGD", (-1.0, 0.0), 1e-3, 10)
    assert len(run.steps) == 0 and run.message.startswith("Cannot start at")
    fig = as_json(path_map_figure(grid, [RunPath.of(run, "SGD", RUN_COLORS[0], (0, 1))], (-1, 0)))
    assert "frames" not in fig or not fig["frames"]
    assert not any(t.get("name") == "SGD" for t in fig["data"])


def test_surface_lifts_the_path_and_keeps_the_scene_on_the_domain(himmelblau, grid):
    run = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-2, 500)
    fig = as_json(path_surface_figure(grid, [RunPath.of(run, "Adam", RUN_COLORS[0], (0, 1))], (-4, 0, 146.0)))
    z = decode(trace(fig, "Adam")["z"])
    lift = z[0] - 146.0
    assert lift > 0 and np.allclose(z - lift, run.losses, rtol=1e-5, atol=1e-3)
    assert fig["layout"]["scene"]["xaxis"]["range"] == [-6.0, 6.0]


def test_loss_figure_uses_log_axes_unless_f_is_not_positive(himmelblau):
    run = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-2, 200)
    fig = as_json(loss_figure([RunPath.of(run, "Adam", RUN_COLORS[0], (0, 1))], at=20))
    assert fig["layout"]["yaxis"]["type"] == "log" and fig["layout"]["yaxis2"]["type"] == "log"
    assert [s["x0"] for s in fig["layout"]["shapes"]] == [20, 20]
    cubic = descend(parse("x^3-3x"), "Adam", (2.0,), 1e-2, 200)       # f(1) = −2 < 0
    fig = as_json(loss_figure([RunPath.of(cubic, "Adam", RUN_COLORS[0], (0,))]))
    assert fig["layout"]["yaxis"]["type"] == "linear"


def test_curve_figure_for_one_variable():
    f = parse("x^3-3x")
    run = descend(f, "SGD", (2.0,), 1e-2, 300)
    xs = np.linspace(-3, 3, 101)
    fig = as_json(path_curve_figure(xs, f.value(xs[:, None]), [RunPath.of(run, "SGD", RUN_COLORS[0], (0,))], (2.0, 2.0),
                                    [(1.0, -2.0)], (run.points[3, 0], float(run.losses[3]))))
    drawn = trace(fig, "SGD")
    np.testing.assert_allclose(decode(drawn["y"]), run.losses, rtol=1e-5)
    assert fig["frames"][-1]["data"][0]["x"] == pytest.approx([run.points[-1, 0]], rel=1e-6)


def test_step_arrows_true_length_step_and_unit_directions():
    arrows = step_arrows([0, 0], grad=[3.0, 4.0], step=[-0.06, -0.08], momentum=[0.0, 1.0], length=0.1)
    by_name = {name.split(":")[0].split(" (")[0]: v for name, _, v, _ in arrows}
    np.testing.assert_allclose(by_name["Δx"], [-0.06, -0.08])
    np.testing.assert_allclose(by_name["−∇f"], [-0.06, -0.08])          # −∇f/|∇f| · |Δx|
    np.testing.assert_allclose(by_name["−momentum"], [0.0, -0.1])
    widths = [w for *_, w in arrows]
    assert widths == sorted(widths, reverse=True)                        # each drawn thinner than the one below
    assert step_arrows([0, 0], [0.0, 0.0], None, None, 1.0) == []


def test_step_figure_draws_the_arrows_at_x_t(himmelblau):
    run = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-3, 3)
    view = step_view(run, 0)
    half = step_window(view, (0, 1), 0.1)
    local = sample_grid(himmelblau, (-4 - half, -4 + half, -half, half), resolution=21, point=view.x)
    fig = as_json(step_figure(local, view.x, view.grad, view.step, view.momentum, "t"))
    heads = [(a["x"], a["y"]) for a in fig["layout"]["annotations"]]
    assert heads[-1] == pytest.approx(tuple(view.x + view.step))           # Δx ends at x_{t+1}
    assert all(a["ax"] == -4.0 and a["ay"] == 0.0 for a in fig["layout"]["annotations"])
    assert {t["name"] for t in fig["data"] if t.get("mode") == "lines"} == {
        "Δx: the step taken (true length)", "−∇f: steepest descent (direction)", "−momentum (direction)"}


def test_surface_animates_the_racers_heads_with_the_map(himmelblau, grid):
    """Issue 19: the race plays on the surface too: each frame puts every run's head at its point (x_t, y_t, f(x_t))
    lifted like its path, at the same steps as the map's frames; the surface's Play plays both charts (their group)."""
    adam = descend(himmelblau, "Adam", (-4.0, 0.0), 1e-2, 400)
    sgd = descend(himmelblau, "SGD", (-4.0, 0.0), 1e-3, 400)
    paths = [RunPath.of(adam, "Adam", RUN_COLORS[0], (0, 1)), RunPath.of(sgd, "SGD", RUN_COLORS[1], (0, 1))]
    surface = as_json(path_surface_figure(grid, paths, (-4, 0, 146.0)))
    board = as_json(path_map_figure(grid, paths, (-4, 0)))
    heads = surface["data"].index(trace(surface, "animated heads"))
    assert surface["data"][heads]["type"] == "scatter3d"
    lift = decode(trace(surface, "Adam")["z"])[0] - 146.0
    frames = surface["frames"]
    assert [fr["name"] for fr in frames] == [fr["name"] for fr in board["frames"]] and len(frames) == MAX_FRAMES
    for fr in frames:
        t = int(fr["name"])
        assert fr["traces"] == [heads]
        for k, run in enumerate((adam, sgd)):        # torch-faithful runs: the head stands where the run was at step t
            assert fr["data"][0]["x"][k] == pytest.approx(run.points[t, 0], rel=1e-6, abs=1e-6)
            assert fr["data"][0]["y"][k] == pytest.approx(run.points[t, 1], rel=1e-6, abs=1e-6)
            assert fr["data"][0]["z"][k] == pytest.approx(run.losses[t] + lift, rel=1e-5, abs=1e-3)
    group = surface["layout"]["updatemenus"][0]["buttons"][0]["args"][1]["group"]   # the surface's Play plays the map
    assert group == surface["layout"]["meta"]["play_group"] == board["layout"]["meta"]["play_group"]
    assert "group" not in board["layout"]["updatemenus"][0]["buttons"][0]["args"][1]  # the map's own Play stays light
