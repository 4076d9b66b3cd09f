"""gradcore.minibatch: answers checked against numpy.linalg.lstsq, closed-form gradients, sampling theory and torch itself."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from gradcore import minibatch as mb
from gradcore import minibatch_figures as mbf


@pytest.fixture(scope="module")
def line_data() -> mb.Data:
    return mb.synthetic("linear", n=200, w=2.0, b=-1.0, noise=0.5, seed=0)


@pytest.fixture(scope="module")
def class_data() -> mb.Data:
    return mb.synthetic("logistic", n=200, w=2.0, b=-1.0, seed=1)


def lstsq(data: mb.Data) -> np.ndarray:
    return np.linalg.lstsq(np.column_stack([data.x, np.ones(data.n)]), data.y, rcond=None)[0]


# ---------------------------------------------------------------- full batch reaches the exact answer

@pytest.mark.parametrize(("optimizer", "lr", "epochs", "tol"), [
    ("SGD", 0.2, 300, 1e-9),
    ("SGD with momentum 0.9", 0.05, 600, 1e-9),      # heavy ball contracts at best by √0.9 a step
    ("Adam", 0.05, 1500, 1e-4),
], ids=["sgd", "momentum", "adam"])
def test_full_batch_reaches_least_squares(line_data, optimizer, lr, epochs, tol):
    run = mb.train(line_data, "linear", batch_size=line_data.n, lr=lr, epochs=epochs, optimizer=optimizer, start=(-1.0, 3.0))
    assert not run.diverged
    np.testing.assert_allclose(run.params[-1], lstsq(line_data), atol=tol)


def test_optimum_is_least_squares(line_data):
    best = mb.optimum(line_data, "linear")
    np.testing.assert_allclose([best.w, best.b], lstsq(line_data), rtol=1e-12)
    residual = line_data.y - (best.w * line_data.x + best.b)
    assert best.loss == pytest.approx(np.mean(residual ** 2), rel=1e-12)


def test_logistic_optimum_has_zero_gradient_and_full_batch_reaches_it(class_data):
    best = mb.optimum(class_data, "logistic")
    assert best.exists
    net, loss_fn = mb.make_net((best.w, best.b)), torch.nn.BCEWithLogitsLoss()       # torch autograd is the oracle
    X, Y = mb.tensors(class_data).tensors
    loss = loss_fn(net(X), Y)
    loss.backward()
    assert loss.item() == pytest.approx(best.loss, rel=1e-12)
    assert abs(float(net.weight.grad)) < 1e-10 and abs(float(net.bias.grad)) < 1e-10
    run = mb.train(class_data, "logistic", batch_size=class_data.n, lr=2.0, epochs=400, start=(0.0, 0.0))
    np.testing.assert_allclose(run.params[-1], [best.w, best.b], atol=1e-9)


@pytest.mark.parametrize(("y", "exists"), [([0, 0, 1, 1], False), ([1, 1, 0, 0], False), ([0, 1, 1, 1], False),
                                          ([1, 1, 1, 1], False), ([0, 1, 0, 1], True)],
                         ids=["split", "split-reversed", "split-at-one", "one-class", "mixed"])
def test_logistic_minimum_exists_unless_a_threshold_splits_the_classes(y, exists):
    data = mb.Data(np.array([-2.0, -1.0, 1.0, 2.0]), np.array(y, dtype=float), "four points")
    best = mb.optimum(data, "logistic")
    assert best.exists == exists
    if exists:                                      # the gradient (1/N) Σ (σ(z_i) − y_i)(x_i, 1) vanishes there
        assert np.abs(mb.per_example_grads(data, "logistic", (best.w, best.b)).mean(axis=0)).max() < 1e-10


def test_full_batch_sgd_is_plain_gradient_descent(line_data):
    """θ ← θ − lr·∇L(θ) with ∇L = (2/N) Σ r_i (x_i, 1), r_i = w x_i + b − y_i, written out in numpy."""
    run = mb.train(line_data, "linear", batch_size=line_data.n, lr=0.1, epochs=25, start=(-1.0, 3.0))
    theta, x, y = np.array([-1.0, 3.0]), line_data.x, line_data.y
    for step in range(1, 26):
        r = theta[0] * x + theta[1] - y
        theta = theta - 0.1 * 2 * np.array([np.mean(r * x), np.mean(r)])
        np.testing.assert_allclose(run.params[step], theta, rtol=1e-12, atol=1e-12)


def test_full_loss_matches_torch_losses(line_data, class_data):
    points = np.array([[-1.0, 3.0], [2.0, -1.0], [0.5, 0.25]])
    for data, model, loss_fn in ((line_data, "linear", torch.nn.MSELoss()), (class_data, "logistic", torch.nn.BCEWithLogitsLoss())):
        X, Y = mb.tensors(data).tensors
        expected = [loss_fn(mb.make_net(p)(X), Y).item() for p in points]
        np.testing.assert_allclose(mb.full_loss(data, model, points), expected, rtol=1e-12)


# ---------------------------------------------------------------- bookkeeping of a run

@pytest.mark.parametrize(("batch_size", "steps_per_epoch"), [(200, 1), (16, 13), (64, 4), (1, 200)])
def test_steps_examples_and_epochs(line_data, batch_size, steps_per_epoch):
    run = mb.train(line_data, batch_size=batch_size, epochs=3, lr=0.01)
    assert run.steps == 3 * steps_per_epoch == 3 * math.ceil(200 / batch_size)
    assert list(run.epoch_ends) == [0, steps_per_epoch, 2 * steps_per_epoch, 3 * steps_per_epoch]
    assert list(run.examples[run.epoch_ends]) == [0, 200, 400, 600]      # the last, smaller batch counts what it holds
    assert run.epochs == 3 and run.steps_per_epoch == steps_per_epoch
    assert run.at_epoch(0) == (0.0, 0.0) and run.at_epoch(9) == tuple(run.params[-1])
    assert run.params.shape == (run.steps + 1, 2) and run.losses.shape == (run.steps + 1,)
    np.testing.assert_allclose(run.losses, mb.full_loss(line_data, "linear", run.params))


def test_first_below_and_target(line_data):
    c = mb.compare(line_data, batch_size=16, lr=0.05, epochs=20, start=(-1.0, 3.0))
    target = c.target(0.01)
    assert target == pytest.approx(c.optimum.loss + 0.01 * (c.start_loss - c.optimum.loss))
    for run in c.runs:
        hit = run.first_below(target)
        if hit is not None:
            assert run.losses[hit] <= target and np.all(run.losses[:hit] > target)
    # 20 full-batch steps cannot close 99% of the gap; the mini-batch run (260 steps) does, with fewer examples
    assert c.full.first_below(target) is None
    assert c.mini.first_below(target) is not None and c.mini.examples[c.mini.first_below(target)] < 20 * 200


def test_compare_reuses_a_run_when_sizes_coincide(line_data):
    c = mb.compare(line_data, batch_size=200, epochs=2)
    assert c.mini is c.full and c.sgd.batch_size == 1
    assert [r.label for r in c.runs] == ["Full batch (B = 200)", "Full batch (B = 200)", "Stochastic (B = 1)"]
    assert [r.label for r in c.distinct_runs] == ["Full batch (B = 200)", "Stochastic (B = 1)"]
    c = mb.compare(line_data, batch_size=1, epochs=2)
    assert c.mini is c.sgd and [r.label for r in c.distinct_runs] == ["Full batch (B = 200)", "Stochastic (B = 1)"]


def test_too_large_a_learning_rate_is_reported_as_divergence(line_data):
    run = mb.train(line_data, batch_size=1, lr=1.0, epochs=20, start=(-1.0, 3.0))
    assert run.diverged and run.epochs < 20


# ---------------------------------------------------------------- seeds

def test_same_seed_same_trajectory(line_data):
    a = mb.train(line_data, batch_size=8, lr=0.05, epochs=5, optimizer="Adam", seed=7)
    b = mb.train(line_data, batch_size=8, lr=0.05, epochs=5, optimizer="Adam", seed=7)
    c = mb.train(line_data, batch_size=8, lr=0.05, epochs=5, optimizer="Adam", seed=8)
    np.testing.assert_array_equal(a.params, b.params)
    assert not np.array_equal(a.params, c.params)


def test_loader_reshuffles_every_epoch_like_torch(line_data):
    """The page's loader is torch's own: the same seed gives the same batches as a DataLoader built by hand."""
    ours = mb.make_loader(line_data, 16, seed=3)
    theirs = torch.utils.data.DataLoader(mb.tensors(line_data), batch_size=16, shuffle=True,
                                         generator=torch.Generator().manual_seed(3))
    first = [xb.flatten() for xb, _ in ours]
    second = [xb.flatten() for xb, _ in ours]
    assert [b.tolist() for b in first] == [xb.flatten().tolist() for xb, _ in theirs]
    assert not torch.equal(first[0], second[0])                                     # a new order every epoch
    assert sorted(torch.cat(first).tolist()) == sorted(torch.cat(second).tolist()) == sorted(line_data.x.tolist())


def test_same_seed_same_data():
    a, b = mb.synthetic(seed=5), mb.synthetic(seed=5)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.y, mb.synthetic(seed=6).y)


# ---------------------------------------------------------------- gradient noise

def test_per_example_gradients_closed_form(line_data, class_data):
    w, b = 0.7, -0.4
    g = mb.per_example_grads(line_data, "linear", (w, b))
    r = w * line_data.x + b - line_data.y
    np.testing.assert_allclose(g, np.column_stack([2 * r * line_data.x, 2 * r]), rtol=1e-12, atol=1e-12)
    g = mb.per_example_grads(class_data, "logistic", (w, b))
    p = 1 / (1 + np.exp(-(w * class_data.x + b)))
    np.testing.assert_allclose(g, np.column_stack([(p - class_data.y) * class_data.x, p - class_data.y]), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("batch_size", [1, 7, 16, 200])
def test_batch_gradients_average_to_the_full_gradient(line_data, batch_size):
    """Σ_batches |batch|·g_batch = N·∇L: one epoch of the DataLoader sees every example once."""
    point = (-1.0, 3.0)
    g = mb.batch_grads(line_data, "linear", point, batch_size, seed=2)
    sizes = [len(xb) for xb, _ in mb.make_loader(line_data, batch_size, seed=2)]
    full = mb.per_example_grads(line_data, "linear", point).mean(axis=0)
    assert len(g) == math.ceil(200 / batch_size)
    np.testing.assert_allclose((np.array(sizes)[:, None] * g).sum(axis=0) / 200, full, rtol=1e-10)


def test_gradient_variance_scales_as_one_over_batch_size(line_data):
    grads = mb.per_example_grads(line_data, "linear", (-1.0, 3.0))
    sizes = [1, 2, 4, 8, 16, 32, 64, 100]
    curve = mb.noise_curve(grads, sizes, seed=0, min_batches=4000)
    sigma2 = np.mean(np.sum((grads - grads.mean(axis=0)) ** 2, axis=1))
    assert curve.sigma2 == pytest.approx(sigma2)
    # measured against σ²/B · (N − B)/(N − 1), within the sampling error of 4000 batches
    np.testing.assert_allclose(curve.measured, sigma2 / np.array(sizes) * (200 - np.array(sizes)) / 199, rtol=0.12)
    small = np.array(sizes) <= 16                          # where the finite-population correction is ≤ 8 %
    slope = np.polyfit(np.log(sizes)[small], np.log(curve.measured[small]), 1)[0]
    assert -1.1 < slope < -0.9
    assert curve.measured[0] / curve.measured[4] == pytest.approx(16 * 199 / 184, rel=0.15)   # B = 1 vs B = 16
    assert curve.spread(16) == pytest.approx(np.sqrt(sigma2 / 16 * 184 / 199)) and curve.spread(200) == 0.0


def test_batch_sizes():
    assert list(mb.batch_sizes(200, 16)) == [1, 2, 4, 8, 16, 32, 64, 128]
    assert list(mb.batch_sizes(200, 50)) == [1, 2, 4, 8, 16, 32, 50, 64, 128]
    assert list(mb.batch_sizes(64, 64)) == [1, 2, 4, 8, 16, 32]


# ---------------------------------------------------------------- CSV upload: a sentence, never a traceback

GOOD = [
    (b"x,y\n1,2\n2,4.5\n3,6\n", [1, 2, 3], [2, 4.5, 6]),
    (b"1,2\n2,4.5\n3,6\n", [1, 2, 3], [2, 4.5, 6]),                                 # no header
    (b"\xef\xbb\xbfX ; Y\r\n1;2\r\n\r\n2;4.5\r\n3;6\r\n", [1, 2, 3], [2, 4.5, 6]),   # BOM, semicolons, CRLF, blank line
    (b"id,y,x\n7,2,1\n8,4.5,2\n9,6,3\n", [1, 2, 3], [2, 4.5, 6]),                   # named columns in any order
    (b"hours,score\n1,2\n2,4.5\n3,6\n", [1, 2, 3], [2, 4.5, 6]),                    # any two columns
    (b"x\ty\n1\t2\n2\t4.5\n3\t-6e0\n", [1, 2, 3], [2, 4.5, -6]),
]


@pytest.mark.parametrize(("raw", "x", "y"), GOOD, ids=["header", "no-header", "semicolon-bom-crlf", "named", "two-columns", "tabs"])
def test_good_csv(raw, x, y):
    data = mb.read_csv(raw, "linear", "d.csv")
    np.testing.assert_array_equal(data.x, x)
    np.testing.assert_array_equal(data.y, y)
    assert data.source == "d.csv, N = 3"


BAD = [
    (b"", "linear", "The file is empty"),
    (b"\n  \n", "linear", "The file is empty"),
    (b"x,y\n1,2\n2,abc\n3,4\n", "linear", "Line 3, column y: “abc” is not a number"),
    (b"x,y\n1,2\n,3\n3,4\n", "linear", "Line 3: the x cell is empty"),
    (b"x,y\n1,2\nfoo,bar\nbaz,4\n", "linear", "(2 more problem(s) like it further down.)"),
    (b"x,y\n1,2\n2\n3,4\n", "linear", "Line 3 has 1 value(s); every line needs x and y"),
    (b"x\n1\n2\n", "linear", "Found one column (“x”); the file needs two"),
    (b"a,b,c\n1,2,3\n4,5,6\n", "linear", "Found 3 columns (“a”, “b”, “c”): name the input column `x`"),
    (b"x;y\n1,5;2\n2,5;3\n", "linear", "uses a decimal comma; write decimals with a dot"),
    (b"x,y\n1,2\n2,inf\n", "linear", "“inf” is not a finite number"),
    (b"x,y\n1,2\n2,1e300\n", "linear", "is not a finite number (or larger than 1e+06)"),
    (b"x,y\n1,2\n", "linear", "it needs at least 2 examples"),
    (b"x,y\n1,2\n1,3\n", "linear", "Every x is 1: w cannot be learned"),
    (b"x,y\n1,0\n2,2.5\n", "logistic", "y must be 0 or 1, but data line 2 has y = 2.5"),
    (b"x,y\n1,1\n2,1\n", "logistic", "needs examples of both classes"),
    ("x,y\n1,2\ncafé,3\n".encode("latin-1"), "linear", "Line 3 holds a byte (0xE9) that is not UTF-8"),
    ("x,y\n1,2\n".encode("utf-16"), "linear", "UTF-16 or binary"),
    (b"PK\x03\x04\x14\x00\x06\x00", "linear", "zip or Excel (.xlsx) file"),
    (b"x,y\n" + b"1,2\n" * (mb.MAX_ROWS + 1), "linear", f"has {mb.MAX_ROWS + 1:,} data lines; the limit is {mb.MAX_ROWS:,}"),
    (b"x,y\n" + b"1" * (mb.MAX_BYTES + 1), "linear", "the limit is 1 MB"),
]


@pytest.mark.parametrize(("raw", "model", "message"), BAD, ids=[
    "empty", "blank", "text-cell", "empty-cell", "many-bad", "short-line", "one-column", "three-columns", "decimal-comma",
    "inf", "huge", "one-row", "constant-x", "labels", "one-class", "latin-1", "utf-16", "xlsx", "too-many-rows", "too-big"])
def test_bad_csv_says_what_to_change(raw, model, message):
    with pytest.raises(mb.DataError) as err:
        mb.read_csv(raw, model)
    assert message in str(err.value)
    assert isinstance(err.value, ValueError) and "Traceback" not in str(err.value)


def test_a_field_over_the_csv_modules_limit_is_a_sentence():
    """One quoted field of 400 KB: Python's csv refuses fields over 131,072 characters (_csv.Error), the page says which line."""
    raw = b'x,y\n1,2\n"' + b"a" * 400_000 + b'",3\n2,4\n'
    with pytest.raises(mb.DataError, match=r"^Line 3 holds one value of 400,004 characters .*fix or remove that line"):
        mb.read_csv(raw)


