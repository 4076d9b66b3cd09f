"""Gradient descent: torch.optim's optimizers on f from a start point, step by step (lecture section 4, worked example).

Widget keys (stable; session state, kept across pages):
  opt            the optimizer, torch.optim's class name (gradcore.optimizers' registry); choosing one resets lr
  lr, lr_s       the learning rate: its exact number input, and its log-scale slider (kept in sync)
  steps          the number of steps, 1 … 50,000
  dtype          the tensor's precision, float64 (default) or float32 (the lecture's)
  sx, sy, sz, sx1 …   the start point x₀, one slider per variable (a click on the map sets them too)
  h_<optimizer>_<name>[_0|_1]   the optimizer's hyperparameters, e.g. h_adam_eps, h_adam_betas_0; h_reset resets them
  cmp            up to three more optimizers run from the same start, each with its own lr and hyperparameters
                 (torch's defaults at first; the race's widgets, ui/race.py, which also lists the schedule's keys)
  ax_h, ax_v     the plane drawn for three or more variables
  scrub          the step t shown up close
  worked         the button that loads the lecture's worked example;  csv, code_dl  the downloads
  fig_map        the map; a click on it chooses the start point
"""

from __future__ import annotations

import base64
import json
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from gradcore.codegen import descent_script
from gradcore.critical import classify_at
from gradcore.descent import Trajectory, descend
from gradcore.descent_figures import (
    FLOAT32_LIMIT,
    RUN_COLORS,
    RunPath,
    click_grid,
    coordinates_figure,
    loss_figure,
    path_curve_figure,
    path_map_figure,
    path_surface_figure,
    step_curve_figure,
    step_figure,
)
from gradcore.figures import sample_grid
from gradcore.optimizers import NAMES, get_optimizer
from gradcore.presets import PRESETS
from gradcore.race_figures import scale_box
from gradcore.runs import (
    grad_norms,
    is_stationary,
    lecture_lines,
    log_every,
    log_grid,
    log_lines,
    log_table,
    nearest_minimum,
    nearest_on_log_grid,
    step_table,
    step_view,
    step_window,
    trajectory_csv,
)
from gradcore.schedules import Schedule, lr_sequence, scheduled_script
from gradcore.typed import DTYPES
from ui.cache import DESCENT_RUNS_BYTES, MB, bytes_cache, named_cache
from ui.chart import chart, clicked_points
from ui.i18n import N_, _, in_language, language, tr, translated
from ui.interrupt import bounded, niced, request_deadline
from ui.outline import show_section_label
from ui.point import axis_range, plane_params
from ui.race import (
    minima_values,
    race_params,
    racer_controls,
    racer_key,
    reference_controls,
    reference_runs,
    run_color,
    schedule_control,
    show_leaderboard,
    show_lr_curves,
)
from ui.region import region
from ui.sidebar import KEY_FORMULA, KEY_XRANGE, KEY_YRANGE, RANGE_LIMIT, formula_sidebar, load_formula, url_view
from ui.url import Param, choice, flag, flag_text, integer, list_text, number, number_text, subset

st.set_page_config(page_title=_("Gradient descent · Gradient Lab"), page_icon="∇", layout="wide")

KEEP = "session"
DEFAULT_OPTIMIZER, DEFAULT_STEPS, MAX_STEPS = "Adam", 1_000, 50_000
LR_LOW = 1e-5
DEFAULT_START = {"x": -4.0}          # the lecture's start (−4, 0); every other coordinate starts at 0
WORKED = {"preset": "Himmelblau", "optimizer": "Adam", "lr": 1e-3, "start": (-4.0, 0.0), "steps": 20_000}
KEY_MAP = "fig_map"
MAP_RESOLUTION, SURFACE_RESOLUTION = 120, 80     # samples per side (a projector shows no difference beyond)
MAPS = named_cache("Gradient descent: maps without xₜ", 32 * MB)   # one per run and plane, shared by every session


# ---------------------------------------------------------------- cached computation (keyed on plain values)

@bounded(_("Ask for fewer steps or fewer compared optimizers."))
@bytes_cache(DESCENT_RUNS_BYTES, show_spinner=_("Running torch.optim's update rule…"))
def cached_run(text: str, optimizer: str, lr: float, steps: int, start: tuple, hyper: tuple, dtype: str = "float64",
               schedule: Schedule | None = None) -> Trajectory:
    """descend() from one start, every step recorded; hyper is the sorted (name, value) items."""
    return niced(descend)(load_formula(text), optimizer, start, lr, steps, dtype=dtype, callback=request_deadline(),
                          schedule=schedule, **dict(hyper))


