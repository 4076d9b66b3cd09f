"""AppTest: the hostile formulas of issues 12 and 13 typed into the formula box of every page.

Each ends in the page drawn with a sentence (the error above the last good formula) or with the new formula,
never an exception, and the rerun that reads it finishes within LIMIT_S (scaled by the load per core, as in
test_hostile_formulas.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from pagetest import open_page

from gradcore.budget import warm_up

pytestmark = pytest.mark.usefixtures("clean_caches")

LIMIT_S = 2.0 * max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
PAGES = ["app.py"] + sorted(f"pages/{p.name}" for p in (Path(__file__).resolve().parents[1] / "pages").glob("[!._]*.py"))

SIGMOID8 = "sigmoid(" * 8 + "x" + ")" * 8
# refused: the sentence must name the problem
REFUSED = {
    "x" + "*1e15" * 21: "keep constants below 1e100",
    "0^x": "0 to a variable power",
    "(-1)^x": "negative base to a variable power",
    "x*((3^53/2^84)^100)^100": "too many exact digits",
    "sin(((3^53/2^84)^100)^100 x)": "too many exact digits",
    "x*(((999999999999999/999999999999997)^100)^100)^100": "too many exact digits",
    "((1.000000000000001)^100)^100": "too many exact digits",
    "x + min(2, (-1)^(1e-20))": "negative number to a fractional power",
    "x^2+y^2，": "full-width comma",
}
# computed: the page draws the new formula
COMPUTED = ["relu(x)^2", "max(x,y)^4", "sign(log(x))", "abs(sqrt(x))", "abs(x^pi)", "abs(log(log(x)))", "1e-20x",
            "cosh(x^1.0000001)", "abs(sin(exp(x+1e15)))", SIGMOID8, "max(x,y,z)*(x+y+z)^100"]


@pytest.fixture(scope="module", autouse=True)
def worker():
    warm_up()


def errors(at) -> str:
    return " ".join(e.value for e in at.error)


def rerun_with(at, text: str) -> float:
    start = time.perf_counter()
    at.text_input(key="f").set_value(text).run()
    return time.perf_counter() - start


@pytest.mark.parametrize("page", PAGES)
def test_hostile_formulas_end_in_a_sentence_on_every_page(page):
    at = open_page(page)
    slow = {}
    for text, sentence in REFUSED.items():
        seconds = rerun_with(at, text)
        assert not at.exception, (text, [e.value for e in at.exception])
        assert "This formula cannot be used" in errors(at) and sentence in errors(at), (text, errors(at))
        assert any("Still showing the last formula that worked" in c.value for c in at.caption), text
        if seconds > LIMIT_S:
            slow[text] = round(seconds, 2)
    assert not slow, slow


@pytest.mark.parametrize("page", PAGES)
def test_formulas_that_once_crashed_are_drawn_on_every_page(page):
    at = open_page(page)
    slow = {}
    for text in COMPUTED:
        seconds = rerun_with(at, text)
        assert not at.exception, (text, [e.value for e in at.exception])
        assert "This formula cannot be used" not in errors(at), (text, errors(at))
        if seconds > LIMIT_S:
            slow[text] = round(seconds, 2)
    assert not slow, slow


def test_a_read_as_note_appears_under_the_box():
    at = open_page("app.py", formula="1/2x")
    assert any(c.value.startswith("Read as: /2x is read as (…/2)·x") for c in at.sidebar.caption)
    at.text_input(key="f").set_value("x^2+y^2，").run()
    code = [c.value for c in at.sidebar.code]
    assert code == ["x^2+y^2，\n       ^"]                         # the caret under the comma, column 8
