"""What the AppTest page tests share: open a page of the app as a person would (through app.py, with ?f=…), and read
its metrics and plotly figures.

The browser tests have their own helpers (tests/browser/helpers.py); these read Streamlit's element tree instead.
Importing this module also makes every AppTest run assert that the page shows no "bug, please report" sentence
(a false alarm on a correct formula is a bug of the app itself), so each page test checks it after every rerun.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from ui.chart import PARTS, join_figure

APP = str(Path(__file__).resolve().parents[1] / "app.py")   # absolute, so the tests run from any directory
BUG_REPORT = "bug, please report"
TEXT_ELEMENTS = ("error", "warning", "info", "success", "markdown", "caption")


def page_text(at: AppTest) -> list[str]:
    """Every sentence the page shows: alerts, markdown and captions, in all tabs and columns."""
    return [str(e.value) for kind in TEXT_ELEMENTS for e in at.get(kind)]


def assert_no_bug_report(at: AppTest) -> None:
    """The page does not tell the user to report a bug."""
    reports = [text for text in page_text(at) if BUG_REPORT in text]
    assert not reports, reports


def _checked(run: Callable) -> Callable:
    """AppTest._run, then assert_no_bug_report on what it produced."""
    def run_and_check(self: AppTest, *args, **kwargs) -> AppTest:
        result = run(self, *args, **kwargs)
        assert_no_bug_report(self)
        return result
    run_and_check.checks_bug_reports = True
    return run_and_check


if not getattr(AppTest._run, "checks_bug_reports", False):      # every run, including widget .run() calls
    AppTest._run = _checked(AppTest._run)


def open_page(page: str, formula: str | None = None, timeout: float = 90, **query: str) -> AppTest:
    """Run app.py, switch to `page` ("pages/…py") and run it; `formula` and `query` become the URL's query string.

    Whatever the URL says, the page must not raise: a bad formula is an st.error sentence, never an exception."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if formula is not None:
        at.query_params["f"] = formula
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    """The value of the one st.metric with this label."""
    (value,) = [m.value for m in at.metric if m.label == label]
    return value


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def charts(at: AppTest) -> list:
    """The page's chart elements (ui.chart), in page order."""
    return [el for el in at.get("bidi_component") if el.proto.component_name == "gradient_lab_chart"]


def figures(at: AppTest) -> dict[str, dict]:
    """The page's plotly figures by chart key, as the browser draws them (parts it already held joined back in)."""
    held = at.session_state[PARTS]
    return {el.key: join_figure(json.loads(el.proto.json), held[el.key]) for el in charts(at)}


def figure_sizes(at: AppTest) -> dict[str, int]:
    """Bytes of each chart's last update sent to the browser, by chart key."""
    return {el.key: len(el.proto.json) for el in charts(at)}


def array(value) -> np.ndarray:
    """A plotly array as floats: a (nested) list with None for gaps, or plotly's typed array
    {"dtype": "f4", "bdata": base64, "shape": "rows, cols"}."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float)
        shape = value.get("shape")
        return flat.reshape([int(s) for s in str(shape).split(",")]) if shape else flat
    return np.array(value, dtype=float)


def trace(fig: dict, name: str) -> dict:
    """The one trace of a figure with this name."""
    (found,) = [t for t in fig["data"] if t.get("name") == name]
    return found


def rerun_times(at: AppTest, change: Callable[[int], object] | None = None, runs: int = 10) -> list[float]:
    """Wall seconds of `runs` reruns of an open page; change(i) moves a widget before rerun i (none: plain reruns)."""
    times = []
    for i in range(runs):
        start = time.perf_counter()
        if change is not None:
            change(i)
        at.run()
        times.append(time.perf_counter() - start)
    return times
