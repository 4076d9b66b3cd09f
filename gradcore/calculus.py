"""Unit vectors, directional derivatives and the second-derivative test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.formula import Formula


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
    """D_u f(P) = ∇f(P) · u with u = direction / |direction|."""
    return float(formula.gradient(point) @ normalise(direction))


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
        return Classification("undecided", (), "The Hessian is not finite here, so the test cannot decide.")
    eig = tuple(float(v) for v in np.linalg.eigvalsh((h + h.T) / 2))
    scale = 64 * len(eig) * np.finfo(np.float64).eps * max(abs(v) for v in eig) if zero is None else zero
    if all(v > scale for v in eig):
        return Classification("minimum", eig, "Every eigenvalue of the Hessian is positive: a local minimum.")
    if all(v < -scale for v in eig):
        return Classification("maximum", eig, "Every eigenvalue of the Hessian is negative: a local maximum.")
    if min(eig) < -scale and max(eig) > scale:
        return Classification("saddle", eig, "The Hessian has positive and negative eigenvalues: a saddle point.")
    return Classification(
        "undecided", eig, "An eigenvalue of the Hessian is zero: the second-derivative test cannot decide.", degenerate=True
    )
