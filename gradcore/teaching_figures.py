"""Plotly builders for issue 19's teaching rows: the hiker, the trail of downhill steps, a saddle's two cuts, and
heavy-ball momentum's phase diagram with a run of the chosen setting.

Builders take computed data and return a Figure; add_* ones append traces to a figure made by gradcore.figures.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gradcore.cuts import PrincipalCuts
from gradcore.figures import (
    DESCENT_COLOR,
    DIRECTION_COLOR,
    HEIGHT,
    POINT_COLOR,
    SMALL_HEIGHT,
    Grid,
    _contour_trace,
    _f32,
    _layout_dict,
    _plane_axes,
)
from gradcore.messages import msg
from gradcore.momentum_rate import RateMap

HIKER_COLOR = "#ff7f0e"
TRAIL_COLOR = "#ffffff"
CUT_COLORS = {"minimum": "#1f5fbf", "maximum": "#d62728", "flat": "#444444"}
CLICK_GRID = (31, 25)          # clickable points of the phase diagram: step sizes × momenta
LEGEND_BELOW = {"orientation": "h", "y": -0.16, "yanchor": "top", "x": 0}


def hiker_label(slope: float) -> str:
    """The hiker's label: D_u f and whether that way is uphill, downhill or level."""
    if slope > 0:
        return msg("hiker: D_u f = {slope:+.4g} (uphill)", slope=slope)
    if slope < 0:
        return msg("hiker: D_u f = {slope:+.4g} (downhill)", slope=slope)
    return msg("hiker: D_u f = {slope:+.4g} (level)", slope=slope)


def add_hiker(fig: go.Figure, p2, value: float, u2, walk_xy: np.ndarray, walk_z: np.ndarray, slope: float,
              length: float, tr=str) -> go.Figure:
    """The hiker at P on the surface, her path along u (t ≥ 0) and an arrow the way she looks, labelled D_u f."""
    if not (np.isfinite(value) and np.isfinite(slope)):
        return fig
    tip = np.array([p2[0] + length * u2[0], p2[1] + length * u2[1], value + slope * length])
    fig.add_traces([
        {"type": "scatter3d", "x": _f32(walk_xy[:, 0]), "y": _f32(walk_xy[:, 1]), "z": _f32(walk_z), "mode": "lines",
         "name": tr(msg("her path along u")), "line": {"width": 10, "color": HIKER_COLOR}},
        {"type": "scatter3d", "x": [p2[0], tip[0]], "y": [p2[1], tip[1]], "z": [value, tip[2]], "mode": "lines",
         "name": tr(msg("the way she looks")), "line": {"width": 8, "color": DIRECTION_COLOR}, "showlegend": False},
        {"type": "cone", "x": [tip[0]], "y": [tip[1]], "z": [tip[2]], "u": [u2[0]], "v": [u2[1]], "w": [slope],
         "sizemode": "absolute", "sizeref": 0.35 * length, "anchor": "tip", "showscale": False,
         "colorscale": [[0, DIRECTION_COLOR], [1, DIRECTION_COLOR]], "name": "u", "hoverinfo": "skip"},
        {"type": "scatter3d", "x": [p2[0]], "y": [p2[1]], "z": [value], "mode": "markers+text", "name": tr(msg("hiker")),
         "text": [tr(hiker_label(slope))], "textposition": "top center", "textfont": {"size": 15, "color": "#000"}, "showlegend": False,
         "marker": {"size": 9, "symbol": "diamond", "color": HIKER_COLOR, "line": {"width": 2, "color": "#000"}}},
    ])
    return fig


def add_trail(fig: go.Figure, trail_xy: np.ndarray, trail_f: np.ndarray, three_d: bool, tr=str) -> go.Figure:
    """The points 'Step downhill' visited, joined in order, each labelled with f there."""
    if len(trail_xy) < 2:
        return fig
    xy, fz = np.asarray(trail_xy, dtype=np.float64), np.asarray(trail_f, dtype=np.float64)
    text = [f"f = {v:.4g}" for v in fz]
    common = {"mode": "lines+markers+text", "name": tr(msg("trail of {count} steps", count=len(xy) - 1)), "text": text,
              "textposition": "top right", "hovertemplate": "%{text}<extra>" + tr(msg("trail")) + "</extra>"}
    if three_d:
        fig.add_trace({"type": "scatter3d", "x": xy[:, 0], "y": xy[:, 1], "z": fz, **common, "textfont": {"size": 12},
                       "line": {"width": 6, "color": DESCENT_COLOR}, "marker": {"size": 4, "color": DESCENT_COLOR}})
    else:
        fig.add_trace({"type": "scatter", "x": xy[:, 0], "y": xy[:, 1], **common, "cliponaxis": False,
                       "textfont": {"size": 13, "color": "#fff"}, "line": {"width": 3, "color": TRAIL_COLOR},
                       "marker": {"size": 8, "color": DESCENT_COLOR, "line": {"width": 1.5, "color": TRAIL_COLOR}}})
    return fig


