"""Plotly builders for the Landscape page: critical points, basins of attraction, the three levers and saddle escapes.

Every builder takes computed data (gradcore.landscape) and returns a Figure made in one go.Figure(data, layout) call.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gradcore.figures import HEIGHT, POINT_COLOR, Grid, _contour_trace, _f32, _layout_dict, _plane_axes
from gradcore.landscape import (
    DIVERGED,
    NOT_CONVERGED,
    OUTCOMES,
    UNDEFINED,
    BasinMap,
    CriticalPoint,
    CriticalSet,
    Escape,
    LRSweep,
    MomentumRace,
    RidgePair,
)
from gradcore.messages import msg

# One colour per minimum (cycled past nine), in every figure of the page; grey, black and white for the other outcomes.
MINIMUM_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
OUTCOME_COLORS = {NOT_CONVERGED: "#bdbdbd", DIVERGED: "#111111", UNDEFINED: "#ffffff"}
KIND_MARKERS = {  # kind -> (symbol, size, fill)
    "minimum": ("circle", 15, "white"),
    "saddle": ("x", 14, "white"),
    "maximum": ("triangle-up", 15, "white"),
    "inflection": ("diamond", 14, "#bbbbbb"),
    "undecided": ("diamond", 13, "white"),
}
SET_DASH = {"minimum": "solid", "saddle": "dash", "maximum": "dot", "inflection": "dashdot", "undecided": "longdash"}
PLAIN_COLOR, MOMENTUM_COLOR = "#1f5fbf", "#c200c2"
MAX_LABELS = 20            # critical points labelled by name; beyond this the map only marks them
LEGEND_BELOW = {"orientation": "h", "y": -0.14, "yanchor": "top", "x": 0, "font": {"size": 15}}
KIND_NAMES = {"minimum": msg("minimum"), "saddle": msg("saddle"), "maximum": msg("maximum"), "inflection": msg("inflection"),
              "undecided": msg("undecided")}


def minimum_color(label: int) -> str:
    """The colour of an outcome: the minimum's own colour, or grey / black / white."""
    return MINIMUM_COLORS[label % len(MINIMUM_COLORS)] if label >= 0 else OUTCOME_COLORS[label]


def _lines(grid: Grid) -> dict:
    """Thin contour lines of f, no fill: the landscape under another picture."""
    return {"type": "contour", "x": _f32(grid.xs), "y": _f32(grid.ys), "z": _f32(grid.Z), "ncontours": 20,
            "contours": {"coloring": "none"}, "line": {"color": "rgba(0,0,0,0.35)", "width": 1}, "showscale": False,
            "hoverinfo": "skip", "showlegend": False, "name": "f"}


def _point_traces(points: tuple[CriticalPoint, ...], axes: tuple[int, int] = (0, 1), labels: bool = True, tr=str) -> list[dict]:
    """One marker trace per kind of critical point, named in the legend, labelled A, S1, M1 … when few."""
    data = []
    for kind, (symbol, size, fill) in KIND_MARKERS.items():
        pts = [p for p in points if p.kind == kind]
        if not pts:
            continue
        text = [p.name for p in pts] if labels and len(points) <= MAX_LABELS else None
        line = {"width": 3 if symbol == "x" else 2, "color": "black"}
        marker = {"symbol": symbol if symbol != "x" else "x-thin", "size": size, "color": fill, "line": line}
        if symbol == "x":
            marker = {"symbol": "x", "size": size, "color": "white", "line": {"width": 1.5, "color": "black"}}
        data.append({"type": "scatter", "x": [p.point[axes[0]] for p in pts], "y": [p.point[axes[1]] for p in pts],
                     "mode": "markers+text" if text else "markers", "text": text, "textposition": "top right",
                     "textfont": {"size": 17, "color": "black"}, "marker": marker,
                     "name": tr(msg("{kind} ({count})", kind=KIND_NAMES[kind], count=len(pts))),
                     "customdata": [p.value for p in pts], "cliponaxis": False,
                     "hovertemplate": f"{tr(KIND_NAMES[kind])}<br>(%{{x:.4f}}, %{{y:.4f}})<br>f = %{{customdata:.6g}}<extra></extra>"})
    return data