def test_a_message_lists_the_first_five_column_names_and_a_count():
    """120,000 columns: the message names five of them, shortened, and counts the rest (it was a 2 MB page)."""
    header = ",".join(f"c{i}" for i in range(120_000)).encode()
    with pytest.raises(mb.DataError) as err:
        mb.read_csv(header + b"\n1,2\n3,4\n")     # 0.7 MB, under the upload limit
    assert str(err.value).startswith("Found 120,000 columns (“c0”, “c1”, “c2”, “c3”, “c4” and 119,995 more)")
    assert len(str(err.value)) < 300
    long_name = b"n" * 100_000
    with pytest.raises(mb.DataError) as err:
        mb.read_csv(b"a," + long_name + b",c\n1,2,3\n4,5,6\n")
    assert "“a”, “nnnnnnnnnnnnnnnnn…”, “c”" in str(err.value) and len(str(err.value)) < 300


# ---------------------------------------------------------------- figures and purity

def test_view_box_holds_the_start_the_minimum_and_the_paths(line_data):
    c = mb.compare(line_data, batch_size=16, lr=0.05, epochs=5, start=(-1.0, 3.0))
    w0, w1, b0, b1 = mbf.view_box(c)
    pts = np.concatenate([r.params for r in c.runs] + [[[c.optimum.w, c.optimum.b]]])
    assert w0 < pts[:, 0].min() and pts[:, 0].max() < w1 and b0 < pts[:, 1].min() and pts[:, 1].max() < b1
    assert (w1 - w0) / (b1 - b0) == pytest.approx(mbf.ASPECT)          # equal units on both axes fill the plot


def test_gradcore_minibatch_does_not_import_streamlit():
    code = "import sys, gradcore.minibatch, gradcore.minibatch_figures; assert 'streamlit' not in sys.modules"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_train_reports_progress_and_a_callback_can_stop_it(line_data):
    """callback(step, steps) every PROGRESS_STEPS steps; the run is the same with it; an exception from it ends the run."""
    calls = []
    run = mb.train(line_data, "linear", 1, 0.01, 2, "SGD", callback=lambda done, total: calls.append((done, total)))
    steps = 2 * line_data.n
    assert calls == [(k * mb.PROGRESS_STEPS, steps) for k in range(1, steps // mb.PROGRESS_STEPS + 1)]
    np.testing.assert_array_equal(run.params, mb.train(line_data, "linear", 1, 0.01, 2, "SGD").params)

    def stop(done, total):
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        mb.train(line_data, "linear", 1, 0.01, 1000, "SGD", callback=stop)
