"""Render gradcore results as Streamlit elements shared by several pages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
import sympy as sp

from gradcore import Formula
from gradcore.check import GradientCheck, undefined_reason
from ui.i18n import N_, _, tr, translated

VERDICT_LABELS = {"agree": N_("✓ agree"), "kink": N_("⚠ kink"), "undefined": N_("– undefined"),
                  "unsettled": N_("≈ unsettled"), "MISMATCH": N_("✗ MISMATCH")}


def function_signature(formula: Formula) -> str:
    """'f(x, y)' in LaTeX."""
    return "f(" + ", ".join(sp.latex(s) for s in formula.symbols) + ")"


def show_formula_latex(formula: Formula) -> None:
    """f and every partial derivative, rendered from the sympy trees, in one aligned block."""
    lines = [rf"{function_signature(formula)} &= {formula.latex()}"]
    for sym, d in zip(formula.symbols, formula.gradient_latex(), strict=True):
        lines.append(rf"\frac{{\partial f}}{{\partial {sp.latex(sym)}}} &= {d}")
    st.latex(r"\begin{aligned}" + r" \\[4pt] ".join(lines) + r"\end{aligned}")


def show_gradient_at(point, gradient) -> None:
    """∇f(P) with the numbers at P."""
    coords = ", ".join(f"{v:.6g}" for v in point)
    values = ", ".join(f"{v:.10g}" for v in gradient)
    st.latex(rf"\nabla f({coords}) = \left({values}\right)")


def _num(v: float) -> str:
    return f"{v:.12g}"


def check_table(check: GradientCheck) -> pd.DataFrame:
    """The gradient check as a table of strings (full precision, errors in scientific notation)."""
    return pd.DataFrame({
        _("variable"): [f"∂f/∂{r.variable}" for r in check.rows],
        "sympy": [_num(r.symbolic) for r in check.rows],
        "autograd": [_num(r.autograd) for r in check.rows],
        _("finite difference"): [_num(r.finite_difference) for r in check.rows],
        _("abs error"): [f"{r.abs_error:.1e}" for r in check.rows],
        _("rel error"): [f"{r.rel_error:.1e}" for r in check.rows],
        _("FD error"): [f"{r.fd_error:.1e}" for r in check.rows],
        _("FD step"): [_fd_step(r.fd_step, r.fd_kind) for r in check.rows],
        _("verdict"): [translated(VERDICT_LABELS[r.verdict]) for r in check.rows],
    })


def _fd_step(step: float, kind: str) -> str:
    """The finite-difference step, and its side where it is one-sided."""
    if kind == "central":
        return f"{step:.1e}"
    return _("{step:.1e} (forward)", step=step) if kind == "forward" else _("{step:.1e} (backward)", step=step)


def show_check(check: GradientCheck) -> None:
    """The check table and its one-paragraph explanation."""
    st.dataframe(check_table(check), hide_index=True, width="stretch")
    if check.kinks or not check.ok or any(r.verdict != "agree" for r in check.rows):
        st.warning(tr(check.explanation))
    else:
        st.success(tr(check.explanation))


def num(v: float, digits: int = 6) -> str:
    """A number for the page: 6 significant digits, '∞', or 'undefined' for NaN."""
    if np.isnan(v):
        return _("undefined")
    return f"{v:.{digits}g}" if np.isfinite(v) else ("∞" if v > 0 else "−∞")


def short(v: float) -> str:
    """num() for a metric: a dash where there is no number."""
    return "—" if np.isnan(v) else num(v)


def tex(v: float, digits: int = 6) -> str:
    """num() for LaTeX."""
    if np.isnan(v):
        return r"\text{" + _("undefined") + "}"
    return num(v, digits).replace("∞", r"\infty").replace("−", "-")


def show_undefined(formula: Formula, point) -> None:
    """The error box where f(P) has no value: why (overflow, division by zero, not a real number), plots have gaps."""
    st.error(_("{reason} The plots leave gaps where f is undefined.", reason=tr(undefined_reason(formula, point))),
             icon=":material/block:")
