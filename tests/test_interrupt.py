"""A script's long calculation stops when Streamlit stops the run (a closed tab, a newer rerun), between chunks of work.

AppTest's run(timeout=…) asks the script runner to stop, as a closed tab does, and joins the script thread: without
a stop check between chunks, the join waits for the whole calculation (minutes for these)."""

from __future__ import annotations

import time

import numpy as np
import pytest
from pagetest import open_page
from streamlit.testing.v1 import AppTest

import gradcore.descent  # imported before the timed runs: an import cannot be interrupted
import gradcore.minibatch
import ui.interrupt

TIMEOUT_S = 1.5
STOP_WITHIN_S = 2.0       # after the stop request; the chunks here take milliseconds, the rest is a loaded machine

BASIN_MAP = """
import numpy as np
from gradcore.descent import descend
from ui.interrupt import stop_if_replaced
descend("x^2 + y^2", "SGD", np.ones((40_000, 2)), 1e-4, 1_000_000, record_every=1_000_000, callback=stop_if_replaced)
"""
TRAINING = """
from gradcore import minibatch as mb
from ui.interrupt import stop_if_replaced
mb.train(mb.synthetic(n=1000), "linear", 1, 0.01, 10_000, "SGD", callback=stop_if_replaced)
"""


def seconds_to_stop(at: AppTest, timeout: float = TIMEOUT_S) -> float:
    """Seconds from the stop request (the timeout) until the script thread has ended."""
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="timed out"):
        at.run(timeout=timeout)
    return time.perf_counter() - start - timeout


@pytest.mark.parametrize("script", [BASIN_MAP, TRAINING], ids=["40000-starts-1e6-steps", "10000-epochs-of-1000-steps"])
def test_a_long_calculation_stops_with_its_session(script):
    assert seconds_to_stop(AppTest.from_string(script)) < STOP_WITHIN_S


def test_the_callback_does_nothing_outside_a_script_run():
    assert gradcore.descent.descend("x^2", "SGD", np.ones((3, 1)), 0.1, 5, callback=ui.interrupt.stop_if_replaced).ok


@pytest.mark.usefixtures("clean_caches")
@pytest.mark.serial    # a time limit: run alone (tests/run.py); the training runs niced, so beside other tests it waits for CPU
def test_the_mini_batch_page_stops_a_long_training_run():
    """N = 1000, B = 1, 50 epochs: 50,000 torch steps (about 10 s); the page stops within an epoch of the request."""
    at = open_page("pages/5_Mini-batch.py")
    at.slider(key="mb_ep").set_value(1).run()
    at.slider(key="mb_n").set_value(1000).run()
    at.slider(key="mb_ep").set_value(50)
    assert seconds_to_stop(at, timeout=0.5) < STOP_WITHIN_S


def test_a_niced_calculation_runs_at_lower_priority_and_returns_or_raises_as_called():
    """ui.interrupt.niced: another thread, niceness NICE on Linux, the value back, the exception re-raised."""
    import os
    import sys
    import threading

    from gradcore.budget import DeadlinePassed
    from ui.interrupt import NICE, niced

    def where() -> tuple[int, int]:
        return threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    tid, nice = niced(where)()
    assert tid != threading.get_native_id()
    if sys.platform.startswith("linux"):
        assert nice >= NICE > os.getpriority(os.PRIO_PROCESS, threading.get_native_id())   # only that thread is niced

    def late() -> None:
        raise DeadlinePassed(45.0, 3, 10)
    with pytest.raises(DeadlinePassed):
        niced(late)()
