"""Plotly builders for the mini-batch page: they take computed runs and gradients and return a Figure."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gradcore.figures import COLORSCALE, POINT_COLOR, _layout
from gradcore.messages import msg
from gradcore.minibatch import Comparison, NoiseCurve, Run

LINE_COLORS = ("#1f77b4", "#d6289f", "#222222")     # full batch, mini-batch, B = 1, in every figure
RUN_WIDTHS = (5, 3, 1.2)
HALO = (9, 6, 0)                                    # a white edge keeps a path readable on every colour of the map
HEIGHT = 470
ASPECT = 1.45                                       # width / height of the map's plot area
MAX_POINTS = 8000                                   # per line: 20 epochs of N = 400 with B = 1 are drawn step by step


def _styled(comparison: Comparison) -> list[tuple[int, Run, str]]:
    """(rank, run, colour) for each distinct run, drawn last-first so that full batch ends up on top."""
    seen, out = set(), []
    for rank, (run, color) in enumerate(zip(comparison.runs, LINE_COLORS, strict=True)):
        if id(run) not in seen:
            seen.add(id(run))
            out.append((rank, run, color))
    return out[::-1]


def view_box(comparison: Comparison, pad: float = 0.08, aspect: float = ASPECT) -> tuple[float, float, float, float]:
    """w_min, w_max, b_min, b_max around the start, the optimum and every run that did not diverge, widened to `aspect`."""
    pts = [comparison.full.params[:1]]
    pts += [r.params for r in comparison.runs if not r.diverged]
    if comparison.optimum.exists:
        pts.append(np.array([[comparison.optimum.w, comparison.optimum.b]]))
    allp = np.concatenate(pts)
    allp = allp[np.all(np.isfinite(allp), axis=1)]
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    span = np.maximum(hi - lo, 0.5) * (1 + 2 * pad)
    span = np.maximum(span, [span[1] * aspect, span[0] / aspect])    # equal units on both axes fill the plot
    mid = (lo + hi) / 2
    lo, hi = mid - span / 2, mid + span / 2
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


def _every(n: int, most: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most `most` + 1 of n points, every k-th and the last: long runs stay readable and the JSON small."""
    k = max(1, -(-n // most))
    return np.unique(np.r_[np.arange(0, n, k), n - 1])


def trajectory_figure(ws: np.ndarray, bs: np.ndarray, Z: np.ndarray, comparison: Comparison, title: str = "",
                      tr=str) -> go.Figure:
    """Level curves of log₁₀ L(w, b) with the (w, b) path of each run, its start and the optimum."""
    with np.errstate(divide="ignore"):
        logZ = np.log10(np.maximum(Z, 1e-12)).astype(np.float32)
    fig = go.Figure(go.Contour(x=ws.astype(np.float32), y=bs.astype(np.float32), z=logZ, colorscale=COLORSCALE,
                               ncontours=24, contours={"coloring": "heatmap", "showlines": True}, opacity=0.75,
                               line={"width": 0.5, "color": "rgba(255,255,255,0.5)"}, name="log₁₀ L",
                               colorbar={"thickness": 14, "title": {"text": "log₁₀ L", "side": "right"}},
                               hovertemplate="w = %{x:.3f}<br>b = %{y:.3f}<br>log₁₀ L = %{z:.3f}<extra></extra>"))
    for rank, run, color in _styled(comparison):
        p, width, halo = run.params[_every(len(run.params))], RUN_WIDTHS[rank], HALO[rank]
        if halo:
            fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines", showlegend=False, hoverinfo="skip",
                                     line={"color": "white", "width": halo}))
        fig.add_trace(go.Scatter(x=p[:, 0], y=p[:, 1], mode="lines", name=tr(run.label), line={"color": color, "width": width},
                                 legendrank=rank, hovertemplate=f"{tr(run.label)}<br>w = %{{x:.3f}}<br>b = %{{y:.3f}}<extra></extra>"))
    w0, b0 = comparison.full.params[0]
    fig.add_trace(go.Scatter(x=[w0], y=[b0], mode="markers", name=tr(msg("start")), legendrank=3, marker={
        "size": 14, "color": POINT_COLOR, "line": {"width": 2, "color": "white"}}))
    if comparison.optimum.exists:
        fig.add_trace(go.Scatter(x=[comparison.optimum.w], y=[comparison.optimum.b], mode="markers", name=tr(msg("minimum")), legendrank=4,
                                 marker={"size": 18, "symbol": "star", "color": "#ffd700", "line": {"width": 1.5, "color": "black"}}))
    fig.update_xaxes(title=tr(msg("w (weight)")), range=[ws[0], ws[-1]], constrain="domain")
    fig.update_yaxes(title=tr(msg("b (bias)")), range=[bs[0], bs[-1]], scaleanchor="x", scaleratio=1, constrain="domain")
    return _legend_below(_layout(fig, title, height=HEIGHT + 40))


