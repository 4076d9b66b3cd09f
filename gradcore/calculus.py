"""Unit vectors, directional derivatives and the second-derivative test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.check import kinks_at, undefined_reason
from gradcore.formula import Formula
from gradcore.limits import one_sided
from gradcore.messages import msg


def unit_vector(theta_degrees: float) -> np.ndarray:
    """u = (cos θ, sin θ) for θ in degrees."""
    theta = np.deg2rad(theta_degrees)
    return np.array([np.cos(theta), np.sin(theta)])


def normalise(direction) -> np.ndarray:
    """u = v / |v|; a zero vector has no direction."""
    v = np.asarray(direction, dtype=np.float64)
    length = np.linalg.norm(v)
    if length == 0 or not np.isfinite(length):
        raise ValueError("the direction must be a non-zero, finite vector")
    return v / length


def directional_derivative(formula: Formula, point, direction) -> float:
    """D_u f(P) with u = direction / |direction|: ∇f(P) · u where f is differentiable at P, else the one-sided
    limit lim_{h→0⁺} (f(P + h u) − f(P)) / h; a ValueError says why when neither exists."""
    p, u = np.asarray(point, dtype=np.float64), normalise(direction)
    if not np.isfinite(formula.value(p)):
        raise ValueError(undefined_reason(formula, p))
    grad = formula.gradient(p)
    if np.all(np.isfinite(grad)) and not kinks_at(formula, p, grad):
        return float(grad @ u)
    limit, _, exists = one_sided(formula, p, u[None, :])
    if not exists[0]:
        raise ValueError("f is not differentiable at P, so ∇f · u does not apply, and (f(P + h u) − f(P)) / h has no "
                         "finite limit as h → 0⁺ along this u: D_u f does not exist here.")
    return float(limit[0])


@dataclass(frozen=True)
class Classification:
    """The second-derivative test at a point: the Hessian's eigenvalues and their verdict."""

    kind: str                   # "minimum", "maximum", "saddle", "inflection" (one variable) or "undecided"
    eigenvalues: tuple[float, ...]
    sentence: str
    degenerate: bool = False    # an eigenvalue is zero: the kind comes from f around the point, not from H


def classify(hessian, zero: float | None = None) -> Classification:
    """Minimum if every eigenvalue of H is > 0, maximum if all < 0, saddle if of both signs.

    An eigenvalue counts as zero when |λ| ≤ zero (default: float64 rounding of H's largest eigenvalue), so a small
    but real curvature (x² + 1e−10 y²) still decides; gradcore.critical passes H's change over P's rounding.
    """
    h = np.asarray(hessian, dtype=np.float64)
    if not np.all(np.isfinite(h)):
        return Classification("undecided", (), msg("The Hessian is not finite here, so the test cannot decide."))
    eig = tuple(float(v) for v in np.linalg.eigvalsh((h + h.T) / 2))
    scale = 64 * len(eig) * np.finfo(np.float64).eps * max(abs(v) for v in eig) if zero is None else zero
    if all(v > scale for v in eig):
        return Classification("minimum", eig, msg("Every eigenvalue of the Hessian is positive: a local minimum."))
    if all(v < -scale for v in eig):
        return Classification("maximum", eig, msg("Every eigenvalue of the Hessian is negative: a local maximum."))
    if min(eig) < -scale and max(eig) > scale:
        return Classification("saddle", eig, msg("The Hessian has positive and negative eigenvalues: a saddle point."))
    return Classification(
        "undecided", eig, msg("An eigenvalue of the Hessian is zero: the second-derivative test cannot decide."), degenerate=True
    )
