"""Cuts of f through a point along the Hessian's eigenvectors: a saddle in plain words (a minimum one way, a maximum the other)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.formula import Formula


@dataclass(frozen=True, eq=False)
class PrincipalCuts:
    """g_i(t) = f(P + t v_i) for each eigenvector v_i of H(P), with its eigenvalue λ_i = g_i''(0)."""

    point: np.ndarray          # P, shape (n,)
    eigenvalues: np.ndarray    # (n,), ascending
    directions: np.ndarray     # (n, n): directions[i] is the unit eigenvector v_i
    t: np.ndarray              # (m,)
    values: np.ndarray         # (n, m): values[i, j] = f(P + t_j v_i)

    def shape(self, i: int) -> str:
        """What cut i has at t = 0: 'minimum' (λ > 0), 'maximum' (λ < 0) or 'flat' (λ = 0 to rounding)."""
        lam = self.eigenvalues[i]
        scale = max(1.0, float(np.abs(self.eigenvalues).max()))
        return "flat" if abs(lam) <= 1e-9 * scale else "minimum" if lam > 0 else "maximum"


def principal_cuts(formula: Formula, point, half_width: float, samples: int = 201) -> PrincipalCuts:
    """The cuts of f through P along H(P)'s eigenvectors, t ∈ [−half_width, half_width]."""
    p = np.asarray(point, dtype=np.float64)
    lam, vecs = np.linalg.eigh(np.asarray(formula.hessian(p), dtype=np.float64))
    directions = np.array([v * (1.0 if v[np.argmax(np.abs(v))] > 0 else -1.0) for v in vecs.T])   # largest part > 0
    t = np.linspace(-half_width, half_width, samples)
    values = np.stack([formula.value(p + t[:, None] * v) for v in directions])
    return PrincipalCuts(p, lam, directions, t, values)