def _set_traces(sets: tuple[CriticalSet, ...], tr=str) -> list[dict]:
    """One thick line per curve of critical points (solid: minima, dashed: saddles, dotted: maxima)."""
    data = []
    for s in sets:
        xy = np.array(s.samples + (s.samples[:1] if s.closed else ()), dtype=np.float64)
        data.append({"type": "scatter", "x": xy[:, 0], "y": xy[:, 1], "mode": "lines", "name": f"{tr(s.name)}: {tr(s.describe())}",
                     "line": {"width": 5, "color": "black", "dash": SET_DASH[s.kind]},
                     "hovertemplate": f"{tr(s.describe())}<br>(%{{x:.4f}}, %{{y:.4f}})<br>f = {s.value:.6g}<extra></extra>"})
    return data


def critical_points_figure(grid: Grid, points: tuple[CriticalPoint, ...], published=(), title: str = "",
                           sets: tuple[CriticalSet, ...] = (), tr=str) -> go.Figure:
    """The contour map with every critical point found: ● minimum, × saddle, ▲ maximum, curves of them as lines;
    published minima as rings."""
    data = [_contour_trace(grid, opacity=0.9, showscale=False), *_set_traces(sets, tr), *_point_traces(points, tr=tr)]
    if len(published):
        pub = np.asarray(published, dtype=np.float64)
        data.append({"type": "scatter", "x": pub[:, 0], "y": pub[:, 1], "mode": "markers", "name": tr(msg("published minimum")),
                     "marker": {"symbol": "circle-open", "size": 26, "color": "black", "line": {"width": 2.5}},
                     "hovertemplate": tr(msg("published minimum")) + "<br>(%{x:.6f}, %{y:.6f})<extra></extra>"})
    return go.Figure(data, _layout_dict(title, legend=LEGEND_BELOW, **_plane_axes(grid)))


def curve_critical_figure(xs: np.ndarray, ys: np.ndarray, points: tuple[CriticalPoint, ...], xlabel: str = "x",
                          title: str = "", tr=str) -> go.Figure:
    """f of one variable with its critical points (where f′ = 0) on the curve."""
    data = [{"type": "scatter", "x": xs, "y": ys, "mode": "lines", "name": "f", "line": {"width": 3, "color": "#444"},
             "showlegend": False}]
    marked = [CriticalPoint(p.name, (p.point[0], p.value), p.value, p.kind, p.eigenvalues, p.degenerate) for p in points]
    data += _point_traces(tuple(marked), tr=tr)
    finite = ys[np.isfinite(ys)]
    yrange = None
    if finite.size:
        lo, hi = np.percentile(finite, [1, 99])
        pad = 0.1 * ((hi - lo) or 1.0)
        yrange = [float(lo - pad), float(hi + pad)]
    return go.Figure(data, _layout_dict(title, HEIGHT - 60, legend=LEGEND_BELOW, xaxis={"title": xlabel},
                                        yaxis={"title": "f", "range": yrange}))


# ---------------------------------------------------------------- basins

