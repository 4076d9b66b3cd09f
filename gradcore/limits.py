"""Difference quotients whose step is chosen from the point and the function, not fixed in advance.

A fixed step fails exactly where a lecturer looks: near a pole it straddles the pole, near a domain edge it
leaves the domain, on a huge f it cancels to 0, near a kink it reaches across the kink.  So every estimate
here sweeps the step h = s · 2^-k (s the point's scale, k = 0 … 40), extrapolates each pair of steps
(Richardson), and keeps the step where neighbouring estimates agree best; its error is that disagreement,
never less than the rounding the quotient can carry (ε |f| / h).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.formula import Formula

EPS = float(np.finfo(np.float64).eps)
RELATIVE_STEPS = 2.0 ** -np.arange(0, 41)     # h / s = 1 … 2^-40 ≈ 9e-13
ROUNDING = 10.0                                # rounding in a Richardson estimate ≤ ROUNDING · ε (|f| + |P| |D|) / h
KINK_RTOL = 1e-6                               # D_u f ≠ ∇f · u beyond this (relative) and its own error: a kink
CENTRAL_PREFERENCE = 10.0                      # central differences unless a one-sided sweep settles 10× better
EXISTS_RTOL = 1e-3                             # a sweep that settles no better than this has no limit


@dataclass(frozen=True)
class Estimate:
    """A derivative estimated by a step sweep: the value, its error, the step h it came from and its kind."""

    value: float
    error: float        # how far the neighbouring steps' estimates (and rounding) leave it uncertain
    step: float
    kind: str           # "central", "forward" or "backward" (the step leaves the domain on the other side)


def scale(point) -> float:
    """s = the power of 2 at or above max(1, |P|∞): steps s · 2^-k are exact and P ± h rounds least."""
    p = np.asarray(point, dtype=np.float64)
    return float(2.0 ** np.ceil(np.log2(max(1.0, float(np.max(np.abs(p), initial=0.0))))))


def _settle(r: np.ndarray, rounding: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of estimates r (m, k): the entry whose neighbours agree best, its error, and its index."""
    with np.errstate(all="ignore"):
        gaps = np.abs(np.diff(r, axis=1))
        nan = np.full((r.shape[0], 1), np.nan)
        error = np.fmax(np.fmax(np.hstack([nan, gaps]), np.hstack([gaps, nan])), rounding)
    error = np.where(np.isfinite(r) & np.isfinite(error), error, np.inf)
    index = np.argmin(error, axis=1)
    rows = np.arange(r.shape[0])
    return r[rows, index], error[rows, index], index


def _forward_sweep(formula: Formula, point, us: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """lim_{h→0⁺} (f(P + h u) − f(P)) / h for each row u of us (m, n): estimate, error, step."""
    p, s = np.asarray(point, dtype=np.float64), scale(point)
    h, reach = s * RELATIVE_STEPS, float(np.max(np.abs(p), initial=0.0))     # P + h u rounds by ε (|P| + h)
    with np.errstate(all="ignore"):
        f0, fh = formula.value(p), formula.value(p + h[None, :, None] * us[:, None, :])      # (m, k)
        q = (fh - f0) / h
        r = 2 * q[:, 1:] - q[:, :-1]                                # 2 q(h/2) − q(h): the O(h) term cancels
        big = np.fmax(np.fmax(np.abs(fh[:, 1:]), np.abs(fh[:, :-1])), abs(f0)) + (reach + h[:-1]) * np.abs(r)
        rounding = ROUNDING * EPS * big / h[:-1]
    value, error, index = _settle(r, rounding)
    return value, error, h[index]


def one_sided(formula: Formula, point, us) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D⁺_u f = lim_{h→0⁺} (f(P + h u) − f(P)) / h for each row of us (m, n): estimate, error, whether it exists."""
    value, error, _ = _forward_sweep(formula, point, np.atleast_2d(np.asarray(us, dtype=np.float64)))
    return value, error, settled(value, error)


def settled(value, error) -> np.ndarray:
    """The sweep found a limit: a finite estimate whose error is small against max(1, |estimate|)."""
    with np.errstate(all="ignore"):
        return np.isfinite(value) & (np.asarray(error) <= EXISTS_RTOL * np.maximum(1.0, np.abs(value)))


def _central_sweep(formula: Formula, point) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(f(P + h e_i) − f(P − h e_i)) / 2h for every i, extrapolated and settled: estimate, error, step (n,)."""
    p, s = np.asarray(point, dtype=np.float64), scale(point)
    h, reach = s * RELATIVE_STEPS, float(np.max(np.abs(p), initial=0.0))     # P + h u rounds by ε (|P| + h)
    shifts = h[None, :, None] * np.eye(formula.n)[:, None, :]                                 # (n, k, n)
    with np.errstate(all="ignore"):
        fp, fm = formula.value(p + shifts), formula.value(p - shifts)
        c = (fp - fm) / (2 * h)
        r = (4 * c[:, 1:] - c[:, :-1]) / 3                          # the O(h²) term cancels
        big = np.fmax(np.abs(fp), np.abs(fm))
        rounding = ROUNDING * EPS * (np.fmax(big[:, 1:], big[:, :-1]) + (reach + h[:-1]) * np.abs(r)) / h[:-1]
    value, error, index = _settle(r, rounding)
    return value, error, h[index]


def partial_derivatives(formula: Formula, point) -> tuple[Estimate, ...]:
    """∂f/∂x_i by finite differences: central where both sides are defined and settle best, else one-sided."""
    eye = np.eye(formula.n)
    candidates = (("central", *_central_sweep(formula, point)), ("forward", *_forward_sweep(formula, point, eye)),
                  ("backward", *_forward_sweep(formula, point, -eye)))
    best = []
    for i in range(formula.n):
        options = [Estimate(float(-v[i] if k == "backward" else v[i]), float(e[i]), float(h[i]), k) for k, v, e, h in candidates]
        sharpest = min(options, key=lambda o: o.error)
        central = options[0]
        best.append(central if central.error <= CENTRAL_PREFERENCE * sharpest.error else sharpest)
    return tuple(best)


def probe_directions(n: int) -> np.ndarray:
    """±e_i and ±(e_i ± e_j)/√2: enough directions to see a kink along an axis or a diagonal."""
    eye = np.eye(n)
    diagonals = [(eye[i] + sign * eye[j]) / np.sqrt(2) for i in range(n) for j in range(i + 1, n) for sign in (1, -1)]
    units = np.vstack([eye, *diagonals]) if diagonals else eye
    return np.vstack([units, -units])


def differentiable(formula: Formula, point, gradient) -> bool:
    """f is differentiable at P: every probed one-sided D⁺_u f exists and equals ∇f(P) · u (so it is linear in u)."""
    g = np.asarray(gradient, dtype=np.float64)
    if not np.all(np.isfinite(g)):
        return False
    us = probe_directions(formula.n)
    value, error, exists = one_sided(formula, point, us)
    if not np.all(exists):
        return False
    linear = us @ g
    size = max(1.0, float(np.max(np.abs(linear))), float(np.max(np.abs(value))))
    return bool(np.all(np.abs(value - linear) <= KINK_RTOL * size + 4 * error))
