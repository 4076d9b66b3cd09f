"""The Gradient page through its real UI: the point sliders drive the partials, the second partials and the Hessian test.

Himmelblau f = (x²+y−11)² + (x+y²−7)²: f_xx = 12x² + 4y − 42, f_xy = f_yx = 4x + 4y, f_yy = 4x + 12y² − 26.
"""

from __future__ import annotations

import pytest

from .helpers import (
    INTERACTION_LIMIT_S,
    VIEWPORT,
    assert_page_ok,
    best_of,
    goto,
    read_metric,
    runs_finished,
    screenshot,
    set_slider,
    table_column,
    timed_change,
    type_formula,
    wait_idle,
    wait_table_column,
    wait_until,
)

pytestmark = pytest.mark.browser

PAGE = "Gradient"


def numbers(cells: list[str]) -> list[float]:
    return [float(c.replace("−", "-")) for c in cells]


def test_point_sliders_drive_partials_and_second_partials(page, timings):
    goto(page, PAGE)
    assert (read_metric(page, "∂f/∂x at P"), read_metric(page, "∂f/∂y at P")) == ("-46", "-38")
    wait_table_column(page, "sympy at P", lambda v: numbers(v) == [-26, 8, 8, -10], "the second partials at (1, 1)")
    assert numbers(table_column(page, "torch at P")) == [-26, 8, 8, -10]
    steps = iter([1.01, 1.0, 1.01])                                 # one arrow key each
    times = best_of(lambda: timed_change(page, lambda: set_slider(page, "px", next(steps))), INTERACTION_LIMIT_S)
    elapsed = min(times)
    timings["interactions"]["gradient: point slider one step -> charts redrawn"] = round(elapsed, 3)
    set_slider(page, "px", 3.0)                                  # a published minimum, (3, 2)
    set_slider(page, "py", 2.0)
    assert (read_metric(page, "∂f/∂x at P"), read_metric(page, "∂f/∂y at P")) == ("0", "0")
    wait_until(page, lambda: numbers(table_column(page, "sympy at P")), lambda v: v == [74, 20, 20, 34],
               "the second partials at (3, 2)")                # the table's text follows its canvas a moment later
    info = page.locator('[data-testid="stAlertContentInfo"]').inner_text()
    assert "Minimum" in info and "critical point" in info
    assert_page_ok(page)
    screenshot(page, "gradient-at-himmelblau-minimum")
    assert elapsed < INTERACTION_LIMIT_S, f"slider -> charts took {elapsed:.2f} s (limit {INTERACTION_LIMIT_S} s)"


def test_saddle_and_mixed_partials(page):
    goto(page, PAGE, query={"f": "x^2-y^2"})
    set_slider(page, "px", 0.0)
    set_slider(page, "py", 0.0)
    assert "Saddle" in page.locator('[data-testid="stAlertContentInfo"]').inner_text()
    assert "equal" in page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    assert_page_ok(page)


def test_snap_p_to_a_published_minimum(page):
    goto(page, PAGE)
    set_slider(page, "px", -2.81)
    set_slider(page, "py", 3.13)                              # slider precision: not a critical point yet
    before = runs_finished(page)
    page.get_by_role("button", name="Snap P to the nearest critical point").click()
    wait_idle(page, after=before)
    wait_until(page, lambda: read_metric(page, "∂f/∂x at P"), lambda v: v in ("0", "-0") or "e-" in v, "∂f/∂x ≈ 0")
    info = page.locator('[data-testid="stAlertContentInfo"]').inner_text()
    assert "Minimum" in info and "critical point" in info
    assert "(-2.805118" in page.locator('[data-testid="stCaptionContainer"]', has_text="P moved").inner_text()
    assert_page_ok(page)
    screenshot(page, "gradient-snapped-to-a-minimum")


def test_three_variables(page):
    goto(page, PAGE)
    type_formula(page, "x y z")
    set_slider(page, "px", 1.0)
    set_slider(page, "py", 2.0)
    set_slider(page, "pz", 3.0)
    assert [read_metric(page, f"∂f/∂{v} at P") for v in "xyz"] == ["6", "3", "2"]
    wait_table_column(page, "sympy at P", lambda col: len(col) == 9, "nine second partials of x y z")
    assert page.locator('[data-testid="stAlertContentSuccess"]').count() == 3
    assert_page_ok(page)


# The gradient field's legend (its title and every entry) as boxes, and the chart's own box, in CSS pixels.
_FIELD_LEGEND_JS = """() => {
  const gd = document.querySelector('.st-key-fig_field .js-plotly-plot');
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return [box(gd), [...gd.querySelectorAll('.legend .legendtitletext, .legend .traces')].map(box)];
}"""


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 1920, "height": 1080},
                                      {"width": 390, "height": 844}], ids=["projector", "full-hd", "phone"])
def test_gradient_field_legend_fits_inside_its_chart(page, viewport):
    """Issue 16: the legend's title took a column of its own and pushed the entries past the chart's right edge."""
    page.set_viewport_size(viewport)
    try:
        goto(page, PAGE)
        page.locator(".st-key-fig_field").scroll_into_view_if_needed()
        (left, top, right, bottom), entries = page.evaluate(_FIELD_LEGEND_JS)
        assert len(entries) == 6                          # the title, four |∇f| bands and P
        outside = [e for e in entries if e[0] < left - 1 or e[2] > right + 1 or e[1] < top - 1 or e[3] > bottom + 1]
        assert outside == [], f"legend entries outside the chart [{left:.0f}, {right:.0f}] px: {outside}"
    finally:
        page.set_viewport_size(VIEWPORT)
