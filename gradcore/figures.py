"""Plotly figure builders: they take computed data and return a Figure (no calculation of their own)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gradcore.formula import Formula

COLORSCALE = "Turbo"          # rainbow-like, as in the lecture's plots
FONT = {"size": 16}           # readable from the back of a lecture hall
POINT_COLOR = "#d62728"
HEIGHT = 520


@dataclass(frozen=True)
class Grid:
    """f sampled on a rectangle: xs (m,), ys (k,), Z (k, m) with NaN where f is undefined."""

    xs: np.ndarray
    ys: np.ndarray
    Z: np.ndarray
    axes: tuple[str, str]


def sample_grid(formula: Formula, domain, resolution: int = 151, point=None, axes: tuple[int, int] = (0, 1)) -> Grid:
    """Z[j, i] = f at (xs[i], ys[j]) in the two chosen variables, the others fixed at `point`."""
    x0, x1, y0, y1 = domain
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    base = np.zeros(formula.n) if point is None else np.asarray(point, dtype=np.float64)
    pts = np.broadcast_to(base, (resolution, resolution, formula.n)).copy()
    pts[..., axes[0]], pts[..., axes[1]] = np.meshgrid(xs, ys)
    Z = formula.value(pts)
    Z[~np.isfinite(Z)] = np.nan
    return Grid(xs, ys, Z, (formula.variables[axes[0]], formula.variables[axes[1]]))


def _layout(fig: go.Figure, title: str, height: int = HEIGHT) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01}, font=FONT, height=height,
                      margin={"l": 10, "r": 10, "t": 50, "b": 10}, legend={"orientation": "h", "y": -0.05})
    return fig


def surface_figure(grid: Grid, point=None, value: float | None = None, title: str = "") -> go.Figure:
    """The 3-D surface z = f(x, y) with the point P marked on it."""
    fig = go.Figure(go.Surface(x=grid.xs.astype(np.float32), y=grid.ys.astype(np.float32),
                               z=grid.Z.astype(np.float32), colorscale=COLORSCALE, opacity=0.92,
                               colorbar={"thickness": 14, "len": 0.7}, name="f"))
    if point is not None and value is not None and np.isfinite(value):
        fig.add_trace(go.Scatter3d(x=[point[0]], y=[point[1]], z=[value], mode="markers", name="P",
                                   marker={"size": 7, "color": POINT_COLOR, "line": {"width": 2, "color": "white"}}))
    fig.update_layout(scene={"xaxis_title": grid.axes[0], "yaxis_title": grid.axes[1], "zaxis_title": "f",
                             "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 1.0}}, "aspectmode": "manual",
                             "aspectratio": {"x": 1, "y": 1, "z": 0.7}})
    return _layout(fig, title)


def contour_figure(grid: Grid, point=None, title: str = "") -> go.Figure:
    """Level curves of f in the two chosen variables with the point P marked."""
    fig = go.Figure(go.Contour(x=grid.xs.astype(np.float32), y=grid.ys.astype(np.float32),
                               z=grid.Z.astype(np.float32), colorscale=COLORSCALE, ncontours=30,
                               contours={"coloring": "heatmap", "showlines": True}, name="f",
                               colorbar={"thickness": 14}))
    if point is not None:
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name="P",
                                 marker={"size": 13, "color": POINT_COLOR, "line": {"width": 2, "color": "white"}}))
    fig.update_xaxes(title=grid.axes[0])
    fig.update_yaxes(title=grid.axes[1], scaleanchor="x", scaleratio=1)
    return _layout(fig, title)


def tangent_figure(xs: np.ndarray, ys: np.ndarray, x0: float, y0: float, slope: float,
                   xlabel: str = "x", title: str = "") -> go.Figure:
    """The curve y = g(x) with its tangent line y0 + slope (x − x0) at x0."""
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", name="f", line={"width": 3}))
    if np.isfinite(y0) and np.isfinite(slope):
        half = (xs[-1] - xs[0]) / 4
        tx = np.array([x0 - half, x0 + half])
        fig.add_trace(go.Scatter(x=tx, y=y0 + slope * (tx - x0), mode="lines", name=f"tangent, slope {slope:.4g}",
                                 line={"width": 3, "dash": "dash", "color": POINT_COLOR}))
    if np.isfinite(y0):
        fig.add_trace(go.Scatter(x=[x0], y=[y0], mode="markers", name="P",
                                 marker={"size": 12, "color": POINT_COLOR}))
    finite = ys[np.isfinite(ys)]
    if finite.size:
        lo, hi = np.percentile(finite, [1, 99])
        pad = 0.1 * (hi - lo or 1.0)
        fig.update_yaxes(range=[lo - pad, hi + pad])
    fig.update_xaxes(title=xlabel)
    return _layout(fig, title, height=440)
