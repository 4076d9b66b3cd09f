"""The Landscape page through its real UI: critical points, the basin map's controls, the three levers, saddles, bad input.

Himmelblau's four published minima, its stability limit 2/λ_max at (3, 2) (λ_max = 54 + √800, the Hessian there is
[[74, 20], [20, 34]]) and the saddle x² − y²'s escape time ⌈ln(1/ε) / ln(1 + 2 lr)⌉ are worked out here by hand.
"""

from __future__ import annotations

import math

import pytest

from .helpers import (
    FIRST_LOAD_TIMEOUT_S,
    INTERACTION_LIMIT_S,
    assert_page_ok,
    best_of,
    goto,
    read_metric,
    runs_finished,
    screenshot,
    set_slider,
    slider_value,
    table_column,
    timed_change,
    type_formula,
    wait_charts_drawn,
    wait_idle,
    wait_table_column,
    wait_until,
)

pytestmark = pytest.mark.browser

PAGE = "Landscape"
LR_OPTIONS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)   # the ls_lr select slider
SADDLE_LRS = (0.02, 0.05, 0.1, 0.2, 0.3)                                                          # the sd_lr select slider


# Every visit waits up to FIRST_LOAD_TIMEOUT_S: the page draws eight charts, and whichever test comes first fills the
# caches (critical points, a 150² basin map, the sweeps).  Speed is asserted separately (test_pages.py, the lr change).


def choose(page, key: str, option: str) -> None:
    """Pick an option of the selectbox with this key and wait for the run it causes."""
    before = runs_finished(page)
    page.locator(f'.st-key-{key} [data-testid="stSelectbox"]').click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def open_tab(page, name: str) -> None:
    """Show a lever's tab: only the open tab is computed, so the click runs the levers' region; wait for it."""
    before = runs_finished(page)
    page.get_by_role("tab", name=name).click()
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def basin_titles(page) -> list[str]:
    """The title of the basin map as drawn (while plotly swaps figures there can briefly be two)."""
    return page.locator(".st-key-ls_fig_basins .gtitle").all_text_contents()


def wait_basin_title(page, prefix: str) -> None:
    wait_until(page, lambda: basin_titles(page), lambda t: bool(t) and all(x.startswith(prefix) for x in t),
               f"the basin map titled {prefix!r}")


def test_critical_points_and_published_minima(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    assert (read_metric(page, "minima"), read_metric(page, "saddles"), read_metric(page, "maxima")) == ("4", "4", "1")
    assert "Published minima found: 4 of 4" in page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    kinds = wait_table_column(page, "kind", lambda k: len(k) == 9, "the nine critical points")
    assert kinds.count("minimum") == 4 and kinds.count("saddle") == 4 and kinds.count("maximum") == 1
    assert table_column(page, "published").count("✓") == 4
    assert "(-0.270845, -0.923039)" in table_column(page, "point")
    open_tab(page, "② Learning rate")
    assert read_metric(page, "stability limit 2/λ_max") == f"{2 / (54 + math.sqrt(800)):.3g}" == "0.0243"
    assert_page_ok(page)
    screenshot(page, "landscape-himmelblau")


def test_learning_rate_and_optimizer_redraw_the_basin_map(page, timings):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    wait_basin_title(page, "Adam, lr = 0.1, 500 steps")
    lrs = iter([0.05, 0.02, 0.01])               # one step each; a new lr is a new map of 22,500 descents, none cached
    times = best_of(lambda: timed_change(page, lambda: set_slider(page, "ls_lr", LR_OPTIONS.index(next(lrs)))),
                    INTERACTION_LIMIT_S)
    elapsed = min(times)
    timings["interactions"]["landscape: lr -> 150² basin map redrawn"] = [round(t, 3) for t in times]
    lr = f"{LR_OPTIONS[int(slider_value(page, 'ls_lr'))]:g}"
    wait_basin_title(page, f"Adam, lr = {lr}, 500 steps")
    choose(page, "ls_opt", "SGD")
    set_slider(page, "ls_lr", LR_OPTIONS.index(5.0))                # far above 2/λ_max: everything diverges
    wait_basin_title(page, "SGD, lr = 5, 500 steps")
    warning = page.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
    assert "Every start diverged at lr = 5:" in warning and "Move the learning-rate slider down" in warning
    assert page.locator(".st-key-ls_fig_basins .legendtext", has_text="diverged: 100%").count() == 1
    assert_page_ok(page)
    assert elapsed < INTERACTION_LIMIT_S, f"lr -> basin map took {elapsed:.2f} s (limit {INTERACTION_LIMIT_S} s)"


def test_momentum_lever_rolls_into_the_deep_well(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    open_tab(page, "③ Momentum")
    assert read_metric(page, "plain SGD → momentum") == "B → A"
    set_slider(page, "lm_mu", 0.0)                                  # no momentum: both runs stop in the shallow well
    assert read_metric(page, "plain SGD → momentum") == "B → B"
    assert_page_ok(page)


def test_saddle_escape_time(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    assert read_metric(page, "steps to escape") == "76" == str(math.ceil(math.log(1e6) / math.log(1.2)))
    set_slider(page, "sd_lr", SADDLE_LRS.index(0.2))
    expected = math.ceil(math.log(1e6) / math.log(1.4))
    assert read_metric(page, "steps to escape") == read_metric(page, "predicted") == str(expected)
    before = runs_finished(page)
    page.locator(".st-key-sd_fn").get_by_text("x³ − 3xy² (monkey)").click()
    wait_idle(page, after=before)
    assert read_metric(page, "predicted") == "—"
    assert int(read_metric(page, "steps to escape")) > 5 * expected
    assert_page_ok(page)
    screenshot(page, "landscape-monkey-saddle")


def test_bad_landscape_is_a_sentence_and_a_partial_picture(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    type_formula(page, "log(x)+y^2")
    wait_charts_drawn(page)
    infos = page.locator('[data-testid="stAlertContentInfo"]').all_inner_texts()
    assert any("No critical point" in i for i in infos)
    assert any("unusable" in w for w in page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts())
    assert_page_ok(page)
    type_formula(page, "x^3-3x")                                    # one variable: the reduced view
    wait_charts_drawn(page)
    wait_table_column(page, "kind", lambda kinds: sorted(kinds) == ["maximum", "minimum"], "x³ − 3x's maximum and minimum")
    assert page.locator(".st-key-ls_fig_basins").count() == 0
    assert_page_ok(page)
