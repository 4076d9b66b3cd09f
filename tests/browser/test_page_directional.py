"""The Directional derivative page through its real UI: the angle slider, the point's number inputs, the hiker's step, a kink.

Expected numbers are worked out here from Himmelblau's gradient, f = (x²+y−11)² + (x+y²−7)², by hand.
"""

from __future__ import annotations

import math

import pytest

from .helpers import (
    INTERACTION_LIMIT_S,
    assert_page_ok,
    best_of,
    formula_text,
    goto,
    latex_text,
    read_metric,
    runs_finished,
    screenshot,
    set_slider,
    slider_value,
    table_column,
    timed_change,
    type_formula,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser

PAGE = "Directional_derivative"


def himmelblau(x: float, y: float) -> float:
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def himmelblau_gradient(x: float, y: float) -> tuple[float, float]:
    return 4 * x * (x * x + y - 11) + 2 * (x + y * y - 7), 2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)


def d_u_f(x: float, y: float, theta: float) -> float:
    gx, gy = himmelblau_gradient(x, y)
    return gx * math.cos(math.radians(theta)) + gy * math.sin(math.radians(theta))


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def test_angle_slider_changes_d_u_f(page, timings):
    goto(page, PAGE)
    assert read_metric(page, "D_u f (sympy)") == f"{d_u_f(1, 1, 30):.6g}" == "-58.8372"
    steps = iter([30.1, 30.0, 30.1])                                # one arrow key each (θ moves in 0.1° steps)
    times = best_of(lambda: timed_change(page, lambda: set_slider(page, "theta", next(steps))), INTERACTION_LIMIT_S)
    elapsed = min(times)
    timings["interactions"]["directional: θ slider one step -> charts redrawn"] = round(elapsed, 3)
    theta = slider_value(page, "theta")
    assert read_metric(page, "D_u f (sympy)") == f"{d_u_f(1, 1, theta):.6g}"
    set_slider(page, "theta", 220)                                  # ≈ φ: the steepest way up
    assert read_metric(page, "D_u f (sympy)") == f"{d_u_f(1, 1, 220):.6g}"
    assert read_metric(page, "D_u f (torch)") == f"{d_u_f(1, 1, 220):.6g}"
    assert number(read_metric(page, "D_u f (sympy)")) == pytest.approx(math.hypot(46, 38), rel=1e-3)
    assert any(f"{d_u_f(1, 1, 220):.10g}" in tex for tex in latex_text(page))
    # the limit table is a dataframe, drawn a moment after the metrics: wait for the θ = 220° one
    quotients = wait_until(page, lambda: [number(q) for q in table_column(page, "(f(P+hu) − f(P)) / h")],
                           lambda q: len(q) > 5 and q[5] > 0, "the limit table for θ = 220°")
    assert quotients[5] == pytest.approx(d_u_f(1, 1, 220), abs=1e-4)     # h = 1e-6
    assert_page_ok(page)
    assert elapsed < INTERACTION_LIMIT_S, f"θ slider -> charts took {elapsed:.2f} s (limit {INTERACTION_LIMIT_S} s)"


def test_step_downhill_moves_p_and_lowers_f(page):
    goto(page, PAGE)
    assert read_metric(page, "f(P)") == "106"
    before = runs_finished(page)
    page.get_by_role("button", name="Step downhill").click()
    wait_idle(page, after=before)
    x, y = 1 + 0.01 * 46, 1 + 0.01 * 38                            # P − η∇f(P), η = 0.01, ∇f(1, 1) = (−46, −38)
    wait_until(page, lambda: slider_value(page, "px"), lambda v: v == pytest.approx(x), "P to move")
    assert slider_value(page, "py") == pytest.approx(y)
    assert page.locator('[class*="st-key-px_n"] input').input_value() == f"{x:.4f}"
    assert read_metric(page, "f(P)") == f"{himmelblau(x, y):.6g}"
    assert himmelblau(x, y) < 106
    assert page.get_by_text("Last step: f went from 106 to").count() == 1
    before = runs_finished(page)
    page.get_by_role("button", name="Step downhill").click()                      # and again: still downhill
    wait_idle(page, after=before)
    assert number(read_metric(page, "f(P)")) < himmelblau(x, y)
    assert_page_ok(page)
    screenshot(page, "directional-after-two-steps")


def test_typed_coordinate_moves_the_slider(page):
    goto(page, PAGE)
    box = page.locator('[class*="st-key-px_n"] input')
    before = runs_finished(page)
    box.fill("2.5")
    box.press("Enter")
    wait_idle(page, after=before)
    wait_until(page, lambda: slider_value(page, "px"), lambda v: v == 2.5, "the slider to follow the number input")
    assert read_metric(page, "D_u f (sympy)") == f"{d_u_f(2.5, 1, 30):.6g}"
    assert_page_ok(page)


def test_kink_shows_the_one_sided_limit(page):
    goto(page, PAGE)
    type_formula(page, "sqrt(x^2+y^2)")
    set_slider(page, "px", 0.0)
    set_slider(page, "py", 0.0)
    assert formula_text(page) == "sqrt(x^2+y^2)"
    assert read_metric(page, "f(P)") == "0"
    warnings = wait_until(page, lambda: page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts(), bool,
                          "the warning about the kink")
    assert "not differentiable at P" in warnings[0]
    assert read_metric(page, "one-sided limit") == "1"                # the cone rises at slope 1 in every direction
    assert_page_ok(page)
    screenshot(page, "directional-cone-tip")


def test_undefined_point_is_a_message_and_charts_still_draw(page):
    goto(page, PAGE, query={"f": "log(x)+y"})
    set_slider(page, "px", -1.0)
    assert_page_ok(page, expected_errors=("f is not defined at P",))
    assert len(page.locator('[data-testid="stAlertContentError"]').all_inner_texts()) == 1