@st.cache_data(max_entries=64, show_spinner=False)
def cached_grid(text: str, domain: tuple, point: tuple | None, axes: tuple, resolution: int = MAP_RESOLUTION):
    return sample_grid(load_formula(text), domain, resolution=resolution, point=point, axes=axes)


# ---------------------------------------------------------------- keys and callbacks

def start_key(variable: str) -> str:
    return f"s{variable}"


def hyper_key(optimizer: str, name: str, index: int | None = None) -> str:
    return f"h_{optimizer.lower()}_{name}" + ("" if index is None else f"_{index}")


def lr_options(spec) -> list[float]:
    """The slider's log grid: 1e-5 … 1 (or the optimizer's larger upper end, e.g. Adadelta's 100)."""
    return log_grid(LR_LOW, max(1.0, spec.lr_range[1]))


def set_lr(value: float) -> None:
    st.session_state["lr"] = float(value)


def on_optimizer() -> None:
    """A new optimizer starts from its own default learning rate (torch's)."""
    set_lr(get_optimizer(st.session_state["opt"]).lr)


def on_lr_slider() -> None:
    set_lr(st.session_state["lr_s"])


def reset_hypers(optimizer: str) -> None:
    spec = get_optimizer(optimizer)
    for hp in spec.hypers:
        if hp.type is tuple:
            for i in range(2):
                st.session_state[hyper_key(spec.name, hp.name, i)] = float(hp.default[i])
        else:
            st.session_state[hyper_key(spec.name, hp.name)] = hp.default


def load_worked_example() -> None:
    """The lecture's run: torch.optim.Adam([x], lr=1e-3) on Himmelblau from (−4, 0), 20,000 steps."""
    preset = PRESETS[WORKED["preset"]]
    st.session_state[KEY_FORMULA] = preset.formula
    st.session_state[KEY_XRANGE], st.session_state[KEY_YRANGE] = preset.domain[:2], preset.domain[2:]
    st.session_state["opt"] = WORKED["optimizer"]
    reset_hypers(WORKED["optimizer"])
    set_lr(WORKED["lr"])
    st.session_state["steps"] = WORKED["steps"]
    for name, value in zip(("x", "y"), WORKED["start"], strict=True):
        st.session_state[start_key(name)] = value
    st.session_state["scrub"] = 0


def start_from_click(variables: tuple[str, ...], axes: tuple[int, ...], domain) -> None:
    """Callback of the map: the clicked point becomes the start (its coordinates in the plotted plane)."""
    points = clicked_points(KEY_MAP)
    if not points or points[0].get("x") is None:
        return
    clicked = (points[0]["x"], points[0].get("y"))
    for axis, value in zip(axes, clicked, strict=False):
        lo, hi = axis_range(domain, axis)
        if value is not None:
            st.session_state[start_key(variables[axis])] = float(min(max(round(float(value), 4), lo), hi))


# ---------------------------------------------------------------- the view in the URL

def hyper_params(key=hyper_key) -> list[Param]:
    """Every optimizer's hyperparameters in the URL (h_adam_eps, h_adam_betas_0, …; a racer's with key=racer_key),
    bounded by their widgets' ranges."""
    params = []
    for name in NAMES:
        for hp in get_optimizer(name).hypers:
            if hp.type is bool:
                params.append(Param(key(name, hp.name), key(name, hp.name), flag, hp.default, flag_text))
            elif hp.type is tuple:
                params += [Param(key(name, hp.name, i), key(name, hp.name, i), number(*hp.ui_range[i]),
                                 float(hp.default[i]), number_text) for i in range(2)]
            else:
                params.append(Param(key(name, hp.name), key(name, hp.name), number(*hp.ui_range),
                                    float(hp.default), number_text))
    return params


def url_params(f) -> list[Param]:
    """This page's view in the URL: optimizer, lr, steps, precision, start, hyperparameters, comparisons, plane, step t."""
    lr_high = max(max(1.0, get_optimizer(n).lr_range[1]) for n in NAMES)
    return [Param("opt", "opt", choice(NAMES), DEFAULT_OPTIMIZER),
            Param("lr", "lr", number(LR_LOW, lr_high), get_optimizer(DEFAULT_OPTIMIZER).lr, number_text),
            Param("steps", "steps", integer(1, MAX_STEPS), DEFAULT_STEPS), Param("dtype", "dtype", choice(DTYPES), DTYPES[0]),
            *[Param(start_key(v), start_key(v), number(-RANGE_LIMIT, RANGE_LIMIT), DEFAULT_START.get(v, 0.0), number_text)
              for v in f.variables],
            *hyper_params(), Param("cmp", "cmp", subset(NAMES, 3), [], list_text), *plane_params(f),
            Param("scrub", "scrub", integer(0, MAX_STEPS), 0), *race_params(list(NAMES), DEFAULT_STEPS),
            *hyper_params(racer_key)]