def _category_index(labels: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Labels -> colour categories 0 … k-1 (minima by palette slot, then the three outcomes), and the k colours."""
    colors = [*MINIMUM_COLORS, OUTCOME_COLORS[NOT_CONVERGED], OUTCOME_COLORS[DIVERGED], OUTCOME_COLORS[UNDEFINED]]
    slot = np.where(labels >= 0, labels % len(MINIMUM_COLORS), len(MINIMUM_COLORS) - 1 - labels)
    return slot.astype(np.int8), colors


def _discrete_scale(colors: list[str]) -> list[list]:
    """A colour scale with one flat band per category."""
    k, scale = len(colors), []
    for i, c in enumerate(colors):
        scale += [[i / k, c], [(i + 1) / k, c]]
    return scale


def basin_figure(basin_map: BasinMap, grid: Grid | None = None, title: str = "", tr=str) -> go.Figure:
    """Each start coloured by the minimum it reaches (grey: not converged, black: diverged, white: f undefined)."""
    z, colors = _category_index(basin_map.labels)
    data = [{"type": "heatmap", "x": _f32(basin_map.xs), "y": _f32(basin_map.ys), "z": z, "colorscale": _discrete_scale(colors),
             "zmin": -0.5, "zmax": len(colors) - 0.5, "showscale": False, "name": tr(msg("basins")),
             "hovertemplate": tr(msg("start ({x}, {y})", x="%{x:.3f}", y="%{y:.3f}")) + "<extra></extra>"}]
    if grid is not None:
        data.append(_lines(grid))
    present = set(np.unique(basin_map.labels).tolist())
    for i, m in enumerate(basin_map.minima):
        share = float((basin_map.labels == i).mean())
        labelled = len(basin_map.minima) <= MAX_LABELS
        data.append({"type": "scatter", "x": [m.point[0]], "y": [m.point[1]], "mode": "markers+text" if labelled else "markers",
                     "text": [m.name], "textposition": "top right", "textfont": {"size": 18, "color": "black"},
                     "marker": {"symbol": "circle", "size": 14, "color": minimum_color(i), "line": {"width": 2.5, "color": "white"}},
                     "name": f"{m.name}: {share:.0%}", "showlegend": i < MAX_LABELS and i in present, "cliponaxis": False,
                     "hovertemplate": tr(msg("minimum {name}", name=m.name)) + "<br>(%{x:.4f}, %{y:.4f})<br>"
                                      + tr(msg("{share:.1%} of the starts", share=share)) + "<extra></extra>"})
    for label in (NOT_CONVERGED, DIVERGED, UNDEFINED):
        if label in present:
            data.append({"type": "scatter", "x": [None], "y": [None], "mode": "markers",
                         "name": f"{tr(OUTCOMES[label])}: {basin_map.share(label):.0%}",
                         "marker": {"symbol": "square", "size": 16, "color": OUTCOME_COLORS[label], "line": {"width": 1, "color": "#666"}}})
    axes = {"xaxis": {"title": "x", "range": [float(basin_map.xs[0]), float(basin_map.xs[-1])], "constrain": "domain"},
            "yaxis": {"title": "y", "range": [float(basin_map.ys[0]), float(basin_map.ys[-1])], "scaleanchor": "x",
                      "scaleratio": 1, "constrain": "domain"}}
    return go.Figure(data, _layout_dict(title, HEIGHT + 20, legend=LEGEND_BELOW, **axes))


# ---------------------------------------------------------------- paths

def _path_trace(points: np.ndarray, color: str, name: str, width: float = 3, dash: str | None = None, legend: bool = True) -> list[dict]:
    """A descent path with a white halo (readable on every colour of the map) and a marker at its start."""
    p = np.asarray(points, dtype=np.float64)
    line = {"color": color, "width": width}
    if dash:
        line["dash"] = dash
    return [
        {"type": "scatter", "x": p[:, 0], "y": p[:, 1], "mode": "lines", "line": {"color": "white", "width": width + 4},
         "hoverinfo": "skip", "showlegend": False},
        {"type": "scatter", "x": p[:, 0], "y": p[:, 1], "mode": "lines", "line": line, "name": name, "showlegend": legend,
         "hovertemplate": f"{name}<br>(%{{x:.4f}}, %{{y:.4f}})<extra></extra>"},
        {"type": "scatter", "x": [p[0, 0]], "y": [p[0, 1]], "mode": "markers", "showlegend": False, "hoverinfo": "skip",
         "marker": {"size": 11, "color": color, "line": {"width": 2, "color": "white"}}},
    ]


def _thin(points: np.ndarray, most: int = 600) -> np.ndarray:
    """At most `most` + 1 points of a path (every k-th and the last)."""
    k = max(1, -(-len(points) // most))
    return points[np.unique(np.r_[np.arange(0, len(points), k), len(points) - 1])]


def ridge_figure(grid: Grid, minima: tuple[CriticalPoint, ...], pairs: tuple[RidgePair, ...], title: str = "",
                 tr=str) -> go.Figure:
    """Pairs of starts a hair apart on a ridge, each path coloured by the minimum it reaches."""
    data = [_contour_trace(grid, opacity=0.55, showscale=False)]
    for n, pair in enumerate(pairs, start=1):
        for k in range(2):
            label = pair.labels[k]
            name = tr(msg("ridge {number}: → {end}", number=n, end=minima[label].name if label >= 0 else OUTCOMES[label]))
            data += _path_trace(_thin(pair.paths[k].points), minimum_color(label), name, width=3, dash="dot" if k else None)
    data += _point_traces(minima, tr=tr)
    return go.Figure(data, _layout_dict(title, legend=LEGEND_BELOW, **_plane_axes(grid)))


def momentum_paths_figure(grid: Grid, race: MomentumRace, momentum: float, title: str = "", tr=str) -> go.Figure:
    """Plain SGD and SGD with momentum from the same start over the contour map."""
    data = [_contour_trace(grid, opacity=0.6, showscale=False)]
    data += _path_trace(_thin(race.plain.points), PLAIN_COLOR, tr(msg("plain SGD")), width=4)
    data += _path_trace(_thin(race.heavy.points), MOMENTUM_COLOR, tr(msg("SGD, momentum {momentum:g}", momentum=momentum)), width=3)
    data += _point_traces(race.minima, tr=tr)
    return go.Figure(data, _layout_dict(title, legend=LEGEND_BELOW, **_plane_axes(grid)))


def _gap_curve(losses: np.ndarray, best: float) -> tuple[np.ndarray, np.ndarray]:
    """Steps and f − f* where that is positive and finite (a log axis shows nothing else)."""
    gap = np.asarray(losses, dtype=np.float64) - best
    ok = np.isfinite(gap) & (gap > 0)
    steps = np.flatnonzero(ok)
    return steps, np.maximum(gap[ok], 1e-16)


def momentum_loss_figure(race: MomentumRace, momentum: float, title: str = "", tr=str) -> go.Figure:
    """f(x_t) − f* against the step t (log scale), f* the lowest minimum: a plateau means a trap."""
    best = min((m.value for m in race.minima), default=0.0)
    data = []
    for traj, color, name in ((race.plain, PLAIN_COLOR, tr(msg("plain SGD"))),
                              (race.heavy, MOMENTUM_COLOR, tr(msg("SGD, momentum {momentum:g}", momentum=momentum)))):
        steps, gap = _gap_curve(traj.losses, best)
        data.append({"type": "scatter", "x": steps, "y": gap, "mode": "lines", "name": name, "line": {"color": color, "width": 3}})
    return go.Figure(data, _layout_dict(title, HEIGHT - 60, legend=LEGEND_BELOW, xaxis={"title": tr(msg("step t"))},
                                        yaxis={"title": tr(msg("f(xₜ) − f* (log scale)")), "type": "log", "exponentformat": "power"}))


# ---------------------------------------------------------------- the learning rate

def lr_sweep_figure(sweep: LRSweep, title: str = "", tr=str) -> go.Figure:
    """Final loss (top) and the minimum reached (bottom) against lr, log scale; 2/λ_max and the divergence region marked."""
    finite = np.isfinite(sweep.final_losses) & ~sweep.diverged
    positive = bool(finite.any() and (sweep.final_losses[finite] >= 0).all())     # a log axis, 0 drawn at 1e-16
    colors = [minimum_color(int(v)) for v in sweep.labels]
    names = [sweep.minima[v].name if v >= 0 else tr(OUTCOMES[int(v)]) for v in sweep.labels]
    data = [
        {"type": "scatter", "x": sweep.lrs[finite], "y": np.maximum(sweep.final_losses[finite], 1e-16 if positive else -np.inf),
         "mode": "lines+markers", "name": tr(msg("final f after {steps} steps", steps=sweep.steps)), "line": {"color": "#444", "width": 2},
         "marker": {"size": 9, "color": [c for c, ok in zip(colors, finite, strict=True) if ok], "line": {"width": 1, "color": "#444"}},
         "xaxis": "x", "yaxis": "y", "hovertemplate": "lr = %{x:.3g}<br>" + tr(msg("final f = {value}", value="%{y:.4g}"))
                                                            + "<extra></extra>"},
        {"type": "scatter", "x": sweep.lrs, "y": names, "mode": "markers", "name": tr(msg("where it ended")), "showlegend": False,
         "marker": {"size": 12, "color": colors, "symbol": ["x" if d else "circle" for d in sweep.diverged],
                    "line": {"width": 1, "color": "#444"}},
         "xaxis": "x", "yaxis": "y2", "hovertemplate": "lr = %{x:.3g}<br>%{y}<extra></extra>"},
    ]
    shapes, annotations = [], []
    top = float(np.log10(sweep.lrs.max())) + 0.05
    if sweep.first_diverged is not None:
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": sweep.first_diverged, "x1": 10 ** top, "y0": 0, "y1": 1,
                       "fillcolor": "rgba(214,39,40,0.13)", "line": {"width": 0}, "layer": "below"})
        annotations.append({"x": top, "y": 1.0, "xref": "x", "yref": "paper", "xanchor": "right", "yanchor": "bottom",
                            "showarrow": False, "text": tr(msg("diverges from {lr:.3g}", lr=sweep.first_diverged)),
                            "font": {"size": 15, "color": "#b01f1f"}})
    if sweep.limit is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": sweep.limit, "x1": sweep.limit, "y0": 0, "y1": 1,
                       "line": {"color": "#111", "width": 3, "dash": "dash"}})
        annotations.append({"x": np.log10(sweep.limit), "y": 1.0, "xref": "x", "yref": "paper", "xanchor": "right",
                            "yanchor": "bottom", "showarrow": False, "text": f"2/λ_max = {sweep.limit:.3g} ", "font": {"size": 15}})
    categories = [sweep.minima[i].name for i in sorted({int(v) for v in sweep.labels if v >= 0})]
    categories += [tr(OUTCOMES[v]) for v in (NOT_CONVERGED, DIVERGED) if v in sweep.labels]
    lo = float(np.log10(sweep.lrs.min())) - 0.05
    layout = _layout_dict(title, HEIGHT, shapes=shapes, annotations=annotations, showlegend=False,
                          xaxis={"type": "log", "title": tr(msg("learning rate lr (log scale)")), "range": [lo, top], "anchor": "y2",
                                 "exponentformat": "power"},
                          yaxis={"domain": [0.42, 1.0], "title": tr(msg("final f")), "type": "log" if positive else "linear",
                                 "exponentformat": "power"},
                          yaxis2={"domain": [0.0, 0.3], "title": tr(msg("ends at")), "type": "category", "categoryorder": "array",
                                  "categoryarray": categories[::-1]})
    return go.Figure(data, layout)


# ---------------------------------------------------------------- saddle points

def saddle_paths_figure(grid: Grid, esc: Escape, title: str = "", tr=str) -> go.Figure:
    """Gradient descent from the stable axis (it stops at the saddle) and from a hair off it (it escapes)."""
    data = [_contour_trace(grid, opacity=0.7, showscale=False)]
    box = (grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1])
    for traj, color, name in ((esc.off_axis, MOMENTUM_COLOR, tr(msg("start {eps:g} off the axis", eps=esc.eps))),
                              (esc.on_axis, PLAIN_COLOR, tr(msg("start on the stable axis")))):
        p = traj.points
        inside = (p[:, 0] >= box[0]) & (p[:, 0] <= box[1]) & (p[:, 1] >= box[2]) & (p[:, 1] <= box[3])
        last = int(np.flatnonzero(~inside)[0]) + 1 if (~inside).any() else len(p)
        data += _path_trace(_thin(p[:last]), color, name, width=3 if color == PLAIN_COLOR else 5)
    data.append({"type": "scatter", "x": [esc.saddle[0]], "y": [esc.saddle[1]], "mode": "markers", "name": tr(msg("saddle point")),
                 "marker": {"symbol": "x", "size": 16, "color": "white", "line": {"width": 2, "color": "black"}}})
    return go.Figure(data, _layout_dict(title, HEIGHT - 60, legend=LEGEND_BELOW, **_plane_axes(grid)))


def escape_figure(esc: Escape, title: str = "", tr=str) -> go.Figure:
    """The off-axis run's distance from the stable axis against t (log scale), and ε (1 + lr|λ|)^t where H predicts it."""
    steps, dev = esc.off_axis.steps, esc.deviation
    far = np.flatnonzero(dev >= 100 * esc.radius)
    end = int(far[0]) + 1 if far.size else len(dev)          # stop two decades past "escaped": the rest is a cliff
    steps, dev = steps[:end], dev[:end]
    ok = np.isfinite(dev) & (dev > 0)
    data = [{"type": "scatter", "x": steps[ok], "y": dev[ok], "mode": "lines", "name": tr(msg("measured")),
             "line": {"color": MOMENTUM_COLOR, "width": 4}}]
    predicted = esc.predicted()
    if predicted is not None:
        data.append({"type": "scatter", "x": steps, "y": predicted[:end], "mode": "lines",
                     "name": f"ε·(1 + lr·|λ|)ᵗ = ε·{esc.growth:.4g}ᵗ", "line": {"color": "#111", "width": 2, "dash": "dash"}})
    t_end = float(steps[-1]) if len(steps) else 1.0
    data.append({"type": "scatter", "x": [0, t_end], "y": [esc.radius, esc.radius], "mode": "lines", "name": tr(msg("escaped")),
                 "line": {"color": POINT_COLOR, "width": 2, "dash": "dot"}, "hoverinfo": "skip"})
    shapes = []
    if esc.escape_step is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": esc.escape_step, "x1": esc.escape_step, "y0": 0, "y1": 1,
                       "line": {"color": POINT_COLOR, "width": 2}})
    return go.Figure(data, _layout_dict(title, HEIGHT - 60, legend=LEGEND_BELOW, shapes=shapes, xaxis={"title": tr(msg("step t"))},
                                        yaxis={"title": tr(msg("distance from the axis")), "type": "log", "exponentformat": "power"}))
