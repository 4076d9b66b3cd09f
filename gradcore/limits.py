"""Difference quotients whose step is chosen from the point and the function, not fixed in advance.

A fixed step fails exactly where a lecturer looks: near a pole it straddles the pole, near a domain edge it
leaves the domain, on a huge f it cancels to 0, near a kink it reaches across the kink.  So every estimate
here sweeps the step from 16 s down to about 1e-12 s (s the point's scale), halving it each time, extrapolates
each pair of steps (Richardson), and keeps the step where the neighbouring estimates agree best relative to
their size.  An estimate's error is that disagreement, never less than the rounding the quotient can carry
(ε |f| / h).  The steps are an irrational multiple of s, so they never line up with a period such as 1 or π
(cos(2πx) with h = 1 would look constant).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from gradcore.formula import Formula

EPS = float(np.finfo(np.float64).eps)
RELATIVE_STEPS = 2.0 ** -np.arange(-4, 41) / np.sqrt(2)   # h / s = 16/√2 … 2^-40/√2 ≈ 6e-13
ROUNDING = 10.0              # rounding in a Richardson estimate ≤ ROUNDING · ε (|f| + |P| |D|) / h
KINK_RTOL = 1e-6             # D_u f ≠ ∇f · u beyond this (relative) and its own error: a kink
CENTRAL_PREFERENCE = 10.0    # central differences unless a one-sided sweep settles 10× better
EXISTS_RTOL = 1e-3           # a sweep that settles no better than this has no limit


@dataclass(frozen=True)
class Estimate:
    """A derivative estimated by a step sweep: the value, its error, the step h it came from and its kind."""

    value: float
    error: float        # how far the neighbouring steps' estimates (and rounding) leave it uncertain
    step: float
    kind: str           # "central", "forward" or "backward" (the step leaves the domain on the other side)


@dataclass(frozen=True, eq=False)
class Sweep:
    """Richardson estimates for each of m quotients at every step: estimates, gaps, errors (m, k); steps (k,)."""

    estimates: np.ndarray
    gaps: np.ndarray        # the larger difference to the two neighbouring steps' estimates (truncation)
    errors: np.ndarray      # max(gap, rounding); inf where the estimate is not finite
    steps: np.ndarray

    def best(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per quotient: the estimate whose error is smallest against its size (the median size at least)."""
        size = np.abs(np.where(np.isfinite(self.estimates), self.estimates, np.nan))
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)                 # a row with no finite estimate at all
            typical = np.nan_to_num(np.nanmedian(size, axis=1, keepdims=True), nan=1.0)
            score = self.errors / np.fmax(np.fmax(size, typical), np.finfo(np.float64).tiny)
        index = np.argmin(np.where(np.isfinite(score), score, np.inf), axis=1)
        rows = np.arange(len(index))
        return self.estimates[rows, index], self.errors[rows, index], self.steps[index]

    def meets(self, targets, tolerance) -> np.ndarray:
        """Per quotient: the sharpest step whose estimate and both neighbours lie within `tolerance` of the
        target (the sweep passes through it where it is stable), or −1 where no step does."""
        t, tol = np.asarray(targets, dtype=np.float64)[:, None], np.asarray(tolerance, dtype=np.float64)[:, None]
        with np.errstate(all="ignore"):
            ok = (np.abs(self.estimates - t) <= tol) & (self.gaps <= tol)
        index = np.argmin(np.where(ok, self.errors, np.inf), axis=1)
        return np.where(ok.any(axis=1), index, -1)


def scale(point) -> float:
    """s = the power of 2 at or above max(1, |P|∞)."""
    p = np.asarray(point, dtype=np.float64)
    return float(2.0 ** np.ceil(np.log2(max(1.0, float(np.max(np.abs(p), initial=0.0))))))


def _sweep(r: np.ndarray, rounding: np.ndarray, steps: np.ndarray) -> Sweep:
    with np.errstate(all="ignore"):
        diffs = np.abs(np.diff(r, axis=1))
        nan = np.full((r.shape[0], 1), np.nan)
        gaps = np.fmax(np.hstack([nan, diffs]), np.hstack([diffs, nan]))
        gaps = np.where(np.isfinite(r) & np.isfinite(gaps), gaps, np.inf)
        errors = np.where(np.isfinite(rounding), np.fmax(gaps, rounding), np.inf)
    return Sweep(r, gaps, errors, steps)


def forward_sweep(formula: Formula, point, us: np.ndarray) -> Sweep:
    """(f(P + h u) − f(P)) / h for each row u of us (m, n), Richardson-extrapolated at every step h."""
    p, s = np.asarray(point, dtype=np.float64), scale(point)
    h, reach = s * RELATIVE_STEPS, float(np.max(np.abs(p), initial=0.0))     # P + h u rounds by ε (|P| + h)
    with np.errstate(all="ignore"):
        f0, fh = formula.value(p), formula.value(p + h[None, :, None] * us[:, None, :])      # (m, k)
        q = (fh - f0) / h
        r = 2 * q[:, 1:] - q[:, :-1]                                # 2 q(h/2) − q(h): the O(h) term cancels
        big = np.fmax(np.fmax(np.abs(fh[:, 1:]), np.abs(fh[:, :-1])), abs(f0)) + (reach + h[:-1]) * np.abs(r)
    return _sweep(r, ROUNDING * EPS * big / h[:-1], h[:-1])


