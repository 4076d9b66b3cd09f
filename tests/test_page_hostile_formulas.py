"""AppTest: the hostile formulas of issues 12 and 13 typed into the formula box of every page.

Each ends in the page drawn with a sentence (the error above the last good formula) or with the new formula,
never an exception, and the rerun that reads it finishes within LIMIT_S (scaled by the load per core, as in
test_hostile_formulas.py); the inputs are in hostile_inputs.py.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from hostile_inputs import COMPUTED, REFUSED, load_scaled
from pagetest import open_page

pytestmark = pytest.mark.usefixtures("clean_caches")

LIMIT_S = load_scaled(2.0)
NO_FORMULA_BOX = {"5_Mini-batch.py"}     # its model does not use f, so its sidebar has no formula box (issue 18)
PAGES = ["app.py"] + sorted(f"pages/{p.name}" for p in (Path(__file__).resolve().parents[1] / "pages").glob("[!._]*.py")
                            if p.name not in NO_FORMULA_BOX)

def errors(at) -> str:
    return " ".join(e.value for e in at.error)


def rerun_with(at, text: str) -> float:
    start = time.perf_counter()
    at.text_input(key="f").set_value(text).run()
    return time.perf_counter() - start


@pytest.mark.serial    # a time limit: run alone (tests/run.py), not beside other tests
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


@pytest.mark.serial    # a time limit: run alone (tests/run.py), not beside other tests
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
    code = [c.value for c in at.sidebar.code if "?" not in c.value]    # not the "link to this view" address
    assert code == ["x^2+y^2，\n       ^"]                         # the caret under the comma, column 8


def test_a_second_session_reruns_while_a_long_symbolic_call_is_killed_by_its_budget():
    """sp.expand((x + y + … + x6)^100) would allocate gigabytes for minutes; in its worker it is killed at 3 s while
    another session's page reruns as usual (all sessions are threads of one process)."""
    import sympy as sp

    from gradcore.budget import BudgetExceeded, run_limited

    big = sp.Add(*sp.symbols("x y z x1:7", real=True)) ** 100
    outcome: dict[str, object] = {}

    def expand():
        try:
            run_limited(sp.expand, big, seconds=3.0)
        except BudgetExceeded as err:
            outcome["stopped"] = err.kind

    at = open_page("pages/2_Gradient.py")             # home has no point sliders: the Gradient page has
    thread = threading.Thread(target=expand)
    thread.start()
    time.sleep(0.3)
    start = time.perf_counter()
    at.slider(key="px").set_value(-4.0).run()
    at.slider(key="py").set_value(0.0).run()
    seconds = time.perf_counter() - start
    assert thread.is_alive()                          # the expansion is still running in its worker
    assert not at.exception and [m.value for m in at.metric if m.label == "f(P)"] == ["146"]   # Himmelblau at (-4, 0)
    assert seconds < LIMIT_S
    thread.join()
    assert outcome["stopped"] in ("time", "memory")
