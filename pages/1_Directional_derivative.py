"""Directional derivative: D_u f(P) = ∇f(P) · u, the hiker's slope, and why the gradient is the steepest way up.

Lecture sections 1 and 3.  Widget keys (stable; session state, shared by pages where it says so):
  px, py, …      the point P (sliders, shared with the other pages)
  px_n1, px_n2, … its number inputs (a fresh key whenever P moves by another widget; see ui.point)
  theta          the direction angle θ in degrees (0.1° steps), u = (cos θ, sin θ)
  th_up, th_down buttons that turn θ to the direction of ∇f and of −∇f (ui.hiker)
  sign           the direction ±1 for a function of one variable
  ax_h, ax_v     the plane of u for three or more variables
  eta, step      the step size η and the "Step downhill" button (P ← P − η∇f(P))
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gradcore.directional import (
    LIMIT_STEPS,
    directional,
    directional_slice,
    downhill_step,
    one_sided_curve,
    theta_curve,
)
from gradcore.figures import (
    SWEEP_FRAMES,
    THETA_MARKER,
    curve_with_tangent_figure,
    directional_surface_base,
    directional_surface_moving,
    level_set_arrows,
    level_set_base,
    level_sweep_frames,
    sample_grid,
    slice_figure,
    slice_layers,
    theta_base,
    theta_marker,
    theta_sweep_frames,
)
from ui.chart import Layers, chart
from ui.hiker import (
    extend_trail,
    fine_theta,
    hiker_caption,
    level_map_with_trail,
    show_derivation,
    surface_with_hiker,
    theta_buttons,
    trail_caption,
)
from ui.i18n import _, tr
from ui.outline import show_section_label
from ui.point import axis_range, plane_params, point_inputs, point_key, point_params, set_point
from ui.region import region
from ui.sidebar import formula_sidebar, url_view
from ui.state import keep
from ui.url import Param, choice, number, number_text, tenths
from ui.views import num, short, show_undefined, tex

st.set_page_config(page_title=_("Directional derivative · Gradient Lab"), page_icon="∇", layout="wide")

LAST_STEP = "_directional_last_step"


@st.cache_data(max_entries=64, show_spinner=False)
def cached_grid(text: str, domain: tuple, point: tuple | None, axes: tuple[int, int]):
    from ui.sidebar import load_formula
    return sample_grid(load_formula(text), domain, point=point, axes=axes)


def step_downhill(formula, domain) -> None:
    """Callback of the button: P ← P − η ∇f(P), then f before and after for the caption."""
    old = np.array([st.session_state[point_key(v)] for v in formula.variables])
    step = downhill_step(formula, old, st.session_state["eta"])
    new = set_point(formula, domain, step)
    extend_trail(formula, old, new)
    st.session_state[LAST_STEP] = (formula.text, float(formula.value(old)), float(formula.value(new)),
                                   bool((step != old).any()), bool((new != step).any()))


def url_params(formula) -> list[Param]:
    """This page's view in the URL: P, the plane, θ (or the sign), η."""
    return [*point_params(formula), *plane_params(formula), Param("theta", "theta", tenths(0.0, 360.0), 30.0, number_text),
            Param("sign", "sign", choice((0, 180)), 0), Param("eta", "eta", number(0.0001, 10.0), 0.01, number_text)]


def pmatrix(entries) -> str:
    return r"\begin{pmatrix} " + r" \\ ".join(entries) + r" \end{pmatrix}"


def aligned(*lines: str) -> str:
    return r"\begin{aligned} " + r" \\ ".join(lines) + r" \end{aligned}"


