"""AppTest of the Mini-batch page's additions (issue 19): the cost in seconds and the decaying learning rate.

Oracles: the epoch times are measured on this machine (B = 1's epoch must cost more than B = N's single step), the loss
against seconds is the loss against examples rescaled by those times, and the floors are recomputed here from runs of
gradcore.minibatch.train with and without decay.
"""

from __future__ import annotations

import numpy as np
import pytest
from pagetest import array, figures, open_page

from gradcore import minibatch as mb
from gradcore.minibatch_cost import noise_floor

PAGE = "pages/5_Mini-batch.py"
pytestmark = pytest.mark.usefixtures("clean_caches")


def test_loss_against_seconds_uses_the_measured_epoch_times():
    at = open_page(PAGE)
    assert not at.exception and not at.error
    figs = figures(at)
    timing = figs["mb_fig_time"]["data"][0]
    sizes, ms = array(timing["x"]), array(timing["y"])
    assert sizes[0] == 1 and sizes[-1] == 200 and ms[0] > 5 * ms[-1]          # vectorisation: N tiny steps cost more
    secs = {t["name"]: array(t["x"]) for t in figs["mb_fig_secs"]["data"] if t["name"] != "target"}
    epochs = {t["name"]: array(t["x"]) for t in figs["mb_fig_epoch"]["data"] if t.get("mode") == "lines" and t["name"] != "target"}
    for name, seconds in secs.items():
        b = 1 if "B = 1)" in name else 16 if "B = 16" in name else 200
        per_epoch = ms[list(sizes).index(b)] / 1000
        assert np.allclose(seconds[-1], epochs[name][-1] * per_epoch, rtol=1e-6), name
    stochastic = next(n for n in secs if "B = 1)" in n)
    full = next(n for n in secs if "B = 200" in n)
    assert secs[stochastic][-1] > secs[full][-1]            # 20 epochs of B = 1 take longer than 20 full-batch steps


def test_decay_lowers_the_noise_floor_shown():
    at = open_page(PAGE)
    assert "mb_k0" not in [s.key for s in at.select_slider]      # k₀ comes with the decay, never as a greyed-out slider
    at.toggle(key="mb_decay").set_value(True).run()
    assert not at.exception and not at.error
    assert at.select_slider(key="mb_k0").value == 200
    table = at.dataframe[-1].value
    data = mb.synthetic("linear", 200, 2.0, -1.0, 0.5, 0)
    best = mb.optimum(data, "linear").loss
    for row, b in zip(table.itertuples(), (16, 1), strict=True):
        constant = mb.train(data, "linear", b, 0.05, 20, "SGD", 0, (-1.0, 3.0))
        decayed = mb.train(data, "linear", b, 0.05, 20, "SGD", 0, (-1.0, 3.0), decay_steps=200)
        assert row[2] == f"{noise_floor(constant, best):.3g}" and row[3] == f"{noise_floor(decayed, best):.3g}"
        assert float(row[3]) < float(row[2])
    assert "mb_fig_floor" in figures(at)

