"""AppTest of the Gradient descent page's race, schedule, references and optimizer state (issue 19).

The oracles are torch.optim, torch.optim.lr_scheduler and torch.optim.LBFGS themselves, run here in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from pagetest import array, figures, open_page, trace

PAGE = "pages/4_Gradient_descent.py"
STEPS = 60
pytestmark = pytest.mark.usefixtures("clean_caches")


def himmelblau(p: torch.Tensor) -> torch.Tensor:
    x, y = p[0], p[1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def torch_points(optimizer: str, lr: float, steps: int = STEPS, scheduler=None, **hyper) -> tuple[np.ndarray, list]:
    """x_0 … x_steps of torch's loop on Himmelblau from (−4, 0), and the lr each step used."""
    p = torch.tensor([-4.0, 0.0], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([p], lr=lr, **hyper)
    sched = scheduler(opt) if scheduler else None
    points, lrs = [p.detach().clone().numpy()], []
    for _ in range(steps):
        opt.zero_grad()
        himmelblau(p).backward()
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched:
            sched.step()
        points.append(p.detach().clone().numpy())
    return np.array(points), lrs


def drawn_path(at, name: str) -> np.ndarray:
    t = trace(figures(at)["fig_map"], name)
    return np.column_stack([array(t["x"]), array(t["y"])])


def page_with(steps: int = STEPS, optimizer: str = "SGD", lr: float = 0.01):
    at = open_page(PAGE)
    at.number_input(key="steps").set_value(steps).run()
    at.selectbox(key="opt").set_value(optimizer).run()
    at.number_input(key="lr").set_value(lr).run()
    return at


def test_step_lr_schedule_drives_the_run_and_draws_torchs_lr_curve():
    at = page_with()
    at.selectbox(key="sched").set_value("StepLR").run()
    at.number_input(key="sched_step").set_value(10).run()
    at.number_input(key="sched_gamma").set_value(0.5).run()
    expected, lrs = torch_points("SGD", 0.01, scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 10, gamma=0.5))
    assert not at.exception and not at.warning
    assert np.allclose(drawn_path(at, "SGD, γ = 0.01"), expected, rtol=1e-6, atol=1e-6)
    curve = trace(figures(at)["fig_lr"], "SGD, γ = 0.01")
    assert array(curve["y"]).tolist() == lrs and array(curve["x"]).tolist() == list(range(1, STEPS + 1))
    assert lrs[9] == 0.01 and lrs[10] == 0.005 and lrs[-1] == 0.01 * 0.5**5


def test_cosine_schedule_applies_to_every_racer():
    at = page_with()
    at.multiselect(key="cmp").set_value(["Adam"]).run()
    at.number_input(key="r_lr_adam").set_value(0.1).run()
    at.selectbox(key="sched").set_value("CosineAnnealingLR").run()
    at.number_input(key="sched_tmax").set_value(20).run()
    cosine = lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20)   # noqa: E731
    expected, lrs = torch_points("Adam", 0.1, scheduler=cosine)
    assert np.allclose(drawn_path(at, "Adam, γ = 0.1"), expected, rtol=1e-6, atol=1e-6)
    assert array(trace(figures(at)["fig_lr"], "Adam, γ = 0.1")["y"]).tolist() == lrs


