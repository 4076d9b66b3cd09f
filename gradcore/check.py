"""check_gradient(): the symbolic gradient against torch autograd and finite differences whose step fits the point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

from gradcore.backends import float_value
from gradcore.budget import BudgetExceeded, run_limited
from gradcore.formula import Formula
from gradcore.limits import Estimate, differentiable, partial_derivatives
from gradcore.messages import Joined, msg

AUTOGRAD_RTOL = 1e-9    # sympy vs autograd: both exact up to float64 rounding
FD_RTOL = 1e-4          # finite differences: what the best step of the sweep must reach to confirm
KINK_TOL = 1e-12
FLOAT_MAX = float(np.finfo(np.float64).max)


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
    verdict: str            # "agree", "kink", "undefined", "unsettled" (finite differences cannot tell) or "MISMATCH"
    fd_step: float = float("nan")         # the step h the sweep settled on
    fd_kind: str = "central"              # "central", or "forward"/"backward" next to a domain edge
    fd_uncertainty: float = float("nan")  # how far the sweep's neighbouring steps disagree


@dataclass(frozen=True)
class GradientCheck:
    """The three gradients at a point, a verdict per component and, at kinks, why they may differ."""

    point: tuple[float, ...]
    value: float
    rows: tuple[CheckRow, ...]
    kinks: tuple[str, ...]
    ok: bool
    explanation: str


def finite_difference(formula: Formula, point) -> np.ndarray:
    """∇f(P) by finite differences, the step of each component chosen by a sweep (gradcore.limits)."""
    return np.array([e.value for e in partial_derivatives(formula, point)])


def _at(expr: sp.Expr, subs: dict) -> float:
    """expr at the point in float64 (never sympy's evalf: exp(x + 1e15) would make mpmath work without end)."""
    return float_value(expr, {s: float(v) for s, v in subs.items()})


def _is_zero(expr: sp.Expr, subs: dict) -> bool:
    return abs(_at(expr, subs)) <= KINK_TOL


def _kink_sentence(node: sp.Expr, subs: dict) -> str | None:
    """A sentence when `node` is not differentiable at the point, else None."""
    if isinstance(node, sp.Abs) and _is_zero(node.args[0], subs):
        arg = sp.sstr(node.args[0])
        return msg("abs({arg}) is at its kink ({arg} = 0): torch uses the subgradient 0 for abs at 0; sympy's "
                   "derivative is sign({arg}), which sympy also sets to 0 there.", arg=arg)
    if isinstance(node, sp.sign) and _is_zero(node.args[0], subs):
        return msg("sign({arg}) jumps at 0: it has no derivative there; both sides report 0.", arg=sp.sstr(node.args[0]))
    if isinstance(node, (sp.Max, sp.Min)):
        values = [_at(a, subs).real for a in node.args]
        best = max(values) if isinstance(node, sp.Max) else min(values)
        if sum(abs(v - best) <= KINK_TOL * max(1.0, abs(best)) for v in values) > 1:
            name = "max" if isinstance(node, sp.Max) else "min"
            if sp.S.Zero in node.args and len(node.args) == 2:
                other = next(a for a in node.args if a != 0)
                return msg("relu({arg}) = max(0, {arg}) is at its kink: torch's relu'(0) = 0, while sympy's derivative "
                           "is Heaviside(0) = 1/2.", arg=sp.sstr(other))
            args = ", ".join(sp.sstr(a) for a in node.args)
            return msg("{name}({args}) has a tie here: torch splits the gradient of a tie 0.5/0.5, sympy's derivative "
                       "uses Heaviside(0) = 1/2; the function has a kink.", name=name, args=args)
    if node.is_Pow and node.exp.is_number and 0 < float(node.exp) < 1 and _is_zero(node.base, subs):
        return msg("{power} sits at {base} = 0, where a power below 1 is not differentiable: its derivative divides by 0 "
                   "there (torch reports inf or nan, sympy zoo or nan).", power=sp.sstr(node), base=sp.sstr(node.base))
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


def kinks_at(formula: Formula, point, gradient=None) -> tuple[str, ...]:
    """Why f is not differentiable at P, one sentence per kinked piece; () where f is differentiable there.

    The pieces that can kink (abs, sign, max, min, roots at 0) only nominate P; the verdict comes from f itself:
    P is a kink unless every probed one-sided directional derivative equals ∇f(P) · u."""
    candidates = find_kinks(formula, point)
    if not candidates:
        return ()
    grad = formula.gradient(np.asarray(point, dtype=np.float64)) if gradient is None else gradient
    return () if differentiable(formula, point, grad) else candidates


EXACT_SECONDS = 0.5     # the worker's time for f(P)'s exact value; past it the sentence names no cause


def _exact_value(expr: sp.Expr, symbols, values) -> sp.Expr:
    """f(P) to 6 digits in exact arithmetic (run in a budgeted worker: it is sympy work on user input)."""
    return sp.N(expr.subs(dict(zip(symbols, (sp.Float(v, 17) for v in values), strict=True))), 6)


def undefined_reason(formula: Formula, point) -> str:
    """Why f(P) is not a float64 number, from its exact value: overflow, division by zero, or not a real number."""
    values = tuple(float(v) for v in point)
    try:   # exact arithmetic on user input can run unbounded (sin(exp(x+1e15)) asks mpmath for 1e15 bits of π)
        exact = run_limited(_exact_value, formula.expr, formula.symbols, values, seconds=EXACT_SECONDS)
    except (BudgetExceeded, TypeError, ValueError, ArithmeticError):
        exact = sp.nan
    where = "(" + ", ".join(f"{float(v):.6g}" for v in point) + ")"
    if exact.is_real and exact.is_finite and abs(exact) > FLOAT_MAX:
        return msg("f overflows at P = {point}: its value is about {value}, beyond float64's largest number (about "
                   "1.8e308), so the computer gets ∞. Move P towards smaller values, or scale the formula down (for "
                   "example a smaller factor inside exp).", point=where, value=sp.sstr(sp.N(exact, 3)))
    if exact in (sp.zoo, sp.oo, -sp.oo):
        return msg("f is not defined at P = {point}: a division by zero or the log of 0 (f is infinite there). Move P.",
                   point=where)
    if exact.is_real is False or (exact.is_number and exact.as_real_imag()[1] != 0):
        return msg("f is not defined at P = {point}: it is not a real number there (a log or root of a negative number, "
                   "or asin/acos outside [−1, 1]). Move P.", point=where)
    return msg("f is not defined at P = {point} (for example 0/0, or a log or root of a negative number). Move P.",
               point=where)


def _verdict(sym: float, ag: float, fd: Estimate, at_kink: bool, defined: bool) -> str:
    scale = max(1.0, abs(sym))
    autograd_agrees = abs(sym - ag) <= AUTOGRAD_RTOL * scale
    if autograd_agrees and abs(sym - fd.value) <= FD_RTOL * scale and defined:
        return "agree"
    if at_kink:
        return "kink"
    if not (defined and np.isfinite(sym) and np.isfinite(ag)):
        return "undefined"
    if autograd_agrees and not fd.error <= FD_RTOL * max(1.0, abs(fd.value)):    # no step settled anywhere
        return "unsettled"
    return "MISMATCH"


def check_gradient(formula: Formula, point) -> GradientCheck:
    """Compare ∇f(P) from sympy, torch autograd (float64) and finite differences with a step fitted to P."""
    p = np.asarray(point, dtype=np.float64)
    value = float(formula.value(p))
    sym, ag = formula.gradient(p), formula.autograd_gradient(p)
    fd = partial_derivatives(formula, p, expected=sym, rtol=FD_RTOL)
    kinks = kinks_at(formula, p, sym)
    rows = []
    with np.errstate(all="ignore"):
        for i, name in enumerate(formula.variables):
            err = abs(sym[i] - ag[i])
            rows.append(CheckRow(name, float(sym[i]), float(ag[i]), fd[i].value, float(err),
                                 float(err / max(1.0, abs(sym[i]))), float(abs(sym[i] - fd[i].value)),
                                 _verdict(sym[i], ag[i], fd[i], bool(kinks), bool(np.isfinite(value))),
                                 fd[i].step, fd[i].kind, fd[i].error))
    ok = all(r.verdict in ("agree", "kink", "unsettled") for r in rows) and np.isfinite(value)
    explanation = undefined_reason(formula, p) if not np.isfinite(value) else _explain(rows, kinks)
    return GradientCheck(tuple(float(v) for v in p), value, tuple(rows), kinks, ok, explanation)


def _explain(rows: list[CheckRow], kinks: tuple[str, ...]) -> str:
    if kinks:
        return msg("f is not differentiable at this point, so the three answers may legitimately differ. {kinks}",
                   kinks=Joined(kinks))
    removable = [r for r in rows if r.verdict == "undefined" and np.isnan(r.symbolic) and r.fd_uncertainty
                 <= FD_RTOL * max(1.0, abs(r.finite_difference))]
    if removable:
        return Joined([*(msg("sympy's formula for ∂f/∂{variable} is 0/0 at this point, yet the derivative exists: finite "
                             "differences settle on {value:.6g}.", variable=r.variable, value=r.finite_difference + 0.0)
                         for r in removable),
                       msg("The formula, not f, is undefined here: move the point a little and the three agree.")])
    if any(r.verdict == "undefined" for r in rows):
        return msg("The gradient is not finite at this point (a vertical tangent or a pole): move the point.")
    if any(r.verdict == "MISMATCH" for r in rows):
        return msg("The three gradients disagree beyond rounding, and the finite differences settled on their value (no "
                   "choice of step explains the gap): this is a bug, please report the formula and the point.")
    unsettled = [r.variable for r in rows if r.verdict == "unsettled"]
    if unsettled:
        names = ", ".join(f"∂f/∂{v}" for v in unsettled)
        return msg("sympy and torch autograd agree. Finite differences cannot settle {names} here: no step h gave a "
                   "stable quotient (f changes too fast near P for small steps to stay on one side of it, or f is so "
                   "large that its small changes are lost to rounding). That is a limit of finite differences, not a "
                   "bug.", names=names)
    return msg("sympy, torch autograd and finite differences agree to rounding error.")
