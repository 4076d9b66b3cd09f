"""AppTest of the Mini-batch page: three runs, their cost, the gradient noise, the controls, and its rerun time."""

from __future__ import annotations

import math
import statistics

import pytest
from pagetest import array, figures, metrics, open_page, rerun_times
from streamlit.testing.v1 import AppTest

PAGE = "pages/5_Mini-batch.py"
pytestmark = pytest.mark.usefixtures("clean_caches")


def paths(at: AppTest) -> dict[str, int]:
    """The (w, b) paths on the loss map: run label -> number of points (steps + 1)."""
    fig = figures(at)["mb_fig_paths"]
    return {t["name"]: len(array(t["x"])) for t in fig["data"] if t.get("showlegend", True) and t["type"] == "scatter"
            and t.get("mode") == "lines"}


def ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.main.error, [e.value for e in at.main.error]


def test_defaults_show_three_runs_from_one_start():
    at = open_page(PAGE)
    ok(at)
    assert at.title[0].value == "Mini-batch gradient descent"
    assert not at.sidebar.text_input and not at.sidebar.slider   # no formula box nor ranges: this page does not use them
    # N = 200, 20 epochs: 20 full-batch steps, 20·⌈200/16⌉ = 260 mini-batch steps, 20·200 = 4000 with B = 1
    assert paths(at) == {"Full batch (B = 200)": 21, "Mini-batch (B = 16)": 261, "Stochastic (B = 1)": 4001}
    assert set(figures(at)) == {"mb_fig_paths", "mb_fig_iter", "mb_fig_epoch", "mb_fig_time", "mb_fig_secs", "mb_fig_grads",
                                "mb_fig_noise"}
    assert r"\frac{1}{N}\sum_i (w x_i + b - y_i)^2" in at.latex[0].value


def test_cost_metrics_tell_the_mini_batch_story():
    at = open_page(PAGE)
    m = metrics(at)
    assert m["Full batch"] == "not reached"                  # 20 steps are too few for 99 % of the gap at lr 0.05
    mini, sgd = int(m["Mini-batch"].replace(",", "")), int(m["Stochastic (B = 1)"].replace(",", ""))
    assert sgd < mini < 20 * 200                             # fewer examples than 20 full epochs
    table = at.dataframe[0].value
    assert list(table["steps per epoch"]) == [1, 13, 200]
    assert table["examples to target"][1] == m["Mini-batch"]


def test_cost_help_adds_up_to_the_metric():
    # N = 200, B = 16: 13 steps an epoch, 12 batches of 16 and a last one of 8; 49 steps = 3 epochs + 10 batches of 16.
    at = open_page(PAGE)
    (mini,) = [m for m in at.metric if m.label == "Mini-batch"]
    assert mini.value == f"{3 * 200 + 10 * 16:,}"
    assert mini.proto.help == ("Mini-batch (B = 16): 49 optimizer steps, 760 examples: 3 epochs of N = 200 "
                               "(12 batches of 16 and a last one of 8) and 10 more batches of 16.")
    (sgd,) = [m for m in at.metric if m.label == "Stochastic (B = 1)"]
    assert sgd.proto.help == f"Stochastic (B = 1): {sgd.value} optimizer steps × 1 example each."


def test_changing_the_batch_size_changes_the_path_and_the_cost():
    at = open_page(PAGE)
    before = metrics(at)["Mini-batch"]
    at.select_slider(key="mb_bs").set_value(64).run()
    ok(at)
    assert paths(at)["Mini-batch (B = 64)"] == 20 * math.ceil(200 / 64) + 1
    assert metrics(at)["Mini-batch"] != before
    noise = figures(at)["mb_fig_noise"]
    assert [array(t["x"]).tolist() for t in noise["data"] if t["name"] == "B = 64"] == [[64.0]]


def test_the_batch_size_follows_a_smaller_n():
    at = open_page(PAGE)
    at.select_slider(key="mb_bs").set_value(128).run()
    at.slider(key="mb_n").set_value(100).run()
    ok(at)
    assert at.select_slider(key="mb_bs").value == 100         # min(B, N), as a DataLoader would batch it
    assert paths(at) == {"Full batch (B = 100)": 21, "Stochastic (B = 1)": 2001}   # B = N: one run, drawn once


@pytest.mark.parametrize("optimizer", ["SGD with momentum 0.9", "Adam"])
def test_optimizers(optimizer):
    at = open_page(PAGE)
    at.selectbox(key="mb_opt").set_value(optimizer).run()
    ok(at)
    assert optimizer in figures(at)["mb_fig_paths"]["layout"]["title"]["text"]


