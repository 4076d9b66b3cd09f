"""The symbolic work on one formula, done once in a worker process under budgets: derivatives, LaTeX, code.

``analyse(text)`` parses, differentiates (gradient and every second partial), counts the operations of the
derivatives before anything else touches them, prints their LaTeX within a time budget and generates the
Python source of the numeric callables. ``symbolic_work(text)`` runs it through gradcore.budget, so the
server's own process only waits and unpickles the result; a budget hit is a FormulaError sentence.
"""

from __future__ import annotations

import importlib
import signal
import time
from dataclasses import dataclass

import sympy as sp

from gradcore.backends import ConstantOutOfRange, generate_source
from gradcore.formula import VARIABLES, FormulaError, build_expr, reading_notes
from gradcore.messages import msg

MAX_GRADIENT_OPS = 20_000      # nodes of all first partials, counted as trees (shared parts counted each time)
MAX_SECOND_OPS = 200_000       # nodes of all n² second partials
MAX_LATEX_CHARS = 4_000        # one formula's LaTeX; longer ones are shown as a sentence
MAX_LATEX_NODES = 1_000        # a tree larger than this prints longer than MAX_LATEX_CHARS: not printed
LATEX_SECONDS = 0.4            # all LaTeX of one formula (sympy's printer can be exponential in the nesting)
COMPARE_SECONDS = 0.1          # f_xy = f_yx as expressions (expand and simplify can run without bound)
WORK_SECONDS = 3.0             # the whole job, fork included; the worker is killed after it
WORK_MEMORY_MB = 512
TOO_LONG = r"\text{(too long to typeset: see the numbers)}"


@dataclass(frozen=True)
class Analysis:
    """What the worker hands back: the trees, their LaTeX and the source of the numeric callables."""

    text: str
    expr: sp.Expr
    symbols: tuple[sp.Symbol, ...]
    gradient: tuple[sp.Expr, ...]
    second: tuple[tuple[sp.Expr, ...], ...]     # second[i][j] = ∂/∂x_j (∂f/∂x_i), both orders computed
    latex: str
    gradient_latex: tuple[str, ...]
    second_latex: tuple[tuple[str, ...], ...]
    sources: dict                                 # tuple of expressions -> Python source of def _f(a0, …)
    notes: tuple[str, ...]                        # "read as …" notes on implicit products
    identical: tuple[tuple[bool | None, ...], ...]  # f_{x_i x_j} and f_{x_j x_i} the same expression (None: undecided)


class _RealAbs(sp.Abs):
    """|u| with d|u| = sign(u) du: every argument is real where f is defined (sympy's own needs re, im, atan2)."""

    def _eval_derivative(self, s):
        return _RealSign(self.args[0]) * sp.diff(self.args[0], s)


class _RealSign(sp.sign):
    """sign(u) with d sign(u) = 2 δ(u) du (0 away from u = 0), also where sympy cannot prove u real."""

    def _eval_derivative(self, s):
        return 2 * sp.DiracDelta(self.args[0]) * sp.diff(self.args[0], s)


def _real_calculus(expr: sp.Expr) -> sp.Expr:
    """expr with abs and sign whose derivatives stay real (sign(log x) would give sympy a Derivative)."""
    return expr.replace(lambda e: type(e) in (sp.Abs, sp.sign),
                        lambda e: (_RealAbs if isinstance(e, sp.Abs) else _RealSign)(*e.args))


def _sympy_calculus(expr: sp.Expr) -> sp.Expr:
    """Back to sympy's own Abs and sign, so results compare equal to what a person builds with sympy."""
    return expr.replace(lambda e: type(e) in (_RealAbs, _RealSign),
                        lambda e: (sp.Abs if isinstance(e, sp.Abs) else sp.sign)(*e.args))


def tree_size(expr: sp.Expr, memo: dict | None = None) -> int:
    """Nodes of expr as a tree (a shared subexpression counts each time it appears), computed on the DAG."""
    memo = {} if memo is None else memo
    if expr not in memo:
        memo[expr] = 1 + sum(tree_size(a, memo) for a in expr.args)
    return memo[expr]


def _check_size(exprs, limit: int, what: str) -> None:
    memo: dict = {}
    size = sum(tree_size(e, memo) for e in exprs)
    if size > limit:
        raise FormulaError(msg("The derivatives of this formula are too large to work with exactly ({size:,} operations, "
                               "the limit is {limit:,}): nest fewer functions or use a smaller power.", size=size,
                               limit=limit) if what == "derivatives" else
                           msg("The second derivatives of this formula are too large to work with exactly ({size:,} "
                               "operations, the limit is {limit:,}): nest fewer functions or use a smaller power.",
                               size=size, limit=limit))


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


