"""Gradient and partial derivatives: partials as slopes, the gradient field, second-order partials and f_xy = f_yx.

Lecture section 2.  Widget keys (stable; session state):
  px, py, …      the point P (sliders, shared with the other pages)
  px_n1, px_n2, … its number inputs (a fresh key whenever P moves by another widget; see ui.point)
  ax_h, ax_v     the two variables plotted for three or more variables
  gr_cx          the toggle that shows the f_xy ≠ f_yx counterexample (ui.gradient_rows)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gradcore.check import kinks_at
from gradcore.figures import curve_with_tangent_figure, gradient_field_figure, sample_grid
from gradcore.landscape import box, snap
from gradcore.messages import Message
from gradcore.partials import (
    axis_slice,
    gradient_field,
    latex,
    one_sided_partials,
    order_text,
    partial_name,
    partial_text,
    second_order,
)
from ui.chart import chart
from ui.gradient_rows import show_counterexample, show_derivative_table
from ui.i18n import N_, _, tr
from ui.outline import show_section_label
from ui.point import axis_range, plane_params, point_inputs, point_params, set_point
from ui.sidebar import formula_sidebar, url_view
from ui.url import Param, flag, flag_text
from ui.views import num, short, show_undefined, tex

st.set_page_config(page_title=_("Gradient · Gradient Lab"), page_icon="∇", layout="wide")

FIELD_ARROWS = 17     # arrows per side of the gradient field
SNAPPED = "_gr_snapped"   # the sentence the snap button leaves for the next run
VERDICTS = {"minimum": N_("{where} **Minimum**: {sentence}"), "maximum": N_("{where} **Maximum**: {sentence}"),
            "saddle": N_("{where} **Saddle**: {sentence}"), "inflection": N_("{where} **Inflection**: {sentence}"),
            "undecided": N_("{where} **Undecided**: {sentence}")}     # the second-derivative test's verdict, whole


@st.cache_data(max_entries=64, show_spinner=False)
def cached_grid(text: str, domain: tuple, point: tuple | None, axes: tuple[int, int]):
    from ui.sidebar import load_formula
    return sample_grid(load_formula(text), domain, point=point, axes=axes)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_field(text: str, domain: tuple, point: tuple | None, axes: tuple[int, int]):
    from ui.sidebar import load_formula
    return gradient_field(load_formula(text), domain, point, axes, FIELD_ARROWS)


def snap_to_critical(formula, domain, point) -> None:
    """Button callback: move P to the critical point Newton's method reaches from it, or say why it cannot."""
    found = snap(formula, point, *box(domain, formula.n))
    if found is None:
        st.session_state[SNAPPED] = _("Newton's method from P finds no critical point in the plotted range (it leaves "
                                      "the range, or ∇f has no zero there). Move P nearer to one, or widen the range.")
        return
    set_point(formula, domain, found.point)
    st.session_state[SNAPPED] = _("P moved to the nearest critical point, ({point}).",
                                  point=", ".join(num(c, 10) for c in found.point))


def pmatrix(rows) -> str:
    return r"\begin{pmatrix} " + r" \\ ".join(" & ".join(r) for r in rows) + r" \end{pmatrix}"


def sides_text(side) -> str:
    """'from the right 1, from the left 0' ('no limit' for a side that has none)."""
    right, left = (num(v) if np.isfinite(v) else _("no limit") for v in (side.right, side.left))
    return _("from the right {right}, from the left {left}", right=right, left=left)


sel = formula_sidebar()
f = sel.formula
names = f.variables
url_view(point_params(f), plane_params(f), [Param("gr_cx", "gr_cx", flag, False, flag_text)])

show_section_label(__file__)
st.header(_("Gradient and partial derivatives"))
st.caption(_("A partial derivative is the slope of f along one axis, the other variables held fixed. "
             "The gradient collects them: ∇f = (∂f/∂x, ∂f/∂y, …)."))

controls, readout = st.columns([5, 6], gap="large")
with controls:
    P = point_inputs(f, sel.domain)
    axes = (0, 1) if f.n >= 2 else (0, 0)
    if f.n >= 3:
        c1, c2 = st.columns(2)
        h = c1.selectbox(_("Plot the plane of"), names, index=0, key="ax_h")
        v = c2.selectbox(_("and"), [n for n in names if n != h], index=0, key="ax_v")
        axes = (names.index(h), names.index(v))