def _legend_below(fig: go.Figure) -> go.Figure:
    """A horizontal legend under the axis title (the house default sits on top of it)."""
    fig.update_layout(legend={"orientation": "h", "y": -0.16, "yanchor": "top", "x": 0})
    return fig


def _excess(run: Run, best: float) -> tuple[np.ndarray, np.ndarray]:
    """L − L* at every step and a mask of the values a log axis can show."""
    excess = run.losses - best
    return excess, np.isfinite(excess) & (excess > 0)


def _drawn(ok: np.ndarray) -> np.ndarray:
    """The indices of a loss curve to draw: the finite ones, thinned to MAX_POINTS."""
    keep = np.zeros_like(ok)
    keep[_every(len(ok))] = True
    return np.flatnonzero(keep & ok)


def _loss_axes(fig: go.Figure, runs: list[tuple[np.ndarray, np.ndarray]], target_excess: float, x_span: tuple,
               tr=str) -> None:
    """A log y axis from two decades under the target to the highest loss; the target as a dotted line in the legend."""
    fig.add_trace(go.Scatter(x=list(x_span), y=[target_excess] * 2, mode="lines", name=tr(msg("target")), legendrank=3,
                             line={"dash": "dot", "color": "#2ca02c", "width": 3}, hoverinfo="skip"))
    top = max([float(e[ok].max()) for e, ok in runs if ok.any()] + [target_excess])
    fig.update_yaxes(title=tr(msg("L − L*  (log scale)")), type="log", dtick=1, exponentformat="power",
                     range=[np.log10(target_excess) - 2.2, np.log10(top) + 0.15] if target_excess > 0 else None)


def loss_by_iteration_figure(comparison: Comparison, target: float, title: str = "", tr=str) -> go.Figure:
    """L − L* after each optimizer step, log-log: 20 full-batch steps next to thousands with B = 1."""
    fig, best, shown = go.Figure(), comparison.optimum.loss, []
    for rank, run, color in _styled(comparison):
        excess, ok = _excess(run, best)
        ok[0] = False                                     # step 0 has no place on a log axis
        shown.append((excess, ok))
        drawn = _drawn(ok)
        fig.add_trace(go.Scatter(x=drawn, y=excess[drawn], mode="lines", name=tr(run.label), legendrank=rank,
                                 line={"color": color, "width": 1 if rank == 2 else 3 if run.steps < 50 else 2}))
    steps = max(r.steps for r in comparison.runs)
    _loss_axes(fig, shown, target - best, (1, max(steps, 2)), tr)
    fig.update_xaxes(title=tr(msg("iteration (optimizer step, log scale)")), type="log", dtick=1)
    return _legend_below(_layout(fig, title, height=440))


def loss_by_epoch_figure(comparison: Comparison, target: float, title: str = "", tr=str) -> go.Figure:
    """L − L* after every step, placed at epoch = examples processed / N; markers at the end of each epoch."""
    fig, n, best, shown = go.Figure(), comparison.full.batch_size, comparison.optimum.loss, []
    for rank, run, color in _styled(comparison):
        excess, ok = _excess(run, best)
        shown.append((excess, ok))
        drawn = _drawn(ok)
        fig.add_trace(go.Scatter(x=run.examples[drawn] / n, y=excess[drawn], mode="lines", name=tr(run.label),
                                 line={"color": color, "width": 1 if rank == 2 else 2}, legendgroup=run.label, legendrank=rank))
        ends = run.epoch_ends[ok[run.epoch_ends]]
        fig.add_trace(go.Scatter(x=run.examples[ends] / n, y=excess[ends], mode="markers", showlegend=False,
                                 marker={"color": color, "size": 8}, legendgroup=run.label, name=tr(run.label)))
    _loss_axes(fig, shown, target - best, (0, max(r.examples[-1] for r in comparison.runs) / n), tr)
    fig.update_xaxes(title=tr(msg("epoch (examples processed / N)")))
    return _legend_below(_layout(fig, title, height=440))