def central_sweep(formula: Formula, point) -> Sweep:
    """(f(P + h e_i) − f(P − h e_i)) / 2h for every variable i, Richardson-extrapolated at every step h."""
    p, s = np.asarray(point, dtype=np.float64), scale(point)
    h, reach = s * RELATIVE_STEPS, float(np.max(np.abs(p), initial=0.0))
    shifts = h[None, :, None] * np.eye(formula.n)[:, None, :]                                 # (n, k, n)
    with np.errstate(all="ignore"):
        fp, fm = formula.value(p + shifts), formula.value(p - shifts)
        c = (fp - fm) / (2 * h)
        r = (4 * c[:, 1:] - c[:, :-1]) / 3                          # the O(h²) term cancels
        big = np.fmax(np.abs(fp), np.abs(fm))
        big = np.fmax(big[:, 1:], big[:, :-1]) + (reach + h[:-1]) * np.abs(r)
    return _sweep(r, ROUNDING * EPS * big / h[:-1], h[:-1])


def one_sided(formula: Formula, point, us) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """D⁺_u f = lim_{h→0⁺} (f(P + h u) − f(P)) / h for each row of us (m, n): estimate, error, whether it exists."""
    value, error, _ = forward_sweep(formula, point, np.atleast_2d(np.asarray(us, dtype=np.float64))).best()
    return value, error, settled(value, error)


def settled(value, error) -> np.ndarray:
    """The sweep found a limit: a finite estimate whose error is small against max(1, |estimate|)."""
    with np.errstate(all="ignore"):
        return np.isfinite(value) & (np.asarray(error) <= EXISTS_RTOL * np.maximum(1.0, np.abs(value)))


def partial_sweeps(formula: Formula, point) -> dict[str, Sweep]:
    """The three sweeps for ∂f/∂x_i: central, forward along +e_i and backward along −e_i (its sign flipped)."""
    eye = np.eye(formula.n)
    backward = forward_sweep(formula, point, -eye)
    return {"central": central_sweep(formula, point), "forward": forward_sweep(formula, point, eye),
            "backward": Sweep(-backward.estimates, backward.gaps, backward.errors, backward.steps)}


def partial_derivatives(formula: Formula, point, expected=None, rtol: float = 1e-4) -> tuple[Estimate, ...]:
    """∂f/∂x_i by finite differences: central where both sides are defined and settle best, else one-sided.

    With `expected` (say sympy's gradient), a step whose estimate is stable within rtol · max(1, |expected|) of it
    wins: the sweep confirms a value if it passes through it anywhere it is stable."""
    target = None if expected is None else np.asarray(expected, dtype=np.float64)
    picks = {kind: _pick(sweep, target, rtol) for kind, sweep in partial_sweeps(formula, point).items()}
    return tuple(_choose([Estimate(float(v[i]), float(e[i]), float(h[i]), kind) for kind, (v, e, h) in picks.items()],
                         None if target is None else float(target[i]), rtol) for i in range(formula.n))


def _pick(sweep: Sweep, target, rtol: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The sweep's best estimates, replaced by a stable step that meets the target where there is one."""
    value, error, step = sweep.best()
    if target is None:
        return value, error, step
    hit = sweep.meets(target, rtol * np.maximum(1.0, np.abs(target)))
    use, rows = hit >= 0, np.arange(len(hit))
    return (np.where(use, sweep.estimates[rows, hit], value), np.where(use, sweep.errors[rows, hit], error),
            np.where(use, sweep.steps[hit], step))


def _choose(options: list[Estimate], target: float | None, rtol: float) -> Estimate:
    """Central unless a one-sided estimate is 10× sharper; with a target, the options that meet it compete first."""
    if target is not None:
        options = [o for o in options if abs(o.value - target) <= rtol * max(1.0, abs(target))] or options
    sharpest = min(options, key=lambda o: o.error)
    central = next((o for o in options if o.kind == "central"), sharpest)
    return central if central.error <= CENTRAL_PREFERENCE * sharpest.error else sharpest


def probe_directions(n: int) -> np.ndarray:
    """±e_i and ±(e_i ± e_j)/√2: enough directions to see a kink along an axis or a diagonal."""
    eye = np.eye(n)
    diagonals = [(eye[i] + sign * eye[j]) / np.sqrt(2) for i in range(n) for j in range(i + 1, n) for sign in (1, -1)]
    units = np.vstack([eye, *diagonals]) if diagonals else eye
    return np.vstack([units, -units])


def differentiable(formula: Formula, point, gradient) -> bool:
    """f is differentiable at P: every probed one-sided D⁺_u f exists and equals ∇f(P) · u (so it is linear in u).

    Where sympy's formula for ∇f is 0/0 at P (x y sqrt(x²+y²) at 0), the one-sided slopes along the axes stand in."""
    us = probe_directions(formula.n)
    value, error, exists = one_sided(formula, point, us)
    if not np.all(exists):
        return False
    g = np.asarray(gradient, dtype=np.float64)
    g = g if np.all(np.isfinite(g)) else value[:formula.n]       # the first n probes are e_1 … e_n
    linear = us @ g
    size = max(1.0, float(np.max(np.abs(linear))), float(np.max(np.abs(value))))
    return bool(np.all(np.abs(value - linear) <= KINK_RTOL * size + 4 * error))
