"""Partial derivatives as slopes, the gradient field, and second-order partials checked f_xy = f_yx.

Notation: f_{x_i x_j} = ∂/∂x_j (∂f/∂x_i): differentiate by x_i first, then by x_j.  Every
mixed partial is differentiated in its own order (never mirrored), so f_xy = f_yx is a real check.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import sympy as sp
import torch

from gradcore.calculus import Classification
from gradcore.critical import EXACT_RTOL, classify_at, stationarity
from gradcore.directional import Slice, directional_slice
from gradcore.formula import Formula
from gradcore.limits import KINK_RTOL, one_sided
from gradcore.symbolic import same_expression

SYMMETRY_RTOL = 1e-9    # f_xy(P) vs f_yx(P): both exact up to float64 rounding


def second_partial_exprs(formula: Formula) -> tuple[tuple[sp.Expr, ...], ...]:
    """M[i][j] = ∂/∂x_j (∂f/∂x_i), each entry differentiated in its own order (by parse, in its worker)."""
    return formula.second_partials


@lru_cache(maxsize=128)
def _second_partials_numpy(formula: Formula):
    return formula.compile([e for row in second_partial_exprs(formula) for e in row], "numpy")


def second_partials(formula: Formula, point) -> np.ndarray:
    """M(P), shape (n, n), from the compiled sympy second partials (NaN where undefined)."""
    p = np.asarray(point, dtype=np.float64)
    with np.errstate(all="ignore"):
        outs = _second_partials_numpy(formula)(*p)
    n = formula.n
    return np.array([float(np.asarray(o, dtype=np.float64)) for o in outs]).reshape(n, n)


def torch_hessian(formula: Formula, point) -> np.ndarray:
    """H(P) = torch.autograd.functional.hessian(f, P) in float64; H[i][j] = ∂/∂x_j ∂f/∂x_i."""
    p = torch.tensor(np.asarray(point, dtype=np.float64))
    h = torch.autograd.functional.hessian(formula.torch_value, p)
    return h.detach().numpy().reshape(formula.n, formula.n).copy()


def partial_name(formula: Formula, *indices: int) -> str:
    """LaTeX subscript name: f_{x}, f_{xy}, f_{x_{1} x_{2}} for the variables differentiated in order."""
    names = [sp.latex(formula.symbols[i]) for i in indices]
    joined = "".join(names) if all(len(n) == 1 for n in names) else " ".join(names)
    return f"f_{{{joined}}}"


@dataclass(frozen=True)
class MixedPair:
    """f_{x_i x_j} and f_{x_j x_i} (i < j): symbolic, at P from sympy and torch, and whether they agree."""

    i: int
    j: int
    expr_ij: sp.Expr
    expr_ji: sp.Expr
    identical: bool | None  # the two sympy expressions are the same after simplification (None: too large to decide)
    sympy_ij: float
    sympy_ji: float
    torch_ij: float
    torch_ji: float

    @property
    def equal_at_point(self) -> bool:
        """f_{x_i x_j}(P) = f_{x_j x_i}(P) to rounding (False when either is undefined)."""
        a, b = self.sympy_ij, self.sympy_ji
        return bool(np.isfinite(a) and np.isfinite(b) and abs(a - b) <= SYMMETRY_RTOL * max(1.0, abs(a), abs(b)))


@lru_cache(maxsize=128)
def _identical_pairs(formula: Formula) -> tuple[tuple[bool | None, ...], ...]:
    """f_{x_i x_j} and f_{x_j x_i} the same expression; parse decided it within a budget (None: undecided)."""
    if formula.mixed_identical is not None:
        return formula.mixed_identical
    m = second_partial_exprs(formula)
    return tuple(tuple(same_expression(m[i][j], m[j][i]) for j in range(formula.n)) for i in range(formula.n))


@dataclass(frozen=True, eq=False)
class SecondOrder:
    """Every second partial at P, from sympy and from torch, the mixed-partial checks and the verdict."""

    point: np.ndarray
    exprs: tuple[tuple[sp.Expr, ...], ...]
    sympy: np.ndarray           # M(P), (n, n)
    torch: np.ndarray           # torch's Hessian at P, (n, n)
    pairs: tuple[MixedPair, ...]
    gradient: np.ndarray
    critical: bool              # P is within rounding of a critical point (gradcore.critical, on f's own scale)
    classification: Classification | None   # only at a critical point
    newton_step: float = np.nan  # |H⁺∇f(P)|: how far the critical point the quadratic model predicts is from P
    exact: bool = False          # ∇f(P) = 0 to float64 rounding (not just within the rounding of P's coordinates)

    @property
    def grad_norm(self) -> float:
        """|∇f(P)|."""
        return float(np.linalg.norm(self.gradient))


def default_span(point) -> float:
    """The length scale P is judged on when no plot range is given: 2 max(1, |P|∞)."""
    return 2.0 * max(1.0, float(np.max(np.abs(point), initial=0.0)))


def second_order(formula: Formula, point, span: float | None = None) -> SecondOrder:
    """The second-order partials at P and, where P is within rounding of a critical point, the verdict the Landscape
    page gives there (gradcore.critical); span is the plot range's size, the scale of P's rounding."""
    p = np.asarray(point, dtype=np.float64)
    value = float(formula.value(p))
    exprs, m, h = second_partial_exprs(formula), second_partials(formula, p), torch_hessian(formula, p)
    grad = formula.gradient(p)
    if not np.isfinite(value):      # no slope or curvature where f has no value
        grad, m, h = np.full(formula.n, np.nan), np.full_like(m, np.nan), np.full_like(h, np.nan)
    same = _identical_pairs(formula)
    pairs = tuple(
        MixedPair(i, j, exprs[i][j], exprs[j][i], same[i][j], float(m[i, j]), float(m[j, i]), float(h[i, j]), float(h[j, i]))
        for i in range(formula.n) for j in range(i + 1, formula.n)
    )
    span = default_span(p) if span is None else float(span)
    local = stationarity(formula, p[None], span)
    critical = bool(np.isfinite(value) and local.critical(span)[0])
    verdict = classify_at(formula, p, span, zero=float(local.zero[0])) if critical else None
    step = float(local.step[0]) if np.isfinite(value) else np.nan
    exact = critical and bool(local.step[0] <= EXACT_RTOL * span)
    return SecondOrder(p, exprs, m, h, pairs, grad, critical, verdict, step, exact)


@dataclass(frozen=True)
class OneSidedPartial:
    """∂f/∂x_i at P from the right and from the left (NaN where a side has no limit); the partial exists if they meet."""

    right: float    # lim_{h→0⁺} (f(P + h e_i) − f(P)) / h
    left: float     # lim_{h→0⁺} (f(P) − f(P − h e_i)) / h
    exists: bool


def one_sided_partials(formula: Formula, point) -> tuple[OneSidedPartial, ...]:
    """The right and left partials along every axis: at a kink they differ and ∂f/∂x_i does not exist."""
    eye = np.eye(formula.n)
    value, error, settled = one_sided(formula, point, np.vstack([eye, -eye]))
    value = np.where(settled, value, np.nan)
    right, left, slack = value[:formula.n], -value[formula.n:], error[:formula.n] + error[formula.n:]
    with np.errstate(all="ignore"):
        meet = np.abs(right - left) <= KINK_RTOL * np.fmax(1.0, np.fmax(np.abs(right), np.abs(left))) + 4 * slack
    return tuple(OneSidedPartial(float(r) + 0.0, float(lf) + 0.0, bool(m)) for r, lf, m in zip(right, left, meet, strict=True))


@dataclass(frozen=True, eq=False)
class AxisSlice:
    """f along one coordinate axis through P, the others fixed: its slope at P is the partial ∂f/∂x_i."""

    axis: int
    coords: np.ndarray     # values of x_i
    values: np.ndarray     # f with x_i = coords, the other coordinates of P fixed
    at: float              # P_i
    value: float           # f(P)
    slope: float           # ∂f/∂x_i (P) from sympy


def axis_slice(formula: Formula, point, axis: int, lo: float, hi: float, samples: int = 301) -> AxisSlice:
    """x_i ↦ f(P + (x_i − P_i) e_i) on [lo, hi], and the partial derivative at P as its slope."""
    p = np.asarray(point, dtype=np.float64)
    e = np.zeros(formula.n)
    e[axis] = 1.0
    lows, highs = np.full(formula.n, -np.inf), np.full(formula.n, np.inf)
    lows[axis], highs[axis] = lo, hi
    sl: Slice = directional_slice(formula, p, e, lows, highs, samples)
    value = float(formula.value(p))
    slope = float(formula.gradient(p)[axis]) if np.isfinite(value) else np.nan
    return AxisSlice(axis, p[axis] + sl.t, sl.values, float(p[axis]), value, slope)


@dataclass(frozen=True, eq=False)
class GradientField:
    """∇f on a k × k grid in the plane of two variables: base points, components, lengths."""

    x: np.ndarray          # (k*k,) base points
    y: np.ndarray
    gx: np.ndarray         # the gradient's components in the plane
    gy: np.ndarray
    magnitude: np.ndarray  # |(gx, gy)|, NaN where undefined
    axes: tuple[str, str]


def gradient_field(formula: Formula, domain, point=None, axes: tuple[int, int] = (0, 1), k: int = 17) -> GradientField:
    """∇f at k × k points of the domain, the other variables fixed at P."""
    x0, x1, y0, y1 = domain
    pad_x, pad_y = (x1 - x0) / (2 * k), (y1 - y0) / (2 * k)
    xs, ys = np.meshgrid(np.linspace(x0 + pad_x, x1 - pad_x, k), np.linspace(y0 + pad_y, y1 - pad_y, k))
    base = np.zeros(formula.n) if point is None else np.asarray(point, dtype=np.float64)
    pts = np.broadcast_to(base, (k * k, formula.n)).copy()
    pts[:, axes[0]], pts[:, axes[1]] = xs.ravel(), ys.ravel()
    grad = formula.gradient(pts)
    defined = np.isfinite(formula.value(pts)) & np.all(np.isfinite(grad), axis=-1)
    gx, gy = grad[:, axes[0]], grad[:, axes[1]]
    magnitude = np.where(defined, np.hypot(gx, gy), np.nan)
    names = (formula.variables[axes[0]], formula.variables[axes[1]])
    return GradientField(xs.ravel(), ys.ravel(), gx, gy, magnitude, names)


@lru_cache(maxsize=2048)
def latex(expr: sp.Expr) -> str:
    """sp.latex(expr), remembered: the pages render the same derivatives on every rerun."""
    return sp.latex(expr)


def partial_text(formula: Formula, *indices: int) -> str:
    """Plain-text name: f_x, f_xy, f_x1,x2 (the variables differentiated in order)."""
    names = [formula.variables[i] for i in indices]
    return "f_" + ("".join(names) if all(len(n) == 1 for n in names) else ",".join(names))


def order_text(formula: Formula, i: int, j: int) -> str:
    """∂/∂x_j (∂f/∂x_i) in plain text: which derivative is taken first."""
    a, b = formula.variables[i], formula.variables[j]
    return f"∂/∂{b} (∂f/∂{a})"
