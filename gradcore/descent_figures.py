"""Plotly builders for the gradient descent page: they take computed runs and return a Figure.

Each figure is made in one go.Figure(data, layout, frames) call from plain dicts (plotly's incremental
updates cost several times more, and these run on every slider move).  Paths are thinned for drawing
and every array is float32, so a figure stays small however long the run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gradcore.descent import Trajectory
from gradcore.figures import COLORSCALE, FONT, HEIGHT, POINT_COLOR, Grid
from gradcore.messages import msg
from gradcore.runs import grad_norms, row_at, thin

RUN_COLORS = ("#111111", "#e6007e", "#6a3d9a", "#8c564b")   # the run, then up to three compared runs
STEP_COLOR, DESCENT_COLOR, MOMENTUM_COLOR = "#111111", "#1f5fbf", "#e6007e"
MINIMUM_MARKER = {"size": 17, "symbol": "star", "color": "#ffd700", "line": {"width": 1.5, "color": "black"}}
START_MARKER = {"size": 14, "color": POINT_COLOR, "line": {"width": 2, "color": "white"}}
AT_MARKER = {"size": 16, "symbol": "diamond-open", "color": "black", "line": {"width": 3, "color": "black"}}
KEEP_OPAQUE = {"marker": {"opacity": 1}}       # a click selects a point; other markers must not fade
MAX_PATH = 1500                                # points per drawn path
MAX_FRAMES = 150                               # animation frames
FRAME_MS = 40
RACE_GROUP = "descent-race"                # the map and the surface play their frames together (ui/chart_assets)
CLICK_POINTS = 25                              # candidate start points per side of the map
SMALL_HEIGHT = 430
# The map's colour bar lies above it, right of the Play button: beside it, it took a phone's map down to 235 px wide.
MAP_COLORBAR = {"orientation": "h", "thickness": 12, "len": 0.5, "x": 1.0, "xanchor": "right", "y": 1.0, "yanchor": "bottom",
                "ypad": 12, "xpad": 0, "ticklabelposition": "outside top"}


@dataclass(frozen=True)
class RunPath:
    """A run as drawn: its label and colour, the recorded steps, the points in the plotted coordinates and f there."""

    label: str
    color: str
    steps: np.ndarray       # (R,)
    xy: np.ndarray          # (R, 2) in the plotted plane; (R, 1) for a function of one variable
    f: np.ndarray           # (R,)
    grad_norm: np.ndarray   # (R,)

    @classmethod
    def of(cls, traj: Trajectory, label: str, color: str, axes: Sequence[int]) -> RunPath:
        """The run's points in the coordinates `axes` (its projection when there are more variables)."""
        return cls(label, color, traj.steps, traj.points[:, list(axes)], traj.losses, grad_norms(traj))

    @property
    def empty(self) -> bool:
        return len(self.steps) == 0


FLOAT32_LIMIT = 1e30        # a diverged run's huge coordinates are drawn at this size (float32 tops out at 3.4e38)


def _f32(a) -> np.ndarray:
    """float32 for plotly's typed arrays, huge values clipped (NaN stays NaN)."""
    return np.clip(np.asarray(a, dtype=np.float64), -FLOAT32_LIMIT, FLOAT32_LIMIT).astype(np.float32)


def _layout(title: str, height: int = HEIGHT, **extra) -> dict:
    """The house layout (gradcore.figures) as a dict, legend below the plot."""
    return {"title": {"text": title, "x": 0.01}, "font": FONT, "height": height, "hovermode": "closest",
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
            "legend": {"orientation": "h", "y": -0.1, "yanchor": "top", "x": 0, "font": {"size": 15}}, **extra}


def _plane_axes(xs: np.ndarray, ys: np.ndarray, names: Sequence[str]) -> dict:
    """Equal units on both axes (so that the gradient looks perpendicular to the level curves), clipped to the grid."""
    return {"xaxis": {"title": names[0], "range": [float(xs[0]), float(xs[-1])], "constrain": "domain"},
            "yaxis": {"title": names[1], "range": [float(ys[0]), float(ys[-1])], "scaleanchor": "x", "scaleratio": 1,
                      "constrain": "domain"}}


