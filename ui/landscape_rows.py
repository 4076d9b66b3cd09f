"""The Landscape page's teaching rows (issue 19): a saddle in plain words on x² − y², and heavy-ball momentum's rate on
a quadratic as a map (Distill's phase diagram) whose click runs that setting on the page's function."""

from __future__ import annotations

import numpy as np
import streamlit as st

from gradcore.cuts import principal_cuts
from gradcore.descent import descend
from gradcore.figures import sample_grid
from gradcore.momentum_rate import heavy_ball_rate, optimum, rate_map, steps_to_shrink
from gradcore.presets import PRESETS
from gradcore.teaching_figures import momentum_run_figure, rate_check_figure, rate_map_figure, saddle_cuts_figure, saddle_surface_figure
from ui.chart import chart, clicked_points
from ui.i18n import _, language, tr
from ui.sidebar import load_formula
from ui.views import num

SADDLE = PRESETS["Saddle"]                   # x² − y²
KAPPAS = (1.5, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 1000.0)
PICK = "_pd_pick"                            # session_state: (κ, λ_max, lr, μ) of the last click on the phase diagram
RUN_STEPS = 200
KEY_RATE_MAP = "ls_fig_rate"


@st.cache_resource(show_spinner=False)
def _saddle_pictures(lang: str):
    """The cuts of x² − y² through (0, 0) and both figures in one language (the same for everybody: built once, read only)."""
    f = load_formula(SADDLE.formula)
    grid, cuts = sample_grid(f, SADDLE.domain, resolution=61), principal_cuts(f, (0.0, 0.0), 2.0)
    return (cuts, saddle_surface_figure(grid, cuts, _("f = x² − y² with its two cuts through the saddle"), tr),
            saddle_cuts_figure(cuts, _("The two cuts: a cup along x, a cap along y"), tr))


def saddle_in_words() -> None:
    """x² − y² first in words, then both cuts through the saddle drawn, then H's eigenvalues that say the same."""
    cuts, surface_fig, curves_fig = _saddle_pictures(language())
    st.markdown(_("**A saddle in plain words.** Stand at the centre of a horse's saddle, f = x² − y². Walk along x and the "
                  "ground rises on both sides: **along x the centre is a minimum**. Walk along y and it falls on both sides: "
                  "**along y it is a maximum**. The ground is flat right at the centre (∇f = 0), so descent can stop "
                  "there, yet it is neither a minimum nor a maximum."))
    surface, curves = st.columns(2, gap="medium")
    chart(surface_fig, key="ls_fig_saddle_cuts", where=surface, memo=())      # the same for everybody: sent as built once
    chart(curves_fig, key="ls_fig_saddle_curves", where=curves, memo=())
    lam = ", ".join(num(v + 0.0) for v in cuts.eigenvalues)
    along, cup, cap = _("along"), _("(a cup)"), _("(a cap)")
    st.latex(r"H(0, 0) = \begin{pmatrix} 2 & 0 \\ 0 & -2 \end{pmatrix}, \quad \lambda = " + lam +
             rf": \quad \lambda > 0 \text{{ {along} }} x \text{{ {cup}}}, \quad \lambda < 0 \text{{ {along} }} y \text{{ {cap}}}")
    st.caption(_("The Hessian says the same in numbers: each eigenvalue is the curvature of the cut along its eigenvector, "
                 "g''(0) = λ. Both signs at once make a saddle."))


def curvature_scale(minima, point) -> tuple[float, str, float]:
    """λ_max of H at the minimum nearest P, that minimum's name and its own κ ('' and 1, 1 when f has no minimum)."""
    if not minima:
        return 1.0, "", 1.0
    nearest = min(minima, key=lambda m: float(np.linalg.norm(np.subtract(m.point, point))))
    lam_max, lam_min = max(nearest.eigenvalues), min(nearest.eigenvalues)
    if not (np.isfinite(lam_max) and lam_max > 0):
        return 1.0, "", 1.0
    return float(lam_max), nearest.name, float(lam_max / lam_min) if lam_min > 0 else float("inf")


def _pick_from_click(kappa: float, lam_max: float) -> None:
    """Callback of the phase diagram: the clicked (lr, μ) becomes the setting that runs."""
    points = clicked_points(KEY_RATE_MAP)
    if points and points[0].get("x") is not None and points[0].get("y") is not None:
        st.session_state[PICK] = (kappa, lam_max, float(points[0]["x"]), float(points[0]["y"]))


@st.cache_data(max_entries=32, show_spinner=False)
def _momentum_run(text: str, x0: tuple, lr: float, momentum: float):
    run = descend(load_formula(text), "SGD", np.array(x0), lr, RUN_STEPS, momentum=momentum)
    return run.points, run.message


@st.cache_resource(max_entries=32, show_spinner=False)
def _rate_map_figure(kappa: float, lam_max: float, lr: float, momentum: float, lang: str):
    """The phase diagram and its figure for one κ, λ_max, chosen setting and language (read only: shared by every session)."""
    rm = rate_map(kappa, lam_max)
    return rm, rate_map_figure(rm, (lr, momentum), f"ρ, κ = {kappa:g}, λ_max = {num(lam_max, 4)}", tr)