# ---------------------------------------------------------------- controls

def optimizer_control():
    st.session_state.setdefault("opt", DEFAULT_OPTIMIZER)
    shown = in_language()
    name = st.selectbox(_("Optimizer (torch.optim)"), NAMES, key="opt", on_change=on_optimizer, persist_state=KEEP,
                        format_func=lambda n: shown(get_optimizer(n).display_name),
                        help=_("Choosing an optimizer sets the learning rate to its torch default."))
    return get_optimizer(name)


def lr_control(spec) -> float:
    """A log-scale slider and an exact number input for the learning rate, kept in sync."""
    grid = lr_options(spec)
    lr = float(st.session_state.get("lr", spec.lr))
    set_lr(min(max(lr, grid[0]), grid[-1]))
    st.session_state["lr_s"] = nearest_on_log_grid(grid, st.session_state["lr"])
    slider_col, number_col = st.columns([3, 2], vertical_alignment="bottom")
    slider_col.select_slider(_("Learning rate γ (log scale)"), grid, key="lr_s", on_change=on_lr_slider, persist_state=KEEP,
                             format_func=lambda v: f"{v:g}")
    return number_col.number_input(_("γ exactly"), grid[0], grid[-1], key="lr", step=1e-4, format="%g", persist_state=KEEP,
                                   help=_("Any value; the slider shows the nearest point of its grid."))


def start_controls(f, domain) -> tuple[float, ...]:
    """x₀: one slider per variable, clamped to the plot ranges."""
    cols = st.columns(min(f.n, 2))
    start = []
    for i, name in enumerate(f.variables):
        lo, hi = axis_range(domain, i)
        key = start_key(name)
        st.session_state[key] = float(min(max(st.session_state.get(key, DEFAULT_START.get(name, 0.0)), lo), hi))
        start.append(cols[i % len(cols)].slider(_("start {name}", name=name), float(lo), float(hi), key=key, step=0.01,
                                                persist_state=KEEP))
    return tuple(float(v) for v in start)


def _float_widget(label: str, key: str, default: float, ui_range: tuple, log_scale: bool, help: str) -> float:
    """A slider over powers of ten (eps), a linear slider, or a number input when the default is off the slider's grid."""
    lo, hi = ui_range
    st.session_state.setdefault(key, float(default))
    if log_scale:
        options = sorted({*log_grid(lo, hi, (1,)), float(default)})
        st.session_state[key] = nearest_on_log_grid(options, st.session_state[key])
        return st.select_slider(label, options, key=key, format_func=lambda v: f"{v:g}", help=help, persist_state=KEEP)
    step = 10.0 ** np.floor(np.log10((hi - lo) / 100))
    if abs((default - lo) / step - round((default - lo) / step)) < 1e-6:
        digits = max(0, int(-np.log10(step)))
        return st.slider(label, float(lo), float(hi), key=key, step=float(step), format=f"%.{digits}f", help=help,
                         persist_state=KEEP)
    return st.number_input(label, float(lo), float(hi), key=key, format="%g", help=help, persist_state=KEEP)


def hyper_controls(spec) -> dict:
    """The optimizer's hyperparameters, widgets generated from the registry, torch's defaults."""
    values = {}
    for hp in spec.hypers:
        if hp.type is bool:
            st.session_state.setdefault(hyper_key(spec.name, hp.name), bool(hp.default))
            values[hp.name] = st.checkbox(f"`{hp.name}`", key=hyper_key(spec.name, hp.name), help=tr(hp.help), persist_state=KEEP)
        elif hp.type is tuple:
            cols = st.columns(2)
            values[hp.name] = tuple(
                _float_widget_in(cols[i], f"`{hp.name}[{i}]`  ${hp.symbol[i]}$", hyper_key(spec.name, hp.name, i),
                                 hp.default[i], hp.ui_range[i], hp.log_scale, tr(hp.help)) for i in range(2))
        else:
            values[hp.name] = _float_widget(f"`{hp.name}`  ${hp.symbol}$", hyper_key(spec.name, hp.name), hp.default,
                                            hp.ui_range, hp.log_scale, tr(hp.help))
    st.button(_("Reset to torch's defaults"), key="h_reset", on_click=reset_hypers, args=(spec.name,))
    return values


def _float_widget_in(col, *args) -> float:
    with col:
        return _float_widget(*args)


def compare_control(spec) -> list[str]:
    """Up to three more optimizers; the chosen optimizer itself is not among the options."""
    options = [n for n in NAMES if n != spec.name]
    st.session_state["cmp"] = [n for n in st.session_state.get("cmp", []) if n in options][:3]
    return st.multiselect(_("Compare with (same start; each one's lr and settings in the race below)"), options, key="cmp",
                          max_selections=3, persist_state=KEEP, placeholder=_("up to three optimizers"))


