"""The Directional derivative page's teaching rows (issue 19): the hiker as a picture, the chain-rule derivation of
D_u f = ∇f · u, buttons that turn θ to ±∇f, and the trail that 'Step downhill' leaves."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from gradcore.directional import Directional, Slice
from gradcore.figures import Grid, _arrow_length
from gradcore.formula import Formula
from gradcore.teaching_figures import add_hiker, add_trail
from ui.i18n import _, tr
from ui.state import keep
from ui.views import num, tex

TRAIL = "_directional_trail"     # session_state: (formula text, [P_0, P_1, …]) of consecutive downhill steps
THETA_STEP = 0.1                 # degrees: the θ slider's resolution


def fine_theta() -> None:
    """θ as a float (the slider moves in 0.1° steps); an int left by an older run or a link becomes a float."""
    st.session_state["theta"] = float(st.session_state.get("theta", 30.0))


def _turn_theta(phi: float) -> None:
    """Callback: θ ← φ (rounded to the slider's 0.1°), kept across pages."""
    st.session_state["theta"] = keep("theta", round(phi % 360.0, 1) % 360.0)


def theta_buttons(d: Directional, where=None) -> None:
    """Two buttons: θ to the direction of ∇f (D_u f largest) and of −∇f (steepest descent)."""
    usable = d.differentiable and d.plane_norm > 0
    up, down = (where or st).columns(2)
    up.button(_("θ → ∇f (steepest up)"), key="th_up", on_click=_turn_theta, args=(d.phi,), disabled=not usable,
              icon=":material/north_east:", width="stretch", help=_("Turn u to the gradient's direction φ: D_u f = |∇f|."))
    down.button(_("θ → −∇f (steepest down)"), key="th_down", on_click=_turn_theta, args=(d.phi + 180.0,),
                disabled=not usable, icon=":material/south_west:", width="stretch",
                help=_("Turn u against the gradient, φ + 180°: D_u f = −|∇f|, the hiker's fastest way down."))


def hiker_caption(d: Directional) -> None:
    """The slope the hiker feels, with its sign in words, and the lecture's 'descent speed' next to this page's sign."""
    if not np.isfinite(d.rate):
        return
    slope = d.rate
    st.markdown(_("**The hiker** (◆ on the surface) stands at P and looks along u (the black arrow). Walking her orange "
                  "path she feels the slope **D_u f = {slope}**: she climbs {rate} units of f per unit of distance.",
                  slope=num(slope), rate=num(abs(slope))) if slope > 0 else
                _("**The hiker** (◆ on the surface) stands at P and looks along u (the black arrow). Walking her orange "
                  "path she feels the slope **D_u f = {slope}**: she descends {rate} units of f per unit of distance.",
                  slope=num(slope), rate=num(abs(slope))) if slope < 0 else
                _("**The hiker** (◆ on the surface) stands at P and looks along u (the black arrow). Walking her orange "
                  "path she feels the slope **D_u f = {slope}**: she stays level, walking along a level curve.",
                  slope=num(slope)))
    st.caption(_("The lecture speaks of her *descent speed*, which is negative when she walks uphill; this page keeps the "
                 "textbook sign, D_u f > 0 uphill, so descent speed = −D_u f = {speed} here.", speed=num(-slope + 0.0)))


def show_derivation(formula: Formula, d: Directional) -> None:
    """D_u f = ∇f · u from g(t) = f(P + t u) and the chain rule, with this P and u."""
    if not d.differentiable:
        return
    used = [i for i in range(formula.n) if d.u[i] != 0]
    names = [formula.variables[i] for i in used]
    args = ", ".join(f"{tex(d.point[i], 4)} + t\\,({tex(d.u[i], 4)})" if i in used else tex(d.point[i], 4)
                     for i in range(formula.n))
    chain = " + ".join(rf"\frac{{\partial f}}{{\partial {n}}}(P + t u)\, u_{{{n}}}" for n in names)
    at_zero = " + ".join(rf"\frac{{\partial f}}{{\partial {n}}}(P)\, u_{{{n}}}" for n in names)
    numbers = " + ".join(rf"({tex(d.gradient[i])})({tex(d.u[i], 4)})" for i in used)
    st.markdown(_("**Where D_u f = ∇f · u comes from.** Walk from P along u: the height is a function of one variable, "
                  "g(t) = f(P + t u). By definition D_u f(P) is its slope at t = 0, and the chain rule differentiates it:"))
    st.latex(r"\begin{aligned} g(t) &= f(P + t u) = f(" + args + r") \\ "
             rf"g'(t) &= {chain} \\ "
             r"D_u f(P) &= \lim_{h \to 0} \frac{f(P + h u) - f(P)}{h} = g'(0) \\ "
             rf"&= {at_zero} = \nabla f(P) \cdot u \\ &= {numbers} = {tex(d.sympy, 10)} \end{{aligned}}")


def extend_trail(formula: Formula, old: np.ndarray, new: np.ndarray) -> None:
    """After a downhill step from `old` to `new`: append to the trail, or start one where P moved by other means."""
    text, points = st.session_state.get(TRAIL, ("", []))
    if text != formula.text or not points or not np.allclose(points[-1], old, rtol=0, atol=1e-12):
        points = [list(map(float, old))]
    if not np.array_equal(new, old):
        points = [*points, list(map(float, new))]
    st.session_state[TRAIL] = (formula.text, points)


def trail(formula: Formula, point) -> np.ndarray:
    """The trail that ends at P (shape (k, n)); empty when P has moved since the last step or f changed."""
    text, points = st.session_state.get(TRAIL, ("", []))
    ends_here = text == formula.text and points and np.allclose(points[-1], point, rtol=0, atol=1e-12)
    return np.asarray(points if ends_here else np.empty((0, formula.n)), dtype=np.float64)


def _trail_in_plane(formula: Formula, d: Directional) -> tuple[np.ndarray, np.ndarray]:
    """The trail projected onto the plotted plane (the variables of u) and f at each step, at the step's own point."""
    steps = trail(formula, d.point) if formula.n >= 2 else np.empty((0, 2))
    return steps[:, list(d.axes)] if len(steps) else np.empty((0, 2)), formula.value(steps) if len(steps) else np.empty(0)


def surface_with_hiker(fig: go.Figure, formula: Formula, d: Directional, sl: Slice, grid: Grid) -> go.Figure:
    """The directional surface with the hiker, her path along u (t ≥ 0), her arrow, and the downhill trail."""
    ahead = sl.t >= 0
    add_hiker(fig, d.plane_point, d.value, d.plane_u, sl.points[ahead][:, list(d.axes)], sl.values[ahead], d.rate,
              0.6 * _arrow_length(grid), tr)
    return add_trail(fig, *_trail_in_plane(formula, d), three_d=True, tr=tr)


def level_map_with_trail(fig: go.Figure, formula: Formula, d: Directional) -> go.Figure:
    """The level-curve map with the downhill trail, f at each step."""
    return add_trail(fig, *_trail_in_plane(formula, d), three_d=False, tr=tr)


def trail_caption(formula: Formula, d: Directional) -> None:
    """The trail's f values in one line (the same numbers as on the charts)."""
    values = _trail_in_plane(formula, d)[1]
    if len(values) >= 2:
        st.caption(_("Trail of {count} downhill steps: f = {values}", count=len(values) - 1,
                     values=" → ".join(num(v, 5) for v in values)))
    if len(values) >= 2 and formula.n >= 3:
        h, v = (formula.variables[i] for i in d.axes)
        st.caption(_("With {n} variables every step moves all of them: the charts draw the trail projected onto the "
                     "plane of {h} and {v}, with the true f at each step (the surface is f with the other variables "
                     "at the current P).", n=formula.n, h=h, v=v))