@region
def direction_view(f, sel, P: np.ndarray, axes: tuple[int, int], controls, readout) -> None:
    """The direction u (θ, or the sign in one variable) and everything it changes: a θ step reruns only this region."""
    names = f.variables
    with controls:
        if f.n == 1:
            st.session_state.setdefault("sign", 0)
            signs = {0: _("u = +1 (right)"), 180: _("u = −1 (left)")}
            theta = keep("sign", st.radio(_("Direction u"), [0, 180], key="sign", horizontal=True, format_func=signs.get))
        else:
            fine_theta()
            theta = keep("theta", st.slider(_("Direction angle θ (degrees)"), 0.0, 360.0, step=0.1, format="%.1f", key="theta"))
    d = directional(f, P, theta, axes)
    if f.n >= 2:
        theta_buttons(d, where=controls)
    with readout:
        m = st.columns(3)
        m[0].metric("f(P)", short(d.value))
        m[1].metric("|∇f(P)|", short(d.grad_norm), help=_("the length of the gradient: the largest D_u f at P"))
        if f.n == 1:
            direction_text = "—" if np.isnan(d.sympy) else _("none") if d.gradient[0] == 0 else f"{np.sign(d.gradient[0]):+.0f}"
        else:
            direction_text = "—" if np.isnan(d.plane_norm) else f"{d.phi:.1f}°" if d.plane_norm > 0 else _("none")
        m[2].metric(_("φ, direction of ∇f"), direction_text, help=_("the gradient's direction (in the plane of u); none: ∇f(P) = 0"))
        m = st.columns(3)
        m[0].metric("D_u f (sympy)", short(d.sympy), help=_("∇f(P) · u from sympy's exact partial derivatives"))
        m[1].metric("D_u f (torch)", short(d.torch), help=_("forward mode: torch.func.jvp(f, (P,), (u,))"))
        if d.defined and not d.differentiable:
            m[2].metric(_("one-sided limit"), num(d.one_sided.estimate) if d.one_sided.exists else _("none"),
                        help=_("lim h→0⁺ (f(P + h u) − f(P)) / h, estimated numerically"))
        if d.defined:
            u_text = (rf"u &= {d.u[0]:+.0f}" if f.n == 1 else
                      rf"u &= (\cos {theta}^\circ, \sin {theta}^\circ) = ({tex(d.plane_u[0], 4)}, {tex(d.plane_u[1], 4)})")
            terms = " + ".join(rf"({tex(d.gradient[i])})({tex(d.u[i], 4)})" for i in sorted(set(d.axes)))
            st.latex(aligned(rf"\nabla f(P) &= ({', '.join(tex(g) for g in d.gradient)})", u_text,
                             r"D_u f(P) &= \nabla f(P) \cdot u", rf"&= {terms}", rf"&= {tex(d.sympy, 10)}"))
        if not d.defined:
            show_undefined(f, P)
        elif not d.differentiable:
            why = " ".join(tr(k) for k in d.kinks).replace("*", r"\*") or _("The gradient is not finite here.")
            limit = (_("The directional derivative may still exist as a one-sided limit lim h→0⁺ (f(P + h u) − f(P))/h: "
                       "it is {value} along this u.", value=num(d.one_sided.estimate)) if d.one_sided.exists else
                     _("The directional derivative may still exist as a one-sided limit lim h→0⁺ (f(P + h u) − f(P))/h: "
                       "along this u it does not exist (the quotient grows without bound)."))
            st.warning(_("**f is not differentiable at P**, so D_u f = ∇f · u is not valid here (it says {value}). {why} {limit}",
                         value=num(d.sympy), why=why, limit=limit), icon=":material/warning:")

    lows, highs = zip(*(axis_range(sel.domain, i) for i in range(f.n)), strict=True)
    sl = directional_slice(f, P, d.u, lows, highs)
    one_sided = d.one_sided.estimate if d.one_sided.exists else None
    slope = d.sympy if d.differentiable else np.nan

    if f.n == 1:
        left, right = st.columns(2, gap="medium")
        xs = np.linspace(sel.domain[0], sel.domain[1], 400)
        chart(curve_with_tangent_figure(xs, f.value(xs[:, None]), P[0], d.value, d.gradient[0] if d.differentiable
                                                    else np.nan, None, names[0], "f", _("f and its tangent at P"), tr),
              key="fig_graph", where=left)
        chart(slice_figure(sl.t, sl.values, d.value, slope, one_sided, _("The slice g(t) = f(P + t·({u:+.0f}))", u=d.u[0]), tr),
                           key="fig_slice", where=right)
        st.info(_("In one variable the only directions are u = +1 and u = −1: D₊₁ f = f′(P) and D₋₁ f = −f′(P). "
                  "The larger of the two is the one along the sign of f′(P): the one-variable gradient."))
    else:
        others = ", ".join(f"{n} = {P[i]:.3g}" for i, n in enumerate(names) if i not in axes)
        grid = cached_grid(f.text, sel.domain, tuple(P) if f.n > 2 else None, axes)
        top_left, top_right = st.columns(2, gap="medium")
        sweep = theta_curve(d.plane_gradient, SWEEP_FRAMES)     # the frames of the θ sweep button
        at_p = (f.text, sel.domain, tuple(P), axes)             # what the charts' static layers depend on (not θ)
        surface_title = _("The cut along u and its tangent")
        chart(Layers([(lambda: directional_surface_base(grid, surface_title), (f.text, sel.domain, at_p[2] if f.n > 2 else None, axes)),
                      (surface_with_hiker(directional_surface_moving(grid, d.plane_point, d.value, d.plane_u, sl.points[:, list(axes)],
                                                                     sl.values, slope, d.plane_gradient, tr), f, d, sl, grid), None)]),
              key="fig_surface", where=top_left)
        level_title = (_("Level curves: ∇f is perpendicular ({others})", others=others) if others
                       else _("Level curves: ∇f is perpendicular"))
        chart(Layers([(lambda: level_set_base(grid, d.plane_point, d.value, d.plane_gradient, level_title, sweep, tr, False), at_p),
                      (lambda: {"frames": level_sweep_frames(grid, d.plane_point, d.value, d.plane_gradient, sweep)}, at_p),
                      (level_map_with_trail(level_set_arrows(grid, d.plane_point, d.value, d.plane_u, d.plane_gradient), f, d),
                       None)]),
              key="fig_level", where=top_right)
        hiker_caption(d)
        trail_caption(f, d)
        curve = theta_curve(d.plane_gradient)
        bottom_left, bottom_right = st.columns(2, gap="medium")
        fixed, moving = slice_layers(sl.t, sl.values, d.value, slope, one_sided, _("The slice g(t) = f(P + t u)"), tr)
        chart(Layers([(fixed, ("slice",)), (moving, None)]), key="fig_slice", where=bottom_left)
        theta_title, note = _("D_u f for every direction θ"), "" if d.defined else _("f is not defined at P")
        def kink_curve():
            return None if d.differentiable or not d.defined else one_sided_curve(f, P, curve.thetas, axes)
        marked, base = bool(np.isfinite(d.rate)), (*at_p, bool(np.isfinite(d.rate)))
        chart(Layers([(lambda: theta_base(curve.thetas, curve.values, curve.phi, curve.maximum, curve.zeros, theta_title,
                                          kink_curve(), note, sweep, marked, tr, False), base),
                      (lambda: {"frames": theta_sweep_frames(sweep, THETA_MARKER)} if d.differentiable and marked else {}, base),
                      (theta_marker(theta, d.rate, tr), None)]), key="fig_theta", where=bottom_right)

    error_column = _("|quotient − ∇f·u|") if d.differentiable else _("|quotient − one-sided limit|")
    st.subheader(_("D_u f three ways"))
    st.latex(rf"\nabla f = {pmatrix(f.gradient_latex())}")
    ways, proof = st.columns(2, gap="large")
    with ways:
        st.markdown(_("**sympy**, ∇f(P) · u: `{sympy}`  \n**torch forward mode**, `torch.func.jvp(f, (P,), (u,))`: `{torch}`  \n"
                      "**the limit definition**, (f(P + h u) − f(P)) / h as h → 0:", sympy=num(d.sympy, 12), torch=num(d.torch, 12)))
        st.dataframe(pd.DataFrame({"h": [f"{h:.0e}" for h in LIMIT_STEPS],
                                   "(f(P+hu) − f(P)) / h": [num(r.quotient, 12) for r in d.limit],
                                   error_column: ["—" if np.isnan(r.error) else f"{r.error:.1e}" for r in d.limit]}),
                     hide_index=True, width="stretch")
        st.caption(_("The error shrinks like h until h ≈ 1e-8, where rounding in f(P + h u) − f(P) takes over.")
                   if d.differentiable else _("At a kink the quotient tends to the one-sided limit (when it exists), "
                                              "not to ∇f · u."))
    with proof:
        show_derivation(f, d)
        g = r"\nabla f(P)" if f.n <= 2 else "g"
        st.markdown(_("**Why the gradient is the steepest direction.** α is the angle between the gradient and the unit "
                      "vector u; g is the part of ∇f(P) in the plane of u.") if f.n > 2 else
                    _("**Why the gradient is the steepest direction.** α is the angle between the gradient and the unit "
                      "vector u."))
        st.latex(aligned(rf"D_u f &= {g} \cdot u = |{g}|\,|u| \cos\alpha", rf"&= |{g}| \cos\alpha \;\le\; |{g}|"))
        st.latex(aligned(rf"D_u f = |{g}| &\iff \cos\alpha = 1", rf"&\iff u = {g} \,/\, |{g}|"))
        if f.n >= 2 and d.differentiable:
            st.latex(aligned(rf"|{g}| &= {tex(d.plane_norm)}, \quad \varphi = {d.phi:.1f}^\circ",
                             rf"\alpha &= \theta - \varphi = {theta}^\circ - {d.phi:.1f}^\circ \equiv {d.alpha:.1f}^\circ",
                             rf"D_u f &= {tex(d.plane_norm)} \cos({d.alpha:.1f}^\circ)",
                             rf"&= {tex(d.sympy)} \;\le\; {tex(d.plane_norm)}"))
        st.markdown(_("The smallest value, −|∇f|, is at u = −∇f/|∇f| (θ = φ + 180°): **steepest descent**, the hiker's "
                      "fastest way down. D_u f = 0 along the level curve (θ = φ ± 90°): walking around the mountain."))
        if f.n >= 3:
            st.caption(_("Over all directions in ℝ^{n}, not only this plane, the largest D_u f is |∇f(P)| = {norm}, along "
                         "∇f(P) itself.", n=f.n, norm=num(d.grad_norm)))


