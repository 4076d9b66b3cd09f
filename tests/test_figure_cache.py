"""Figures shared across sessions (ui.chart's memo) are the figures the page would build afresh.

Two sessions move the same controls in the same order: one with the shared figure cache, one building every figure
from scratch. After each step both must show the same figures as JSON: a memo that missed an input the figure depends
on (a stale figure after a move back, another session's figure) fails here.
"""

from __future__ import annotations

import pytest
from pagetest import figures, open_page

import ui.chart

pytestmark = pytest.mark.usefixtures("clean_caches")

# page -> the (widget key, value) moves, in order; values revisit earlier ones so that the cache answers
MOVES = {
    "pages/4_Gradient_descent.py": [("sx", -3.0), ("scrub", 40), ("sx", -4.0), ("scrub", 0), ("opt", "SGD")],
    "pages/5_Mini-batch.py": [("mb_at", 3), ("mb_tgt", 0.1), ("mb_lr", 0.1), ("mb_at", 0), ("mb_lr", 0.05)],
    "pages/6_Landscape.py": [("ls_tab", "② Learning rate"), ("px", -2.0), ("ls_tab", "③ Momentum"), ("lm_mu", 0.5),
                             ("px", 0.0), ("sd_eps", 1e-9), ("lm_mu", 0.9)],     # only the open lever's tab is drawn
}


def uncached(monkeypatch) -> None:
    """Every figure built from scratch: the shared cache neither answers nor keeps anything."""
    monkeypatch.setattr(ui.chart._FIGURES, "get", lambda key: (False, None))
    monkeypatch.setattr(ui.chart._FIGURES, "put", lambda key, value: None)


def step(at, key, value, fresh: bool, monkeypatch) -> dict:
    """Move one control and rerun; the figures as the browser draws them."""
    with monkeypatch.context() as m:
        if fresh:
            uncached(m)
        if key is None:
            at.run()
        else:
            at.session_state[key] = value
            at.run()
    assert not at.exception, [e.value for e in at.exception]
    return figures(at)


@pytest.mark.parametrize("page", list(MOVES))
def test_shared_figures_equal_the_figures_built_afresh(page, monkeypatch):
    cached, fresh = open_page(page), open_page(page)
    for key, value in [(None, None), *MOVES[page]]:
        shared, built = step(cached, key, value, False, monkeypatch), step(fresh, key, value, True, monkeypatch)
        assert shared.keys() == built.keys()
        for name in built:
            assert shared[name] == built[name], f"{page}: {name} after {key} = {value} differs from a fresh build"
    assert len(ui.chart._FIGURES) > 0, "the shared cache was never used"
