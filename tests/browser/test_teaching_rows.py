"""Issue 19's teaching rows through the real UI: the θ buttons, the hiker and the downhill trail (Directional
derivative), the f_xy ≠ f_yx counterexample (Gradient), the saddle's cuts and a click on momentum's phase diagram
(Landscape).

Expected numbers are worked out here by hand from Himmelblau, f = (x²+y−11)² + (x+y²−7)², ∇f(1, 1) = (−46, −38).
"""

from __future__ import annotations

import math

import pytest

from .helpers import (
    FIRST_LOAD_TIMEOUT_S,
    INTERACTION_LIMIT_S,
    assert_page_ok,
    best_of,
    chart_pixel,
    chart_trace,
    goto,
    read_metric,
    runs_finished,
    screenshot,
    slider_value,
    stamp_charts,
    timed_change,
    wait_charts_changed,
    wait_charts_drawn,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser



def himmelblau(x: float, y: float) -> float:
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def himmelblau_gradient(x: float, y: float) -> tuple[float, float]:
    return 4 * x * (x * x + y - 11) + 2 * (x + y * y - 7), 2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)


def click_button(page, name: str) -> None:
    before = runs_finished(page)
    page.get_by_role("button", name=name).click()
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def test_theta_buttons_the_hiker_and_the_downhill_trail(page, timings):
    goto(page, "Directional_derivative", timeout=FIRST_LOAD_TIMEOUT_S)
    hiker = chart_trace(page, "fig_surface", "hiker")
    assert hiker["text"] == ["hiker: D_u f = -58.84 (downhill)"]                       # θ = 30°: −46 cos 30° − 38 sin 30°
    buttons = iter(["θ → ∇f (steepest up)", "θ → −∇f (steepest down)", "θ → ∇f (steepest up)"] * 2)
    times = best_of(lambda: timed_change(page, lambda: click_button(page, next(buttons))), INTERACTION_LIMIT_S)
    if len(times) % 2 == 0:                                                            # end on θ → ∇f
        click_button(page, next(buttons))
    seconds = min(times)
    timings["interactions"]["directional: θ → ±∇f button -> charts redrawn"] = round(seconds, 3)
    phi = math.degrees(math.atan2(-38, -46)) % 360                                     # 219.56°
    assert slider_value(page, "theta") == pytest.approx(round(phi, 1))
    assert float(read_metric(page, "D_u f (sympy)")) == pytest.approx(math.hypot(46, 38), rel=1e-6)
    assert chart_trace(page, "fig_surface", "hiker")["text"] == [f"hiker: D_u f = +{math.hypot(46, 38):.4g} (uphill)"]
    click_button(page, "θ → −∇f (steepest down)")
    assert slider_value(page, "theta") == pytest.approx(round(phi - 180, 1))
    assert float(read_metric(page, "D_u f (sympy)")) == pytest.approx(-math.hypot(46, 38), rel=1e-6)

    trail = [(1.0, 1.0)]
    for _ in range(3):
        click_button(page, "Step downhill")
        x, y = trail[-1]
        gx, gy = himmelblau_gradient(x, y)
        trail.append((x - 0.01 * gx, y - 0.01 * gy))                                   # η = 0.01
    level = wait_until(page, lambda: chart_trace(page, "fig_level", "trail of 3 steps"), bool, "the trail on the map")
    assert level["x"] + level["y"] == pytest.approx([x for x, _ in trail] + [y for _, y in trail], rel=1e-9)
    assert level["text"] == [f"f = {himmelblau(x, y):.4g}" for x, y in trail]
    surface = chart_trace(page, "fig_surface", "trail of 3 steps")
    assert surface["z"] == pytest.approx([himmelblau(x, y) for x, y in trail], rel=1e-6)
    assert page.get_by_text("Trail of 3 downhill steps: f = 106 →").is_visible()
    assert_page_ok(page)
    screenshot(page, "Directional_derivative-hiker-trail")
    assert seconds < INTERACTION_LIMIT_S


def test_gradient_table_and_the_counterexample(page):
    goto(page, "Gradient", timeout=FIRST_LOAD_TIMEOUT_S)
    assert page.get_by_role("cell", name="∇f(P) = (-46, -38)").is_visible()
    before = runs_finished(page)
    page.get_by_text("Show the counterexample where f_xy ≠ f_yx").click()
    wait_idle(page, after=before, timeout=FIRST_LOAD_TIMEOUT_S)
    warning = page.get_by_text("f_xy(0, 0) = -1 but f_yx(0, 0) = 1.")
    warning.wait_for()
    assert "f_xy is not continuous at the origin" in warning.inner_text()
    assert_page_ok(page)
    warning.scroll_into_view_if_needed()
    screenshot(page, "Gradient-counterexample")


def test_saddle_cuts_and_a_click_on_the_phase_diagram(page, timings):
    goto(page, "Landscape", timeout=FIRST_LOAD_TIMEOUT_S)
    along_x = chart_trace(page, "ls_fig_saddle_curves", "along (1, 0): a minimum")
    assert along_x["y"] == pytest.approx([t * t for t in along_x["x"]], abs=1e-9)       # f(t, 0) = t²
    along_y = chart_trace(page, "ls_fig_saddle_curves", "along (0, 1): a maximum")
    assert along_y["y"] == pytest.approx([-t * t for t in along_y["x"]], abs=1e-9)      # f(0, t) = −t²
    opened = runs_finished(page)
    page.get_by_role("tab", name="③ Momentum").click()               # only the open tab is computed: the click runs it
    wait_idle(page, after=opened)
    wait_charts_drawn(page)
    assert read_metric(page, "the optimum").startswith("lr ")
    lam_max = 54 + math.sqrt(800)                                                      # H(3, 2) = [[74, 20], [20, 34]]
    step, momentum = 4 / lam_max * 0.5, 0.5                                            # a point of the click grid
    page.locator(".st-key-ls_fig_rate").scroll_into_view_if_needed()
    x, y = chart_pixel(page, "ls_fig_rate", step, momentum)
    before, stamp = runs_finished(page), stamp_charts(page)
    page.mouse.click(x, y)
    wait_idle(page, after=before)
    wait_charts_changed(page, stamp)
    setting = read_metric(page, "your setting")
    lr_text, mu_text = setting.removeprefix("lr ").split(", μ ")
    assert float(lr_text) == pytest.approx(step, rel=0.05) and float(mu_text) == pytest.approx(momentum, abs=0.03)
    run = chart_trace(page, "ls_fig_rate_run", "heavy ball")
    assert (run["x"][0], run["y"][0]) == (1.0, 1.0) and len(run["x"]) == 201              # from P, 200 steps
    gx, gy = himmelblau_gradient(1, 1)
    assert (run["x"][1], run["y"][1]) == pytest.approx((1 - float(lr_text) * gx, 1 - float(lr_text) * gy), rel=1e-3)
    assert_page_ok(page)
    screenshot(page, "Landscape-phase-diagram")
