"""check_gradient(): the symbolic gradient against torch autograd and central finite differences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gradcore.backends import float_value
from gradcore.formula import Formula

AUTOGRAD_RTOL = 1e-9    # sympy vs autograd: both exact up to float64 rounding
FD_RTOL = 1e-4          # central differences carry O(h²) truncation and O(ε/h) rounding
KINK_TOL = 1e-12


@dataclass(frozen=True)
class CheckRow:
    """One component ∂f/∂x_i computed three ways."""

    variable: str
    symbolic: float
    autograd: float
    finite_difference: float
    abs_error: float        # |sympy − autograd|
    rel_error: float        # |sympy − autograd| / max(1, |sympy|)
    fd_error: float         # |sympy − finite difference|
    verdict: str            # "agree", "kink", "undefined" or "MISMATCH"


@dataclass(frozen=True)
class GradientCheck:
    """The three gradients at a point, a verdict per component and, at kinks, why they may differ."""

    point: tuple[float, ...]
    value: float
    rows: tuple[CheckRow, ...]
    kinks: tuple[str, ...]
    ok: bool
    explanation: str


def central_difference(formula: Formula, point, h_scale: float = 6e-6) -> np.ndarray:
    """(f(P + h e_i) − f(P − h e_i)) / 2h with h = h_scale · max(1, |P_i|)."""
    p = np.asarray(point, dtype=np.float64)
    h = h_scale * np.maximum(1.0, np.abs(p))
    steps = np.diag(h)
    return (formula.value(p + steps) - formula.value(p - steps)) / (2 * h)


def _at(expr: sp.Expr, subs: dict) -> float:
    """expr at the point in float64 (never sympy's evalf: exp(x + 1e15) would make mpmath work without end)."""
    return float_value(expr, {s: float(v) for s, v in subs.items()})


def _is_zero(expr: sp.Expr, subs: dict) -> bool:
    return abs(_at(expr, subs)) <= KINK_TOL


def _kink_sentence(node: sp.Expr, subs: dict) -> str | None:
    """A sentence when `node` is not differentiable at the point, else None."""
    if isinstance(node, sp.Abs) and _is_zero(node.args[0], subs):
        arg = sp.sstr(node.args[0])
        return (f"abs({arg}) is at its kink ({arg} = 0): torch uses the subgradient 0 for abs at 0; "
                f"sympy's derivative is sign({arg}), which sympy also sets to 0 there.")
    if isinstance(node, sp.sign) and _is_zero(node.args[0], subs):
        return f"sign({sp.sstr(node.args[0])}) jumps at 0: it has no derivative there; both sides report 0."
    if isinstance(node, (sp.Max, sp.Min)):
        values = [_at(a, subs).real for a in node.args]
        best = max(values) if isinstance(node, sp.Max) else min(values)
        if sum(abs(v - best) <= KINK_TOL * max(1.0, abs(best)) for v in values) > 1:
            name = "max" if isinstance(node, sp.Max) else "min"
            if sp.S.Zero in node.args and len(node.args) == 2:
                other = next(a for a in node.args if a != 0)
                return (f"relu({sp.sstr(other)}) = max(0, {sp.sstr(other)}) is at its kink: torch's relu'(0) = 0, "
                        f"while sympy's derivative is Heaviside(0) = 1/2.")
            args = ", ".join(sp.sstr(a) for a in node.args)
            return (f"{name}({args}) has a tie here: torch splits the gradient of a tie "
                    f"0.5/0.5, sympy's derivative uses Heaviside(0) = 1/2; the function has a kink.")
    if node.is_Pow and node.exp.is_number and 0 < float(node.exp) < 1 and _is_zero(node.base, subs):
        return (f"{sp.sstr(node)} sits at {sp.sstr(node.base)} = 0, where a power below 1 is not differentiable: "
                f"its derivative divides by 0 there (torch reports inf or nan, sympy zoo or nan).")
    return None


def find_kinks(formula: Formula, point) -> tuple[str, ...]:
    """Sentences for every non-differentiable piece of f that sits at its kink at `point`."""
    subs = dict(zip(formula.symbols, (sp.Float(float(v), 17) for v in point), strict=True))
    sentences = []
    for node in sp.preorder_traversal(formula.expr):
        sentence = _kink_sentence(node, subs)
        if sentence and sentence not in sentences:
            sentences.append(sentence)
    return tuple(sentences)


def _verdict(sym: float, ag: float, fd: float, at_kink: bool, defined: bool) -> str:
    scale = max(1.0, abs(sym))
    agree = abs(sym - ag) <= AUTOGRAD_RTOL * scale and abs(sym - fd) <= FD_RTOL * scale
    if agree and defined:
        return "agree"
    if at_kink:
        return "kink"
    if not (defined and np.isfinite(sym) and np.isfinite(ag)):
        return "undefined"
    return "MISMATCH"


def check_gradient(formula: Formula, point) -> GradientCheck:
    """Compare ∇f(P) from sympy, torch autograd (float64) and central finite differences."""
    p = np.asarray(point, dtype=np.float64)
    value = float(formula.value(p))
    sym, ag, fd = formula.gradient(p), formula.autograd_gradient(p), central_difference(formula, p)
    kinks = find_kinks(formula, p)
    rows = []
    with np.errstate(all="ignore"):
        for i, name in enumerate(formula.variables):
            err = abs(sym[i] - ag[i])
            rows.append(CheckRow(name, float(sym[i]), float(ag[i]), float(fd[i]), float(err),
                                 float(err / max(1.0, abs(sym[i]))), float(abs(sym[i] - fd[i])),
                                 _verdict(sym[i], ag[i], fd[i], bool(kinks), bool(np.isfinite(value)))))
    ok = all(r.verdict in ("agree", "kink") for r in rows) and np.isfinite(value)
    return GradientCheck(tuple(float(v) for v in p), value, tuple(rows), kinks, ok, _explain(value, rows, kinks))


def _explain(value: float, rows: list[CheckRow], kinks: tuple[str, ...]) -> str:
    if not np.isfinite(value):
        return ("f is not defined at this point (for example log or sqrt of a negative number, or a division by "
                "zero): move the point.")
    if kinks:
        return "f is not differentiable at this point, so the three answers may legitimately differ. " + " ".join(kinks)
    if any(r.verdict == "undefined" for r in rows):
        return "The gradient is not finite at this point (a vertical tangent or a pole): move the point."
    if any(r.verdict == "MISMATCH" for r in rows):
        return "The three gradients disagree beyond rounding: this is a bug, please report the formula and the point."
    return "sympy, torch autograd and finite differences agree to rounding error."