span = max(sel.domain[1] - sel.domain[0], sel.domain[3] - sel.domain[2])
so = second_order(f, P, span)
value, grad = float(f.value(P)), so.gradient
kinks = kinks_at(f, P, grad) if np.isfinite(value) else ()
sides = one_sided_partials(f, P) if kinks else ()
missing = {i: side for i, side in enumerate(sides) if not side.exists}     # partials that do not exist at P
with readout:
    m = st.columns(min(f.n + 1, 4))
    m[0].metric("f(P)", short(value))
    for i in range(f.n):
        m[(i + 1) % len(m)].metric(_("∂f/∂{name} at P", name=names[i]), _("none") if i in missing else short(grad[i]),
                                   help=_("does not exist: {sides}", sides=sides_text(missing[i])) if i in missing else None)
    if not np.isfinite(value):
        show_undefined(f, P)
    elif kinks:
        st.warning(" ".join([_("**f is not differentiable at P**, so the gradient does not exist here."),
                             *(_("∂f/∂{name} does not exist: {sides}.", name=names[i], sides=sides_text(side))
                               for i, side in missing.items()),
                             *(tr(k).replace("*", r"\*") for k in kinks)]),
                   icon=":material/warning:")
    elif not np.all(np.isfinite(grad)):
        st.warning(_("A partial derivative is not finite at P (a vertical tangent or a kink): move P."), icon=":material/warning:")

for i, s in enumerate(f.symbols):
    at_p = (r"\text{ " + _("does not exist ({sides})", sides=sides_text(missing[i])) + "}" if i in missing
            else rf" = {tex(grad[i])}")
    st.latex(rf"{partial_name(f, i)} = \frac{{\partial f}}{{\partial {latex(s)}}} = {f.gradient_latex()[i]}"
             rf" \quad\Rightarrow\quad {partial_name(f, i)}(P){at_p}")

show_derivative_table(f, P, grad)

st.subheader(_("Partial derivatives are slopes"))
cols = st.columns(2 if f.n >= 2 else 1, gap="medium")
for col, axis in zip(cols, sorted(set(axes)), strict=True):
    lo, hi = axis_range(sel.domain, axis)
    cut = axis_slice(f, P, axis, lo, hi)
    fixed = ", ".join(f"{n} = {P[k]:.3g}" for k, n in enumerate(names) if k != axis)
    kinked = missing.get(axis)
    slope_text = (_("no slope at P ({sides})", sides=sides_text(kinked)) if kinked
                  else _("slope ∂f/∂{name} = {slope}", name=names[axis], slope=num(cut.slope, 4)))
    title = (_("Along {axis} ({fixed} fixed): {slope}", axis=names[axis], fixed=fixed, slope=slope_text) if fixed
             else _("Along {axis}: {slope}", axis=names[axis], slope=slope_text))
    chart(curve_with_tangent_figure(cut.coords, cut.values, cut.at, cut.value,
                                               np.nan if kinked else cut.slope, kinked.right if kinked else None,
                                               names[axis], "f", title, tr=tr),
                     key=f"fig_slice_{axis}", where=col)

if f.n >= 2:
    st.subheader(_("The gradient field"))
    point = tuple(P) if f.n > 2 else None
    grid, field = cached_grid(f.text, sel.domain, point, axes), cached_field(f.text, sel.domain, point, axes)
    spacing = min(sel.domain[1] - sel.domain[0], sel.domain[3] - sel.domain[2]) / FIELD_ARROWS
    picture, words = st.columns([3, 2], gap="large")
    chart(gradient_field_figure(grid, field.x, field.y, field.gx, field.gy, field.magnitude,
                                               [P[axes[0]], P[axes[1]]], spacing, _("∇f on a grid over the level curves"), tr=tr),
                         key="fig_field", where=picture)
    with words:
        st.markdown(_("Each arrow is ∇f at its centre. All arrows have the **same length**, so only their direction "
                      "shows; their shade and thickness tell |∇f| (the legend gives each band), so a steep region "
                      "does not swamp the picture.\n\n"
                      "- Every arrow crosses the level curves **at a right angle**.\n"
                      "- Arrows point **uphill**: towards larger f. Gradient descent walks against them.\n"
                      "- Where ∇f = 0 (minima, maxima, saddles) the arrows turn around."))
        if f.n > 2:
            st.caption(_("The arrows show the part of ∇f in the plotted plane; {fixed}.",
                         fixed=", ".join(f"{n} = {P[k]:.3g}" for k, n in enumerate(names) if k not in axes)))

st.subheader(_("Second-order partial derivatives"))
st.caption(_("f_xy means: differentiate by x first, then by y, so f_xy = ∂/∂y (∂f/∂x). Each one below is "
             "differentiated in its own order by sympy (nothing is mirrored), so f_xy = f_yx is a real check."))
symbolic, numeric = st.columns([1, 1], gap="large")
with symbolic:
    places = st.columns(3) if f.n > 2 else [st.container()]     # three or more variables: a grid, row i, column j
    for i in range(f.n):
        for j in range(f.n):
            places[j % len(places)].latex(rf"{partial_name(f, i, j)} = {f.second_latex(i, j)} = {tex(so.sympy[i, j])}")
with numeric:
    rows = [(i, j) for i in range(f.n) for j in range(f.n)]
    st.dataframe(pd.DataFrame({
        _("partial"): [partial_text(f, i, j) for i, j in rows],
        _("order"): [order_text(f, i, j) for i, j in rows],
        _("sympy at P"): [f"{so.sympy[i, j]:.12g}" for i, j in rows],
        _("torch at P"): [f"{so.torch[i, j]:.12g}" for i, j in rows],
    }), hide_index=True, width="stretch")
    st.caption(_("torch: torch.autograd.functional.hessian(f, P), H[i][j] = ∂/∂x_j (∂f/∂x_i)."))
    if kinks:
        st.caption(_("f has a kink at P: these are sympy's and torch's formulas evaluated at P (∞ stands for a Dirac "
                     "delta or a division by 0), not derivatives of f, which do not exist there."))