def gradient_figure(batch: np.ndarray, full: np.ndarray, per_example: np.ndarray, expected_spread: float,
                    title: str = "", tr=str) -> go.Figure:
    """Each batch gradient of one epoch as an arrow from 0 over the cloud of single-example gradients, ∇L in bold."""
    segs = np.full((3 * len(batch), 2), np.nan)
    segs[1::3] = batch
    segs[0::3] = 0.0
    fig = go.Figure(go.Scatter(x=per_example[:, 0], y=per_example[:, 1], mode="markers", name=tr(msg("single examples (B = 1)")),
                               marker={"color": "#9a9a9a", "size": 6, "opacity": 0.55},
                               hovertemplate="∂ℓ/∂w = %{x:.3g}<br>∂ℓ/∂b = %{y:.3g}<extra>" + tr(msg("one example")) + "</extra>"))
    fig.add_trace(go.Scatter(x=segs[:, 0], y=segs[:, 1], mode="lines", showlegend=False, legendgroup="batch",
                             line={"color": LINE_COLORS[1], "width": 1.5}, opacity=0.6, hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=batch[:, 0], y=batch[:, 1], mode="markers",
                             name=tr(msg("the {count} batches of one epoch", count=len(batch))),
                             legendgroup="batch", marker={"color": LINE_COLORS[1], "size": 9},
                             hovertemplate="∂L/∂w = %{x:.3g}<br>∂L/∂b = %{y:.3g}<extra>" + tr(msg("batch")) + "</extra>"))
    t = np.linspace(0, 2 * np.pi, 73)
    fig.add_trace(go.Scatter(x=full[0] + expected_spread * np.cos(t), y=full[1] + expected_spread * np.sin(t), mode="lines",
                             name=tr(msg("expected spread of a batch")),
                             line={"color": "#2ca02c", "dash": "dash", "width": 2}, hoverinfo="skip"))
    fig.add_annotation(x=full[0], y=full[1], ax=0, ay=0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=2, arrowsize=1.2, arrowwidth=4, arrowcolor="black", text="")
    fig.add_trace(go.Scatter(x=[full[0]], y=[full[1]], mode="markers", name=tr(msg("full gradient ∇L")),
    marker={"color": "black", "size": 9},
                             hovertemplate="∂L/∂w = %{x:.3g}<br>∂L/∂b = %{y:.3g}<extra>∇L</extra>"))
    reach = np.vstack([per_example, [[0.0, 0.0]], full[None]])
    lo, hi = reach.min(axis=0), reach.max(axis=0)
    mid, half = (lo + hi) / 2, max(float((hi - lo).max()) * 0.55, 1e-9)
    fig.update_xaxes(title="∂L/∂w", range=[mid[0] - half, mid[0] + half], zeroline=True)
    fig.update_yaxes(title="∂L/∂b", range=[mid[1] - half, mid[1] + half], zeroline=True, scaleanchor="x", scaleratio=1)
    return _legend_below(_layout(fig, title, height=HEIGHT))


def noise_figure(curve: NoiseCurve, chosen: int, title: str = "", tr=str) -> go.Figure:
    """Measured E‖g_B − ∇L‖² against σ²/B and σ²/B · (N − B)/(N − 1), log-log."""
    B = np.unique(np.geomspace(1, max(curve.n - 1, 1), 200).round())
    fig = go.Figure(go.Scatter(x=B, y=curve.theory(B, finite=False), mode="lines", name="σ²/B",
                               line={"color": "#777", "dash": "dash", "width": 2}))
    fig.add_trace(go.Scatter(x=B, y=curve.theory(B), mode="lines", name="σ²/B · (N−B)/(N−1)",
                             line={"color": "#2ca02c", "width": 2.5}))
    fig.add_trace(go.Scatter(x=curve.batch_sizes, y=curve.measured, mode="markers", name=tr(msg("measured")),
                             marker={"color": LINE_COLORS[0], "size": 11, "symbol": "circle"}))
    pick = curve.batch_sizes == chosen
    if pick.any():
        fig.add_trace(go.Scatter(x=curve.batch_sizes[pick], y=curve.measured[pick], mode="markers", name=f"B = {chosen}",
                                 marker={"color": LINE_COLORS[1], "size": 16, "symbol": "diamond", "line": {"width": 1, "color": "black"}}))
    shown = np.concatenate([curve.measured, curve.theory(B[:1], finite=False)])
    shown = shown[shown > 0]
    fig.update_xaxes(title=tr(msg("batch size B (log scale)")), type="log", dtick=1)
    fig.update_yaxes(title=tr(msg("E‖g_B − ∇L‖²  (log scale)")), type="log", dtick=1, exponentformat="power",
                     range=[np.log10(shown.min()) - 0.5, np.log10(shown.max()) + 0.3] if shown.size else None)
    return _legend_below(_layout(fig, title, height=HEIGHT))
