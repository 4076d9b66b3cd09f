"""Plotly builders for the mini-batch page's cost in seconds and its noise floor (data in, Figure out)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gradcore.figures import _layout
from gradcore.messages import msg
from gradcore.minibatch import Comparison, Run
from gradcore.minibatch_cost import run_seconds
from gradcore.minibatch_figures import LINE_COLORS, _drawn, _excess, _legend_below, _loss_axes, _styled


def epoch_time_figure(sizes: Sequence[int], seconds: Sequence[float], title: str = "", tr=str) -> go.Figure:
    """Seconds per epoch against the batch size B, log-log: ⌈N/B⌉ steps, each costing about the same while B is small."""
    fig = go.Figure(go.Scatter(x=list(sizes), y=np.asarray(seconds) * 1000, mode="lines+markers", name=tr(msg("one epoch")),
                               line={"color": "#222222", "width": 3}, marker={"size": 9},
                               hovertemplate="B = %{x}<br>" + tr(msg("{ms} ms per epoch", ms="%{y:.3g}")) + "<extra></extra>"))
    fig.update_xaxes(title=tr(msg("batch size B (log scale)")), type="log", dtick=1)   # powers of 10 only: no 2, 5 labels
    fig.update_yaxes(title=tr(msg("milliseconds per epoch (log scale)")), type="log", dtick=1, exponentformat="power")
    return _legend_below(_layout(fig, title, height=440))


def loss_by_seconds_figure(comparison: Comparison, sizes: Sequence[int], seconds: Sequence[float], target: float,
                           title: str = "", tr=str) -> go.Figure:
    """L − L* against the wall-clock seconds each run needed on this machine (its epochs × the measured epoch time)."""
    fig, n, best, shown, ends = go.Figure(), comparison.full.batch_size, comparison.optimum.loss, [], []
    for rank, run, color in _styled(comparison):
        excess, ok = _excess(run, best)
        shown.append((excess, ok))
        t, drawn = run_seconds(run, n, sizes, seconds), _drawn(ok)
        ends.append(t[-1])
        fig.add_trace(go.Scatter(x=t[drawn], y=excess[drawn], mode="lines", name=tr(run.label), legendrank=rank,
                                 line={"color": color, "width": 1 if rank == 2 else 2},
                                 hovertemplate="%{x:.3g} s<br>L − L* = %{y:.3g}<extra></extra>"))
    _loss_axes(fig, shown, target - best, (0, max(ends)), tr)
    fig.update_xaxes(title=tr(msg("seconds on this machine")))
    return _legend_below(_layout(fig, title, height=440))


def floor_figure(pairs: Sequence[tuple[Run, Run]], best: float, n: int, title: str = "", tr=str) -> go.Figure:
    """L − L* against epoch for (constant γ, decayed γ) pairs: the constant run's floor dashed, the decayed run below it."""
    fig = go.Figure()
    for (constant, decayed), color in zip(pairs, LINE_COLORS[1:], strict=False):
        for run, dash, name in ((constant, "dot", msg("{run}, constant γ", run=constant.label)),
                                (decayed, "solid", msg("{run}, decaying γ", run=decayed.label))):
            excess, ok = _excess(run, best)
            drawn = _drawn(ok)
            fig.add_trace(go.Scatter(x=run.examples[drawn] / n, y=excess[drawn], mode="lines", name=tr(name),
                                     line={"color": color, "width": 2, "dash": dash}))
    fig.update_xaxes(title=tr(msg("epoch (examples processed / N)")))
    fig.update_yaxes(title=tr(msg("L − L*  (log scale)")), type="log", dtick=1, exponentformat="power")
    return _legend_below(_layout(fig, title, height=440))
