"""The home page through its real UI: the formula box, the presets, the point sliders, the navigation, a bad formula.

Expected numbers are worked out by hand: Himmelblau f = (x²+y−11)² + (x+y²−7)² at the default point P = (1, 1)
and at the lecture's start point (−4, 0); f = x² + 3y² and Rosenbrock (1−x)² + 100(y−x²)² at P = (1, 1).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from .helpers import (
    HOME,
    INTERACTION_LIMIT_S,
    assert_page_ok,
    best_of,
    discover_pages,
    error_alerts,
    exceptions,
    formula_text,
    goto,
    latex_text,
    navigate,
    read_metric,
    select_option,
    set_slider,
    slider_value,
    table_column,
    timed_change,
    type_formula,
    wait_until,
)

pytestmark = pytest.mark.browser

BOWL = "x^2+3y^2"
BOWL_LATEX = "= x^{2} + 3 y^{2}"         # sympy's LaTeX of the formula, after "f(x, y) =" or "&="


def himmelblau_gradient(x: float, y: float) -> tuple[float, float]:
    """∇f of Himmelblau's function."""
    return 4 * x * (x * x + y - 11) + 2 * (x + y * y - 7), 2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)


def numbers(cells: list[str]) -> list[float]:
    return [float(c.replace("−", "-")) for c in cells]


def wait_gradient_column(page, expected: tuple[float, ...]) -> None:
    """Wait until the check table's sympy column shows ∇f(P) = expected (the grid redraws a frame later)."""
    wait_until(page, lambda: numbers(table_column(page, "sympy")), lambda got: got == pytest.approx(expected, rel=1e-11),
               f"the check table to show ∇f(P) = {expected}")


def test_typed_formula_changes_latex_and_numbers(page, timings):
    goto(page, HOME)
    assert read_metric(page, "f(P)") == "106"
    seconds = timed_change(page, lambda: type_formula(page, BOWL))
    timings["interactions"]["app: type a new formula -> chart redrawn (no limit)"] = round(seconds, 3)
    assert BOWL_LATEX in " ".join(latex_text(page))
    assert read_metric(page, "f(P)") == "4"                        # 1 + 3
    wait_gradient_column(page, (2.0, 6.0))                          # (2x, 6y)
    assert parse_qs(urlparse(page.url).query)["f"] == [BOWL]        # the formula is in the link
    assert_page_ok(page)


def test_point_slider_updates_check_table_and_chart(page, timings):
    goto(page, HOME)
    wait_gradient_column(page, himmelblau_gradient(1.0, 1.0))      # (−46, −38) at the default P
    steps = iter([1.01, 1.0, 1.01])                                 # one arrow key each
    times = best_of(lambda: timed_change(page, lambda: set_slider(page, "px", next(steps))), INTERACTION_LIMIT_S)
    timings["interactions"]["app: point slider one step -> chart redrawn"] = round(min(times), 3)
    wait_gradient_column(page, himmelblau_gradient(slider_value(page, "px"), 1.0))
    set_slider(page, "x₀", -4.0)                                    # by label, a long way: a click, then arrows
    set_slider(page, "py", 0.0)
    assert read_metric(page, "f(P)") == "146"                       # the lecture's start point (−4, 0): 25 + 121
    wait_gradient_column(page, (-102.0, 10.0))
    assert_page_ok(page)
    assert min(times) < INTERACTION_LIMIT_S, f"slider -> chart took {min(times):.2f} s (limit {INTERACTION_LIMIT_S} s)"


def test_preset_fills_the_formula_box(page):
    goto(page, HOME)
    select_option(page, "preset", "Rosenbrock")
    assert formula_text(page) == "(1-x)^2+100(y-x^2)^2"
    assert read_metric(page, "f(P)") == "0"                         # its published minimum is P = (1, 1)
    wait_gradient_column(page, (0.0, 0.0))
    assert_page_ok(page)


def test_formula_from_the_link(page):
    goto(page, HOME, query={"f": BOWL})
    assert formula_text(page) == BOWL
    assert BOWL_LATEX in " ".join(latex_text(page))
    assert_page_ok(page)


def test_formula_kept_across_pages(page):
    others = [p for p in discover_pages() if p.name != HOME]
    if not others:
        pytest.skip("no page in pages/ to navigate to yet")
    goto(page, HOME)
    type_formula(page, BOWL)
    navigate(page, others[0].name)
    assert_page_ok(page)
    if page.locator(".st-key-f input").count():
        assert formula_text(page) == BOWL
    navigate(page, HOME)
    assert formula_text(page) == BOWL
    assert BOWL_LATEX in " ".join(latex_text(page))


def test_bad_formula_shows_a_sentence_not_a_traceback(page):
    goto(page, HOME)
    latex_before = latex_text(page)
    type_formula(page, "x^2+*y")
    alerts = wait_until(page, lambda: error_alerts(page), bool, "an st.error about the formula")
    assert len(alerts) == 1
    assert re.search(r"[A-Za-z]+ [a-z]+ [a-z]+.*[.:]", alerts[0]), f"not a sentence: {alerts[0]!r}"
    assert not exceptions(page)
    assert "Traceback" not in page.locator('[data-testid="stApp"]').inner_text()
    assert latex_text(page) == latex_before                        # the last good formula stays on screen
    assert read_metric(page, "f(P)") == "106"
    assert_page_ok(page, expected_errors=(alerts[0],))
