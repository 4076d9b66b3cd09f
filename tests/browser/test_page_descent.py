"""The Gradient descent page through its real UI: the optimizer changes the path, the lecture's worked example, a click
on the map sets the start, the play button animates without reruns, a diverging run warns.

Expected numbers: SGD and Adam from (−4, 0) with γ = 0.001 on Himmelblau, (x²+y−11)² + (x+y²−7)²; the lecture's
Adam run ends at (−3.7793, −3.2832), next to the published minimum (−3.779310, −3.283186).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .helpers import (
    FIRST_LOAD_TIMEOUT_S,
    INTERACTION_LIMIT_S,
    TIMEOUT_S,
    assert_page_ok,
    best_of,
    chart_pixel,
    chart_trace,
    goto,
    read_metric,
    runs_finished,
    screenshot,
    set_slider,
    slider_value,
    stamp_charts,
    timed_change,
    wait_charts_changed,
    wait_charts_drawn,
    wait_idle,
    wait_table_column,
    wait_until,
)

pytestmark = pytest.mark.browser

PAGE = "Gradient_descent"
LECTURE_FINAL = "(-3.7793, -3.2832)"



def choose(page, key: str, option: str) -> None:
    """Pick an option of a selectbox by typing it and pressing Enter; wait for the rerun."""
    before = runs_finished(page)
    box = page.locator(f".st-key-{key} input")
    box.click()
    box.fill(option)
    page.keyboard.press("Enter")
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def type_number(page, key: str, value: str) -> None:
    before = runs_finished(page)
    box = page.locator(f".st-key-{key} input")
    box.fill(value)
    box.press("Enter")
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def test_optimizer_choice_changes_the_trajectory(page, timings):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    adam = chart_trace(page, "fig_map", "Adam, γ = 0.001")
    assert (adam["x"][0], adam["y"][0]) == (-4.0, 0.0) and len(adam["x"]) == 1001
    assert read_metric(page, "final point") != LECTURE_FINAL                # 1,000 Adam steps of 0.001 stop short
    stamp, start = stamp_charts(page), time.perf_counter()
    choose(page, "opt", "SGD (gradient descent")
    wait_charts_changed(page, stamp)
    timings["interactions"]["descent: optimizer -> charts redrawn"] = round(time.perf_counter() - start, 3)
    sgd = chart_trace(page, "fig_map", "SGD, γ = 0.001")
    assert chart_trace(page, "fig_map", "Adam, γ = 0.001") is None
    assert (sgd["x"][0], sgd["y"][0]) == (-4.0, 0.0)
    assert abs(sgd["x"][-1] - adam["x"][-1]) > 0.1
    assert read_metric(page, "final point") == LECTURE_FINAL                # SGD's larger first steps get there
    assert read_metric(page, "known minimum reached") == "(-3.7793, -3.2832)"
    assert_page_ok(page)


def test_worked_example_button_shows_the_lecture_final_point(page):
    goto(page, PAGE, query={"f": "x^2+y^2"}, timeout=FIRST_LOAD_TIMEOUT_S)
    before = runs_finished(page)
    page.get_by_role("button", name="Load the lecture's worked example").click()
    wait_idle(page, after=before, timeout=60)
    wait_charts_drawn(page)
    assert page.locator('.st-key-f input').input_value() == "(x^2+y-11)^2+(x+y^2-7)^2"
    assert read_metric(page, "final point") == LECTURE_FINAL
    assert read_metric(page, "known minimum reached") == "(-3.7793, -3.2832)"
    lecture_log = [str(s) for s in range(0, 20_001, 2_000)]                  # the log, as the lecture prints it
    wait_table_column(page, "step", lambda steps: steps == lecture_log, "the log every 2,000 steps", index=1)
    assert_page_ok(page)
    screenshot(page, "Gradient_descent-worked-example")
    page.get_by_text("The lecture's loop: its printout beside this page's log").click()
    printed = page.get_by_text("step 2000: x = [-3.526560068130493, -2.500243663787842], f(x) = 19.450292587280273")
    printed.wait_for(timeout=TIMEOUT_S * 1000)       # torch.optim.Adam's float32 printout at step 2000
    assert page.get_by_text("Why f reaches 7.9e-31 in one and 0. in the other.").is_visible()
    printed.scroll_into_view_if_needed()
    screenshot(page, "Gradient_descent-lecture-loop")


def test_click_on_the_map_sets_the_start(page, timings):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    x, y = chart_pixel(page, "fig_map", 2.0, 2.5)
    before, stamp, start = runs_finished(page), stamp_charts(page), time.perf_counter()
    page.mouse.click(x, y)
    wait_idle(page, after=before)
    wait_charts_changed(page, stamp)
    timings["interactions"]["descent: click on the map -> new start drawn"] = round(time.perf_counter() - start, 3)
    assert (slider_value(page, "sx"), slider_value(page, "sy")) == (2.0, 2.5)
    path = chart_trace(page, "fig_map", "Adam, γ = 0.001")
    assert (path["x"][0], round(path["y"][0], 4)) == (2.0, 2.5)
    assert_page_ok(page)


def test_play_animates_in_the_browser_without_reruns(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    heads = chart_trace(page, "fig_map", "animated heads")
    assert heads["text"][0] == "step 1,000"
    runs = runs_finished(page)
    page.locator(".st-key-fig_map .updatemenu-button").filter(has_text="Play").click()
    seen = wait_until(page, lambda: chart_trace(page, "fig_map", "animated heads")["text"][0], lambda t: t != "step 1,000",
                      "the animation to start")
    assert seen.startswith("step ")
    wait_until(page, lambda: chart_trace(page, "fig_map", "animated heads"), lambda h: h["text"][0] == "step 1,000",
               "the animation to reach the last step", timeout=TIMEOUT_S)
    final = chart_trace(page, "fig_map", "animated heads")
    path = chart_trace(page, "fig_map", "Adam, γ = 0.001")
    assert (final["x"][0], final["y"][0]) == pytest.approx((path["x"][-1], path["y"][-1]))
    assert runs_finished(page) == runs                                      # no script run while it played
    assert_page_ok(page)


def test_sliders_redraw_and_a_diverging_run_warns(page, timings):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)

    def move(key: str, value: float) -> float:
        return timed_change(page, lambda: set_slider(page, key, value))

    scrub = iter([1, 2, 3])
    scrub_s = min(best_of(lambda: move("scrub", next(scrub)), INTERACTION_LIMIT_S))
    timings["interactions"]["descent: step scrubber one step -> charts redrawn"] = round(scrub_s, 3)
    assert read_metric(page, "|Δx|") != "—"
    starts = iter([0.01, 0.02])
    # a new start redraws every chart, the 3-D surface (WebGL) too: recorded, not limited
    timings["interactions"]["descent: start slider one step -> charts redrawn"] = round(
        min(move("sy", next(starts)) for _ in range(2)), 3)
    choose(page, "opt", "SGD (gradient descent")
    type_number(page, "lr", "1")
    assert slider_value(page, "lr_s") == 15                                # the slider's last grid point, γ = 1
    warning = page.locator('[data-testid="stAlertContentWarning"]').inner_text()
    assert "Diverged at step 5" in warning and "Lower the learning rate (try 0.1)" in warning
    path = chart_trace(page, "fig_map", "SGD, γ = 1")
    assert len(path["x"]) == 5 and path["x"][0] == -4.0
    assert_page_ok(page)
    screenshot(page, "Gradient_descent-diverged")
    assert scrub_s < INTERACTION_LIMIT_S, f"step scrubber -> charts took {scrub_s:.2f} s (limit {INTERACTION_LIMIT_S} s)"


def test_csv_download_holds_the_whole_trajectory(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    with page.expect_download(timeout=TIMEOUT_S * 1000) as download:
        page.get_by_role("button", name="Download the whole trajectory (CSV)").click()
    assert download.value.suggested_filename == "trajectory.csv"
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0] == "step,x,y,f,grad_x,grad_y,grad_norm,exp_avg_x,exp_avg_y,exp_avg_sq_x,exp_avg_sq_y"
    assert len(lines) == 1 + 1001                                           # steps 0 … 1,000
    assert lines[1].split(",")[:6] == ["0", "-4", "0", "146", "-102", "10"]  # f(−4, 0) = 146, ∇f = (−102, 10)
    assert lines[-1].startswith("1000,")
    assert_page_ok(page)
