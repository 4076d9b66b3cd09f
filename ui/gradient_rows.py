"""The Gradient page's teaching rows (issue 19): derivative, partial derivatives and gradient side by side, and the
counterexample where f_xy ≠ f_yx (computed specially in gradcore.mixed_partials, never typed into the formula box)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import sympy as sp

from gradcore.formula import Formula
from gradcore.mixed_partials import OFF_ORIGIN, QUOTIENT_STEPS, counterexample, mixed_quotients
from ui.i18n import _
from ui.region import region
from ui.views import num


def derivative_table(formula: Formula, point, gradient) -> dict[str, list[str]]:
    """One row each for f′, ∂f/∂x_i and ∇f: what each is, what it takes, what it returns, and its value here (column ->
    cells; no pandas: a DataFrame cost more than the rest of the table on every rerun)."""
    names, p = formula.variables, np.asarray(point, dtype=np.float64)
    first, rest = names[0], ", ".join(f"{n} = {num(p[i], 4)}" for i, n in enumerate(names) if i)
    g = ", ".join(num(v, 5) for v in gradient)
    return {
        "": [_("**derivative**"), _("**partial derivative**"), _("**gradient**")],
        _("written"): ["f′(x) = df/dx", f"∂f/∂{first}, …, ∂f/∂{names[-1]}" if formula.n > 1 else f"∂f/∂{first}",
                       "∇f = (∂f/∂x₁, …, ∂f/∂xₙ)"],
        _("takes"): [_("f of one variable and a number x"), _("f of n variables, a point P and one axis i"),
                     _("f of n variables and a point P")],
        _("returns"): [_("a scalar: the slope of the graph at x"),
                       _("a scalar: the slope along axis i, the others held fixed"),
                       _("a vector of {n} partials: the steepest way up", n=formula.n)],
        _("here, at P"): [f"g({first}) = f({first}{', ' + rest if rest else ''}): g′ = {num(gradient[0], 5)}",
                          f"∂f/∂{first}(P) = {num(gradient[0], 5)}", f"∇f(P) = ({g})"],
    }


def markdown_table(columns: dict[str, list[str]]) -> str:
    """A small text table as Markdown (not an st.dataframe: it reads as part of the lecture, and it wraps)."""
    rows = [list(columns), ["---"] * len(columns), *([str(c) for c in row] for row in zip(*columns.values(), strict=True))]
    return "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows)


def show_derivative_table(formula: Formula, point, gradient) -> None:
    """The table, titled, with one sentence linking its rows."""
    st.markdown(_("**Derivative, partial derivative, gradient: side by side**"))
    st.markdown(markdown_table(derivative_table(formula, point, gradient)))
    st.caption(_("A partial derivative is an ordinary derivative of the one-variable function you get by freezing "
                 "the other variables; the gradient stacks all n of them into one vector."))


@st.cache_resource(show_spinner=False)
def _counterexample():
    return counterexample()


@region
def show_counterexample() -> None:
    """The toggle that opens f = xy(x² − y²)/(x² + y²): f_xy(0,0) = −1, f_yx(0,0) = 1 from the definitions, and why.

    A region: the toggle changes nothing else on the page, so flipping it reruns only this part."""
    if not st.toggle(_("Show the counterexample where f_xy ≠ f_yx"), key="gr_cx"):
        return
    with st.spinner(_("Taking the limits (sympy)…")):
        c = _counterexample()
    st.latex(r"f(x, y) = \begin{cases} " + sp.latex(OFF_ORIGIN) +
             r" & (x, y) \ne (0, 0) \\ 0 & (x, y) = (0, 0) \end{cases}")
    left, right = st.columns(2, gap="large")
    left.markdown(_("**f_xy(0, 0)**: first ∂/∂x along the y axis, then ∂/∂y of that at 0."))
    left.latex(r"\begin{aligned} f_x(0, y) &= \lim_{h \to 0} \frac{f(h, y) - f(0, y)}{h} = " + sp.latex(c.f_x_on_y_axis)
               + r" \\ f_x(0, 0) &= " + sp.latex(c.f_x_at_origin)
               + r" \\ f_{xy}(0, 0) &= \lim_{k \to 0} \frac{f_x(0, k) - f_x(0, 0)}{k} = " + sp.latex(c.f_xy) + r"\end{aligned}")
    right.markdown(_("**f_yx(0, 0)**: first ∂/∂y along the x axis, then ∂/∂x of that at 0."))
    right.latex(r"\begin{aligned} f_y(x, 0) &= \lim_{k \to 0} \frac{f(x, k) - f(x, 0)}{k} = " + sp.latex(c.f_y_on_x_axis)
                + r" \\ f_y(0, 0) &= " + sp.latex(c.f_y_at_origin)
                + r" \\ f_{yx}(0, 0) &= \lim_{h \to 0} \frac{f_y(h, 0) - f_y(0, 0)}{h} = " + sp.latex(c.f_yx) + r"\end{aligned}")
    xy, yx = mixed_quotients()
    st.dataframe(pd.DataFrame({"k": [f"{k:.0e}" for k in QUOTIENT_STEPS], "(f_x(0,k) − f_x(0,0)) / k": [f"{v:.9f}" for v in xy],
                               "(f_y(k,0) − f_y(0,0)) / k": [f"{v:.9f}" for v in yx]}), hide_index=True, width="stretch")
    st.latex(r"f_{xy}(x, y) = " + sp.latex(c.f_xy_off_origin) + r", \qquad \lim_{x \to 0} f_{xy}(x, 0) = "
             + sp.latex(c.along_x_axis) + r", \quad \lim_{y \to 0} f_{xy}(0, y) = " + sp.latex(c.along_y_axis))
    st.warning(_("f_xy(0, 0) = {xy} but f_yx(0, 0) = {yx}. Schwarz's theorem does not apply: it needs the mixed "
                 "partials to be continuous near the point, and f_xy is not continuous at the origin (it tends to "
                 "{along_x} along the x axis and to {along_y} along the y axis). Everywhere else f is a quotient of "
                 "polynomials with a non-zero denominator, and there f_xy = f_yx.", xy=c.f_xy, yx=c.f_yx,
                 along_x=c.along_x_axis, along_y=c.along_y_axis), icon=":material/warning:")
    st.caption(_("This f is built into the page, not read from the formula box: its value at the origin is a separate "
                 "case, and the box accepts only single formulas."))
