"""Heavy-ball momentum's rate on a quadratic, checked against the eigenvalues of the iteration matrix and torch.optim.SGD."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gradcore.momentum_rate import heavy_ball_rate, iteration_matrix, optimum, rate_map, steps_to_shrink


def spectral_radius(lr: float, momentum: float, eigenvalues) -> float:
    """max |eigenvalue| of the 2n × 2n iteration matrix, built here by hand, by numpy's eigensolver."""
    lam = np.asarray(eigenvalues, dtype=np.float64)
    n = len(lam)
    m = np.zeros((2 * n, 2 * n))
    m[:n, :n] = np.diag(1 + momentum - lr * lam)
    m[:n, n:] = -momentum * np.eye(n)
    m[n:, :n] = np.eye(n)
    return float(max(abs(np.linalg.eigvals(m))))


@pytest.mark.parametrize("kappa", [1.0, 4.0, 10.0, 100.0])
def test_rate_map_equals_the_iteration_matrix_eigenvalues(kappa):
    rm = rate_map(kappa, lam_max=2.5, lr_points=23, momentum_points=17)
    for j, mu in enumerate(rm.momenta):
        for i, lr in enumerate(rm.lrs):
            assert rm.rates[j, i] == pytest.approx(spectral_radius(lr, mu, rm.eigenvalues), rel=1e-6, abs=1e-7)


def test_iteration_matrix_is_one_step_of_torch_sgd():
    lam, lr, mu = np.array([0.3, 2.0]), 0.4, 0.7
    w = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, momentum=mu)
    history = [w.detach().numpy().copy()]
    for _ in range(6):
        opt.zero_grad()
        (0.5 * (torch.tensor(lam) * w * w).sum()).backward()
        opt.step()
        history.append(w.detach().numpy().copy())
    m = iteration_matrix(lr, mu, lam)
    for k in range(1, 6):                                   # (w_{k+1}, w_k) = M (w_k, w_{k-1})
        np.testing.assert_allclose(m @ np.r_[history[k], history[k - 1]], np.r_[history[k + 1], history[k]], rtol=1e-12)


@pytest.mark.parametrize(("lr", "mu"), [(0.3, 0.5), (0.15, 0.9), (0.05, 0.0)])
def test_torch_sgd_error_shrinks_at_the_predicted_rate(lr, mu):
    lam = np.array([0.5, 5.0])
    w = torch.tensor([1.0, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr, momentum=mu)
    norms = []
    for _ in range(400):
        opt.zero_grad()
        (0.5 * (torch.tensor(lam) * w * w).sum()).backward()
        opt.step()
        norms.append(float(w.detach().norm()))
    measured = (norms[-1] / norms[-101]) ** (1 / 100)      # the geometric mean factor over the last 100 steps
    assert measured == pytest.approx(float(heavy_ball_rate(lr, mu, lam)), rel=0.03)


@pytest.mark.parametrize("kappa", [2.0, 10.0, 100.0])
def test_polyak_optimum_is_the_grid_minimum(kappa):
    best = optimum(1.0, kappa)
    rho = (np.sqrt(kappa) - 1) / (np.sqrt(kappa) + 1)
    assert best.rate == pytest.approx(rho) and best.momentum == pytest.approx(rho ** 2)
    assert spectral_radius(best.lr, best.momentum, (1.0, kappa)) == pytest.approx(rho, rel=1e-6)
    rm = rate_map(kappa, lam_max=kappa, lr_points=200, momentum_points=200)
    assert rm.rates.min() >= rho - 1e-9                   # nothing on the grid beats Polyak's optimum
    assert rm.rates.min() == pytest.approx(rho, abs=0.02)
    assert best.plain_rate == pytest.approx(float(heavy_ball_rate(2 / (1 + kappa), 0.0, (1.0, kappa))))


def test_divergence_and_bad_input():
    assert float(heavy_ball_rate(2.2, 0.0, (1.0,))) == pytest.approx(1.2)      # |1 − lr λ| > 1: diverges
    assert float(heavy_ball_rate(3.5, 0.8, (1.0,))) < 1                       # momentum allows lr up to 2(1 + μ)/λ
    assert steps_to_shrink(0.5, 1e-3) == 10 and steps_to_shrink(1.0) == float("inf")
    with pytest.raises(ValueError, match="at least 1"):
        rate_map(0.5)