def dtype_control() -> str:
    """The tensor's precision: float64 (the page's default) or float32 (torch.tensor's default, the lecture's)."""
    st.session_state.setdefault("dtype", DTYPES[0])
    return st.segmented_control(_("Precision (the tensor's dtype)"), DTYPES, key="dtype", persist_state=KEEP, width="stretch",
                                help=_("float32 is what torch.tensor([-4., 0.]) gives, as in the lecture; float64 has "
                                       "about 16 significant digits instead of 7.")) or DTYPES[0]


def is_worked_example(f, spec, lr, steps, start, values) -> bool:
    """The current settings are the lecture's run."""
    preset = PRESETS[WORKED["preset"]]
    return (f.text == preset.formula and spec.name == WORKED["optimizer"] and lr == WORKED["lr"] and steps == WORKED["steps"]
            and start == WORKED["start"] and values == spec.defaults)


def show_lecture_loop(f) -> None:
    """The lecture's printout (float32, x after the step, f before it) beside the page's float64 log, and why they differ."""
    args = (f.text, WORKED["optimizer"], WORKED["lr"], WORKED["steps"], WORKED["start"],
            tuple(sorted(get_optimizer(WORKED["optimizer"]).defaults.items())))
    lecture, page = cached_run(*args, dtype="float32"), cached_run(*args, dtype="float64")
    st.markdown(_("**The lecture's loop prints** (float32: {code})",
                  code="`print('step {}: x = {}, f(x) = {}'.format(step, x.tolist(), pred.item()))`"))
    st.code("\n".join(lecture_lines(lecture, 2000)), language="text")
    st.markdown(_("**This page's log** (float64; the PyTorch code above prints it)"))
    st.code("\n".join(log_lines(page, 2000)), language="text")
    gap = abs(page.points[2000] - lecture.points[2000]).max()
    st.markdown("\n".join([
        _("- **Print order.** The lecture prints `x` after `optimizer.step()` (x₂₀₀₁ on the line of step 2000) beside "
          "`pred`, f computed before the step (f(x₂₀₀₀)); the page logs xₜ beside f(xₜ), both before the step."),
        _("- **float32 vs float64.** `torch.tensor([-4., 0.])` is float32 (about 7 significant digits), the page computes "
          "in float64 (about 16); every step rounds differently, so at step 2,000 the two runs are {gap} apart, and both "
          "end at the same minimum.", gap=f"{gap:.1e}"),
        _("- **Why f reaches {value} in one and 0. in the other.** At the minimum f is a sum of squares of rounding "
          "residues: float64's residues are about 1e-16, so f ≈ 1e-31; at the float32 point the lecture reaches, both "
          "residues are exactly 0 in float32 arithmetic, so f = 0.", value=f"{page.losses[-1]:.1e}")]))


def plane(f) -> tuple[int, ...]:
    """The plotted coordinates: (x,) for one variable, (x, y) for two, two chosen ones for more."""
    if f.n <= 2:
        return tuple(range(f.n))
    c1, c2 = st.columns(2)
    h = c1.selectbox(_("Map: horizontal axis"), f.variables, index=0, key="ax_h")
    v = c2.selectbox(_("vertical axis"), [n for n in f.variables if n != h], index=0, key="ax_v")
    return f.variables.index(h), f.variables.index(v)


def plane_domain(domain, axes) -> tuple[float, float, float, float]:
    return (*axis_range(domain, axes[0]), *axis_range(domain, axes[1]))


# ---------------------------------------------------------------- rendering

def fmt_number(v: float, digits: int = 4) -> str:
    """Fixed decimals for ordinary numbers, scientific notation for a diverging run's huge ones."""
    return f"{v:.{digits}f}" if abs(v) < 1e5 else f"{v:.3g}"


def fmt_point(p, digits: int = 4) -> str:
    return "(" + ", ".join(fmt_number(v, digits) for v in p) + ")"


def label_of(name: str, lr: float) -> str:
    return f"{name}, γ = {lr:g}"


