"""Issue 12's table typed into the formula box of two pages in Chromium: a sentence (or the formula drawn), never an
exception box, and the page answers."""

from __future__ import annotations

import pytest
from hostile_inputs import REFUSED, SIGMOID8

from .helpers import assert_page_ok, error_alerts, exceptions, goto, latex_text, screenshot, type_formula

pytestmark = pytest.mark.browser

# issue 12's table: typed -> a fragment of the sentence the page shows (None: the formula is drawn)
TABLE = {**{text: REFUSED[text] for text in list(REFUSED)[:5]}, "relu(x)^2": None, SIGMOID8: None,
         "x^2+y^2，": REFUSED["x^2+y^2，"]}


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
