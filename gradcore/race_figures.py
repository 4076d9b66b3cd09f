"""Plotly builders for the race and the schedule: the lr curve, and the adaptive optimizers' per-coordinate box."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gradcore.descent_figures import SMALL_HEIGHT, _layout
from gradcore.messages import msg
from gradcore.runs import thin

SCALE_BOX_COLOR = "#ff7f0e"
MAX_LR_POINTS = 1500


def lr_figure(curves: Sequence[tuple[str, str, Sequence[float]]], at: int | None = None, title: str = "",
              tr=str) -> go.Figure:
    """γ_t against the step t (steps from 1, as torch counts them), one line per (label, colour, lrs)."""
    data = []
    for label, color, lrs in curves:
        keep = thin(len(lrs), MAX_LR_POINTS)
        data.append({"type": "scatter", "x": (keep + 1).astype(np.int32), "y": np.asarray(lrs, dtype=np.float64)[keep],
                     "mode": "lines", "name": label, "line": {"color": color, "width": 3, "shape": "hv"},
                     "hovertemplate": tr(msg("step {t}", t="%{x:,}")) + "<br>γ = %{y:.6g}<extra></extra>"})
    shapes = [{"type": "line", "xref": "x", "yref": "y domain", "x0": at, "x1": at, "y0": 0, "y1": 1,
               "line": {"color": "#555555", "width": 2, "dash": "dot"}}] if at is not None else []
    layout = _layout(title, SMALL_HEIGHT - 80, shapes=shapes, showlegend=len(curves) > 1,
                     xaxis={"title": tr(msg("step t"))}, yaxis={"title": tr(msg("learning rate γₜ")), "exponentformat": "power"})
    return go.Figure(data, layout)


def scale_box(x: Sequence[float], step_sizes: Sequence[float], grad_norm: float, tr=str) -> dict:
    """The rectangle centred at x_t whose sides are η_i·|∇f|: how far each coordinate moves per unit of gradient length."""
    half = 0.5 * np.abs(np.asarray(step_sizes, dtype=np.float64)) * grad_norm
    x0, x1, y0, y1 = x[0] - half[0], x[0] + half[0], x[1] - half[1], x[1] + half[1]
    return {"type": "scatter", "x": [x0, x1, x1, x0, x0], "y": [y0, y0, y1, y1, y0], "mode": "lines",
            "name": tr(msg("per-coordinate step sizes")), "fill": "toself", "fillcolor": "rgba(255,127,14,0.15)",
            "line": {"color": SCALE_BOX_COLOR, "width": 3}, "hoverinfo": "skip"}