def show_outcome(f, run: Trajectory, minima, span: float | None) -> None:
    """Where the run ended, and the known minimum it reached (for presets, whose minima are all listed); an end where
    ∇f = 0 that is none of them is named as such."""
    if not len(run.steps):
        return
    x = run.points[-1]
    wide = 5 if len(x) <= 2 else 9
    cols = st.columns([wide, 3, 3])
    cols[0].metric(_("final point"), fmt_point(x),
                   help=_("x at step {t}: {point}", t=f"{int(run.steps[-1]):,}", point=tuple(float(v) for v in x)))
    cols[1].metric(_("f there"), f"{run.losses[-1]:.4g}")
    cols[2].metric(_("|∇f| there"), f"{grad_norms(run)[-1]:.3g}")
    near = nearest_minimum(x, minima) if run.ok else None
    unlisted = span is not None and run.ok and not (near and near.reached) and is_stationary(f, x, span)
    if unlisted:
        cols = st.columns([wide, 3, 3])
        cols[0].metric(_("a stationary point not in the preset's list"), fmt_point(x),
                       help=_("∇f = 0 here to within the run's precision (|∇f| = {norm}), but it is none of the preset's "
                              "minima; the second-derivative test there says: {kind}.", norm=f"{grad_norms(run)[-1]:.2g}",
                              kind=translated(classify_at(f, x, span).kind)))
    if near is not None:
        cols = cols if unlisted else st.columns([wide, 3, 3])
        cols[1 if unlisted else 0].metric(_("known minimum reached") if near.reached else _("nearest known minimum"),
                                          fmt_point(near.minimum),
                                          help=_("The preset's minima (every one in its range); reached means closer than 0.001."))
        cols[2 if unlisted else 1].metric(_("distance to it"), f"{near.distance:.2g}")


def summary_table(runs: list[tuple[str, Trajectory]], minima) -> pd.DataFrame:
    rows = []
    for label, run in runs:
        near = nearest_minimum(run.points[-1], minima) if len(run.steps) else None
        rows.append({_("run"): label, _("steps"): f"{int(run.steps[-1]):,}" if len(run.steps) else "0",
                     _("final point"): fmt_point(run.points[-1]) if len(run.steps) else "—",
                     "f": f"{run.losses[-1]:.4g}" if len(run.steps) else "—",
                     _("nearest known minimum"): fmt_point(near.minimum) if near else "—",
                     _("distance"): f"{near.distance:.2g}" if near else "—",
                     _("status"): _("diverged") if not run.ok else (_("reached") if near and near.reached else _("ok"))})
    return pd.DataFrame(rows)


def show_step(f, run: Trajectory, axes, domain, memo: tuple | None = None, lr_t: float | None = None) -> None:
    """The scrubbed step up close: the arrows, and the numbers per coordinate (memo: what the figure depends on).

    lr_t: the step's learning rate under a schedule."""
    view = step_view(run, st.session_state["scrub"], lr_t)
    left, right = st.columns([5, 6], gap="medium")
    chart(lambda: step_up_close_figure(f, view, axes, domain), key="fig_step", where=left, memo=memo)
    with right:
        m = st.columns(3)
        m[0].metric("f(xₜ)", f"{view.f:.6g}")
        m[1].metric("|Δx|", f"{np.linalg.norm(view.step):.3g}" if view.step is not None else "—",
                    help=_("The length of the step taken from xₜ to xₜ₊₁."))
        m[2].metric(_("angle(Δx, −∇f)"), f"{view.angle:.1f}°" if view.angle is not None else "—",
                    help=_("0° for plain gradient descent: it steps straight down the gradient."))
        st.dataframe(translated_step_table(view, f.variables).style.format("{:.4g}", subset=list(f.variables), na_rep="—"),
                     hide_index=True, width="stretch", height="content")
        st.caption(" ".join([_("The arrows: Δx at its true length; −∇f and the momentum as directions only.")]
                            + ([_("The orange rectangle's sides are each coordinate's step size times |∇f|: a square would "
                                  "mean one learning rate for all.")] if view.adaptive_rate is not None and f.n > 1 else [])
                            + [step_explanation(run.optimizer, view, f.n)]))


KINDS = (N_("minimum"), N_("maximum"), N_("saddle"), N_("inflection"), N_("undecided"))   # classify_at's kinds
QUANTITIES = {q: q for q in (N_("−γ·gₜ (plain GD step)"), N_("momentum m"), N_("momentum buffer b"),
                             N_("Δx (the step taken)"), N_("Δx / (−g): step size"))}


def translated_step_table(view, variables):
    """gradcore.runs.step_table with its header and the quantities' words in the session's language."""
    table = step_table(view, variables)
    table["quantity"] = [translated(q) if q in QUANTITIES else q for q in table["quantity"]]
    return table.rename(columns={"quantity": _("quantity")})