class _Deadline:
    """Calls under one shared deadline; in a worker's main thread SIGALRM interrupts a call that runs past it."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds
        try:
            self.previous = signal.signal(signal.SIGALRM, _alarm)
        except (ValueError, AttributeError):   # not the main thread (analyse called inline): checked between calls
            self.previous = None

    def call(self, fn, *args, default):
        """fn(*args), or default when the deadline has passed or passes during the call."""
        left = self.end - time.monotonic()
        if left <= 0:
            return default
        try:
            if self.previous is not None:
                signal.setitimer(signal.ITIMER_REAL, left)
            return fn(*args)
        except (_Timeout, MemoryError, RecursionError):
            return default
        finally:
            if self.previous is not None:
                signal.setitimer(signal.ITIMER_REAL, 0)

    def close(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGALRM, self.previous)


def _plain_fraction(expr: sp.Expr, exact: bool = False) -> tuple[sp.Expr, sp.Expr]:
    """sympy's fraction() for the LaTeX printer without its assumption queries: a factor goes below the line
    when its exponent is a negative number (sympy also asks whether a symbolic exponent is negative, which
    for exp(−sigmoid(sigmoid(…))) costs time exponential in the nesting)."""
    numer, denom = [], []
    for term in sp.Mul.make_args(expr):
        base, ex = term.as_base_exp() if term.is_Pow or isinstance(term, sp.exp) else (term, sp.S.One)
        if ex.is_Number and ex.is_negative:
            denom.append(base if ex is sp.S.NegativeOne else sp.Pow(base, -ex))
        elif term.is_Rational and not term.is_Integer:
            numer += [term.p] if term.p != 1 else []
            denom.append(term.q)
        else:
            numer.append(term)
    return sp.Mul(*numer, evaluate=not exact), sp.Mul(*denom, evaluate=not exact)


def _latex(expr: sp.Expr) -> str:
    """sp.latex(expr) with _plain_fraction (printing f_xx of sigmoid⁶ drops from seconds to milliseconds)."""
    if tree_size(expr) > MAX_LATEX_NODES:   # its LaTeX would be over MAX_LATEX_CHARS: not worth printing
        return TOO_LONG
    simplify = importlib.import_module("sympy.simplify")   # the package (sympy.simplify is also a function)
    sympy_fraction, simplify.fraction = simplify.fraction, _plain_fraction
    try:
        tex = sp.latex(expr)
    finally:
        simplify.fraction = sympy_fraction
    return tex if len(tex) <= MAX_LATEX_CHARS else TOO_LONG


def same_expression(a: sp.Expr, b: sp.Expr) -> bool:
    """a = b as expressions: identical trees, or a − b cancels (expand, then a bounded simplify)."""
    if a == b:
        return True
    diff = sp.expand(a - b)
    if diff == 0:
        return True
    return sp.count_ops(diff) <= 200 and sp.simplify(diff) == 0


def _identical(second, deadline: _Deadline) -> tuple[tuple[bool | None, ...], ...]:
    """Whether f_{x_i x_j} and f_{x_j x_i} are the same expression; None where the budget ran out first."""
    n = len(second)
    return tuple(tuple(True if i == j else deadline.call(same_expression, second[i][j], second[j][i], default=None)
                       for j in range(n)) for i in range(n))


def analyse(text: str) -> Analysis:
    """Parse text and do all its symbolic work within the operation budgets (run this in a worker)."""
    expr = build_expr(text)
    symbols = tuple(sorted(expr.free_symbols, key=lambda s: VARIABLES.index(s.name)))
    work = _real_calculus(expr)
    gradient = tuple(sp.diff(work, s) for s in symbols)
    _check_size(gradient, MAX_GRADIENT_OPS, "derivatives")
    second = tuple(tuple(sp.diff(d, s) for s in symbols) for d in gradient)
    _check_size([e for row in second for e in row], MAX_SECOND_OPS, "second derivatives")
    gradient = tuple(_sympy_calculus(d) for d in gradient)
    second = tuple(tuple(_sympy_calculus(e) for e in row) for row in second)
    n = len(symbols)
    flat_second = [e for row in second for e in row]
    try:
        sources = {tuple(group): generate_source(group, symbols)
                   for group in ([expr], list(gradient), [expr, *gradient], flat_second)}
    except ConstantOutOfRange as err:
        raise FormulaError(msg("{reason}: keep the constants of f and its derivatives within float64.",
                               reason=err.args[0])) from None
    deadline = _Deadline(LATEX_SECONDS)
    try:
        tex = [deadline.call(_latex, e, default=TOO_LONG) for e in [expr, *gradient, *flat_second]]
        deadline.end = time.monotonic() + COMPARE_SECONDS
        identical = _identical(second, deadline)
    finally:
        deadline.close()
    second_tex = tuple(tuple(tex[1 + n + i * n: 1 + n + (i + 1) * n]) for i in range(n))
    return Analysis(text, expr, symbols, gradient, second, tex[0], tuple(tex[1:1 + n]), second_tex, sources,
                    reading_notes(text), identical)


class OverBudget(FormulaError):
    """The worker was stopped at its time or memory budget (may pass on a less busy machine: do not cache)."""


def symbolic_work(text: str) -> Analysis:
    """analyse(text) in a worker process killed at WORK_SECONDS or WORK_MEMORY_MB: FormulaError when over budget."""
    from gradcore.budget import BudgetExceeded, run_limited

    try:
        return run_limited(analyse, text, seconds=WORK_SECONDS, memory_mb=WORK_MEMORY_MB)
    except FormulaError:
        raise
    except BudgetExceeded as err:
        raise OverBudget(msg("Working out this formula's derivatives exactly was stopped ({reason}): nest fewer functions "
                             "or use smaller powers.", reason=err.args[0])) from None
    except Exception as err:
        raise FormulaError(msg("This formula cannot be worked out exactly ({error}): simplify it.",
                               error=type(err).__name__)) from None
