"""Is P a critical point, and of which kind: the one test the Gradient and Landscape pages share.

"∇f(P) = 0" is decided against f's own scale at P, not against an absolute number:
- Newton's step s = H⁺∇f is how far P is from the critical point the local quadratic model predicts; it is
  unchanged when f is multiplied by any constant, so a flat tail (exp(−r²) ≈ 1e−31) is not critical (s ≈ 1/2r)
  and neither is 1e−11 (x² + y²) at (1, 1) (s = (1, 1)).  P is critical when |s| is within rounding of P.
- Where H is singular, s says nothing along H's null space; there ∇f must be small against |∇f| a little way off.
- An eigenvalue of H counts as zero only when it is below the change of H over the distance P is known to
  (so 2e−10 in x² + 1e−10 y² is a real curvature, while the tiny H at a monkey saddle is not).
A degenerate point (a zero eigenvalue) is classified by f around it: in one variable, f lower on one side
and higher on the other is a stationary inflection point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.calculus import Classification, classify
from gradcore.formula import Formula
from gradcore.messages import msg

POSITION_RTOL = 1e-6    # P within this × the range of a critical point is on it (six significant digits)
EXACT_RTOL = 1e-12      # a Newton step below this × the range: ∇f(P) = 0 to float64 rounding
NULL_GRADIENT_RTOL = 1e-8   # ∇f along H's null space ≤ this × |∇f| nearby counts as zero
PROBE_FRACTION = 1e-3   # f around a degenerate point is compared on a sphere of this × the range
EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Stationarity:
    """How far each of B points is from a critical point, on f's own scale there."""

    step: np.ndarray            # (B,) |H⁺∇f|: Newton's distance to the critical point the quadratic model predicts
    null_gradient: np.ndarray   # (B,) |∇f| along H's null space over |∇f| nearby (0 where H is regular)
    eigenvalues: np.ndarray     # (B, n) of H, ascending
    eigenvectors: np.ndarray    # (B, n, n): column j belongs to eigenvalue j
    zero: np.ndarray            # (B,) eigenvalues at most this in size are zero (H's change over the point's rounding)

    def critical(self, span: float, rtol: float = POSITION_RTOL) -> np.ndarray:
        """(B,) True where P is within rtol × span of a critical point."""
        return (self.step <= rtol * span) & (self.null_gradient <= NULL_GRADIENT_RTOL)

    def null_dimension(self) -> np.ndarray:
        """(B,) how many eigenvalues of H are zero."""
        return (np.abs(self.eigenvalues) <= self.zero[:, None]).sum(axis=1)

    def null_basis(self, b: int) -> np.ndarray:
        """(n, k): an orthonormal basis of the null space of H at point b."""
        return self.eigenvectors[b][:, np.abs(self.eigenvalues[b]) <= self.zero[b]]


def _offsets(n: int, r: float) -> np.ndarray:
    """(2n, n): ±r along each axis."""
    return np.concatenate([np.eye(n), -np.eye(n)]) * r


def _around(values_at, x: np.ndarray, r: float) -> np.ndarray:
    """values_at(x ± r e_i) for every point and offset, in one call: shape (2n, B, …)."""
    return values_at(x[None] + _offsets(x.shape[1], r)[:, None, :])