def step_up_close_figure(f, view, axes, domain):
    """f near xₜ with the gradient, the step taken and the momentum."""
    if f.n == 1:
        half = step_window(view, (0,), 0.05 * (domain[1] - domain[0]))
        xs = np.linspace(view.x[0] - half, view.x[0] + half, 161)
        return step_curve_figure(xs, f.value(xs[:, None]), view.x[0], view.f, view.grad[0],
                                 None if view.step is None else view.step[0],
                                 None if view.momentum is None else view.momentum[0], f.variables[0],
                                 _("Step {t} up close", t=f"{view.t:,}"), tr)
    a = list(axes)
    lo, hi = axis_range(domain, axes[0])
    half = step_window(view, axes, 0.05 * (hi - lo))
    cx, cy = view.x[a]
    local = sample_grid(f, (cx - half, cx + half, cy - half, cy + half), resolution=41, point=view.x, axes=axes)
    fig = step_figure(local, view.x[a], view.grad[a], None if view.step is None else view.step[a],
                      None if view.momentum is None else view.momentum[a], _("Step {t} up close", t=f"{view.t:,}"), tr)
    if view.adaptive_rate is not None:    # Adagrad/RMSprop/Adam: each coordinate's own step size, as a rectangle
        fig.add_trace(scale_box(view.x[a], view.adaptive_rate[a], float(np.linalg.norm(view.grad[a])), tr))
    return fig


def step_explanation(optimizer: str, view, n: int) -> str:
    if view.step is None:
        return _("This is the last step of the run: there is no next step to show.")
    if view.adaptive_rate is not None and n == 1:
        return _("In one variable every step goes along −f′ or against it; {optimizer} changes its length: the step size "
                 "is {rate}, not γ.", optimizer=optimizer, rate=view.adaptive_formula)
    if view.adaptive_rate is not None:
        return _("{optimizer} divides each coordinate by its own running size of the gradient, so its step size {rate} "
                 "differs per coordinate and the step leaves the direction of −∇f. Plain gradient descent uses the same γ "
                 "for every coordinate.", optimizer=optimizer, rate=view.adaptive_formula)
    if view.momentum is not None:
        return _("The momentum is a running sum of past gradients: the step follows it, not the gradient of this step alone.")
    return _("Without momentum or adaptive scaling the step is −γ∇f: the step size Δx/(−g) is γ in every coordinate.")


# ---------------------------------------------------------------- the regions

leaderboard = region(show_leaderboard)    # the tolerance re-ranks the racers, nothing else


@region
def scrubbed_views(f, domain, preset_name, runs: list[tuple[str, Trajectory]], minima, start: tuple, schedule, lr: float,
                   steps: int, run_memo: tuple, picture) -> None:
    """Everything the step scrubber (and the map's plane) moves: the map's xₜ, the surface, the loss's and the lr's
    step line, the coordinates and the step up close; a click on the map (a new start) reruns the whole page."""
    if start_of(f) != start:        # the map's click callback chose a new start: its runs are computed by the page
        st.rerun()
    run = runs[0][1]
    last = int(run.steps[-1]) if len(run.steps) else 0
    st.session_state["scrub"] = min(max(int(st.session_state.get("scrub", 0)), 0), last)
    t = st.session_state["scrub"]
    x_t = run.points[min(t, len(run.steps) - 1)] if len(run.steps) else None
    with picture:
        axes = plane(f)
        paths = [RunPath.of(r, label, run_color(i), axes) for i, (label, r) in enumerate(runs)]
        pdom = plane_domain(domain, axes) if f.n > 1 else None
        chart(partial(map_at, (run_memo, axes, language()), partial(map_figure, f, domain, pdom, axes, paths, run, start,
                                                                    minima), x_t, f, axes), key=KEY_MAP,
              on_click=partial(start_from_click, f.variables, axes, domain), config={"displayModeBar": False},
              memo=(run_memo, axes, t))
    left, right = st.columns(2, gap="medium")
    if f.n == 2:        # the surface is WebGL, the costliest chart to redraw: it does not follow the scrubber
        zs = f.value(np.array(minima)) if minima else []
        chart(lambda: path_surface_figure(cached_grid(f.text, pdom, None, axes, SURFACE_RESOLUTION), paths,
                                          (*start, float(f.value(np.array(start)))),
                                          [(*m, z) for m, z in zip(minima, zs, strict=True)],
                                          title=_("The path on the surface z = f(x, y)"), tr=tr), key="fig_surface",
              where=left, memo=(run_memo, axes))
    elif len(run.steps):
        every_coordinate = RunPath.of(run, runs[0][0], RUN_COLORS[0], range(f.n))
        chart(lambda: coordinates_figure(every_coordinate, f.variables, t, _("The coordinates of xₜ ({run})", run=runs[0][0]),
                                         tr), key="fig_coords", where=left, memo=(run_memo, t))
    chart(lambda: loss_figure(paths, t, _("f and |∇f| along the way"), tr), key="fig_loss", where=right,
          memo=(run_memo, axes, t))
    if schedule is not None:
        show_lr_curves(runs, schedule, steps, t, right)
    if len(run.steps):
        st.subheader(_("One step up close"))
        st.slider(_("Step t"), 0, max(last, 1), key="scrub", disabled=last == 0,
                  help=_("The step xₜ → xₜ₊₁ of the first run: the gradient, the step actually taken, and the momentum."))
        show_step(f, run, axes, domain, memo=(run_memo, axes, t),
                  lr_t=None if schedule is None else lr_sequence(schedule, lr, t + 1)[t])


