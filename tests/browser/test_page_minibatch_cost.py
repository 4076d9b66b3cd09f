"""The Mini-batch page's additions through the real UI (issue 19): the measured epoch times and the loss against
seconds are drawn, and the decay toggle shows the noise floor before and after (lower after, for B = 1).

Expected numbers: the defaults (N = 200, B = 16, SGD, γ = 0.05, 20 epochs); AppTest and tests/test_minibatch_cost.py
recompute the floors with gradcore.minibatch.train: B = 1's falls from 0.0756 to 0.00075 with k₀ = 200.
"""

from __future__ import annotations

import pytest

from .helpers import FIRST_LOAD_TIMEOUT_S, assert_page_ok, goto, runs_finished, screenshot, table_rows, wait_charts_drawn, wait_idle
from .test_page_descent import chart_trace

pytestmark = pytest.mark.browser
PAGE = "Mini-batch"


def test_epoch_times_are_drawn_and_decay_lowers_the_floor(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    times = chart_trace(page, "mb_fig_time", "one epoch")
    assert times["x"][0] == 1 and times["x"][-1] == 200 and times["y"][0] > 5 * times["y"][-1]
    assert chart_trace(page, "mb_fig_secs", "Stochastic (B = 1)") is not None
    before = runs_finished(page)
    page.locator(".st-key-mb_decay label").click()
    wait_idle(page, after=before, timeout=90)       # trains B = 16 and B = 1 again, with the decay
    wait_charts_drawn(page)
    rows = table_rows(page, index=-1)
    stochastic = next(r for r in rows if r[0].startswith("Stochastic"))
    assert stochastic[1:] == ["0.0756", "0.00075"]
    assert_page_ok(page)
    page.locator(".st-key-mb_fig_floor").scroll_into_view_if_needed()
    screenshot(page, "Mini-batch-decay")
