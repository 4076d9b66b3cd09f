"""Second-order steps on f: Newton's method (the exact Hessian) and torch.optim.LBFGS's iteration -> Trajectory.

Newton:  x_{t+1} = x_t - H(x_t)^{-1} ∇f(x_t), the step to the minimum of f's quadratic model at x_t.
L-BFGS:  x_{t+1} = x_t + γ_t d_t, d_t = -H̃_t ∇f(x_t), H̃_t built by the two-loop recursion from the last
history_size pairs (s, y) = (x_{t+1} - x_t, ∇f(x_{t+1}) - ∇f(x_t)), without a line search; one row per
iteration of torch.optim.LBFGS (its state["n_iter"]), with torch's step length γ_1 = min(1, 1/|g|₁)·lr, then lr.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradcore.descent import Trajectory
from gradcore.typed import autograd_value_and_gradient

LBFGS_LR, HISTORY_SIZE = 1.0, 100                 # torch.optim.LBFGS's defaults
TOLERANCE_GRAD, TOLERANCE_CHANGE = 1e-7, 1e-9     # torch's: stop when max|g| ≤ 1e-7 or g·d > -1e-9


def newton(formula: Any, x0: Any, steps: int) -> Trajectory:
    """Newton's method from x0 for at most `steps` steps; stops once x stops changing, where H is singular or f is not finite."""
    x = np.array(x0, dtype=np.float64)
    rows, message = [], ""
    for t in range(steps + 1):
        f, g = float(formula.value(x)), np.asarray(formula.gradient(x), dtype=np.float64)
        if not (np.isfinite(f) and np.isfinite(g).all()):
            message = f"Newton's method stopped at step {t}: f or ∇f is not finite there. Choose another start point."
            break
        rows.append((x, f, g))
        if t == steps or not g.any():
            break
        try:
            x_next = x - np.linalg.solve(np.asarray(formula.hessian(x), dtype=np.float64), g)
        except np.linalg.LinAlgError:
            message = f"Newton's method stopped at step {t}: the Hessian is singular there, so the step is undefined."
            break
        if np.array_equal(x_next, x):     # converged to rounding: further steps change nothing
            break
        x = x_next
    return _trajectory(rows, formula.n, "Newton", 1.0, {}, message)


def lbfgs(formula: Any, x0: Any, steps: int, lr: float = LBFGS_LR, history_size: int = HISTORY_SIZE) -> Trajectory:
    """torch.optim.LBFGS(lr, history_size, line_search_fn=None) from x0, one row per iteration, until its tolerances hold."""
    x = np.array(x0, dtype=np.float64)
    memory: list[tuple[np.ndarray, np.ndarray, float]] = []      # (s, y, 1/(y·s)), oldest first
    value_and_grad = autograd_value_and_gradient(formula)          # f and ∇f as torch's backward() computes them
    rows, message, d, step, h_diag, prev_g = [], "", None, 0.0, 1.0, None
    for t in range(steps + 1):
        f, g = _value_and_gradient(value_and_grad, x)
        if not (np.isfinite(f) and np.isfinite(g).all()):
            message = f"L-BFGS diverged at step {t}: f or ∇f is not finite. Lower the learning rate (try {lr / 10:.3g})."
            break
        rows.append((x, f, g))
        if t == steps or np.abs(g).max() <= TOLERANCE_GRAD:
            break
        if d is not None:
            h_diag = _remember(memory, d * step, g - prev_g, history_size, h_diag)
        d = _two_loop(memory, g, h_diag)
        step = min(1.0, 1.0 / np.abs(g).sum()) * lr if t == 0 else lr
        if g @ d > -TOLERANCE_CHANGE:
            break
        x, prev_g = x + step * d, g
    return _trajectory(rows, formula.n, "LBFGS", lr, {"history_size": history_size}, message)


def _value_and_gradient(value_and_grad: Any, x: np.ndarray) -> tuple[float, np.ndarray]:
    """f(x) and ∇f(x); NaN where the math module raised (outside f's domain, overflow)."""
    try:
        out = value_and_grad(*map(float, x))
    except (ArithmeticError, ValueError):
        return math.nan, np.full(len(x), math.nan)
    return out[0], np.array(out[1:], dtype=np.float64)


def _remember(memory: list, s: np.ndarray, y: np.ndarray, history_size: int, h_diag: float) -> float:
    """Keep the pair (s, y) when y·s > 1e-10 (dropping the oldest beyond history_size); the new H₀ scale y·s / y·y."""
    ys = float(y @ s)
    if ys <= 1e-10:
        return h_diag
    if len(memory) == history_size:
        memory.pop(0)
    memory.append((s, y, 1.0 / ys))
    return ys / float(y @ y)


def _two_loop(memory: list, g: np.ndarray, h_diag: float) -> np.ndarray:
    """d = -H̃ g by the L-BFGS two-loop recursion (H̃₀ = h_diag · I)."""
    q, alphas = -g, []
    for s, y, rho in reversed(memory):
        alphas.append(float(s @ q) * rho)
        q = q - alphas[-1] * y
    r = q * h_diag
    for (s, y, rho), alpha in zip(memory, reversed(alphas), strict=True):
        r = r + (alpha - float(y @ r) * rho) * s
    return r


def _trajectory(rows: list, n: int, name: str, lr: float, hyper: dict, message: str) -> Trajectory:
    """Rows (x_t, f, ∇f) as a Trajectory without optimizer state."""
    points = np.array([r[0] for r in rows]).reshape(len(rows), n)
    grads = np.array([r[2] for r in rows]).reshape(len(rows), n)
    return Trajectory(points, np.array([r[1] for r in rows]), grads, {}, np.arange(len(rows)), name, lr, hyper,
                      stopped_at=len(rows) if message else None, message=message)