def start_of(f) -> tuple[float, ...]:
    """The start point in session state (the sliders', or a click's on the map)."""
    return tuple(float(st.session_state.get(start_key(v), DEFAULT_START.get(v, 0.0))) for v in f.variables)


class PlotlyJSON:
    """A figure already as plotly's JSON: ui.chart reads it through to_json(), as it reads a go.Figure."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec

    def to_json(self) -> str:
        return json.dumps(self.spec)


def _f4(values) -> dict:
    """Values as plotly's JSON writes a float32 array (gradcore.descent_figures draws points as float32)."""
    clipped = np.clip(np.asarray(values, dtype=np.float64), -FLOAT32_LIMIT, FLOAT32_LIMIT).astype(np.float32)
    return {"dtype": "f4", "bdata": base64.b64encode(clipped.tobytes()).decode()}


def map_at(key: tuple, build, x_t, f, axes) -> PlotlyJSON:
    """The map with xₜ at x_t: the rest (contour, paths, frames) built once per run and plane, xₜ's trace moved in.

    A scrubber step then costs no plotly figure: building the map's 150 frames took most of a scrubber step's CPU."""
    if x_t is None:
        return PlotlyJSON(json.loads(build(None).to_json()))
    found, spec = MAPS.get(key)
    if not found:
        spec = json.loads(build(np.full(len(x_t), np.nan)).to_json())
        MAPS.put(key, spec)
    marker = next(k for k, t in enumerate(spec["data"]) if t.get("name") == "xₜ")
    xy = (x_t[0], float(f.value(x_t))) if f.n == 1 else x_t[list(axes)]
    data = list(spec["data"])
    data[marker] = {**data[marker], "x": _f4([xy[0]]), "y": _f4([xy[1]])}
    return PlotlyJSON({**spec, "data": data})


def map_figure(f, domain, pdom, axes, paths, run, start, minima, x_t):
    """The path on the level curves (on the curve of f for one variable), clickable, with x_t and a Play button."""
    if f.n == 1:
        xs = np.linspace(domain[0], domain[1], 301)
        fx = f.value(xs[:, None])
        return path_curve_figure(xs, fx, paths, (start[0], float(f.value(np.array(start)))),
                                 [(m[0], float(f.value(np.array(m)))) for m in minima],
                                 None if x_t is None else (x_t[0], float(f.value(np.asarray(x_t)))), f.variables[0],
                                 _("The path on f · click the curve to start there"), tr)
    grid = cached_grid(f.text, pdom, tuple(run.points[-1]) if f.n > 2 and len(run.steps) else None, axes)
    others = ", ".join(f"{f.variables[i]} = {run.points[-1][i]:.3g}" for i in range(f.n) if i not in axes) if len(run.steps) else ""
    title = (_("Path on the level curves · click to start there") if f.n == 2
             else _("Slice through the end ({others}), path projected", others=others))
    return path_map_figure(grid, paths, [start[i] for i in axes], [[m[i] for i in axes] for m in minima],
                           None if x_t is None else x_t[list(axes)], click_grid(pdom), title, tr)


# ---------------------------------------------------------------- the page

sel = formula_sidebar()
f = sel.formula
url_view(url_params(f))

show_section_label(__file__)
st.header(_("Gradient descent: follow −∇f with torch.optim"))
st.caption(_("Each step computes f(xₜ) and ∇f(xₜ), the gradient torch's backward() would compute, evaluated by generated "
             "code (the same operations in the same order as the formula typed), then moves x with torch.optim's own update "
             "rule. For + − * / and integer powers every step is torch.optim's bit for bit; with exp, sin, log … each step "
             "agrees to rounding (torch's and Python's versions may differ in the last bit). The code below prints the log "
             "line for line."))