def test_each_racer_has_its_own_lr_and_hyperparameters_and_the_leaderboard_ranks_them():
    at = page_with(steps=400, optimizer="Adam", lr=0.001)
    at.multiselect(key="cmp").set_value(["SGD", "RMSprop"]).run()
    at.number_input(key="r_lr_sgd").set_value(0.005).run()
    at.number_input(key="r_sgd_momentum").set_value(0.5).run()
    at.number_input(key="r_lr_rmsprop").set_value(0.05).run()
    assert not at.exception and not at.warning
    runs = {"SGD, γ = 0.005": torch_points("SGD", 0.005, 400, momentum=0.5)[0],
            "RMSprop, γ = 0.05": torch_points("RMSprop", 0.05, 400)[0],
            "Adam, γ = 0.001": torch_points("Adam", 0.001, 400)[0]}
    for name, expected in runs.items():
        assert np.allclose(drawn_path(at, name), expected, rtol=1e-6, atol=1e-6), name
    at.select_slider(key="r_tol").set_value(1e-4).run()
    board = at.dataframe[1].value
    f = {name: himmelblau(torch.tensor(p.T)).numpy() for name, p in runs.items()}   # f* = 0, Himmelblau's minima
    reached = {name: int(np.flatnonzero(v <= 1e-4)[0]) for name, v in f.items() if (v <= 1e-4).any()}
    order = sorted(reached, key=reached.get)
    assert list(board["run"])[:len(order)] == order
    assert list(board["steps to f* + tol"])[:len(order)] == [f"{reached[n]:,}" for n in order]
    assert (board["steps to f* + tol"] == "not reached").sum() == len(runs) - len(reached)


def test_newton_and_lbfgs_run_on_the_same_map():
    at = page_with()
    at.checkbox(key="r_newton").check().run()
    at.checkbox(key="r_lbfgs").check().run()
    at.number_input(key="r_lbfgs_lr").set_value(0.1).run()
    assert not at.exception
    p = torch.tensor([-4.0, 0.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([p], lr=0.1, max_iter=1)

    def closure():
        opt.zero_grad()
        loss = himmelblau(p)
        loss.backward()
        return loss

    expected = [p.detach().clone().numpy()]
    drawn = drawn_path(at, "LBFGS, γ = 0.1")
    for _ in range(len(drawn) - 1):
        opt.step(closure)
        expected.append(p.detach().clone().numpy())
    assert np.allclose(drawn, expected, rtol=1e-6, atol=1e-6)
    newton = drawn_path(at, "Newton (exact Hessian)")
    assert np.allclose(newton[-1], (-3.0730, -0.0814), atol=1e-3)   # from (−4, 0) Newton goes to the nearest critical point, a saddle


@pytest.mark.parametrize(("optimizer", "boxed"), [("Adam", True), ("RMSprop", True), ("Adagrad", True), ("SGD", False)])
def test_adaptive_optimizers_draw_their_per_coordinate_step_sizes(optimizer, boxed):
    at = page_with(optimizer=optimizer, lr=0.01)
    at.slider(key="scrub").set_value(3).run()
    names = [t.get("name") for t in figures(at)["fig_step"]["data"]]
    assert ("per-coordinate step sizes" in names) == boxed
    if boxed:
        box = trace(figures(at)["fig_step"], "per-coordinate step sizes")
        table = at.dataframe[-2].value if optimizer != "SGD" else None
        rates = table.iloc[-1][["x", "y"]].to_numpy(dtype=float)          # the step-size row γ/(√v̂+ε) of the table
        g = table.iloc[1][["x", "y"]].to_numpy(dtype=float)
        widths = (np.ptp(array(box["x"])), np.ptp(array(box["y"])))
        assert np.allclose(widths, rates * np.linalg.norm(g), rtol=1e-3)


def test_the_step_up_close_shows_the_scheduled_lr_of_that_step():
    """Under StepLR the table's −γ·gₜ and Adam's γ/(√v̂ₜ+ε) use the step's own lr, as torch's group lr at that step."""
    at = page_with(optimizer="SGD")
    at.selectbox(key="sched").set_value("StepLR").run()
    at.number_input(key="sched_step").set_value(10).run()
    at.number_input(key="sched_gamma").set_value(0.5).run()
    at.slider(key="scrub").set_value(25).run()
    expected, lrs = torch_points("SGD", 0.01, scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, 10, gamma=0.5))
    table = at.dataframe[0].value.set_index("quantity")
    assert lrs[25] == 0.0025
    np.testing.assert_allclose(table.loc["Δx (the step taken)"], expected[26] - expected[25], rtol=1e-9)
    np.testing.assert_allclose(table.loc["−γ·gₜ (plain GD step)"], expected[26] - expected[25], rtol=1e-9)
    np.testing.assert_allclose(table.loc["Δx / (−g): step size"], [0.0025, 0.0025], rtol=1e-9)
