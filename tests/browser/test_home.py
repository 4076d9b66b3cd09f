"""The home page through its real UI: the formula box, the presets, the preview of f(P) and ∇f(P), the navigation, a bad
formula. (The point sliders and the check table it used to repeat are tested on their pages: test_gradient_from_home.py.)

Expected numbers are worked out by hand: Himmelblau f = (x²+y−11)² + (x+y²−7)² at the default point P = (1, 1)
and at the lecture's start point (−4, 0); f = x² + 3y² and Rosenbrock (1−x)² + 100(y−x²)² at P = (1, 1).
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest

from .helpers import (
    HOME,
    assert_page_ok,
    discover_pages,
    error_alerts,
    exceptions,
    formula_text,
    goto,
    latex_text,
    navigate,
    read_metric,
    select_option,
    type_formula,
    wait_until,
)

pytestmark = pytest.mark.browser

BOWL = "x^2+3y^2"
BOWL_LATEX = "= x^{2} + 3 y^{2}"         # sympy's LaTeX of the formula, after "f(x, y) =" or "&="


def test_typed_formula_changes_latex_and_numbers(page, timings):
    goto(page, HOME)
    assert read_metric(page, "f(P)") == "106"
    start = time.perf_counter()
    type_formula(page, BOWL)                                        # returns when the run it started has finished
    timings["interactions"]["app: type a new formula -> page updated (no limit)"] = round(time.perf_counter() - start, 3)
    assert BOWL_LATEX in " ".join(latex_text(page))
    assert read_metric(page, "f(P)") == "4"                        # 1 + 3
    assert read_metric(page, "∇f(P)") == "(2, 6)"                   # (2x, 6y)
    assert parse_qs(urlparse(page.url).query)["f"] == [BOWL]        # the formula is in the link
    assert_page_ok(page)


def test_home_is_the_outline_not_the_gradient_page(page):
    goto(page, HOME)
    assert page.get_by_role("link", name=re.compile(r"^§ 1 · ")).is_visible()
    assert page.get_by_role("link", name=re.compile(r"^§ 8 · ")).count() == 1
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('[data-testid="stSlider"], [data-testid="stDataFrame"], .js-plotly-plot').count() == 0
    assert read_metric(page, "∇f(P)") == "(-46, -38)"               # Himmelblau's ∇f at the default P = (1, 1)
    assert_page_ok(page)


def test_preset_fills_the_formula_box(page):
    goto(page, HOME)
    select_option(page, "preset", "Rosenbrock")
    assert formula_text(page) == "(1-x)^2+100(y-x^2)^2"
    assert read_metric(page, "f(P)") == "0"                         # its published minimum is P = (1, 1)
    assert read_metric(page, "∇f(P)") == "(0, 0)"
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
