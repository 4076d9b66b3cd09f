"""The Mini-batch page in Chromium: the batch size slider, a CSV upload (bad, then good) and the logistic model."""

from __future__ import annotations

import time

import pytest

from .helpers import (
    FIRST_LOAD_TIMEOUT_S,
    assert_page_ok,
    error_alerts,
    goto,
    latex_text,
    read_metric,
    runs_finished,
    set_slider,
    slider_value,
    stamp_charts,
    wait_charts_changed,
    wait_charts_drawn,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser
PAGE = "Mini-batch"

# The map's paths as plotly drew them: trace name -> number of (w, b) points.
_PATHS_JS = """() => {
  const gd = document.querySelector('.st-key-mb_fig_paths .js-plotly-plot');
  return Object.fromEntries(gd._fullData.filter(t => t.mode === 'lines' && t.showlegend).map(t => [t.name, t._length]));
}"""


def map_paths(page) -> dict[str, int]:
    return page.evaluate(_PATHS_JS)


def open_page(page) -> None:
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    assert_page_ok(page)


def click_option(page, key: str, text: str) -> None:
    """Click a radio option by its text and wait for the rerun it causes."""
    before = runs_finished(page)
    page.locator(f".st-key-{key}").get_by_text(text, exact=True).click()
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def upload(page, name: str, body: bytes) -> None:
    before = runs_finished(page)
    page.locator('.st-key-mb_csv input[type="file"]').set_input_files({"name": name, "mimeType": "text/csv", "buffer": body})
    wait_idle(page, after=before)
    wait_charts_drawn(page)


def test_batch_size_slider_changes_the_path_and_the_cost(page, timings):
    open_page(page)
    assert map_paths(page) == {"Full batch (B = 200)": 21, "Mini-batch (B = 16)": 261, "Stochastic (B = 1)": 4001}
    assert read_metric(page, "Full batch") == "not reached"
    before = read_metric(page, "Mini-batch")
    assert slider_value(page, "mb_bs") == 4                    # a select_slider reports the index: 1, 2, 4, 8, [16], …
    stamp, start = stamp_charts(page), time.perf_counter()
    set_slider(page, "mb_bs", 6)                               # → 64
    wait_charts_changed(page, stamp)
    timings["interactions"]["Mini-batch: batch size 16 → 64"] = round(time.perf_counter() - start, 3)
    assert_page_ok(page)
    # 20 epochs of ⌈200/64⌉ = 4 steps; the full-batch and B = 1 runs are unchanged
    assert map_paths(page) == {"Full batch (B = 200)": 21, "Mini-batch (B = 64)": 81, "Stochastic (B = 1)": 4001}
    after = wait_until(page, lambda: read_metric(page, "Mini-batch"), lambda v: v != before, "the mini-batch cost to change")
    assert after == "not reached" or int(after.replace(",", "")) > int(before.replace(",", ""))   # fewer, larger steps


def test_a_bad_csv_gives_a_sentence_and_a_good_one_is_trained_on(page):
    open_page(page)
    click_option(page, "mb_data", "Upload CSV")
    upload(page, "marks.csv", b"x,y\n1,2\n2,n/a\n3,6\n")
    errors = wait_until(page, lambda: error_alerts(page), bool, "the file's error message")
    assert any("Line 3, column y: “n/a” is not a number" in e for e in errors), errors
    assert_page_ok(page, expected_errors=("marks.csv cannot be used",))
    assert map_paths(page)["Full batch (B = 200)"] == 21      # the synthetic data stays until the file is fixed

    rows = "".join(f"{i / 10},{3 * i / 10 - 1}\n" for i in range(30))
    upload(page, "line.csv", ("x,y\n" + rows).encode())      # replacing a file may take two reruns: wait for the data
    paths = wait_until(page, lambda: map_paths(page), lambda p: "Full batch (B = 30)" in p, "the map to show line.csv")
    wait_idle(page)
    assert_page_ok(page)
    assert not error_alerts(page)
    assert set(paths) == {"Full batch (B = 30)", "Mini-batch (B = 16)", "Stochastic (B = 1)"}
    assert paths["Stochastic (B = 1)"] == 20 * 30 + 1
    assert page.get_by_text("Data: line.csv, N = 30").count() == 1


def test_logistic_regression_runs_with_bce(page):
    open_page(page)
    stamp = stamp_charts(page)
    click_option(page, "mb_model", "Logistic regression (BCE)")
    wait_charts_changed(page, stamp)
    assert_page_ok(page)
    assert any(r"\log(1 + e^{z_i})" in tex for tex in latex_text(page))
    assert len(map_paths(page)) == 3
