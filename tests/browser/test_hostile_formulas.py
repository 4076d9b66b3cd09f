"""Issue 12's table typed into the formula box of two pages in Chromium: a sentence (or the formula drawn), never an
exception box, and the page answers."""

from __future__ import annotations

import pytest

from .helpers import assert_page_ok, error_alerts, exceptions, goto, latex_text, screenshot, type_formula

pytestmark = pytest.mark.browser

SIGMOID8 = "sigmoid(" * 8 + "x" + ")" * 8
# typed -> a fragment of the sentence the page shows (None: the formula is drawn)
TABLE = {
    "x" + "*1e15" * 21: "keep constants below 1e100",
    "0^x": "0 to a variable power",
    "(-1)^x": "negative base to a variable power",
    "relu(x)^2": None,
    "x*((3^53/2^84)^100)^100": "too many exact digits",
    "sin(((3^53/2^84)^100)^100 x)": "too many exact digits",
    SIGMOID8: None,
    "x^2+y^2，": "full-width comma",
}


@pytest.mark.parametrize("page_name", ["app", "Gradient"])
def test_each_table_input_ends_in_a_sentence_or_its_formula(page, page_name):
    goto(page, page_name)
    for text, sentence in TABLE.items():
        type_formula(page, text)
        assert not exceptions(page), (text, exceptions(page))
        if sentence is None:
            assert_page_ok(page)
            assert any(r"\max" in tex or r"e^{- x}" in tex for tex in latex_text(page)), text
        else:
            alerts = " ".join(error_alerts(page))
            assert "This formula cannot be used" in alerts and sentence in alerts, (text, alerts)
            assert_page_ok(page, expected_errors=("This formula cannot be used",))
    screenshot(page, f"hostile_{page_name}")
