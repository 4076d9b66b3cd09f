"""The Gradient descent page's race through its real UI (issue 19): a schedule draws its lr curve, each racer takes its
own lr, Newton and L-BFGS join the map, the leaderboard ranks them, Adam's step sizes are drawn as a rectangle.

Expected numbers: Himmelblau from (−4, 0), 1,000 steps; StepLR(step_size=200, gamma=0.5) halves Adam's γ = 0.001
at steps 201, 401, …; at tol = 1e-6 (f* = 0) L-BFGS (γ = 1) gets there at step 18 and SGD with γ = 0.01 at step 27
(both checked against torch.optim in tests/test_page_race.py and tests/test_second_order.py).
"""

from __future__ import annotations

import pytest

from .helpers import (
    FIRST_LOAD_TIMEOUT_S,
    assert_page_ok,
    goto,
    runs_finished,
    screenshot,
    table_column,
    wait_charts_drawn,
    wait_idle,
    wait_table_column,
)
from .test_page_descent import PAGE, chart_trace, choose, type_number

pytestmark = pytest.mark.browser


def tick(page, key: str) -> None:
    """Click a checkbox and wait for the rerun."""
    before = runs_finished(page)
    page.locator(f".st-key-{key} label").click()
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def open_race(page) -> None:
    """Open the race's expander if it is closed."""
    if not page.locator(".st-key-r_newton").is_visible():
        page.get_by_text("The race: each compared optimizer's lr and hyperparameters").click()
        page.locator(".st-key-r_newton").wait_for(state="visible")


def test_a_schedule_draws_its_lr_curve(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    assert page.locator(".st-key-fig_lr").count() == 0
    choose(page, "sched", "StepLR")
    lrs = chart_trace(page, "fig_lr", "Adam, γ = 0.001")["y"]
    assert lrs[:200] == [0.001] * 200 and lrs[200] == 0.0005 and lrs[-1] == 0.001 * 0.5**4
    assert_page_ok(page)


def test_racers_with_their_own_lr_newton_and_lbfgs_and_the_leaderboard(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    choose(page, "cmp", "SGD")
    open_race(page)
    type_number(page, "r_lr_sgd", "0.01")
    tick(page, "r_newton")
    tick(page, "r_lbfgs")
    for name in ("SGD, γ = 0.01", "Newton (exact Hessian)", "LBFGS, γ = 1"):
        path = chart_trace(page, "fig_map", name)
        assert path is not None and (path["x"][0], path["y"][0]) == (-4.0, 0.0), name
    # the leaderboard's accessible table is rebuilt a moment after the rerun: until then it is the Newton-only board
    board = wait_table_column(page, "run", lambda runs: "LBFGS, γ = 1" in runs, "L-BFGS on the leaderboard", index=1)
    assert board[:2] == ["LBFGS, γ = 1", "SGD, γ = 0.01"]
    assert table_column(page, "steps to f* + tol", index=1)[:2] == ["18", "27"]
    assert_page_ok(page)
    screenshot(page, "Gradient_descent-race")


def test_adam_step_sizes_are_drawn_as_a_rectangle(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    box = chart_trace(page, "fig_step", "per-coordinate step sizes")
    assert box is not None and len(box["x"]) == 5
    assert_page_ok(page)
