"""Reading a descent run: the known minimum it reached, the lecture's log, the CSV, and one step up close.

Pure helpers on a single-start Trajectory (gradcore.descent) recorded at every step: numbers in,
numbers out; no Streamlit and no plotting.  Row r of a trajectory holds x_t, f(x_t), ∇f(x_t) and the
optimizer's state after t updates, so the step x_t → x_{t+1} used g_t = ∇f(x_t) and the state of row r+1.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradcore.critical import stationarity
from gradcore.descent import Trajectory
from gradcore.formula import Formula

MANTISSAS = (1, 2, 2.5, 5)          # "nice" numbers per decade for log intervals
LOG_ROWS = 12                       # the log shows about this many intervals
MOMENTUM_STATES = ("momentum_buffer", "exp_avg")   # torch's names of a momentum (SGD, RMSprop: b; Adam family: m)


# ---------------------------------------------------------------- grids and counts

def log_grid(low: float, high: float, mantissas: Sequence[float] = (1, 2, 5)) -> list[float]:
    """The numbers m·10^k (m in mantissas) from low to high: 1e-5, 2e-5, 5e-5, 1e-4, …"""
    out = []
    for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        out += [v for m in mantissas if low * (1 - 1e-9) <= (v := float(f"{m}e{k}")) <= high * (1 + 1e-9)]
    return out


def nearest_on_log_grid(grid: Sequence[float], value: float) -> float:
    """The grid value closest to `value` in log distance (a value outside the grid goes to its nearest end)."""
    v = min(max(float(value), grid[0]), grid[-1])
    return min(grid, key=lambda g: abs(math.log(g / v)))


def nice_ceil(v: float) -> float:
    """The smallest m·10^k (m in MANTISSAS, or 10) that is ≥ v."""
    k = math.floor(math.log10(v))
    return next(m * 10.0**k for m in (*MANTISSAS, 10) if m * 10.0**k >= v * (1 - 1e-12))


def log_every(steps: int, rows: int = LOG_ROWS) -> int:
    """N for a log printed every N steps with about `rows` lines: 1,000 → 100, 20,000 → 2,000 (the lecture's)."""
    return max(1, math.ceil(nice_ceil(steps / rows))) if steps > 0 else 1


def log_rows(steps: np.ndarray, every: int) -> np.ndarray:
    """Row indices of the steps 0, N, 2N, … and of the last recorded step."""
    keep = np.asarray(steps) % every == 0
    if keep.size:
        keep[-1] = True
    return np.flatnonzero(keep)


def thin(count: int, most: int) -> np.ndarray:
    """At most `most` evenly spread indices of range(count), the first and the last always among them."""
    if count <= most:
        return np.arange(count)
    return np.unique(np.round(np.linspace(0, count - 1, most)).astype(np.int64))


def row_at(steps: np.ndarray, t: int) -> int:
    """The row of step t, or of the last recorded step before it (a run that stopped early stays at its end)."""
    return max(int(np.searchsorted(steps, t, side="right")) - 1, 0)


# ---------------------------------------------------------------- where a run ended

@dataclass(frozen=True)
class Nearest:
    """The known minimum closest to a point, the distance to it, and whether that counts as reaching it."""

    minimum: tuple[float, ...]
    distance: float
    reached: bool


def nearest_minimum(point, minima: Sequence[Sequence[float]], tol: float = 1e-3) -> Nearest | None:
    """argmin over the known minima of |point − minimum|; reached when that distance is below tol."""
    p = np.asarray(point, dtype=np.float64)
    usable = [m for m in minima if len(m) == p.size]
    if not usable or not np.isfinite(p).all():
        return None
    distances = [float(np.linalg.norm(p - np.asarray(m, dtype=np.float64))) for m in usable]
    i = int(np.argmin(distances))
    return Nearest(tuple(float(v) for v in usable[i]), distances[i], distances[i] < tol)


def is_stationary(formula: Formula, point, span: float, tol: float = 1e-3) -> bool:
    """∇f = 0 at the point to within tol: Newton's step from it (on f's own scale, gradcore.critical) is below tol,
    the distance at which nearest_minimum counts a minimum as reached."""
    p = np.asarray(point, dtype=np.float64)
    if not np.isfinite(p).all():
        return False
    return bool(stationarity(formula, p[None], span).critical(1.0, rtol=tol)[0])


def grad_norms(traj: Trajectory) -> np.ndarray:
    """|∇f(x_t)| for every recorded row (inf where a diverging gradient overflows)."""
    with np.errstate(over="ignore"):
        return np.linalg.norm(traj.grads, axis=-1)


# ---------------------------------------------------------------- tables and the CSV

def log_table(traj: Trajectory, variables: Sequence[str], every: int) -> pd.DataFrame:
    """The lecture's log: step, x_t, f(x_t) and |∇f(x_t)| every N steps and at the last step."""
    rows = log_rows(traj.steps, every)
    table = {"step": traj.steps[rows]}
    table.update({name: traj.points[rows, i] for i, name in enumerate(variables)})
    table["f"] = traj.losses[rows]
    table["|∇f|"] = grad_norms(traj)[rows]
    return pd.DataFrame(table)


def log_lines(traj: Trajectory, every: int) -> list[str]:
    """The log as the page's PyTorch script prints it: x_t and f(x_t) every N steps and at the last, floats in full (repr)."""
    return [f"step {int(traj.steps[r]):6d}  x = {traj.points[r].tolist()}  f = {float(traj.losses[r])!r}"
            for r in log_rows(traj.steps, every)]


LECTURE_PRINT = "step {}: x = {}, f(x) = {}"   # the lecture's print('step {}: x = {}, f(x) = {}'.format(step, x.tolist(), pred.item()))


def lecture_lines(traj: Trajectory, every: int = 2000) -> list[str]:
    """The lecture's printout: at steps 0, N, 2N, … it prints x after optimizer.step() (x_{t+1}) beside f(x_t) from before it."""
    rows = [r for r in range(len(traj.steps) - 1) if traj.steps[r] % every == 0 and traj.steps[r + 1] == traj.steps[r] + 1]
    return [LECTURE_PRINT.format(int(traj.steps[r]), traj.points[r + 1].tolist(), float(traj.losses[r])) for r in rows]


def trajectory_table(traj: Trajectory, variables: Sequence[str]) -> pd.DataFrame:
    """Every recorded row: step, x_t, f, ∇f, |∇f| and the optimizer's state under torch's names."""
    table = {"step": traj.steps}
    table.update({name: traj.points[:, i] for i, name in enumerate(variables)})
    table["f"] = traj.losses
    table.update({f"grad_{name}": traj.grads[:, i] for i, name in enumerate(variables)})
    table["grad_norm"] = grad_norms(traj)
    for key, values in traj.state.items():
        table.update({f"{key}_{name}": values[:, i] for i, name in enumerate(variables)})
    return pd.DataFrame(table)


def trajectory_csv(traj: Trajectory, variables: Sequence[str]) -> str:
    """The whole trajectory as CSV text, every float in full precision (repr round-trips)."""
    return trajectory_table(traj, variables).to_csv(index=False, float_format="%.17g")


# ---------------------------------------------------------------- one step up close

@dataclass(frozen=True)
class StepView:
    """The step x_t → x_{t+1} of a run: what the gradient said, what the optimizer did, and why."""

    t: int
    x: np.ndarray                      # x_t
    f: float                           # f(x_t)
    grad: np.ndarray                   # g_t = ∇f(x_t)
    sgd_step: np.ndarray               # −γ g_t: plain gradient descent's step with the same learning rate
    step: np.ndarray | None            # Δx_t = x_{t+1} − x_t, the step taken (None at the last recorded step)
    momentum: np.ndarray | None        # the momentum the step used: b_{t+1} (SGD, RMSprop) or m_{t+1} (Adam family)
    momentum_name: str                 # torch's state name of it, "" if none
    rate: np.ndarray | None            # Δx_i / (−g_i): the learning rate plain descent would need, per coordinate
    adaptive_rate: np.ndarray | None   # the optimizer's own per-coordinate step size, e.g. γ/(√v̂ + ε) for Adam
    adaptive_formula: str              # that step size as a formula, "" if the optimizer has none

    @property
    def angle(self) -> float | None:
        """The angle in degrees between the step taken and −∇f (0 for plain gradient descent)."""
        return _angle(self.step, -self.grad) if self.step is not None else None


def _angle(a: np.ndarray, b: np.ndarray) -> float | None:
    """Angle between two vectors in degrees, 2·atan2(|â − b̂|, |â + b̂|) (exact near 0° and 180°); None when either is zero."""
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0 or not (math.isfinite(na) and math.isfinite(nb)):
        return None
    ua, ub = a / na, b / nb
    return math.degrees(2 * math.atan2(float(np.linalg.norm(ua - ub)), float(np.linalg.norm(ua + ub))))


def _adam_rate(traj: Trajectory, r: int, k: int) -> np.ndarray:
    """γ / (√v̂_k + ε), v̂_k = v_k / (1 − β₂^k) (v is the running maximum with amsgrad), after update k."""
    _, b2 = traj.hyper["betas"]
    v = traj.state["max_exp_avg_sq" if traj.hyper.get("amsgrad") else "exp_avg_sq"][r]
    return traj.lr / (np.sqrt(v / (1 - b2**k)) + traj.hyper["eps"])


def _rmsprop_rate(traj: Trajectory, r: int, k: int) -> np.ndarray:
    """γ / (√ṽ + ε), ṽ = v − ḡ² when centered."""
    v = traj.state["square_avg"][r]
    if traj.hyper.get("centered"):
        v = v - traj.state["grad_avg"][r] ** 2
    return traj.lr / (np.sqrt(v) + traj.hyper["eps"])


def _adagrad_rate(traj: Trajectory, r: int, k: int) -> np.ndarray:
    """γ_k / (√s_k + ε), γ_k = γ / (1 + (k − 1) η)."""
    lr = traj.lr / (1 + (k - 1) * traj.hyper["lr_decay"])
    return lr / (np.sqrt(traj.state["sum"][r]) + traj.hyper["eps"])


ADAPTIVE = {
    "Adam": (_adam_rate, "γ/(√v̂ₜ+ε)"),
    "AdamW": (_adam_rate, "γ/(√v̂ₜ+ε)"),
    "RMSprop": (_rmsprop_rate, "γ/(√vₜ+ε)"),
    "Adagrad": (_adagrad_rate, "γₜ/(√sₜ+ε)"),
}


def step_view(traj: Trajectory, t: int, lr: float | None = None) -> StepView:
    """Step t of a run recorded at every step (record_every=1): x_t, g_t, the step taken and the state it used.

    lr: the learning rate of that step when a schedule changed it (gradcore.schedules.lr_sequence); the run's lr if None."""
    if lr is not None and lr != traj.lr:
        traj = dataclasses.replace(traj, lr=lr)
    r = row_at(traj.steps, t)
    has_next = r + 1 < len(traj.steps) and traj.steps[r + 1] == traj.steps[r] + 1
    x, g = traj.points[r], traj.grads[r]
    step = traj.points[r + 1] - x if has_next else None
    name = next((k for k in MOMENTUM_STATES if k in traj.state), "")
    momentum = traj.state[name][r + 1] if name and has_next else None
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(g != 0, -step / g, np.nan) if step is not None else None
    adaptive, formula = ADAPTIVE.get(traj.optimizer, (None, ""))
    rate_adaptive = adaptive(traj, r + 1, int(traj.steps[r]) + 1) if adaptive and has_next else None
    return StepView(int(traj.steps[r]), x, float(traj.losses[r]), g, -traj.lr * g + 0.0, step, momentum, name, rate,
                    rate_adaptive, formula if rate_adaptive is not None else "")


def step_table(view: StepView, variables: Sequence[str]) -> pd.DataFrame:
    """One row per quantity (x_t, g_t, −γg_t, the momentum, the step taken, the step sizes), one column per coordinate."""
    rows = {"xₜ": view.x, "gₜ = ∇f(xₜ)": view.grad, "−γ·gₜ (plain GD step)": view.sgd_step}
    if view.momentum is not None:
        rows["momentum m" if view.momentum_name == "exp_avg" else "momentum buffer b"] = view.momentum
    if view.step is not None:
        rows["Δx (the step taken)"] = view.step
        rows["Δx / (−g): step size"] = view.rate
    if view.adaptive_rate is not None:
        rows[view.adaptive_formula] = view.adaptive_rate
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(variables))
    return table.rename_axis("quantity").reset_index()


def step_window(view: StepView, axes: Sequence[int], fallback: float) -> float:
    """Half the width of a square window around x_t that shows the step taken (or `fallback` without one)."""
    if view.step is None:
        return fallback
    length = float(np.linalg.norm(view.step[list(axes)]))
    return 1.6 * length if length > 0 and math.isfinite(length) else fallback