def stationarity(formula: Formula, x, span: float) -> Stationarity:
    """Newton's step and the null-space gradient at every row of x (B, n), with H's zero threshold there."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    with np.errstate(all="ignore"):
        g, H = formula.gradient(x), formula.hessian(x)
        H = (H + np.swapaxes(H, -1, -2)) / 2
        h_near = _around(formula.hessian, x, POSITION_RTOL * span)
        g_near = np.linalg.norm(_around(formula.gradient, x, PROBE_FRACTION * span), axis=-1).max(axis=0)
    finite = np.isfinite(g).all(axis=1) & np.isfinite(H).all(axis=(1, 2))
    g, H = np.where(finite[:, None], g, 0.0), np.where(finite[:, None, None], H, 0.0)
    w, V = np.linalg.eigh(H)
    change = np.linalg.norm(np.nan_to_num(h_near - H, nan=np.inf), ord=2, axis=(-2, -1)).max(axis=0)
    zero = change + 64 * x.shape[1] * EPS * np.abs(w).max(axis=1)
    null = np.abs(w) <= zero[:, None]
    c = np.einsum("bij,bi->bj", V, g)
    step = np.linalg.norm(np.where(null, 0.0, c / np.where(null, 1.0, w)), axis=1)
    along_null = np.linalg.norm(np.where(null, c, 0.0), axis=1)
    with np.errstate(all="ignore"):
        ratio = np.where(along_null == 0, 0.0, along_null / np.where(g_near > 1e-290, g_near, np.nan))
    flat = ~(g_near > 1e-290) & ~(np.abs(g).max(axis=1) > 0)    # f flat to float64 (underflow): nothing to decide
    ratio = np.where(np.isnan(ratio) | flat, np.inf, ratio)
    step = np.where(finite, step, np.inf)
    return Stationarity(step, np.where(finite, ratio, np.inf), w, V, zero)


def probe_kind(formula: Formula, point: np.ndarray, radius: float, directions: int = 32) -> str:
    """Where the Hessian test cannot decide: compare f on a small sphere around the point with f there.

    Lower and higher values both: a (degenerate) saddle, in one variable a stationary inflection point;
    only higher: a minimum; only lower: a maximum.
    """
    n = len(point)
    if n == 1:
        u = np.array([[1.0], [-1.0]])
    elif n == 2:
        t = np.linspace(0, 2 * np.pi, directions, endpoint=False)
        u = np.stack([np.cos(t), np.sin(t)], axis=1)
    else:
        u = np.random.default_rng(1).normal(size=(directions * n, n))
        u = np.concatenate([np.eye(n), -np.eye(n), u / np.linalg.norm(u, axis=1, keepdims=True)])
    f0 = float(formula.value(point))
    around = formula.value(point + radius * u) - f0
    tiny = 1e-12 * max(abs(f0), float(np.nanmax(np.abs(around), initial=0.0)), 1e-300)
    if not np.isfinite(around).all() or not np.isfinite(f0):
        return "undecided"
    lower, higher = (around < -tiny).any(), (around > tiny).any()
    if lower and higher:
        return "inflection" if n == 1 else "saddle"
    return "minimum" if higher and not lower else "maximum" if lower and not higher else "undecided"


DEGENERATE_SENTENCES = {
    "minimum": msg("An eigenvalue of the Hessian is zero, so the test cannot decide; f is higher all around P: a local "
                   "minimum."),
    "maximum": msg("An eigenvalue of the Hessian is zero, so the test cannot decide; f is lower all around P: a local "
                   "maximum."),
    "saddle": msg("An eigenvalue of the Hessian is zero, so the test cannot decide; f is higher in some directions and "
                  "lower in others: a (degenerate) saddle point."),
    "inflection": msg("f″(P) = 0, so the test cannot decide; f is lower on one side of P and higher on the other: "
                      "a stationary inflection point (neither minimum nor maximum)."),
    "undecided": msg("An eigenvalue of the Hessian is zero and f around P is flat to rounding: the test cannot decide."),
}


def classify_at(formula: Formula, point, span: float, zero: float | None = None, hessian=None) -> Classification:
    """The second-derivative test at a critical point, with zero judged on H's own scale there; f around P decides
    where an eigenvalue is zero."""
    p = np.asarray(point, dtype=np.float64)
    zero = float(stationarity(formula, p[None], span).zero[0]) if zero is None else zero
    c = classify(formula.hessian(p) if hessian is None else hessian, zero=zero)
    if c.kind != "undecided" or not c.eigenvalues:
        return c
    kind = probe_kind(formula, p, PROBE_FRACTION * span)
    return Classification(kind, c.eigenvalues, DEGENERATE_SENTENCES[kind], degenerate=True)