sel = formula_sidebar()
f = sel.formula
names = f.variables
url_view(url_params(f))

show_section_label(__file__)
st.header(_("Directional derivative: how steep is the way I look?"))
st.caption(_("A hiker stands at P and looks in the direction u. The slope they see is the directional derivative "
             "D_u f(P) = ∇f(P) · u; the gradient is the direction where it is largest."))

controls, readout = st.columns([5, 6], gap="large")
with controls:
    P = point_inputs(f, sel.domain)
    axes = (0, 1)
    if f.n >= 3:
        c1, c2 = st.columns(2)
        h = c1.selectbox(_("u in the plane of"), names, index=0, key="ax_h")
        v = c2.selectbox(_("and"), [n for n in names if n != h], index=0, key="ax_v")
        axes = (names.index(h), names.index(v))
direction_view(f, sel, P, axes, controls, readout)
with controls:
    eta_col, step_col = st.columns([1, 1], vertical_alignment="bottom")
    st.session_state.setdefault("eta", 0.01)
    keep("eta", eta_col.number_input(_("Step size η"), 0.0001, 10.0, step=0.005, format="%.4f", key="eta"))
    step_col.button(_("Step downhill"), icon=":material/south:", key="step", on_click=step_downhill, args=(f, sel.domain), width="stretch",
                    help=_("P ← P − η ∇f(P): one step of gradient descent, the hiker's steepest way down."))
    last = st.session_state.get(LAST_STEP)
    if last and last[0] == f.text:
        _text, before, after, moved, clamped = last
        if not moved:
            st.caption(_("P did not move: f or ∇f is not defined at P (or ∇f = 0: the hiker is at the bottom or on a flat)."))
        else:
            st.caption(" ".join([_("Last step: f went from {before} to {after}.", before=num(before), after=num(after))]
                                + ([_("**Uphill!** η is too large here: the step jumped over the valley.")] if after > before else [])
                                + ([_("P stopped at the edge of the plot range.")] if clamped else [])))