if f.n >= 2:
    st.markdown(_("**Is f_xy = f_yx?** Schwarz's (Clairaut's) theorem: if both mixed partials exist and are "
                  "**continuous near P**, they are equal at P. Without continuity they can differ."))
    show_counterexample()
if not np.isfinite(value):
    st.markdown(_("f is not defined at P, so neither are its derivatives: move P."))
elif kinks and so.pairs:
    st.markdown(_("f has a kink at P, so its mixed partials do not exist there and f_xy = f_yx cannot be checked: "
                  "move P off the kink."))
for pair in so.pairs if np.isfinite(value) and not kinks else ():
    a, b = partial_text(f, pair.i, pair.j), partial_text(f, pair.j, pair.i)
    same = {True: _("the same expression"), False: _("different expressions")}.get(
        pair.identical, _("expressions too large to compare in the time allowed"))
    if pair.equal_at_point:
        st.success(_("{a}(P) = {ij} and {b}(P) = {ji}: equal (torch: {torch_ij} and {torch_ji}); sympy finds {same}.",
                     a=a, b=b, ij=num(pair.sympy_ij, 12), ji=num(pair.sympy_ji, 12), torch_ij=num(pair.torch_ij, 12),
                     torch_ji=num(pair.torch_ji, 12), same=same), icon=":material/check_circle:")
    elif not (np.isfinite(pair.sympy_ij) and np.isfinite(pair.sympy_ji)):
        st.warning(_("{a} or {b} cannot be evaluated at P (sympy gives {ij} and {ji}): their formulas divide by zero "
                     "here, so the check needs a limit. Move P a little.", a=a, b=b, ij=num(pair.sympy_ij),
                     ji=num(pair.sympy_ji)), icon=":material/warning:")
    else:
        st.error(_("{a}(P) = {ij} but {b}(P) = {ji}: the mixed partials are not both continuous near P.", a=a, b=b,
                   ij=num(pair.sympy_ij, 12), ji=num(pair.sympy_ji, 12)), icon=":material/cancel:")

st.markdown(_("**The Hessian at P and the second-derivative test**"))
hess, verdict = st.columns([1, 1], gap="large")
with hess:
    if kinks or (np.isfinite(value) and not np.all(np.isfinite(so.sympy))):
        st.markdown(_("H(P) does not exist: f has a kink at P, so its first partials do not all exist there, nor do "
                      "their derivatives.") if kinks else _("H(P) cannot be shown: sympy's second partials give ∞ or 0/0 at P."))
    else:
        st.latex(r"H(P) = " + pmatrix([[tex(so.sympy[i, j]) for j in range(f.n)] for i in range(f.n)]))
with verdict:
    if kinks:
        st.markdown(_("f is not differentiable at P, so the second-derivative test (which needs ∇f(P) = 0 and H(P)) "
                      "does not apply. A kink can still be a minimum or maximum: compare f(P) with the values around it."))
    elif so.critical:
        st.latex(r"\lambda = " + ", ".join(tex(e) for e in so.classification.eigenvalues))
        where = (_("∇f(P) = 0, so P is a critical point.") if so.exact else
                 _("P is within rounding of a critical point: |∇f(P)| = {norm}, and a Newton step of {step} reaches "
                   "∇f = 0 (P's coordinates are rounded).", norm=num(so.grad_norm, 2), step=num(so.newton_step, 2)))
        st.info(tr(Message(VERDICTS[so.classification.kind], where=where, sentence=so.classification.sentence)),
                icon=":material/explore:")
    elif np.isfinite(value):
        st.markdown(_("∇f(P) ≠ 0 (|∇f(P)| = {norm}): P is not a critical point, so it is none of minimum, maximum or "
                      "saddle; the test applies only where ∇f = 0.", norm=num(so.grad_norm)))
        if sel.preset and sel.preset.minima:
            known = sel.preset.minima
            points = "; ".join("(" + ", ".join(f"{c:g}" for c in p) + ")" for p in known[:6])
            st.caption(_("Known minima of this preset, to move P to: {points}; … ({count} in all).", points=points,
                         count=len(known)) if len(known) > 6 else
                       _("Known minima of this preset, to move P to: {points}.", points=points))
    if np.isfinite(value) and not so.exact:
        st.button(_("Snap P to the nearest critical point"), key="gr_snap", on_click=snap_to_critical,
                  args=(f, sel.domain, P),
                  help=_("Newton's method on ∇f = 0 from P (x ← x − H⁻¹∇f), classified as on the Landscape page."))
    if SNAPPED in st.session_state:
        st.caption(st.session_state.pop(SNAPPED))