def test_logistic_regression():
    at = open_page(PAGE)
    at.radio(key="mb_model").set_value("logistic").run()
    ok(at)
    assert "log(1 + e^{z_i})" in at.latex[0].value
    assert at.slider(key="mb_noise").disabled
    assert len(paths(at)) == 3


def test_a_learning_rate_that_diverges_gives_a_warning_not_a_traceback():
    at = open_page(PAGE)
    at.select_slider(key="mb_lr").set_value(1.0).run()
    ok(at)
    assert any("diverged" in w.value and "lower the learning rate" in w.value for w in at.warning)


def test_gradients_at_a_later_epoch():
    at = open_page(PAGE)
    start = figures(at)["mb_fig_grads"]["layout"]["title"]["text"]
    at.slider(key="mb_at").set_value(20).run()
    ok(at)
    assert figures(at)["mb_fig_grads"]["layout"]["title"]["text"] != start
    at.slider(key="mb_ep").set_value(5).run()                # the epoch slider shrinks with the run
    ok(at)
    assert at.slider(key="mb_at").value == 5               # the last epoch that still exists


def test_csv_mode_without_a_file_keeps_the_synthetic_data():
    at = open_page(PAGE)
    at.radio(key="mb_data").set_value("Upload CSV").run()
    ok(at)
    assert any("Until a file is usable" in c.value for c in at.caption)
    assert paths(at)["Full batch (B = 200)"] == 21


def test_rerun_time_at_defaults():
    """A rerun that changes nothing hits st.cache_data: the median of 10 must stay well under the 500 ms budget."""
    at = open_page(PAGE)
    seconds = rerun_times(at)
    ok(at)
    assert statistics.median(seconds) < 1.0, f"median rerun {statistics.median(seconds):.3f} s (budget 0.5 s)"


def test_settings_survive_a_visit_to_another_page():
    at = open_page(PAGE)
    at.select_slider(key="mb_bs").set_value(64).run()
    at.radio(key="mb_model").set_value("logistic").run()
    at.switch_page("app.py").run()
    at.switch_page(PAGE).run()
    ok(at)
    assert at.select_slider(key="mb_bs").value == 64 and at.radio(key="mb_model").value == "logistic"
    assert "Mini-batch (B = 64)" in paths(at)


def upload(at: AppTest, name: str, raw: bytes) -> AppTest:
    at.radio(key="mb_data").set_value("Upload CSV").run()
    at.file_uploader(key="mb_csv").set_value((name, raw, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_file_name_is_plain_text_not_markdown():
    """`[click me](…).csv` was a live link and `![t](…).csv` an image the browser fetched; now every mark is escaped."""
    name = "![t](http://127.0.0.1:9/pixel.png)[click me](http://127.0.0.1:9/).csv"
    at = upload(open_page(PAGE), name, b"x,y\n1,2\n2,4.5\n3,6\n")
    escaped = r"\!\[t\]\(http\:\/\/127\.0\.0\.1\:9\/pixel\.png\)\[click me\]\(http\:\/\/127\.0\.0\.1\:9\/\)\.csv"
    (caption,) = [c.value for c in at.caption if c.value.startswith("Data:")]
    assert caption.startswith(rf"Data: {escaped}\, N \= 3. Full")
    at = upload(open_page(PAGE), name, b"a,b,c\n1,2,3\n4,5,6\n")
    (error,) = [e.value for e in at.main.error]
    assert error.startswith(f"**{escaped} cannot be used.** Found 3 columns")
    assert "`x`" in error          # gradcore's own code spans stay


@pytest.mark.parametrize(("raw", "sentence"), [
    (b'x,y\n1,2\n"' + b"a" * 400_000 + b'",3\n2,4\n', "Line 3 holds one value of 400,004 characters"),
    (",".join(f"c{i}" for i in range(120_000)).encode() + b"\n1,2\n", "and 119,995 more"),
], ids=["400-KB-field", "120000-columns"])
def test_a_hostile_csv_is_a_short_sentence(raw, sentence):
    """The csv module's field limit and a 120,000-column header: one short st.error, the synthetic data still drawn."""
    at = upload(open_page(PAGE), "big.csv", raw)
    (error,) = [e.value for e in at.main.error]
    assert sentence in error.replace("\\", "") and len(error) < 600
    assert paths(at)["Full batch (B = 200)"] == 21