@st.cache_resource(max_entries=32, show_spinner=False)
def _run_figure(text: str, domain: tuple, x0: tuple, lr: float, momentum: float, lang: str):
    """The run of (lr, μ) from x0 over f's contour map (f of two variables), labelled in one language."""
    grid = sample_grid(load_formula(text), domain, resolution=101)
    return momentum_run_figure(grid, _momentum_run(text, x0, lr, momentum)[0],
                               _("SGD, lr = {lr}, momentum = {mu}, {steps} steps", lr=num(lr, 4), mu=num(momentum, 3),
                                 steps=RUN_STEPS), tr)


def chosen_setting(kappa: float, lam_max: float, best) -> tuple[float, float, bool]:
    """(lr, μ, clicked): the last click for this κ and λ_max, else Polyak's optimum."""
    pick = st.session_state.get(PICK)
    if pick and pick[0] == kappa and pick[1] == lam_max:
        return pick[2], pick[3], True
    return best.lr, best.momentum, False


def momentum_phase_diagram(formula, point, minima, domain) -> None:
    """ρ(lr, μ) for a chosen κ, the optimum marked; a click runs that lr and μ from P on the page's function."""
    st.markdown(_("**Momentum's rate on a quadratic** (Distill, *Why Momentum Really Works*): on a bowl whose curvatures "
                  "run from λ_max/κ to λ_max, heavy-ball momentum shrinks the distance to the minimum by a factor ρ each "
                  "step. Dark is fast, white diverges. **Click the map** to run that step size and momentum on f from P."))
    st.session_state.setdefault("pd_kappa", 10.0)
    kappa = float(st.select_slider(_("condition number κ = λ_max / λ_min"), KAPPAS, key="pd_kappa"))
    lam_max, at, own_kappa = curvature_scale(minima, point)
    lr, mu, clicked = chosen_setting(kappa, lam_max, optimum(lam_max / kappa, lam_max))
    rm, figure = _rate_map_figure(kappa, lam_max, lr, mu, language())
    rho = float(heavy_ball_rate(lr, mu, rm.eigenvalues))
    diagram, run = st.columns(2, gap="medium")
    chart(figure, key=KEY_RATE_MAP, on_click=lambda: _pick_from_click(kappa, lam_max), where=diagram, memo=(kappa, lam_max, lr, mu))
    scale = (_("λ_max = {lam} is the largest curvature of f at its minimum {name} (whose own κ is {kappa}), so the step "
               "sizes are f's own.", lam=num(lam_max, 4), name=at, kappa=num(own_kappa, 3))
             if at else _("f has no minimum in the plotted range, so λ_max = 1."))
    best = rm.best
    diagram.caption(" ".join([scale, _("★ Polyak's optimum: lr = {lr}, μ = {mu}, ρ = {rate} = (√κ − 1)/(√κ + 1); plain "
                                       "gradient descent at best ρ = {plain} = (κ − 1)/(κ + 1). ρ is the largest |eigenvalue| "
                                       "of the iteration matrix [[1 + μ − lr λ, −μ], [1, 0]].", lr=num(best.lr, 4),
                                       mu=num(best.momentum, 4), rate=num(best.rate, 4), plain=num(best.plain_rate, 4))]))
    x0 = tuple(float(v) for v in point)
    points, message = _momentum_run(formula.text, x0, float(lr), float(mu))
    with run:
        st.metric(_("your setting") if clicked else _("the optimum"), f"lr {num(lr, 4)}, μ {num(mu, 3)}", border=True,
                  help=_("Click the map to choose another."))
        shrink = steps_to_shrink(rho)
        st.caption(_("On the quadratic: ρ = {rate}, {steps:.0f} steps to shrink the error a million-fold.", rate=num(rho, 4),
                     steps=shrink) if np.isfinite(shrink) else _("On the quadratic: ρ = {rate}, so it diverges.", rate=num(rho, 4)))
        if formula.n == 2:
            setting = (formula.text, tuple(domain), x0, float(lr), float(mu))
            chart(lambda: _run_figure(*setting, language()), key="ls_fig_rate_run", memo=setting)
        if message:
            st.warning(tr(message), icon=":material/warning:")
    if at:
        target = np.asarray(next(m.point for m in minima if m.name == at))
        distances = np.linalg.norm(points - target, axis=-1)
        chart(lambda: rate_check_figure(np.arange(len(points)), distances, rho,
                                        _("Distance to {name}: measured on f, and ρᵗ of the quadratic", name=at), tr),
              key="ls_fig_rate_check",
              memo=(formula.text, tuple(domain), x0, float(lr), float(mu), kappa, lam_max))
        st.caption(_("Near a minimum f is a quadratic bowl, so the run follows ρᵗ once it gets close, when κ is f's own "
                     "condition number there (λ_max / λ_min of H at the minimum)."))
