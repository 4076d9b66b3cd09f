"""Landscape: local minima, saddle points, basins of attraction and the three levers (lecture section 5).

Widget keys (stable; session state, kept across pages):
  px, py, …        the start point of the learning-rate sweep (the point P, shared with the other pages)
  ls_opt, ls_lr    the basin map's optimizer and learning rate
  ls_mu            its momentum: μ for SGD and RMSprop, β₁ for the Adam family
  ls_steps, ls_res steps per start and starts per side of the basin grid
  lm_lr, lm_mu     the momentum lever: learning rate and momentum of the heavy ball
  sd_fn, sd_lr, sd_eps   the saddle demo: function, learning rate, offset from the stable axis
  pd_kappa         the condition number κ of momentum's phase diagram (ui.landscape_rows; a click on it picks lr and μ)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import sympy as sp

from gradcore import landscape as ls
from gradcore.figures import sample_grid
from gradcore.landscape_figures import (
    basin_figure,
    critical_points_figure,
    curve_critical_figure,
    escape_figure,
    lr_sweep_figure,
    momentum_loss_figure,
    momentum_paths_figure,
    ridge_figure,
    saddle_paths_figure,
)
from gradcore.optimizers import NAMES, latex_number
from gradcore.presets import PRESETS
from ui.chart import chart
from ui.i18n import LANGUAGES, N_, _, in_language, tr, translated, translator
from ui.interrupt import bounded, niced, request_deadline, stop_if_replaced
from ui.landscape_rows import KAPPAS, momentum_phase_diagram, saddle_in_words
from ui.outline import show_section_label
from ui.point import DEFAULT_POINT, axis_range, point_key, point_params, point_sliders
from ui.region import region
from ui.sidebar import formula_sidebar, load_formula, url_view
from ui.url import Param, choice, level, number, number_text

st.set_page_config(page_title=_("Landscape · Gradient Lab"), page_icon="∇", layout="wide")

KEEP = "session"
LR_OPTIONS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
STEP_OPTIONS = (100, 200, 500, 1000)
RESOLUTIONS = (50, 100, 150, 200)
SWEEP_STEPS = 500
MAP_RESOLUTION = 101
DEMO_LRS = (0.005, 0.01, 0.02, 0.05, 0.1)
SADDLE_LRS = (0.02, 0.05, 0.1, 0.2, 0.3)
SADDLE_EPS = (1e-12, 1e-9, 1e-6, 1e-3)
SADDLE_STEPS = 1000
NARROW = {"name": st.column_config.TextColumn(width=50), "published": st.column_config.TextColumn(width=80)}
NEWTON_NOTE = N_("Newton's method on ∇f = 0 (x ← x − H⁻¹∇f) from a grid of starts finds minima, maxima and saddle points "
               "alike; the eigenvalues of the Hessian H decide which is which: all > 0 a minimum, all < 0 a maximum, both "
               "signs a saddle. Where an eigenvalue is 0 (degenerate), f around the point decides.")
SADDLE_LABELS = {"Saddle": "x² − y²", "Monkey saddle": N_("x³ − 3xy² (monkey)")}
TABLE_HEADERS = (N_("name"), N_("kind"), N_("point"), N_("eigenvalues of H"), N_("published"))
LEVER_TABS = (N_("① Start point"), N_("② Learning rate"), N_("③ Momentum"))   # English in the URL, shown translated
URL_PARAMS = [
    Param("ls_opt", "ls_opt", choice(NAMES), "Adam"), Param("ls_lr", "ls_lr", level(LR_OPTIONS), 0.1, number_text),
    Param("ls_mu", "ls_mu", number(0.0, 0.99), 0.9, number_text),
    Param("ls_steps", "ls_steps", level(STEP_OPTIONS), 500, number_text),
    Param("ls_res", "ls_res", level(RESOLUTIONS), 150, number_text), Param("ls_tab", "ls_tab", choice(LEVER_TABS), LEVER_TABS[0],
                                                                  lambda label: LEVER_TABS[tab_index(label)]),
    Param("lm_lr", "lm_lr", level(DEMO_LRS), ls.MOMENTUM_DEMO.lr, number_text),
    Param("lm_mu", "lm_mu", number(0.0, 0.99), ls.MOMENTUM_DEMO.momentum, number_text),
    Param("sd_fn", "sd_fn", choice(list(ls.SADDLE_DEMOS)), next(iter(ls.SADDLE_DEMOS))),
    Param("sd_lr", "sd_lr", level(SADDLE_LRS), 0.1, number_text), Param("sd_eps", "sd_eps", level(SADDLE_EPS), 1e-6, number_text),
    Param("pd_kappa", "pd_kappa", level(KAPPAS), 10.0, number_text)]


def tab_index(label: str) -> int:
    """Which lever a tab label names, in any language (the URL keeps the English one)."""
    return next((i for i, t in enumerate(LEVER_TABS) for lang in LANGUAGES if label == translator(lang)(t)), 0)


def lever_tabs() -> list[str]:
    """The levers' tab labels in the session's language; the chosen tab (ls_tab) is renamed to match."""
    shown = [translated(t) for t in LEVER_TABS]
    if "ls_tab" in st.session_state:
        st.session_state["ls_tab"] = shown[tab_index(st.session_state["ls_tab"])]
    return shown


# ---------------------------------------------------------------- cached calculations (keyed on plain values)

@st.cache_data(max_entries=64, show_spinner=False)
def cached_grid(text: str, domain: tuple):
    """f on a MAP_RESOLUTION² grid: the page draws five maps, and the browser contours each one."""
    return sample_grid(load_formula(text), domain, resolution=MAP_RESOLUTION)


@st.cache_data(max_entries=64, show_spinner=_("Finding the critical points (Newton's method from a grid)…"))
def cached_critical(text: str, domain: tuple) -> ls.CriticalPoints:
    f = load_formula(text)
    return ls.critical_points(f, *ls.box(domain, f.n))


@bounded(_("Ask for fewer starts per side or fewer steps per start."))
@st.cache_data(max_entries=32, show_spinner=False)
def cached_basins(text: str, domain: tuple, optimizer: str, lr: float, momentum: float, steps: int, resolution: int) -> ls.BasinMap:
    """The basin map, with a progress bar (descend's callback) while it runs."""
    bar = st.progress(0.0, text=_("Running {starts:,} starts × {steps} steps…", starts=resolution * resolution, steps=steps))
    last = [0.0]

    def progress(t: int, total: int) -> None:
        stop_if_replaced()          # a closed tab or a newer rerun ends the map here
        if t / total - last[0] >= 0.05 or t == total:
            last[0] = t / total
            bar.progress(last[0], text=_("Running {starts:,} starts: step {step} of {total}", starts=resolution * resolution,
                                         step=t, total=total))

    minima = cached_critical(text, domain).minima
    out = niced(ls.basins)(load_formula(text), minima, domain, optimizer, lr, steps, resolution, callback=request_deadline(progress),
                    **ls.with_momentum(optimizer, momentum))
    bar.empty()
    return out


@st.cache_data(max_entries=32, show_spinner=_("Every start diverged: trying smaller learning rates…"))
def cached_lower_lr(text: str, domain: tuple, optimizer: str, lr: float, momentum: float, steps: int, resolution: int):
    smaller = [v for v in LR_OPTIONS if v < lr]
    return ls.lower_lr(load_formula(text), cached_critical(text, domain).minima, domain, optimizer, smaller, steps,
                       **ls.with_momentum(optimizer, momentum))


@st.cache_data(max_entries=32, show_spinner=_("Looking for starts on the ridges…"))
def cached_ridges(text: str, domain: tuple, optimizer: str, lr: float, momentum: float, steps: int, resolution: int,
                  _basin_map: ls.BasinMap) -> tuple[ls.RidgePair, ...]:
    return ls.start_lever(load_formula(text), _basin_map)


@st.cache_data(max_entries=64, show_spinner=_("Sweeping the learning rate…"))
def cached_sweep(text: str, domain: tuple, x0: tuple) -> ls.LRSweep:
    f, cps = load_formula(text), cached_critical(text, domain)
    nearest = ls.minima_array(cps.minima).reshape(-1, f.n)
    limit = ls.stability_limit(f, nearest[np.linalg.norm(nearest - np.array(x0), axis=1).argmin()]) if len(nearest) else None
    span = max(domain[1] - domain[0], domain[3] - domain[2])
    return ls.lr_sweep(f, x0, cps.minima, ls.sweep_range(limit), SWEEP_STEPS, "SGD", span=span)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_momentum(lr: float, momentum: float):
    demo, preset = ls.MOMENTUM_DEMO, PRESETS[ls.MOMENTUM_DEMO.preset]
    f, span = load_formula(preset.formula), max(preset.domain[1] - preset.domain[0], preset.domain[3] - preset.domain[2])
    minima = cached_critical(preset.formula, preset.domain).minima
    return ls.momentum_lever(f, minima, demo.start, lr, momentum, demo.steps, span), cached_grid(preset.formula, preset.domain)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_escape(name: str, lr: float, eps: float):
    preset = PRESETS[name]
    esc = ls.escape(load_formula(preset.formula), ls.SADDLE_DEMOS[name], lr, SADDLE_STEPS, eps)
    return esc, cached_grid(preset.formula, preset.domain)


# ---------------------------------------------------------------- small renderers

def num(v: float, digits: int = 6) -> str:
    return f"{v:.{digits}g}" if np.isfinite(v) else _("undefined")


def coords(p, digits: int = 6) -> str:
    """(3, 2): each coordinate to `digits` significant digits, −0 shown as 0."""
    return "(" + ", ".join(num(v + 0.0, digits) for v in p) + ")"


def short_name(label: int, minima) -> str:
    """'A' for a minimum, the outcome in words otherwise."""
    return minima[label].name if label >= 0 else tr(ls.OUTCOMES[label])


KIND_WORDS = {"minimum": N_("minimum"), "saddle": N_("saddle"), "maximum": N_("maximum"),
              "inflection": N_("stationary inflection"), "undecided": N_("undecided")}


def kind_label(p: ls.CriticalPoint) -> str:
    kind = translated(KIND_WORDS[p.kind])
    return _("{kind} (degenerate)", kind=kind) if p.degenerate and p.kind != "inflection" else kind


def eigenvalue_text(eigenvalues) -> str:
    return ", ".join(num(round(v, 10), 4) for v in eigenvalues)


def set_row(s: ls.CriticalSet) -> dict:
    """A curve of critical points as one table row: where it runs, f along it, H a quarter of the way along."""
    where = (_("closed, through {point}", point=coords(s.samples[0], 4)) if s.closed
             else _("from {start} to {end}", start=coords(s.samples[0], 4), end=coords(s.samples[-1], 4)))
    return {"name": tr(s.name), "kind": f"{translated(KIND_WORDS[s.kind])}: {tr(s.describe())}", "point": where,
            "f": num(round(s.value, 10), 8), "eigenvalues of H": eigenvalue_text(s.eigenvalues)}


def critical_table(cps: ls.CriticalPoints, matches) -> pd.DataFrame:
    """One row per curve of critical points, then per isolated point: name, kind, where, f, the Hessian's eigenvalues,
    whether it is a published minimum."""
    published = {m.found.name for m in matches if m.found is not None}
    rows = [set_row(s) for s in cps.sets]
    rows += [{"name": p.name, "kind": kind_label(p), "point": coords(p.point), "f": num(round(p.value, 10), 8),
              "eigenvalues of H": eigenvalue_text(p.eigenvalues),
              **({"published": "✓" if p.name in published else ""} if matches else {})} for p in cps.points]
    table = pd.DataFrame(rows, columns=["name", "kind", "point", "f", "eigenvalues of H", *(["published"] if matches else [])])
    return table.rename(columns={c: translated(c) for c in TABLE_HEADERS})


def ridge_rows(ridges, minima) -> pd.DataFrame:
    """One row per start of each ridge pair: where it starts and where it ends."""
    rows = [{_("ridge"): n, _("start"): coords(r.starts[k], 7), _("ends at"): short_name(r.labels[k], minima)}
            for n, r in enumerate(ridges, start=1) for k in range(2)]
    return pd.DataFrame(rows)


def show_critical_summary(cps: ls.CriticalPoints, matches) -> None:
    kinds = ["minimum", "saddle", "maximum", *(k for k in ("inflection", "undecided") if k in cps.kinds())]
    for col, kind in zip(st.columns(len(kinds)), kinds, strict=True):
        col.metric(tr(ls.KIND_PLURAL[kind]), tr(cps.count_text(kind)), border=True)
    if matches:
        found = sum(m.found is not None for m in matches)
        missing = [coords(m.published) for m in matches if m.found is None]
        text = (_("Published minima found: **{found} of {total}** (missing: {missing}). Newton's method finds only points "
                  "where ∇f = 0; a minimum at a kink (|x|, a cone's tip) has no such point.", found=found, total=len(matches),
                  missing=", ".join(missing)) if missing
                else _("Published minima found: **{found} of {total}** ✓", found=found, total=len(matches)))
        (st.success if not missing else st.warning)(text)
    if cps.sets:
        st.info(_("∇f = 0 all along {curves}: its points are not isolated, so each curve is one set, drawn as a line, not "
                  "a count of its points.", curves=", ".join(f"{tr(s.name)} ({tr(s.describe())})" for s in cps.sets)))
    if cps.truncated:
        st.warning(_("More than {most} isolated critical points (a very wavy f): the table lists {most}, some of every "
                     "kind, and the counts are those found: at least that many. Narrow the range in the sidebar to see "
                     "them all.", most=ls.MAX_CRITICAL))
    if not cps.points and not cps.sets:
        st.info(_("No critical point in the plotted range: ∇f is never zero here (or f is not differentiable where it "
                  "bottoms out, like |x| or a cone's tip). Widen the range in the sidebar or choose another preset."))
    elif "minimum" not in cps.kinds():
        st.info(_("f has no minimum in the plotted range: descent from any start leaves it or never settles."))


def diverged_sentence(lr: float, lower: ls.LowerLR) -> str:
    """Every start diverged: say so, and which smaller learning rates do not (measured on a coarse grid)."""
    text = _("Every start diverged at lr = {lr:g}: each step overshoots further than the last, so there are no basins.",
             lr=lr)
    side = lower.resolution
    if lower.lr is None:
        return text + " " + _("No smaller learning rate on the slider let a start of a {side}×{side} grid of starts reach "
                              "a minimum: choose another optimizer.", side=side)
    if lower.safe_lr is None:
        found = _("At lr = {lr:g}, {share:.0%} of a {side}×{side} grid of starts reach a minimum.", lr=lower.lr,
                  share=lower.reached, side=side)
    elif lower.safe_lr != lower.lr:
        found = _("At lr = {lr:g}, {share:.0%} of a {side}×{side} grid of starts reach a minimum; at lr = {safe:g} none "
                  "diverges.", lr=lower.lr, share=lower.reached, side=side, safe=lower.safe_lr)
    else:
        found = _("At lr = {lr:g}, {share:.0%} of a {side}×{side} grid of starts reach a minimum and none diverges.",
                  lr=lower.lr, share=lower.reached, side=side)
    return " ".join([text, found, _("Move the learning-rate slider down.")])


def published_matches(sel, f, cps):
    preset = sel.preset
    if preset is None or not preset.minima or len(preset.minima[0]) != f.n:
        return ()
    return ls.match_published(cps, preset.minima)


def show_escape_math(esc: ls.Escape, saddle_f, eps: float) -> None:
    """Why the escape takes as long as it does: H at the saddle, and the growth it predicts (or not, if H = 0 there)."""
    at_saddle = dict(zip(saddle_f.symbols, esc.saddle.tolist(), strict=True))
    hessian = sp.latex(sp.Matrix(saddle_f.hessian_exprs).subs(at_saddle))
    distance = num(float(np.linalg.norm(esc.on_axis.x - esc.saddle)), 2)
    if esc.growth is None:
        every = _("every eigenvalue is")
        st.latex(rf"H({num(esc.saddle[0])}, {num(esc.saddle[1])}) = {hessian}: \text{{ {every} }} 0")
        escaped = (_("after {steps} steps", steps=esc.escape_step) if esc.escape_step is not None
                   else _("not within {steps} steps", steps=SADDLE_STEPS))
        st.caption(_("A degenerate saddle: H is zero there, so no eigenvalue pushes the offset away. The push comes from "
                     "the third-order terms and grows only like a power of t, not exponentially: the escape comes {escaped}. "
                     "On the axis, descent only creeps towards the saddle: after {steps} steps it is {distance} from it.",
                     escaped=escaped, steps=SADDLE_STEPS, distance=distance))
        return
    growth, lam = num(esc.growth, 4), num(min(esc.eigenvalues), 4)
    left, right = st.columns(2)
    left.latex(rf"H = {hessian}, \quad \lambda_{{\min}} = {lam}")
    right.latex(rf"d_{{t+1}} = (1 + \mathrm{{lr}}\,|\lambda_{{\min}}|)\, d_t = {growth}\, d_t")
    left.latex(rf"d_t = \varepsilon \cdot {growth}^t \ge 1 \iff t \ge \ln(1/\varepsilon) / \ln {growth}")
    right.latex(rf"t_{{\text{{escape}}}} = \lceil \ln(1/{latex_number(eps)}) / \ln {growth} \rceil = {esc.predicted_step}")
    st.caption(_("On the stable axis the gradient has no component along the escape direction, so descent slides into the "
                 "saddle and stays (after {steps} steps it is {distance} from it). A hair off, the negative eigenvalue "
                 "of H multiplies the offset by (1 + lr·|λ_min|) each step: slow at first, then all at once. "
                 "A smaller ε costs only ln(1/ε) more steps; a larger lr fewer.", steps=SADDLE_STEPS, distance=distance))


def show_stability(sweep: ls.LRSweep) -> None:
    """Why plain gradient descent diverges above 2/λ_max, with the numbers of this sweep."""
    if sweep.limit is None:
        st.caption(_("No minimum to measure the stability limit at."))
        return
    m, lam = sweep.minima[sweep.limit_at], 2 / sweep.limit
    st.latex(rf"\begin{{aligned}} &|1 - \mathrm{{lr}}\,\lambda_{{\max}}| < 1 \\ \iff &\mathrm{{lr}} < 2 / \lambda_{{\max}} \\"
             rf" &\phantom{{\mathrm{{lr}}}} = 2 / {num(lam, 4)} = {num(sweep.limit, 3)} \end{{aligned}}")
    st.caption(_("λ_max = {lam}: the largest eigenvalue of the Hessian at {name} {point}. Near a minimum f is a bowl, and "
                 "each step of gradient descent multiplies the distance along its steepest direction by (1 − lr·λ_max): "
                 "beyond 2/λ_max every step overshoots further than the last.", lam=num(lam, 5), name=m.name,
                 point=coords(m.point, 4)))


# ---------------------------------------------------------------- the page

sel = formula_sidebar()
f = sel.formula
url_view(point_params(f), URL_PARAMS)
span = max(sel.domain[1] - sel.domain[0], sel.domain[3] - sel.domain[2])

show_section_label(__file__)
st.header(_("Landscape: where does gradient descent end?"))
st.caption(_("Local minima and saddle points can trap descent; three levers decide where it ends: "
             "the start point, the learning rate and momentum."))

cps = cached_critical(f.text, sel.domain)
matches = published_matches(sel, f, cps)

st.subheader(_("Critical points: where ∇f = 0"))
if f.n == 2:
    left, right = st.columns([1, 1.15], gap="medium")
    with left:
        published = [m.published for m in matches]
        title = (_("Critical points of f in the plotted range ({points} and {curves} curves)", points=len(cps.points),
                   curves=len(cps.sets)) if cps.sets else
                 _("Critical points of f in the plotted range ({points})", points=len(cps.points)))
        chart(lambda: critical_points_figure(cached_grid(f.text, sel.domain), cps.points, published, title, cps.sets, tr),
                        key="ls_fig_critical", memo=(f.text, sel.domain, repr(published)))
    with right:
        show_critical_summary(cps, matches)
        st.caption(translated(NEWTON_NOTE))
    st.dataframe(critical_table(cps, matches), hide_index=True, width="stretch", column_config=NARROW,
                 height=min(38 + 35 * len(cps.points), 400) if cps.points else "auto")
else:
    if f.n == 1:
        xs = np.linspace(sel.domain[0], sel.domain[1], 600)
        title = (_("f′ = 0 on the curve: ● minimum  ▲ maximum  ◆ stationary inflection") if "inflection" in cps.kinds()
                 else _("f′ = 0 on the curve: ● minimum  ▲ maximum"))
        chart(lambda: curve_critical_figure(xs, f.value(xs[:, None]), cps.points, f.variables[0], title, tr),
              key="ls_fig_critical", memo=(f.text, sel.domain))
    else:
        st.info(_("f has {n} variables: its critical points in ℝ^{n} are found in the box {x0:g} ≤ x ≤ {x1:g}, "
                  "{y0:g} ≤ the others ≤ {y1:g} and listed below. Maps of basins need a function of two variables.",
                  n=f.n, x0=sel.domain[0], x1=sel.domain[1], y0=sel.domain[2], y1=sel.domain[3]))
    show_critical_summary(cps, matches)
    st.dataframe(critical_table(cps, matches), hide_index=True, width="stretch", column_config=NARROW)
    st.caption(translated(NEWTON_NOTE))

def basin_controls() -> tuple:
    """The basin map's optimizer, lr, momentum, steps and starts per side, as the plain key of its cached run."""
    optimizer = st.selectbox(_("Optimizer"), NAMES, index=NAMES.index("Adam"), key="ls_opt", persist_state=KEEP)
    lr = st.select_slider(_("Learning rate lr (log scale)"), LR_OPTIONS, value=0.1, key="ls_lr", persist_state=KEEP)
    momentum = st.slider(_("Momentum (μ; β₁ for Adam)"), 0.0, 0.99, 0.9, step=0.01, key="ls_mu", persist_state=KEEP,
                         disabled=not ls.has_momentum(optimizer),
                         help=_("SGD and RMSprop: momentum μ. Adam, AdamW, Adamax, NAdam, RAdam: β₁, the momentum of "
                                "the first moment. Adagrad, Adadelta and Rprop have none."))
    steps = st.select_slider(_("Steps per start"), STEP_OPTIONS, value=500, key="ls_steps", persist_state=KEEP)
    resolution = st.select_slider(_("Starts per side"), RESOLUTIONS, value=150, key="ls_res", persist_state=KEEP,
                                  help=_("The grid of starts: 150 per side is 22,500 runs at once."))
    momentum = momentum if ls.has_momentum(optimizer) else 0.0
    return (f.text, sel.domain, optimizer, float(lr), float(momentum), int(steps), int(resolution))


def show_basins():
    """The basin map and its controls: (the map or None when f is not of two variables, its key, every start diverged)."""
    st.subheader(_("Basins of attraction: which start ends where"))
    if f.n != 2:
        st.info(_("A basin map colours the plane of starts, so it needs f of two variables (x, y). "
                  "Pick a preset such as Himmelblau to see one."))
        return None, None, False
    controls, picture = st.columns([1, 2.4], gap="medium")
    with controls:
        key = basin_controls()
    optimizer, lr, steps, resolution = key[2], key[3], key[5], key[6]
    basin_map = cached_basins(*key)
    with picture:
        title = _("{optimizer}, lr = {lr:g}, {steps} steps from {side}² starts", optimizer=optimizer, lr=lr, steps=steps,
                  side=resolution)
        chart(lambda: basin_figure(basin_map, cached_grid(f.text, sel.domain), title, tr), key="ls_fig_basins", memo=key)
    every_start_diverged = bool(basin_map.minima) and bool((basin_map.labels == ls.DIVERGED).all())
    if every_start_diverged:
        st.warning(diverged_sentence(lr, cached_lower_lr(*key)), icon=":material/warning:")
    elif basin_map.message:
        st.warning(tr(basin_map.message), icon=":material/warning:")
    if not basin_map.minima:
        st.info(_("No minimum in the plotted range, so no start can end in one: the map shows only where runs "
                  "diverged (black), stalled (grey) or could not start (white)."))
    return basin_map, key, every_start_diverged


def start_lever(basin_map, key, every_start_diverged: bool) -> None:
    """Lever ①: two starts a hair apart on a ridge of the basin map end in different minima."""
    ridges = cached_ridges(*key, _basin_map=basin_map) if basin_map is not None else ()
    if ridges:
        r = ridges[0]
        st.metric(_("two starts this far apart"), f"{r.distance:.2g}", border=True,
                  help=_("Both run with the basin map's optimizer and settings."))
        st.caption(_("end in different minima: {first} and {second}.", first=tr(ls.outcome_name(r.labels[0], basin_map.minima)),
                     second=tr(ls.outcome_name(r.labels[1], basin_map.minima))))
        ridge_map, ridge_table = st.columns([3, 2], gap="medium")
        chart(lambda: ridge_figure(cached_grid(f.text, sel.domain), basin_map.minima, ridges,
                                   _("Starts a hair apart on a ridge"), tr), key="ls_fig_ridges", where=ridge_map, memo=key)
        with ridge_table:
            st.dataframe(ridge_rows(ridges, basin_map.minima), hide_index=True, width="stretch")
            st.caption(_("{optimizer}, lr = {lr:g}, {steps} steps (the basin map's settings). A ridge between two basins "
                         "runs through saddle points and maxima: on it, the first steps choose a side, so starts closer "
                         "than any measurement end in different minima.", optimizer=basin_map.optimizer, lr=basin_map.lr,
                         steps=basin_map.steps))
    elif basin_map is not None and every_start_diverged:
        st.info(_("Every start diverged at lr = {lr:g}, so there is no ridge between basins to show. Lower the "
                  "learning rate above the basin map.", lr=basin_map.lr))
    else:
        others = [translated(n) for n in ("Himmelblau", "Tilted double well", "Rastrigin")
                  if sel.preset is None or n != sel.preset.name]
        st.info(_("Only one basin (or none) in the map, so every start that converges ends in the same place. "
                  "Try {some} or {last}.", some=", ".join(others[:-1]), last=others[-1]))


@region
def lr_lever() -> None:
    """Lever ②: plain gradient descent from P for a sweep of learning rates (P's sliders rerun only this tab)."""
    lever_lr = st.container()
    sweep_controls, sweep_picture = st.columns([1, 2.2], gap="medium")
    with sweep_controls:
        st.markdown(_("**Start point** of the sweep (P, shared with the other pages)"))
        P = point_sliders(f, sel.domain, columns=1 if f.n <= 2 else 2)
    sweep = cached_sweep(f.text, sel.domain, tuple(float(v) for v in P))
    with sweep_picture:
        if not np.isfinite(sweep.start_loss):
            st.error(_("f is not defined at the start point {point}: move it.", point=coords(P)), icon=":material/block:")
        title = _("Plain gradient descent from {point}, {steps} steps per lr", point=coords(P), steps=SWEEP_STEPS)
        chart(lambda: lr_sweep_figure(sweep, title, tr),
                        key="ls_fig_sweep", memo=(f.text, sel.domain, tuple(float(v) for v in P)))
    with sweep_controls:
        show_stability(sweep)
    with lever_lr:
        if sweep.limit is not None:
            st.metric(_("stability limit 2/λ_max"), num(sweep.limit, 3), border=True)
        st.caption(_("Plain gradient descent diverges from lr = {lr}.", lr=num(sweep.first_diverged, 3)) if sweep.first_diverged
                   else _("Plain gradient descent does not diverge in the sweep."))


def held_point() -> np.ndarray:
    """P while its sliders are not drawn (another tab is open): the value they last had, kept for when they come back."""
    kept = st.session_state.get("_kept_widget_values", {})
    point = []
    for i, name in enumerate(f.variables):
        key = point_key(name)
        lo, hi = axis_range(sel.domain, i)
        value = float(min(max(st.session_state.get(key, kept.get(key, DEFAULT_POINT)), lo), hi))
        st.session_state[key] = value          # a widget key not drawn this run would be dropped: keep it as a value
        point.append(value)
    return np.array(point, dtype=np.float64)


@region
def momentum_lever() -> None:
    """Lever ③: plain SGD against heavy-ball momentum on a two-well demo, and momentum's phase diagram."""
    lever_mu = st.container()
    demo, preset = ls.MOMENTUM_DEMO, PRESETS[ls.MOMENTUM_DEMO.preset]
    formula_col, lr_col, mu_col = st.columns([1.3, 1, 1], gap="medium", vertical_alignment="center")
    formula_col.markdown(f"**{translated(preset.name)}**")
    formula_col.latex("f = " + sp.latex(load_formula(preset.formula).expr))
    mu_lr = lr_col.select_slider(_("lr (both runs)"), DEMO_LRS, value=demo.lr, key="lm_lr", persist_state=KEEP)
    mu = mu_col.slider(_("momentum μ"), 0.0, 0.99, demo.momentum, step=0.01, key="lm_mu", persist_state=KEEP)
    race, demo_grid = cached_momentum(float(mu_lr), float(mu))
    mu_paths, mu_loss = st.columns(2, gap="medium")
    paths_title = _("A deep well and a shallow one; start {point}", point=coords(demo.start))
    chart(lambda: momentum_paths_figure(demo_grid, race, mu, paths_title, tr),
          key="ls_fig_mu_paths", where=mu_paths, memo=(float(mu_lr), float(mu)))
    chart(lambda: momentum_loss_figure(race, mu, _("f − f*: a plateau is a trap"), tr), key="ls_fig_mu_loss", where=mu_loss,
          memo=(float(mu_lr), float(mu)))
    st.caption(_("Plain SGD: x ← x − lr ∇f stops where ∇f = 0, the first minimum downhill. Momentum: b ← μ b + ∇f, "
                 "x ← x − lr b keeps a running sum of past gradients, the speed of a heavy ball, and can carry it over "
                 "the ridge into the deeper well."))
    momentum_phase_diagram(f, held_point(), cps.minima, sel.domain)
    with lever_mu:
        names = [short_name(v, race.minima) for v in race.labels]
        st.metric(_("plain SGD → momentum"), f"{names[0]} → {names[1]}", border=True,
                  help=_("On {preset}: {plain} without momentum, {heavy} with μ = {mu:g}.", preset=translated(preset.name),
                         plain=tr(ls.outcome_name(race.labels[0], race.minima)),
                         heavy=tr(ls.outcome_name(race.labels[1], race.minima)), mu=mu))
        st.caption(_("{preset}: f = {plain} without momentum, {heavy} with μ = {mu:g}.", preset=translated(preset.name),
                     plain=num(race.plain.losses[-1], 3), heavy=num(race.heavy.losses[-1], 3), mu=mu))


@region
def basins_and_levers() -> None:
    """The basin map and the three levers: its controls change the map and lever ①; only the open tab is computed."""
    basin_map, key, every_start_diverged = show_basins()
    st.subheader(_("The three levers"))
    tab_start, tab_lr, tab_mu = st.tabs(lever_tabs(), key="ls_tab", on_change="rerun")
    if tab_start.open:
        with tab_start:
            start_lever(basin_map, key, every_start_diverged)
    if tab_lr.open:
        with tab_lr:
            lr_lever()
    else:
        held_point()
    if tab_mu.open:
        with tab_mu:
            momentum_lever()


@region
def saddle_section() -> None:
    """Gradient descent on a saddle: stuck on the stable axis, escaping from ε off it, and the time H predicts."""
    fn_col, lr_col, eps_col, escaped_col, predicted_col = st.columns([1.25, 1, 1, 1.05, 1.05], gap="small")
    labels = in_language()
    name = fn_col.radio(_("Function"), list(ls.SADDLE_DEMOS), key="sd_fn", persist_state=KEEP,
                        format_func=lambda n: labels(SADDLE_LABELS[n]) if n == "Monkey saddle" else SADDLE_LABELS[n])
    sd_lr = lr_col.select_slider("lr", SADDLE_LRS, value=0.1, key="sd_lr", persist_state=KEEP)
    eps = eps_col.select_slider(_("offset ε"), SADDLE_EPS, value=1e-6, key="sd_eps", persist_state=KEEP, format_func=lambda v: f"{v:g}")
    esc, saddle_grid = cached_escape(name, float(sd_lr), float(eps))
    escaped_col.metric(_("steps to escape"), esc.escape_step if esc.escape_step is not None else f"> {SADDLE_STEPS}",
                       border=True, help=_("The first step at which the run that started ε off the axis is 1 away from it."))
    predicted_col.metric(_("predicted"), esc.predicted_step if esc.predicted_step is not None else "—", border=True,
                         help=_("⌈ln(1/ε) / ln(1 + lr·|λ_min|)⌉ from the Hessian's negative eigenvalue; none when H has no "
                                "λ < 0."))
    saddle_paths, saddle_curve = st.columns(2, gap="medium")
    saddle_title = _("From {point} and ε off it", point=coords(ls.SADDLE_DEMOS[name].start))
    chart(lambda: saddle_paths_figure(saddle_grid, esc, saddle_title, tr),
          key="ls_fig_saddle", where=saddle_paths, memo=(name, float(sd_lr), float(eps)))
    chart(lambda: escape_figure(esc, _("Distance from the stable axis"), tr), key="ls_fig_escape", where=saddle_curve,
          memo=(name, float(sd_lr), float(eps)))
    show_escape_math(esc, load_formula(PRESETS[name].formula), float(eps))
    if esc.off_axis.stopped_at is not None:
        st.caption(_("f has no minimum: after escaping it falls without bound, and at step {step} the numbers overflow "
                     "(the path stops there).", step=esc.off_axis.stopped_at))


basins_and_levers()

st.subheader(_("Saddle points: stuck on the axis, escaping a hair off it"))
saddle_in_words()
saddle_section()