# ---------------------------------------------------------------- a saddle in plain words

def saddle_surface_figure(grid: Grid, cuts: PrincipalCuts, title: str = "", tr=str) -> go.Figure:
    """The surface with the two cuts through the saddle drawn on it: one a valley (minimum), one a ridge (maximum)."""
    data = [{"type": "surface", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": _f32(grid.Z), "colorscale": "Turbo",
             "opacity": 0.75, "showscale": False, "name": "f", "showlegend": False}]
    for i in range(len(cuts.eigenvalues)):
        pts = cuts.point + cuts.t[:, None] * cuts.directions[i]
        data.append({"type": "scatter3d", "x": pts[:, 0], "y": pts[:, 1], "z": cuts.values[i], "mode": "lines",
                     "name": tr(cut_name(cuts, i)), "line": {"width": 9, "color": CUT_COLORS[cuts.shape(i)]}})
    data.append({"type": "scatter3d", "x": [cuts.point[0]], "y": [cuts.point[1]], "z": [float(cuts.values[0][len(cuts.t) // 2])],
                 "mode": "markers", "name": tr(msg("saddle")), "marker": {"size": 7, "color": "#000"}, "showlegend": False})
    scene = {"xaxis_title": grid.axes[0], "yaxis_title": grid.axes[1], "zaxis_title": "f",
             "camera": {"eye": {"x": 1.6, "y": -1.4, "z": 0.9}}, "aspectratio": {"x": 1, "y": 1, "z": 0.7}}
    return go.Figure(data, _layout_dict(title, scene=scene, legend=LEGEND_BELOW, margin={"l": 0, "r": 0, "t": 50, "b": 0}))


def cut_name(cuts: PrincipalCuts, i: int) -> str:
    """'along (1, 0): a minimum' for cut i."""
    v = ", ".join(f"{c + 0.0:.3g}" for c in cuts.directions[i])
    if cuts.shape(i) == "minimum":
        return msg("along ({direction}): a minimum", direction=v)
    if cuts.shape(i) == "maximum":
        return msg("along ({direction}): a maximum", direction=v)
    return msg("along ({direction}): flat to second order", direction=v)


def saddle_cuts_figure(cuts: PrincipalCuts, title: str = "", tr=str) -> go.Figure:
    """g_i(t) = f(P + t v_i) for each eigen-direction: a cup one way, a cap the other."""
    data = [{"type": "scatter", "x": cuts.t, "y": cuts.values[i], "mode": "lines", "name": tr(cut_name(cuts, i)),
             "line": {"width": 4, "color": CUT_COLORS[cuts.shape(i)]}} for i in range(len(cuts.eigenvalues))]
    centre = float(cuts.values[0][len(cuts.t) // 2])
    data.append({"type": "scatter", "x": [0.0], "y": [centre], "mode": "markers", "name": tr(msg("saddle")),
                 "marker": {"size": 13, "color": "#000"}, "showlegend": False})
    return go.Figure(data, _layout_dict(title, SMALL_HEIGHT, legend=LEGEND_BELOW,
                                        xaxis={"title": tr(msg("t (distance from the saddle)"))},
                                        yaxis={"title": tr(msg("f along the cut"))}))


# ---------------------------------------------------------------- momentum's phase diagram

def click_grid(rm: RateMap) -> tuple[np.ndarray, np.ndarray]:
    """The (lr, μ) points a click can pick: a coarse grid over the diagram (plotly clicks fire on scatter points only)."""
    lrs = np.linspace(rm.lrs[0], rm.lrs[-1], CLICK_GRID[0])
    momenta = np.linspace(rm.momenta[0], rm.momenta[-1], CLICK_GRID[1])
    lr, mu = np.meshgrid(lrs, momenta)
    return lr.ravel(), mu.ravel()


def rate_map_figure(rm: RateMap, chosen: tuple[float, float] | None, title: str = "", tr=str) -> go.Figure:
    """ρ(lr, μ) as a heat map (dark: fast; white: ρ ≥ 1, diverges), Polyak's optimum and the chosen setting marked."""
    shown = np.where(rm.rates < 1, rm.rates, np.nan)
    lr, mu = click_grid(rm)
    best = rm.best
    data = [
        {"type": "heatmap", "x": rm.lrs, "y": rm.momenta, "z": _f32(shown), "zmin": 0, "zmax": 1, "colorscale": "Viridis",
         "colorbar": {"title": {"text": "ρ"}, "thickness": 14}, "name": tr(msg("rate ρ")),
         "hovertemplate": "lr %{x:.4g}, μ %{y:.3g}: ρ = %{z:.4f}<extra></extra>"},
        {"type": "contour", "x": rm.lrs, "y": rm.momenta, "z": _f32(rm.rates), "showscale": False, "hoverinfo": "skip",
         "contours": {"start": 1, "end": 1, "size": 1, "coloring": "none"}, "line": {"color": "#d62728", "width": 2},
         "name": tr(msg("ρ = 1: beyond it, divergence")), "showlegend": True},
        {"type": "scatter", "x": lr, "y": mu, "mode": "markers", "marker": {"size": 14, "opacity": 0}, "name": tr(msg("click")),
         "showlegend": False, "hovertemplate": tr(msg("click: run lr {lr}, μ {mu}", lr="%{x:.4g}", mu="%{y:.3g}")) + "<extra></extra>"},
        {"type": "scatter", "x": [best.lr], "y": [best.momentum], "mode": "markers+text", "name": tr(msg("optimum")),
         "text": [tr(msg("optimum ρ = {rate:.3f}", rate=best.rate))], "textposition": "top right", "showlegend": False,
         "textfont": {"color": "#fff"}, "marker": {"size": 16, "symbol": "star", "color": "#ffd700", "line": {"width": 1}}},
    ]
    if chosen is not None:
        data.append({"type": "scatter", "x": [chosen[0]], "y": [chosen[1]], "mode": "markers", "name": tr(msg("your setting")),
                     "marker": {"size": 15, "symbol": "x", "color": POINT_COLOR, "line": {"width": 2, "color": "#fff"}}})
    return go.Figure(data, _layout_dict(title, HEIGHT, legend=LEGEND_BELOW, xaxis={"title": tr(msg("step size lr"))},
                                        yaxis={"title": tr(msg("momentum μ")), "range": [0, 0.99]}))


def momentum_run_figure(grid: Grid, points: np.ndarray, title: str = "", tr=str) -> go.Figure:
    """The run of the chosen (lr, μ) over the contour map of the page's function."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    data = [_contour_trace(grid, opacity=0.6, showscale=False)]
    if len(p):          # no points: f is not defined at the start (the page says why)
        data += [{"type": "scatter", "x": p[:, 0], "y": p[:, 1], "mode": "lines+markers", "name": tr(msg("heavy ball")),
                  "line": {"width": 3, "color": "#c200c2"}, "marker": {"size": 4, "color": "#c200c2"}},
                 {"type": "scatter", "x": [p[0, 0]], "y": [p[0, 1]], "mode": "markers", "name": tr(msg("start")),
                  "marker": {"size": 13, "color": POINT_COLOR, "line": {"width": 2, "color": "#fff"}}}]
    return go.Figure(data, _layout_dict(title, HEIGHT, legend=LEGEND_BELOW, **_plane_axes(grid)))


def rate_check_figure(steps: np.ndarray, distances: np.ndarray, rate: float, title: str = "", tr=str) -> go.Figure:
    """|x_t − x*| against t (log scale) beside the quadratic's prediction |x_0 − x*| ρ^t."""
    t = np.asarray(steps, dtype=np.float64)
    d = np.asarray(distances, dtype=np.float64)
    ok = np.isfinite(d) & (d > 0)
    data = [{"type": "scatter", "x": t[ok], "y": d[ok], "mode": "lines", "name": tr(msg("|xₜ − x*| measured")),
             "line": {"width": 3, "color": "#c200c2"}}]
    if ok.any() and 0 < rate:
        data.append({"type": "scatter", "x": t, "y": d[ok][0] * rate ** t, "mode": "lines", "name": f"ρᵗ, ρ = {rate:.4f}",
                     "line": {"width": 2, "color": DIRECTION_COLOR, "dash": "dash"}})
    return go.Figure(data, _layout_dict(title, HEIGHT, legend=LEGEND_BELOW, xaxis={"title": tr(msg("step t"))},
                                        yaxis={"title": tr(msg("distance to the minimum (log)")), "type": "log",
                                               "exponentformat": "power"}))
