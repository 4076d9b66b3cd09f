"""Plotly figure builders: they take computed data and return a Figure (no calculation of their own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gradcore.directional import ThetaCurve
from gradcore.formula import Formula
from gradcore.messages import msg

COLORSCALE = "Turbo"          # rainbow-like, as in the lecture's plots
# Chinese labels need a CJK font: Noto (Linux), PingFang (macOS), Microsoft YaHei (Windows) after plotly's own.
FONT_FAMILY = ('"Open Sans", verdana, arial, "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", '
               '"Source Han Sans SC", sans-serif')
FONT = {"size": 16, "family": FONT_FAMILY}   # readable from the back of a lecture hall
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


def surface_figure(grid: Grid, point=None, value: float | None = None, title: str = "", tr=str) -> go.Figure:
    """The 3-D surface z = f(x, y) with the point P marked on it."""
    fig = go.Figure(go.Surface(x=grid.xs.astype(np.float32), y=grid.ys.astype(np.float32),
                               z=grid.Z.astype(np.float32), colorscale=COLORSCALE, opacity=0.92,
                               colorbar={"thickness": 14, "len": 0.7}, name="f"))
    if point is not None and value is not None and np.isfinite(value):
        fig.add_trace(go.Scatter3d(x=[point[0]], y=[point[1]], z=[value], mode="markers", name="P",
                                   marker={"size": 7, "color": POINT_COLOR, "line": {"width": 2, "color": "white"}}))
    fig.update_layout(scene={"xaxis_title": grid.axes[0], "yaxis_title": grid.axes[1], "zaxis_title": "f",
                             "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 0.9}, "center": {"x": 0, "y": 0, "z": -0.12}},
                             "aspectmode": "manual",
                             "aspectratio": {"x": 1, "y": 1, "z": 0.7}})
    return _layout(fig, title)


def contour_figure(grid: Grid, point=None, title: str = "", tr=str) -> go.Figure:
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
                   xlabel: str = "x", title: str = "", tr=str) -> go.Figure:
    """The curve y = g(x) with its tangent line y0 + slope (x − x0) at x0 (labels through `tr`, a Message -> str)."""
    fig = go.Figure(go.Scatter(x=xs, y=ys, mode="lines", name="f", line={"width": 3}))
    if np.isfinite(y0) and np.isfinite(slope):
        half = (xs[-1] - xs[0]) / 4
        tx = np.array([x0 - half, x0 + half])
        fig.add_trace(go.Scatter(x=tx, y=y0 + slope * (tx - x0), mode="lines", name=tr(msg("tangent, slope {slope:.4g}", slope=slope)),
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


# ---------------------------------------------------------------- directional derivative and gradient pages
# These builders make each figure in one go.Figure(data, layout) call: plotly's incremental updates
# (add_trace, update_layout) cost 3–5 times more, and they run on every slider move.

GRADIENT_COLOR = "#c200c2"    # magenta: stands out on the Turbo colours
DIRECTION_COLOR = "#111111"
DESCENT_COLOR = "#1f5fbf"
ARROW_FRACTION = 0.2          # drawn arrows are this fraction of the shorter plot side
SMALL_HEIGHT = 440


def _layout_dict(title: str, height: int = HEIGHT, **extra) -> dict:
    """The house layout (as _layout) as a dict, for one-shot figures."""
    return {"title": {"text": title, "x": 0.01}, "font": FONT, "height": height,
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "legend": {"orientation": "h", "y": -0.15}, **extra}


def _marker_p(size: int = 13) -> dict:
    return {"size": size, "color": POINT_COLOR, "line": {"width": 2, "color": "white"}}


def _f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _arrow_length(grid: Grid) -> float:
    return ARROW_FRACTION * min(grid.xs[-1] - grid.xs[0], grid.ys[-1] - grid.ys[0])


def _unit(v) -> np.ndarray | None:
    v = np.asarray(v, dtype=np.float64)
    norm = float(np.hypot(v[0], v[1]))
    return v / norm if np.isfinite(norm) and norm > 1e-12 else None


def _z_span(grid: Grid) -> tuple[float, float]:
    finite = grid.Z[np.isfinite(grid.Z)]
    return (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)


def _contour_trace(grid: Grid, **extra) -> dict:
    return {"type": "contour", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": _f32(grid.Z), "colorscale": COLORSCALE,
            "ncontours": 30, "contours": {"coloring": "heatmap", "showlines": True}, "name": "f",
            "colorbar": {"thickness": 14}, "showlegend": False, **extra}


def _plane_axes(grid: Grid) -> dict:
    """Equal scale on both axes (so that right angles look right), clipped to the grid."""
    return {"xaxis": {"title": grid.axes[0], "range": [float(grid.xs[0]), float(grid.xs[-1])], "constrain": "domain"},
            "yaxis": {"title": grid.axes[1], "range": [float(grid.ys[0]), float(grid.ys[-1])], "scaleanchor": "x",
                      "scaleratio": 1, "constrain": "domain"}}


NO_TEMPLATE = {"template": {}}   # a layer drawn over a base that carries plotly's template (ui.chart.Layers)


def stacked(*figures: go.Figure) -> go.Figure:
    """Layers drawn one over another as one figure: traces in order, layouts merged key by key, the first frames."""
    layout, frames = {}, ()
    for fig in figures:
        layout.update({k: v for k, v in fig.layout.to_plotly_json().items() if k != "template"})   # the default again
        frames = frames or fig.frames
    return go.Figure([t for fig in figures for t in fig.data], layout, frames)


def directional_surface_figure(grid: Grid, p2, value: float, u2, curve_xy: np.ndarray, curve_z: np.ndarray,
                               slope: float, grad2, title: str = "", tr=str) -> go.Figure:
    """Surface, P, the vertical plane through P along u, the curve it cuts, its tangent (slope D_u f) and ∇f at P.

    p2, u2 and grad2 are P, u and ∇f(P) in the plotted plane; curve_xy (m, 2) and curve_z (m,) the cut curve.    """
    return stacked(directional_surface_base(grid, title),
                   directional_surface_moving(grid, p2, value, u2, curve_xy, curve_z, slope, grad2, tr))


def directional_surface_base(grid: Grid, title: str = "") -> go.Figure:
    """What a θ step leaves alone: the surface and the layout (the first layer of directional_surface_figure)."""
    data = [{"type": "surface", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": _f32(grid.Z), "colorscale": COLORSCALE,
             "opacity": 0.85, "showscale": False, "name": "f", "showlegend": False}]
    scene = {"xaxis_title": grid.axes[0], "yaxis_title": grid.axes[1], "zaxis_title": "f",
             "camera": {"eye": {"x": 1.5, "y": -1.5, "z": 0.9}, "center": {"x": 0, "y": 0, "z": -0.12}}, "aspectmode": "manual",
             "aspectratio": {"x": 1, "y": 1, "z": 0.7}}
    legend = {"orientation": "h", "x": 0.0, "y": 0.0, "entrywidth": 0.5, "entrywidthmode": "fraction", "font": {"size": 14}}
    return go.Figure(data, _layout_dict(title, scene=scene, legend=legend, margin={"l": 0, "r": 0, "t": 50, "b": 0}))


def directional_surface_moving(grid: Grid, p2, value: float, u2, curve_xy: np.ndarray, curve_z: np.ndarray,
                               slope: float, grad2, tr=str) -> go.Figure:
    """The traces that follow u: the plane, the cut curve, P, the tangent and ∇f (a layer without a template)."""
    zlo, zhi = _z_span(grid)
    ends = np.asarray(curve_xy)[[0, -1]]
    data = [
        {"type": "surface", "x": [ends[:, 0]] * 2, "y": [ends[:, 1]] * 2, "z": [[zlo, zlo], [zhi, zhi]],
         "surfacecolor": [[0, 0], [0, 0]], "colorscale": [[0, "#808080"], [1, "#808080"]], "opacity": 0.3,
         "showscale": False, "name": tr(msg("plane along u")), "showlegend": True, "hoverinfo": "skip"},
        {"type": "scatter3d", "x": _f32(curve_xy[:, 0]), "y": _f32(curve_xy[:, 1]), "z": _f32(curve_z), "mode": "lines",
         "name": tr(msg("cut curve")), "line": {"width": 7, "color": DIRECTION_COLOR}},
    ]
    if np.isfinite(value):
        data.append({"type": "scatter3d", "x": [p2[0]], "y": [p2[1]], "z": [value], "mode": "markers", "name": "P",
                     "marker": _marker_p(7), "showlegend": False})
    half = 0.75 * _arrow_length(grid)
    if np.isfinite(value) and np.isfinite(slope):
        t = np.array([-half, half])
        data.append({"type": "scatter3d", "x": p2[0] + t * u2[0], "y": p2[1] + t * u2[1], "z": value + slope * t,
                     "mode": "lines", "name": tr(msg("tangent, slope {slope:.4g}", slope=slope)),
                     "line": {"width": 9, "color": POINT_COLOR}})
    g = _unit(grad2)
    if g is not None and np.isfinite(value):
        length = _arrow_length(grid)
        xs, ys = _arrow_segments([p2[0] + 0.5 * length * g[0]], [p2[1] + 0.5 * length * g[1]], [g[0]], [g[1]], length)
        data.append({"type": "scatter3d", "x": xs, "y": ys, "z": np.where(np.isnan(xs), np.nan, value), "mode": "lines",
                     "name": "∇f(P)", "line": {"width": 9, "color": GRADIENT_COLOR}, "connectgaps": False})
    return go.Figure(data, NO_TEMPLATE)


SWEEP_GROUP = "theta-sweep"   # charts whose frames play together when the sweep button is pressed (ui/chart_assets)
THETA_MARKER = 4              # the current θ's trace on the θ curve: after the curve, its maximum, minimum and zeros
SWEEP_FRAMES = 73             # θ = 0, 5, …, 360°: the sweep's frames (a ThetaCurve with this many samples)


def _sweep_menu(tr=str) -> list[dict]:
    """The button that turns u once around; the browser plays every chart of SWEEP_GROUP, then shows θ again."""
    play = {"frame": {"duration": 70, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate",
            "group": SWEEP_GROUP, "restore": True}
    return [{"type": "buttons", "showactive": False, "x": 0.0, "y": 1.0, "xanchor": "left", "yanchor": "bottom",
             "pad": {"t": 0, "b": 6}, "bgcolor": "white", "font": {"size": 15},
             "buttons": [{"label": tr(msg("⟳ Turn u once around")), "method": "animate", "args": [None, play]}]}]


def inside_plot(grid: Grid, start, vector) -> float:
    """The largest t ≤ 1 with start + t·vector inside the plot area (the grid's box); 0 where start is on its edge."""
    t = 1.0
    for k, (lo, hi) in enumerate(((grid.xs[0], grid.xs[-1]), (grid.ys[0], grid.ys[-1]))):
        if vector[k] > 0:
            t = min(t, (hi - start[k]) / vector[k])
        elif vector[k] < 0:
            t = min(t, (lo - start[k]) / vector[k])
    return float(max(t, 0.0))


def _arrow_annotations(start, vector, color: str, label: str, grid: Grid | None = None) -> list[dict]:
    """An arrow from start along vector with its label at the tip; with `grid`, cut at the plot area's edge so that it
    never runs over the colour bar (its label then sits inside, behind the tip)."""
    t = 1.0 if grid is None else inside_plot(grid, start, vector)
    end = np.asarray(start, dtype=np.float64) + t * np.asarray(vector, dtype=np.float64)
    direction = np.asarray(vector, dtype=np.float64) / max(float(np.hypot(*vector)), 1e-300) * (1 if t == 1.0 else -1)
    return [
        {"x": end[0], "y": end[1], "ax": start[0], "ay": start[1], "xref": "x", "yref": "y", "axref": "x", "ayref": "y",
         "showarrow": True, "arrowhead": 2, "arrowsize": 1.1, "arrowwidth": 4, "arrowcolor": color, "text": ""},
        {"x": end[0], "y": end[1], "text": f"<b>{label}</b>", "showarrow": False, "xref": "x", "yref": "y",
         "xshift": 18 * direction[0], "yshift": 18 * direction[1], "font": {"size": 18, "color": color},
         "bgcolor": "rgba(255,255,255,0.85)"},
    ]


def level_set_figure(grid: Grid, p2, value: float, u2=None, grad2=None, title: str = "",
                     sweep: ThetaCurve | None = None, tr=str) -> go.Figure:
    """Contour map with P, the level curve f = f(P) through it, the arrow u and the gradient's direction.

    With `sweep`, a button turns u once around P in the browser (the hiker turning on the spot), θ = 0 … 360°.
    """
    return stacked(level_set_base(grid, p2, value, grad2, title, sweep if u2 is not None else None, tr),
                   level_set_arrows(grid, p2, value, u2, grad2))


def _gradient_arrow(grid: Grid, p2, value: float, grad2) -> list[dict]:
    g = _unit(grad2) if grad2 is not None else None
    return _arrow_annotations(p2, _arrow_length(grid) * g, GRADIENT_COLOR, "∇f", grid) if g is not None and np.isfinite(value) else []


def level_sweep_frames(grid: Grid, p2, value: float, grad2, sweep: ThetaCurve) -> list[dict]:
    """The sweep's frames of the level map, as plain JSON (u turns around P, ∇f stays)."""
    length, gradient = _arrow_length(grid), _gradient_arrow(grid, p2, value, grad2)
    return [{"name": f"{t:g}", "layout": {"annotations": _arrow_annotations(p2, length * unit_u(t), DIRECTION_COLOR, "u", grid)
                                          + gradient}} for t in sweep.thetas]


def level_set_base(grid: Grid, p2, value: float, grad2=None, title: str = "", sweep: ThetaCurve | None = None,
                   tr=str, with_frames: bool = True) -> go.Figure:
    """What a θ step leaves alone: the map, P, the level curve through P, the layout and the sweep's frames (without
    them where they travel as their own layer: plotly's checks of 73 frames cost more than the rest of the map)."""
    data = [_contour_trace(grid)]
    if np.isfinite(value):
        data.append({"type": "contour", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": _f32(grid.Z), "autocontour": False,
                     "contours": {"start": value, "end": value, "size": 1.0, "coloring": "none"},
                     "line": {"width": 4, "color": "white"}, "showscale": False, "hoverinfo": "skip",
                     "name": tr(msg("level curve through P")), "showlegend": True})
    data.append({"type": "scatter", "x": [p2[0]], "y": [p2[1]], "mode": "markers", "name": "P", "marker": _marker_p()})
    layout = _layout_dict(title, **_plane_axes(grid))
    frames = []
    if sweep is not None:
        layout.update(updatemenus=_sweep_menu(tr), margin={**layout["margin"], "t": 95})     # the button under the title
        frames = level_sweep_frames(grid, p2, value, grad2, sweep) if with_frames else []
    return go.Figure(data, layout, frames)


def level_set_arrows(grid: Grid, p2, value: float, u2=None, grad2=None) -> go.Figure:
    """The arrows u and ∇f at P (a layer without a template, over level_set_base)."""
    annotations = [] if u2 is None else _arrow_annotations(p2, _arrow_length(grid) * np.asarray(u2, dtype=np.float64),
                                                          DIRECTION_COLOR, "u", grid)
    return go.Figure([], {**NO_TEMPLATE, "annotations": annotations + _gradient_arrow(grid, p2, value, grad2)})


def unit_u(theta: float) -> np.ndarray:
    """u = (cos θ, sin θ), θ in degrees."""
    return np.array([np.cos(np.deg2rad(theta)), np.sin(np.deg2rad(theta))])


def _y_range(values: np.ndarray, y0: float) -> list[float] | None:
    """The 1st–99th percentile of the finite values (so a pole does not flatten the curve), with y0 inside."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return None
    lo, hi = np.percentile(finite, [1, 99])
    if np.isfinite(y0):
        lo, hi = min(lo, y0), max(hi, y0)
    pad = 0.1 * ((hi - lo) or 1.0)
    return [float(lo - pad), float(hi + pad)]


def curve_with_tangent_figure(xs: np.ndarray, ys: np.ndarray, x0: float, y0: float, slope: float,
                              one_sided: float | None = None, xlabel: str = "t", ylabel: str = "",
                              title: str = "", tr=str) -> go.Figure:
    """y = g(x) with its tangent y0 + slope (x − x0) at x0, or, at a kink, the one-sided tangent to the right."""
    return stacked(curve_base(xlabel, title), curve_with_tangent_moving(xs, ys, x0, y0, slope, one_sided, ylabel, tr))


def curve_base(xlabel: str = "t", title: str = "") -> go.Figure:
    """The layout of curve_with_tangent_figure that the curve does not change (with plotly's template)."""
    return go.Figure([], _layout_dict(title, SMALL_HEIGHT, xaxis={"title": xlabel}))


def curve_with_tangent_moving(xs: np.ndarray, ys: np.ndarray, x0: float, y0: float, slope: float,
                              one_sided: float | None = None, ylabel: str = "", tr=str) -> go.Figure:
    """The curve, its tangent (or one-sided tangent) and P, with the y range they need (a layer without a template)."""
    data = [{"type": "scatter", "x": xs, "y": ys, "mode": "lines", "name": "curve", "line": {"width": 3},
             "showlegend": False}]
    quarter = (xs[-1] - xs[0]) / 4
    if np.isfinite(y0) and np.isfinite(slope):
        tx = np.array([x0 - quarter, x0 + quarter])
        data.append({"type": "scatter", "x": tx, "y": y0 + slope * (tx - x0), "mode": "lines",
                     "name": tr(msg("tangent, slope {slope:.4g}", slope=slope)),
                     "line": {"width": 3, "dash": "dash", "color": POINT_COLOR}})
    elif np.isfinite(y0) and one_sided is not None and np.isfinite(one_sided):
        tx = np.array([x0, x0 + quarter])
        data.append({"type": "scatter", "x": tx, "y": y0 + one_sided * (tx - x0), "mode": "lines",
                     "name": tr(msg("one-sided slope {slope:.4g}", slope=one_sided)),
                     "line": {"width": 3, "dash": "dash", "color": POINT_COLOR}})
    if np.isfinite(y0):
        data.append({"type": "scatter", "x": [x0], "y": [y0], "mode": "markers", "name": "P", "marker": _marker_p(12)})
    return go.Figure(data, {**NO_TEMPLATE, "yaxis": {"title": ylabel, "range": _y_range(ys, y0)}})


def slice_figure(t: np.ndarray, values: np.ndarray, value: float, slope: float, one_sided: float | None = None,
                 title: str = "", tr=str) -> go.Figure:
    """g(t) = f(P + t u) with its tangent at t = 0 (slope D_u f), or the one-sided tangent for t ≥ 0 at a kink."""
    return curve_with_tangent_figure(t, values, 0.0, value, slope, one_sided, tr(msg("t (distance from P along u)")),
                                     "g(t)", title, tr)


def slice_layers(t: np.ndarray, values: np.ndarray, value: float, slope: float, one_sided: float | None = None,
                 title: str = "", tr=str) -> tuple[Callable[[], go.Figure], go.Figure]:
    """slice_figure as (a builder of its fixed layout, its moving layer): the layers ui.chart.Layers draws as one."""
    return (lambda: curve_base(tr(msg("t (distance from P along u)")), title),
            curve_with_tangent_moving(t, values, 0.0, value, slope, one_sided, "g(t)", tr))


def theta_figure(thetas: np.ndarray, values: np.ndarray, theta: float, current: float, phi: float, maximum: float,
                 zeros=(), title: str = "", one_sided: np.ndarray | None = None, note: str = "",
                 sweep: ThetaCurve | None = None, tr=str) -> go.Figure:
    """D_u f as a function of θ: the current θ, the maximum |∇f| at φ, the minimum −|∇f| at φ + 180, the zeros.

    With `one_sided` (at a kink) the one-sided limits are the curve, and ∇f · u is drawn dashed as not valid.
    With `sweep`, the current θ's marker has frames that run along the curve when the surface's sweep plays.
    """
    return stacked(theta_base(thetas, values, phi, maximum, zeros, title, one_sided, note, sweep, bool(np.isfinite(current)), tr),
                   theta_marker(theta, current, tr))


def theta_base(thetas: np.ndarray, values: np.ndarray, phi: float, maximum: float, zeros=(), title: str = "",
               one_sided: np.ndarray | None = None, note: str = "", sweep: ThetaCurve | None = None,
               marked: bool = True, tr=str, with_frames: bool = True) -> go.Figure:
    """What a θ step leaves alone: theta_figure without the current θ's marker (`marked`: one follows, for the frames;
    without the frames where they travel as their own layer)."""
    valid = one_sided is None
    data = [{"type": "scatter", "x": thetas, "y": values, "mode": "lines", "showlegend": not valid,
             "name": "D_u f = |∇f| cos(θ − φ)" if valid else tr(msg("∇f · u (not valid here)")),
             "line": {"width": 3, "color": "#444"} if valid else {"width": 2, "color": "#999", "dash": "dash"}}]
    if not valid:
        data.append({"type": "scatter", "x": thetas, "y": one_sided, "mode": "lines", "name": tr(msg("one-sided limit")),
                     "line": {"width": 3, "color": "#444"}})
    if valid and np.isfinite(maximum):
        low = (phi + 180) % 360
        data += [
            {"type": "scatter", "x": [phi], "y": [maximum], "mode": "markers+text", "name": tr(msg("maximum")),
             "text": [tr(msg("max {value:.4g} at {angle:.0f}°", value=maximum, angle=phi))],
             "textposition": "top center", "cliponaxis": False,
             "marker": {"size": 15, "symbol": "triangle-up", "color": GRADIENT_COLOR}, "showlegend": False},
            {"type": "scatter", "x": [low], "y": [-maximum], "mode": "markers+text", "name": tr(msg("minimum")),
             "text": [tr(msg("steepest descent, {angle:.0f}°", angle=low))], "textposition": "bottom center", "cliponaxis": False,
             "marker": {"size": 15, "symbol": "triangle-down", "color": DESCENT_COLOR}, "showlegend": False},
            {"type": "scatter", "x": list(zeros), "y": [0.0] * len(zeros), "mode": "markers+text", "name": tr(msg("zeros")),
             "text": [tr(msg("level curve"))] * len(zeros), "textfont": {"size": 13, "color": "#444"},
             "textposition": ["middle right" if z < 270 else "middle left" for z in zeros],
             "showlegend": False, "marker": {"size": 12, "symbol": "circle-open", "color": "#444", "line": {"width": 3}}},
        ]
    finite = np.concatenate([np.abs(v[np.isfinite(v)]) for v in (values, one_sided) if v is not None])
    span = float(finite.max()) if finite.size and finite.max() > 1e-12 else 1.0
    annotations = [{"text": note, "x": 180, "y": 0, "showarrow": False, "font": {"size": 18},
                    "bgcolor": "rgba(255,255,255,0.9)"}] if note else []
    layout = _layout_dict(title, SMALL_HEIGHT, showlegend=not valid, annotations=annotations,
                          xaxis={"title": tr(msg("θ (degrees)")), "range": [-5, 365], "tickvals": list(range(0, 361, 45))},
                          yaxis={"title": "D_u f(P)", "range": [-1.45 * span, 1.45 * span], "zeroline": True,
                                 "zerolinewidth": 2})
    frames = []
    if sweep is not None and valid and marked:
        layout["meta"] = {"play_group": SWEEP_GROUP}
        frames = theta_sweep_frames(sweep, len(data)) if with_frames else []
    return go.Figure(data, layout, frames)


def theta_sweep_frames(sweep: ThetaCurve, marker: int) -> list[dict]:
    """The sweep's frames of the θ curve, as plain JSON: trace `marker` (the current θ) runs along D_u f."""
    return [{"name": f"{t:g}", "traces": [marker], "data": [{"x": [float(t)], "y": [float(r)], "type": "scatter"}]}
            for t, r in zip(sweep.thetas, sweep.values, strict=True)]


def theta_marker(theta: float, current: float, tr=str) -> go.Figure:
    """The current θ's marker on the θ curve (a layer without a template, over theta_base)."""
    data = [{"type": "scatter", "x": [theta], "y": [current], "mode": "markers", "name": tr(msg("your θ")),
             "marker": _marker_p(16), "showlegend": False}] if np.isfinite(current) else []
    return go.Figure(data, NO_TEMPLATE)


def _arrow_segments(x, y, dx, dy, length: float) -> tuple[np.ndarray, np.ndarray]:
    """Polyline coordinates (NaN-separated) of arrows centred on (x, y) with unit directions (dx, dy)."""
    x, y, dx, dy = (np.asarray(a, dtype=np.float64) for a in (x, y, dx, dy))
    tail_x, tail_y = x - 0.5 * length * dx, y - 0.5 * length * dy
    tip_x, tip_y = x + 0.5 * length * dx, y + 0.5 * length * dy
    head, c, s = 0.35 * length, np.cos(np.deg2rad(25)), np.sin(np.deg2rad(25))
    left_x, left_y = tip_x - head * (c * dx - s * dy), tip_y - head * (s * dx + c * dy)
    right_x, right_y = tip_x - head * (c * dx + s * dy), tip_y - head * (-s * dx + c * dy)
    gap = np.full_like(x, np.nan)
    xs = np.stack([tail_x, tip_x, gap, left_x, tip_x, right_x, gap], axis=1).ravel()
    ys = np.stack([tail_y, tip_y, gap, left_y, tip_y, right_y, gap], axis=1).ravel()
    return xs, ys


FIELD_BANDS = (("#ffffff", 1.5), ("#c8c8c8", 2.2), ("#6e6e6e", 2.9), ("#000000", 3.6))  # colour, width: small → large |∇f|


def field_bands(magnitude: np.ndarray, bands: int = len(FIELD_BANDS)) -> tuple[np.ndarray, np.ndarray]:
    """Quantile band edges of the finite, non-zero |∇f| and each arrow's band index (−1: not drawn)."""
    ok = np.isfinite(magnitude) & (magnitude > 1e-12)
    if not ok.any():
        return np.array([]), np.full(magnitude.shape, -1)
    edges = np.unique(np.quantile(magnitude[ok], np.linspace(0, 1, bands + 1)))
    if edges.size == 1:
        edges = np.array([edges[0], edges[0]])
    index = np.clip(np.searchsorted(edges, magnitude, side="right") - 1, 0, edges.size - 2)
    return edges, np.where(ok, index, -1)


def gradient_field_figure(grid: Grid, x, y, gx, gy, magnitude, point=None, spacing: float = 1.0,
                          title: str = "", tr=str) -> go.Figure:
    """Arrows of ∇f over the contour map, all of one length (direction only); shade and width show |∇f| (legend)."""
    data = [_contour_trace(grid, opacity=0.8)]
    edges, band = field_bands(np.asarray(magnitude))
    count = edges.size - 1
    for b in range(count):
        sel = band == b
        if not sel.any():
            continue
        color, width = FIELD_BANDS[len(FIELD_BANDS) - count + b]
        m = magnitude[sel]
        xs, ys = _arrow_segments(x[sel], y[sel], gx[sel] / m, gy[sel] / m, 0.8 * spacing)
        data.append({"type": "scatter", "x": _f32(xs), "y": _f32(ys), "mode": "lines", "hoverinfo": "skip",
                     "line": {"color": color, "width": width}, "connectgaps": False,
                     "name": f"|∇f| {edges[b]:.3g} – {edges[b + 1]:.3g}"})
    if point is not None:
        data.append({"type": "scatter", "x": [point[0]], "y": [point[1]], "mode": "markers", "name": "P",
                     "marker": _marker_p()})
    legend = {"orientation": "h", "y": -0.12, "title": {"text": tr(msg("equal-length arrows, shade = |∇f|:")),
                                                     "side": "top"}}     # above the entries: beside them it pushed them off the chart
    return go.Figure(data, _layout_dict(title, legend=legend, **_plane_axes(grid)))