controls, picture = st.columns([2, 3], gap="medium")
with controls:
    st.button(_("Load the lecture's worked example"), key="worked", on_click=load_worked_example, icon=":material/school:",
              width="stretch", help=_("torch.optim.Adam([x], lr=1e-3) on Himmelblau from (−4, 0) for 20,000 steps."))
    st.caption(_("Himmelblau · Adam · γ = 0.001 · start (−4, 0) · 20,000 steps"))
    spec = optimizer_control()
    lr = lr_control(spec)
    st.session_state.setdefault("steps", DEFAULT_STEPS)
    steps = int(st.number_input(_("Steps"), 1, MAX_STEPS, key="steps", step=100, persist_state=KEEP,
                                help=_("At most {most} steps per run (and 3 compared optimizers), so that one run takes "
                                       "seconds and the others in the room keep their turn.", most=f"{MAX_STEPS:,}")))
    dtype = dtype_control()
    start = start_controls(f, sel.domain)
    with st.expander(_("Hyperparameters of {optimizer} (torch's defaults)", optimizer=spec.name)):
        hyper = hyper_controls(spec)
    compare = compare_control(spec)
    with st.expander(_("The race: each compared optimizer's lr and hyperparameters, Newton and L-BFGS"), expanded=bool(compare)):
        racers, references = racer_controls(compare), reference_controls()
    schedule = schedule_control(steps)

try:
    values = spec.resolve(hyper)
except ValueError as err:
    st.error(_("**These hyperparameters cannot be used:** {reason}", reason=tr(err.args[0]) if err.args else str(err)),
             icon=":material/tune:")
    st.stop()

runs = [(label_of(spec.name, lr), cached_run(f.text, spec.name, lr, steps, start, tuple(sorted(values.items())), dtype, schedule))]
for name in compare:
    other_lr, other_values = racers[name]
    runs.append((label_of(name, other_lr),
                 cached_run(f.text, name, other_lr, steps, start, tuple(sorted(other_values.items())), dtype, schedule)))
runs += reference_runs(f.text, start, steps, *references)
run = runs[0][1]
preset = sel.preset
minima = [m for m in (preset.minima if preset else ()) if len(m) == f.n]
run_memo = (f.text, sel.domain, preset.name if preset else None, spec.name, lr, steps, start, tuple(sorted(values.items())),
            dtype, tuple(compare), repr((schedule, racers, references)))   # every input of the runs and their figures
                                                                                 # (ui.chart builds each figure once)

for label, r in runs:
    if not r.ok:
        said = (_("**{run}:** {message} (the path ends at step {t}, the last finite one.)", run=label,
                  message=tr(r.message), t=f"{int(r.steps[-1]):,}") if len(r.steps)
                else _("**{run}:** {message} (there is no path to draw.)", run=label, message=tr(r.message)))
        st.warning(said, icon=":material/warning:")

show_outcome(f, run, minima, max(sel.domain[1] - sel.domain[0], sel.domain[3] - sel.domain[2]) if preset else None)
if len(runs) > 1:
    st.dataframe(summary_table(runs, minima), hide_index=True, width="stretch")
    leaderboard(runs, minima_values(f, minima))

scrubbed_views(f, sel.domain, preset.name if preset else None, runs, minima, start, schedule, lr, steps, run_memo, picture)

every = log_every(steps)
rule, log = st.columns([1, 1], gap="large")
with rule:
    st.subheader(_("The update rule of {optimizer}", optimizer=spec.name))
    st.latex(spec.latex({"lr": lr, **values}))
    st.caption(_("γ is the learning rate; gₜ = ∇f(xₜ₋₁), with steps counted from 1 as torch.optim counts them."))
with log:
    st.subheader(_("The log, every {every} steps", every=f"{every:,}"))
    if len(run.steps):
        table = log_table(run, f.variables, every)
        styled = table.style.format({"step": "{:d}", **dict.fromkeys(f.variables, lambda v: fmt_number(v, 6)),
                                     "f": "{:.4g}", "|∇f|": "{:.3g}"})
        st.dataframe(styled.relabel_index([_("step"), *table.columns[1:]], axis=1), hide_index=True, width="stretch",
                     height="content")
        st.download_button(_("Download the whole trajectory (CSV)"), lambda: trajectory_csv(run, f.variables),
                           file_name=_("trajectory.csv"), mime="text/csv", key="csv", on_click="ignore",
                           icon=":material/download:")

with st.expander(_("Show the PyTorch code: it prints this log")):
    script = descent_script(f, spec.name, start, lr, steps, values, spec.defaults, print_every=every, dtype=dtype,
                            tr=tr)
    script = scheduled_script(script, schedule) if schedule is not None else script
    st.code(script, language="python")
    st.caption(_("What it prints: the log above in full precision, line for line."))
    st.code("\n".join(log_lines(run, every)), language="text")
    st.download_button(_("Download the script"), script, file_name=_("gradient_descent.py"), mime="text/x-python",
                       key="code_dl", on_click="ignore", icon=":material/download:")

with st.expander(_("The lecture's loop: its printout beside this page's log")):
    if is_worked_example(f, spec, lr, steps, start, values):
        show_lecture_loop(f)
    else:
        st.caption(_("Load the lecture's worked example (the button at the top) to see the lecture's own printout here."))