def click_grid(domain: Sequence[float], per_side: int = CLICK_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Candidate start points on a square lattice over the domain, at round coordinates (a step of 1, 2, 2.5 or 5 × 10^k)."""
    x0, x1, y0, y1 = domain
    raw = max(x1 - x0, y1 - y0) / (per_side - 1)
    k = math.floor(math.log10(raw))
    step = next(m * 10.0**k for m in (1, 2, 2.5, 5, 10) if m * 10.0**k >= raw)
    xs = np.arange(math.ceil(x0 / step), math.floor(x1 / step) + 1) * step
    ys = np.arange(math.ceil(y0 / step), math.floor(y1 / step) + 1) * step
    gx, gy = np.meshgrid(np.round(xs, 10), np.round(ys, 10))
    return gx.ravel(), gy.ravel()


def _click_trace(xs: np.ndarray, ys: np.ndarray, text: str, tr=str) -> dict:
    """Invisible markers: plotly reports clicks on scatter points only, so these make the map clickable."""
    return {"type": "scatter", "x": _f32(xs), "y": _f32(ys), "mode": "markers", "name": tr(msg("click to start here")),
            "marker": {"size": 9, "color": "rgba(0,0,0,0)"}, "showlegend": False,
            "selected": {"marker": {"opacity": 0}}, "unselected": {"marker": {"opacity": 0}},
            "hovertemplate": text + "<extra></extra>"}


def _path_traces(path: RunPath, dims: int, width: float = 3.5, rank: int = 1, tr=str) -> list[dict]:
    """A thinned path with a white halo, readable on every colour of the map."""
    keep = thin(len(path.steps), MAX_PATH)
    x = _f32(path.xy[keep, 0])
    y = _f32(path.xy[keep, 1]) if dims == 2 else _f32(path.f[keep])
    steps = path.steps[keep].astype(np.int32)
    hover = f"{path.label}<br>{tr(msg('step {t}', t='%{customdata:,}'))}<br>(%{{x:.4f}}, %{{y:.4f}})<extra></extra>"
    return [
        {"type": "scatter", "x": x, "y": y, "mode": "lines", "showlegend": False, "hoverinfo": "skip",
         "line": {"color": "white", "width": width + 4}},
        {"type": "scatter", "x": x, "y": y, "mode": "lines", "name": path.label, "customdata": steps, "legendrank": rank,
         "line": {"color": path.color, "width": width}, "hovertemplate": hover},
    ]


def _marker(x, y, name: str, marker: dict, legend: bool = True, text: str = "") -> dict:
    return {"type": "scatter", "x": _f32(x), "y": _f32(y), "mode": "markers", "name": name, "marker": marker,
            "showlegend": legend, "unselected": KEEP_OPAQUE, "hovertemplate": (text or name) + "<extra></extra>"}


def _frame_steps(paths: Sequence[RunPath]) -> np.ndarray:
    """The steps shown by the animation frames: at most MAX_FRAMES, evenly spread from 0 to the longest run's end."""
    last = max(int(p.steps[-1]) for p in paths)
    return np.unique(np.round(np.linspace(0, last, min(MAX_FRAMES, last + 1))).astype(np.int64))


def _head_rows(paths: Sequence[RunPath], steps: np.ndarray, dims: int, lift: float = 0.0) -> list[np.ndarray]:
    """The heads' coordinates at each frame's step, (frames, runs) each: x and y (or f for one variable); z = f + lift in 3-D."""
    rows = [np.array([row_at(p.steps, s) for s in steps]) for p in paths]
    column = {"x": lambda p, r: p.xy[r, 0], "y": lambda p, r: p.xy[r, 1] if dims != 1 else p.f[r],
              "z": lambda p, r: p.f[r] + lift}
    names = ("x", "y", "z")[:3 if dims == 3 else 2]
    return [_f32(np.stack([column[c](p, r) for p, r in zip(paths, rows, strict=True)], axis=1)) for c in names]


def _animation(paths: Sequence[RunPath], dims: int, first: int, tr=str, lift: float = 0.0) -> tuple[list, list, list]:
    """One trace of moving heads (a ball per run, the first one labelled with the step), its frames, and the buttons.

    dims: 2 for the map, 1 for the curve of f, 3 for the surface (heads at (x, y, f + lift)). The surface's Play plays
    the map's frames too (RACE_GROUP); the map's own Play stays light (a 3-D frame is a WebGL redraw). A frame changes a
    handful of numbers only: frames cost server time and bytes on every rerun.
    """
    steps = _frame_steps(paths)
    coords = _head_rows(paths, steps, dims, lift)
    names = ("x", "y", "z")[:len(coords)]
    blank = [""] * (len(paths) - 1)
    label = [tr(msg("step {t}", t=f"{int(s):,}")) for s in steps]
    heads = {"type": "scatter3d" if dims == 3 else "scatter", "mode": "markers+text", "name": tr(msg("animated heads")),
             "showlegend": False, "hoverinfo": "skip", "text": [label[-1], *blank], "textposition": "top right",
             "textfont": {"size": 17, "color": "#111111"},
             "marker": {"size": 15, "color": [p.color for p in paths], "line": {"width": 2.5, "color": "white"}},
             **{c: v[-1] for c, v in zip(names, coords, strict=True)}}
    if dims == 3:
        heads["marker"] = {"size": 7, "color": [p.color for p in paths], "line": {"width": 2, "color": "white"}}
    else:
        heads.update(unselected=KEEP_OPAQUE, cliponaxis=False)
        heads["textfont"]["shadow"] = "0 0 3px white, 0 0 3px white"
    kind = {"type": "scatter3d"} if dims == 3 else {}      # a frame's data is validated as its trace's type
    frames = [{"name": str(int(s)), "traces": [first],
               "data": [{**kind, **{c: v[k].tolist() for c, v in zip(names, coords, strict=True)}, "text": [label[k], *blank]}]}
              for k, s in enumerate(steps)]
    play = {"frame": {"duration": FRAME_MS, "redraw": False}, "transition": {"duration": 0}, "fromcurrent": False,
            "mode": "immediate", **({"group": RACE_GROUP} if dims == 3 else {})}
    pause = {"frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}, "mode": "immediate"}
    menus = [{"type": "buttons", "direction": "left", "showactive": False, "x": 0.0, "y": 1.0, "xanchor": "left",
              "yanchor": "bottom", "pad": {"t": 0, "b": 4}, "bgcolor": "white", "font": {"size": 15},
              "buttons": [{"label": tr(msg("▶ Play")), "method": "animate", "args": [None, play]},
                          {"label": tr(msg("❚❚ Pause")), "method": "animate", "args": [[None], pause]}]}]
    return [heads], frames, menus


def path_map_figure(grid: Grid, paths: Sequence[RunPath], start, minima=(), at=None, click=None,
                    title: str = "", tr=str) -> go.Figure:
    """Level curves of f with each run's path, the start, the known minima, x_t, clickable start points and a play button.

    start, minima (k, 2) and at (x_t) are in the plotted plane; click is (xs, ys) of candidate start points.
    """
    data = [{"type": "contour", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": _f32(grid.Z), "colorscale": COLORSCALE,
             "ncontours": 30, "contours": {"coloring": "heatmap", "showlines": True}, "name": "f", "opacity": 0.9,
             "colorbar": MAP_COLORBAR, "showlegend": False,
             "hovertemplate": f"{grid.axes[0]} = %{{x:.3f}}<br>{grid.axes[1]} = %{{y:.3f}}<br>f = %{{z:.4g}}<extra></extra>"}]
    if click is not None:
        where = f"({grid.axes[0]}, {grid.axes[1]}) = (%{{x:.4g}}, %{{y:.4g}})"
        data.append(_click_trace(*click, tr(msg("click: start at {point}", point=where)), tr))
    drawn = [p for p in paths if not p.empty]
    for rank, p in list(enumerate(drawn, 1))[::-1]:       # the first run on top, and first in the legend
        data += _path_traces(p, 2, rank=rank, tr=tr)
    data.append(_marker([start[0]], [start[1]], tr(msg("start")), START_MARKER))
    if len(minima):
        m = np.asarray(minima, dtype=np.float64)
        data.append(_marker(m[:, 0], m[:, 1], tr(msg("known minima")), MINIMUM_MARKER,
                            text=tr(msg("known minimum {point}", point="(%{x:.4f}, %{y:.4f})"))))
    if at is not None:
        data.append(_marker([at[0]], [at[1]], "xₜ", AT_MARKER))
    frames, menus = [], []
    if drawn:
        traces, frames, menus = _animation(drawn, 2, len(data), tr)
        data += traces
    layout = _layout(title, HEIGHT + 40, updatemenus=menus, meta={"play_group": RACE_GROUP},
                     **_plane_axes(grid.xs, grid.ys, grid.axes))
    layout["yaxis"].update(constraintoward="top", title={"text": grid.axes[1], "standoff": 2})   # the colour bar sits on top
    for menu in menus:
        menu["pad"] = {"t": 0, "b": 12}
    layout["margin"] = {"l": 0, "r": 0, "t": 80, "b": 10}
    return go.Figure(data, layout, frames)


def path_curve_figure(xs: np.ndarray, fx: np.ndarray, paths: Sequence[RunPath], start: tuple[float, float],
                      minima=(), at=None, name: str = "x", title: str = "", tr=str) -> go.Figure:
    """A function of one variable: the curve, each run's points (x_t, f(x_t)) on it, x_t, and a play button.

    start and at are (x, f(x)); minima (k, 2) holds (x, f) pairs.  The curve's own points are clickable.
    """
    finite = np.isfinite(fx)
    data = [{"type": "scatter", "x": _f32(xs), "y": _f32(np.where(finite, fx, np.nan)), "mode": "lines+markers",
             "name": "f", "line": {"width": 3, "color": "#555555"}, "showlegend": False,
             "marker": {"size": 9, "color": "rgba(0,0,0,0)"}, "selected": {"marker": {"opacity": 0}},
             "unselected": {"marker": {"opacity": 0}},
             "hovertemplate": tr(msg("click: start at {point}", point=f"{name} = %{{x:.4g}}")) + "<br>f = %{y:.4g}<extra></extra>"}]
    drawn = [p for p in paths if not p.empty]
    for rank, p in list(enumerate(drawn, 1))[::-1]:
        data += _path_traces(p, 1, width=3, rank=rank, tr=tr)
    data.append(_marker([start[0]], [start[1]], tr(msg("start")), START_MARKER))
    if len(minima):
        m = np.asarray(minima, dtype=np.float64)
        data.append(_marker(m[:, 0], m[:, 1], tr(msg("known minima")), MINIMUM_MARKER))
    if at is not None:
        data.append(_marker([at[0]], [at[1]], "xₜ", AT_MARKER))
    frames, menus = [], []
    lo, hi = _finite_range(fx)
    if drawn:
        traces, frames, menus = _animation(drawn, 1, len(data), tr)
        data += traces
    layout = _layout(title, HEIGHT + 40, updatemenus=menus, xaxis={"title": name, "range": [float(xs[0]), float(xs[-1])]},
                     yaxis={"title": f"f({name})", "range": [lo, hi]})
    layout["margin"] = {"l": 10, "r": 10, "t": 80, "b": 10}
    return go.Figure(data, layout, frames)


def _finite_range(values: np.ndarray, pad: float = 0.06) -> tuple[float, float]:
    """The 1st–99th percentile of the finite values, padded (a pole does not flatten the rest)."""
    finite = values[np.isfinite(values)]
    if not finite.size:
        return -1.0, 1.0
    lo, hi = (float(v) for v in np.percentile(finite, [1, 99]))
    margin = pad * ((hi - lo) or 1.0)
    return lo - margin, hi + margin


def path_surface_figure(grid: Grid, paths: Sequence[RunPath], start, minima=(), at=None, title: str = "",
                        tr=str) -> go.Figure:
    """The surface z = f(x, y) with each run's path (x_t, y_t, f(x_t)) lifted slightly above it, the start (and x_t),
    and the runs' heads moving along their paths, played with the map's (RACE_GROUP).

    start and at are (x, y, f); minima (k, 3) holds (x, y, f) rows.
    """
    finite = grid.Z[np.isfinite(grid.Z)]
    lift = 0.012 * float(np.ptp(finite)) if finite.size else 0.0
    data = [{"type": "surface", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": _f32(grid.Z), "colorscale": COLORSCALE,
             "opacity": 1.0, "showscale": False, "name": "f", "showlegend": False,
             "hovertemplate": f"{grid.axes[0]} = %{{x:.3f}}<br>{grid.axes[1]} = %{{y:.3f}}<br>f = %{{z:.4g}}<extra></extra>"}]
    for rank, p in list(enumerate(paths, 1))[::-1]:
        if p.empty:
            continue
        keep = thin(len(p.steps), MAX_PATH)
        data.append({"type": "scatter3d", "x": _f32(p.xy[keep, 0]), "y": _f32(p.xy[keep, 1]), "z": _f32(p.f[keep] + lift),
                     "mode": "lines", "name": p.label, "line": {"color": p.color, "width": 7}, "legendrank": rank,
                     "hovertemplate": f"{p.label}<br>f = %{{z:.4g}}<extra></extra>"})

    def point(xyz, name, marker):
        return {"type": "scatter3d", "x": [float(xyz[0])], "y": [float(xyz[1])], "z": [float(xyz[2]) + lift],
                "mode": "markers", "name": name, "marker": {**marker, "size": marker["size"] * 0.6}}

    if np.isfinite(start[2]):
        data.append(point(start, tr(msg("start")), START_MARKER))
    for i, m in enumerate(np.asarray(minima, dtype=np.float64).reshape(-1, 3)):
        data.append({**point(m, tr(msg("known minima")), {**MINIMUM_MARKER, "symbol": "diamond"}), "showlegend": i == 0,
                     "legendgroup": "minima"})
    if at is not None and np.isfinite(at[2]):
        data.append(point(at, "xₜ", {**AT_MARKER, "symbol": "diamond-open"}))
    zlo, zhi = (float(finite.min()), float(finite.max()) + 2 * lift) if finite.size else (-1.0, 1.0)
    scene = {"xaxis": {"title": grid.axes[0], "range": [float(grid.xs[0]), float(grid.xs[-1])]},
             "yaxis": {"title": grid.axes[1], "range": [float(grid.ys[0]), float(grid.ys[-1])]},
             "zaxis": {"title": "f", "range": [zlo, zhi]},
             "camera": {"eye": {"x": 1.4, "y": -1.4, "z": 0.85}, "center": {"x": 0, "y": 0, "z": -0.1}}, "aspectmode": "manual",
             "aspectratio": {"x": 1, "y": 1, "z": 0.7}}
    drawn = [p for p in paths if not p.empty]
    frames, menus = [], []
    if drawn:
        traces, frames, menus = _animation(drawn, 3, len(data), tr, lift)
        data += traces
    layout = _layout(title, SMALL_HEIGHT + 40, scene=scene, margin={"l": 0, "r": 0, "t": 80 if menus else 50, "b": 0},
                     updatemenus=menus, meta={"play_group": RACE_GROUP})
    layout["legend"] = {"orientation": "h", "x": 0, "y": 0, "font": {"size": 14}}
    return go.Figure(data, layout, frames)


def _log_or_linear(values: Sequence[np.ndarray]) -> str:
    """'log' when every finite value is positive (and there is one), else 'linear'."""
    finite = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    return "log" if finite.size and (finite > 0).all() else "linear"


def loss_figure(paths: Sequence[RunPath], at: int | None = None, title: str = "", tr=str) -> go.Figure:
    """f(x_t) above and |∇f(x_t)| below against the step t, on log axes (linear where f takes values ≤ 0)."""
    drawn = [p for p in paths if not p.empty]
    data, step = [], tr(msg("step {t}", t="%{x:,}"))
    for p in drawn:
        keep = thin(len(p.steps), MAX_PATH)
        steps = p.steps[keep].astype(np.int32)
        data += [
            {"type": "scatter", "x": steps, "y": p.f[keep], "mode": "lines", "name": p.label, "legendgroup": p.label,
             "line": {"color": p.color, "width": 3}, "hovertemplate": step + "<br>f = %{y:.6g}<extra></extra>"},
            {"type": "scatter", "x": steps, "y": p.grad_norm[keep], "mode": "lines", "name": p.label,
             "legendgroup": p.label, "showlegend": False, "xaxis": "x2", "yaxis": "y2", "line": {"color": p.color, "width": 3},
             "hovertemplate": step + "<br>|∇f| = %{y:.6g}<extra></extra>"},
        ]
    shapes = [{"type": "line", "xref": axis, "yref": f"{axis.replace('x', 'y')} domain", "x0": at, "x1": at, "y0": 0, "y1": 1,
               "line": {"color": "#555555", "width": 2, "dash": "dot"}} for axis in ("x", "x2")] if at is not None else []
    f_type = _log_or_linear([p.f for p in drawn])
    g_type = _log_or_linear([p.grad_norm for p in drawn])
    layout = _layout(title, SMALL_HEIGHT + 40, shapes=shapes, showlegend=len(drawn) > 1,
                     xaxis={"anchor": "y", "matches": "x2", "showticklabels": False},
                     yaxis={"domain": [0.54, 1.0], "type": f_type, "title": "f(xₜ)", "exponentformat": "power"},
                     xaxis2={"anchor": "y2", "title": tr(msg("step t"))},
                     yaxis2={"domain": [0.0, 0.46], "type": g_type, "title": "|∇f(xₜ)|", "exponentformat": "power"})
    layout["legend"] = {"orientation": "h", "y": -0.16, "yanchor": "top", "x": 0, "font": {"size": 14}}
    return go.Figure(data, layout)


def coordinates_figure(path: RunPath, variables: Sequence[str], at: int | None = None, title: str = "",
                       tr=str) -> go.Figure:
    """Each coordinate of x_t against the step t (for one variable, or more than two)."""
    keep = thin(len(path.steps), MAX_PATH)
    steps = path.steps[keep].astype(np.int32)
    data = [{"type": "scatter", "x": steps, "y": _f32(path.xy[keep, i]), "mode": "lines", "name": name, "line": {"width": 3},
             "hovertemplate": tr(msg("step {t}", t="%{x:,}")) + f"<br>{name} = %{{y:.6g}}<extra></extra>"}
            for i, name in enumerate(variables)]
    shapes = [{"type": "line", "xref": "x", "yref": "y domain", "x0": at, "x1": at, "y0": 0, "y1": 1,
               "line": {"color": "#555555", "width": 2, "dash": "dot"}}] if at is not None else []
    layout = _layout(title, SMALL_HEIGHT + 40, shapes=shapes, xaxis={"title": tr(msg("step t"))},
                     yaxis={"title": tr(msg("coordinate of xₜ"))})
    layout["legend"] = {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right", "font": {"size": 14}}
    return go.Figure(data, layout)


# ---------------------------------------------------------------- one step up close

def _arrow(start, vector, color: str, width: int = 4) -> dict:
    """An annotation arrow from start to start + vector, in data coordinates."""
    end = np.asarray(start, dtype=np.float64) + np.asarray(vector, dtype=np.float64)
    return {"x": float(end[0]), "y": float(end[1]), "ax": float(start[0]), "ay": float(start[1]), "xref": "x", "yref": "y",
            "axref": "x", "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowsize": 1.2 * 4 / width, "arrowwidth": width,
            "arrowcolor": color, "text": ""}


def _legend_line(name: str, color: str, width: int = 4) -> dict:
    """A legend entry for an annotation arrow (annotations have none of their own)."""
    return {"type": "scatter", "x": [None], "y": [None], "mode": "lines", "name": name, "line": {"color": color, "width": width}}


def _direction(v, length: float) -> np.ndarray | None:
    """v scaled to `length`, or None when v is zero or not finite."""
    v = np.asarray(v, dtype=np.float64)
    norm = float(np.linalg.norm(v))
    return v / norm * length if norm > 0 and math.isfinite(norm) else None


def step_arrows(x, grad, step, momentum, length: float, tr=str) -> list[tuple[str, str, np.ndarray, int]]:
    """(legend name, colour, vector, width) of the arrows drawn at x_t, bottom first: the momentum and −∇f as directions
    of the same length, the step taken at its true length; each thinner than the one below, so all show when they agree."""
    arrows = []
    for name, color, v, width in ((tr(msg("−momentum (direction)")), MOMENTUM_COLOR,
                                   None if momentum is None else -np.asarray(momentum), 11),
                                  (tr(msg("−∇f: steepest descent (direction)")), DESCENT_COLOR, -np.asarray(grad), 7)):
        d = _direction(v, length) if v is not None else None
        if d is not None:
            arrows.append((name, color, d, width))
    if step is not None and np.linalg.norm(step) > 0:
        arrows.append((tr(msg("Δx: the step taken (true length)")), STEP_COLOR, np.asarray(step, dtype=np.float64), 3))
    return arrows


def step_figure(grid: Grid, x, grad, step=None, momentum=None, title: str = "", tr=str) -> go.Figure:
    """x_t up close in the plotted plane: level curves, the step taken, −∇f and the momentum (directions), x_{t+1}.

    x, grad, step and momentum are 2-vectors in the plotted plane; the grid is a small square around x.
    """
    half = float(grid.xs[-1] - grid.xs[0]) / 2
    length = float(np.linalg.norm(step)) if step is not None and np.linalg.norm(step) > 0 else 0.6 * half
    data = [{"type": "contour", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": grid.Z.astype(np.float64), "ncontours": 18,
             "contours": {"coloring": "lines", "showlabels": False}, "colorscale": [[0, "#9a9a9a"], [1, "#9a9a9a"]],
             "line": {"width": 1.5}, "showscale": False, "name": tr(msg("level curves")), "showlegend": False,
             "hovertemplate": "f = %{z:.8g}<extra></extra>"}]
    arrows = step_arrows(x, grad, step, momentum, length, tr)
    data += [_legend_line(name, color, width) for name, color, _, width in arrows[::-1]]
    data.append(_marker([x[0]], [x[1]], "xₜ", AT_MARKER, legend=False))
    if step is not None:
        data.append(_marker([x[0] + step[0]], [x[1] + step[1]], "xₜ₊₁", {"size": 9, "color": STEP_COLOR}, legend=False))
    layout = _layout(title, SMALL_HEIGHT + 40, annotations=[_arrow(x, v, c, w) for _, c, v, w in arrows],
                     **_plane_axes(grid.xs, grid.ys, grid.axes))
    layout["legend"] = {"orientation": "v", "y": -0.14, "yanchor": "top", "x": 0, "font": {"size": 15}}
    layout["height"] = SMALL_HEIGHT + 120
    return go.Figure(data, layout)


def step_curve_figure(xs: np.ndarray, fx: np.ndarray, x: float, fval: float, grad: float, step=None, momentum=None,
                      name: str = "x", title: str = "", tr=str) -> go.Figure:
    """x_t up close for a function of one variable: the curve, and the arrows along the x axis at height f(x_t)."""
    half = float(xs[-1] - xs[0]) / 2
    length = abs(float(step)) if step is not None and step != 0 else 0.6 * half
    data = [{"type": "scatter", "x": _f32(xs), "y": np.asarray(fx, dtype=np.float64), "mode": "lines", "name": "f",
             "showlegend": False, "line": {"width": 3, "color": "#555555"}}]
    arrows = step_arrows([x], [grad], None if step is None else [step], None if momentum is None else [momentum], length, tr)
    data += [_legend_line(n, c, w) for n, c, _, w in arrows[::-1]]
    data.append(_marker([x], [fval], "xₜ", AT_MARKER, legend=False))
    annotations = [_arrow((x, fval), (v[0], 0.0), c, w) for _, c, v, w in arrows]
    lo, hi = _finite_range(np.asarray(fx, dtype=np.float64))
    layout = _layout(title, SMALL_HEIGHT + 40, annotations=annotations, xaxis={"title": name, "range": [float(xs[0]), float(xs[-1])]},
                     yaxis={"title": f"f({name})", "range": [min(lo, fval), max(hi, fval)]})
    layout["legend"] = {"orientation": "v", "y": -0.14, "yanchor": "top", "x": 0, "font": {"size": 15}}
    layout["height"] = SMALL_HEIGHT + 120
    return go.Figure(data, layout)
