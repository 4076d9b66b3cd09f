"""Heavy-ball momentum on a quadratic: how fast it converges for each step size and momentum (Distill's phase diagram).

On f(w) = ½ Σ λ_i w_i², torch.optim.SGD with momentum μ (b ← μ b + ∇f, w ← w − lr b) moves each eigen-coordinate by
    (w_{k+1}, w_k) = R_i (w_k, w_{k−1}),   R_i = [[1 + μ − lr λ_i, −μ], [1, 0]],
so the error shrinks like ρ^k, ρ = max_i ρ(R_i), the largest |root| of z² − (1 + μ − lr λ_i) z + μ = 0.
Goh, "Why Momentum Really Works", Distill 2017; Polyak 1964 for the optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def iteration_matrix(lr: float, momentum: float, eigenvalues) -> np.ndarray:
    """The 2n × 2n matrix taking (w_k, w_{k−1}) to (w_{k+1}, w_k) on f = ½ Σ λ_i w_i²."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    n = len(lam)
    top = np.hstack([np.diag(1 + momentum - lr * lam), -momentum * np.eye(n)])
    return np.vstack([top, np.hstack([np.eye(n), np.zeros((n, n))])])


def heavy_ball_rate(lr, momentum, eigenvalues) -> np.ndarray:
    """ρ = max_i |largest root of z² − (1 + μ − lr λ_i) z + μ|: the error's factor per step (≥ 1 diverges).

    lr and momentum broadcast against each other (a grid); eigenvalues is the spectrum of the quadratic."""
    lr, mu = np.broadcast_arrays(np.asarray(lr, dtype=np.float64), np.asarray(momentum, dtype=np.float64))
    rate = np.zeros(lr.shape)
    for lam in np.asarray(eigenvalues, dtype=np.float64):
        b = 1 + mu - lr * lam
        root = np.sqrt((b * b - 4 * mu).astype(np.complex128))
        rate = np.maximum(rate, np.maximum(abs((b + root) / 2), abs((b - root) / 2)))
    return rate


@dataclass(frozen=True)
class Optimum:
    """Polyak's best heavy ball on a quadratic with curvatures in [λ_min, λ_max]."""

    lr: float          # (2 / (√λ_max + √λ_min))²
    momentum: float    # ((√κ − 1) / (√κ + 1))²
    rate: float        # (√κ − 1) / (√κ + 1)
    plain_rate: float  # plain gradient descent at its best lr = 2 / (λ_min + λ_max): (κ − 1) / (κ + 1)


def optimum(lam_min: float, lam_max: float) -> Optimum:
    """The step size and momentum with the smallest ρ, and that ρ (Polyak 1964; Distill's 'optimal parameters')."""
    root_k = np.sqrt(lam_max / lam_min)
    lr = (2 / (np.sqrt(lam_max) + np.sqrt(lam_min))) ** 2
    kappa = lam_max / lam_min
    return Optimum(float(lr), float(((root_k - 1) / (root_k + 1)) ** 2), float((root_k - 1) / (root_k + 1)),
                   float((kappa - 1) / (kappa + 1)))


@dataclass(frozen=True, eq=False)
class RateMap:
    """ρ(lr, μ) on a grid for the quadratic with eigenvalues λ_min = λ_max / κ and λ_max."""

    lrs: np.ndarray         # (m,) step sizes, 0 < lr ≤ 4 / λ_max (μ < 1 is stable up to 2(1 + μ)/λ_max)
    momenta: np.ndarray     # (k,) momentum values in [0, 1)
    rates: np.ndarray       # (k, m): rates[j, i] = ρ(lrs[i], momenta[j])
    eigenvalues: tuple[float, float]
    best: Optimum

    @property
    def kappa(self) -> float:
        """The condition number λ_max / λ_min."""
        return self.eigenvalues[1] / self.eigenvalues[0]


def rate_map(kappa: float, lam_max: float = 1.0, lr_points: int = 81, momentum_points: int = 67) -> RateMap:
    """The phase diagram: ρ over lr ∈ (0, 4/λ_max] × μ ∈ [0, 0.99] for curvatures λ_max / κ and λ_max."""
    if not (np.isfinite(kappa) and kappa >= 1):
        raise ValueError(f"The condition number κ must be at least 1, got {kappa}.")
    if not (np.isfinite(lam_max) and lam_max > 0):
        raise ValueError(f"λ_max must be positive, got {lam_max}: momentum's rate needs a bowl (a minimum).")
    lam = (lam_max / kappa, lam_max)
    lrs = np.linspace(4 / lam_max / lr_points, 4 / lam_max, lr_points)
    momenta = np.linspace(0.0, 0.99, momentum_points)
    rates = heavy_ball_rate(lrs[None, :], momenta[:, None], lam)
    return RateMap(lrs, momenta, rates, (float(lam[0]), float(lam[1])), optimum(*lam))


def steps_to_shrink(rate: float, factor: float = 1e-6) -> float:
    """How many steps ρ^k takes to shrink the error by `factor` (∞ when ρ ≥ 1)."""
    return float(np.ceil(np.log(factor) / np.log(rate))) if 0 < rate < 1 else (0.0 if rate == 0 else float("inf"))
