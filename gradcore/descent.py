"""descend(): run a torch.optim optimizer on a formula from one start or a batch of starts -> Trajectory.

The loop is torch.optim's: at step t compute f(x_t) and ∇f(x_t), record them,
then take the optimizer step x_{t+1} = update(x_t, ∇f(x_t)).  One start runs on
Python floats, one coordinate at a time, which is far faster than torch for a
handful of numbers: f and ∇f are the forward and backward pass torch records for
the formula as typed (gradcore.typed), evaluated by generated code, and the update, also
generated (gradcore.fused), rounds as torch's kernels do (gradcore.kernels), so for + - * / and integer powers
the run is bit for bit torch.optim's, in float64 or float32 (``dtype``).  A batch
of starts runs on numpy arrays, f and ∇f by the same generated code and the update's fused multiply-adds
and square roots by torch's own kernels, so each start is bit for bit a lone start's (for + - * / and
integer powers; a formula with functions takes sympy's gradient there, equal to rounding).  A run
that diverges stops at the first value that is not finite and says why; in a batch, diverged starts are frozen and the others go on.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import math
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradcore.fused import fused_block, fused_update
from gradcore.messages import Joined, msg
from gradcore.optimizers import ARRAY32_OPS, ARRAY_OPS, FLOAT32_OPS, MATH_OPS, Rule, check_lr, get_optimizer
from gradcore.schedules import scheduled_rule
from gradcore.typed import DTYPES, autograd_source, autograd_value_and_gradient

Progress = Callable[[int, int], None]
MAX_RECORD_BYTES = 500_000_000     # memory a run may fill with its record
PYTHON_FLOAT_BYTES = 32            # a float recorded by a single-start run, while it runs (a Python float in a list)
PROGRESS_CALLS = 100               # about how many times a run calls its progress callback
PROGRESS_VALUES = 1_000_000        # and at least every this many start-steps (a 40,000-start map: every 25 steps)
CHUNK_VALUES = 16384               # floats per array when a batch runs in chunks (fits the CPU cache)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """A descent run, row r holding step steps[r]: the point x_t, f(x_t), ∇f(x_t) and the optimizer state after t updates."""

    points: np.ndarray               # (R, n), or (R, B, n) for B starts
    losses: np.ndarray               # (R,) or (R, B)
    grads: np.ndarray                # like points
    state: dict[str, np.ndarray]     # torch.optim's state names (exp_avg, momentum_buffer, …) -> arrays like points
    steps: np.ndarray                # (R,) the step index of each row
    optimizer: str                   # torch.optim's class name
    lr: float
    hyper: dict[str, Any]            # every hyperparameter, defaults filled in
    stopped_at: int | None = None    # the step whose values were not finite (every start's, for a batch)
    message: str = ""                # why the run (or some starts) stopped, in a sentence; "" if all went well
    diverged: np.ndarray | None = field(default=None, repr=False)     # (B,) bool: the start diverged (batches only)
    diverged_at: np.ndarray | None = field(default=None, repr=False)  # (B,) int: the step it diverged at, -1 if never
    dtype: str = "float64"           # the precision the run computed in (its values are stored as float64)

    @property
    def x(self) -> np.ndarray:
        """The last recorded point (or points)."""
        return self.points[-1]

    @property
    def ok(self) -> bool:
        """True when nothing diverged."""
        return self.message == ""


@dataclass(frozen=True)
class _Rows:
    """What a run loop returns: the recorded rows and where (and why) it stopped."""

    steps: list[int]
    points: Any
    losses: Any
    grads: Any
    state: Any
    stopped_at: int | None = None
    reason: str = ""                          # why the (first) start diverged
    diverged_at: np.ndarray | None = None     # (B,) batches only: the step each start diverged at, -1 if never
    start_reason: str = ""                    # batches only: why the first unusable start point is unusable


# ---------------------------------------------------------------- the public entry point

def descend(
    formula: Any,
    optimizer: str,
    x0: Any,
    lr: float,
    steps: int,
    *,
    record_every: int = 1,
    callback: Progress | None = None,
    dtype: str = "float64",
    schedule: Any = None,
    **hyper: Any,
) -> Trajectory:
    """Run torch.optim's `optimizer` on f from x0 (shape (n,) or (B, n)) for `steps` steps: x_{t+1} = update(x_t, ∇f(x_t)).

    dtype is the tensor's precision, "float64" or "float32" (x0 is rounded to it, as torch.tensor does).
    schedule (a gradcore.schedules.Schedule) changes lr between steps as torch.optim.lr_scheduler does.
    """
    if isinstance(formula, str):
        from gradcore.formula import parse

        formula = parse(formula)
    spec = get_optimizer(optimizer)
    values, lr = spec.resolve(hyper), check_lr(lr)
    steps, record_every = _check_count("steps", steps, 0), _check_count("record_every", record_every, 1)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}.")
    x0 = _check_x0(formula, x0).astype(dtype)
    ops = (ARRAY_OPS if dtype == "float64" else ARRAY32_OPS) if x0.ndim == 2 else MATH_OPS if dtype == "float64" else FLOAT32_OPS
    rule = spec.rule(lr, values, ops) if schedule is None else scheduled_rule(spec, lr, values, ops, schedule)
    _check_memory(x0, steps, record_every, len(rule.state_names))
    if x0.ndim == 1:
        # the generated update is specialised to one lr: a schedule's changing lr takes the rule's own update
        fused = fused_update(spec.name, lr, values, dtype, x0.size) if schedule is None else _no_fused
        loop = (spec.name, lr, values, dtype, x0.size) if schedule is None else None
        rows = _run_single(formula, rule, x0, steps, record_every, callback, fused, loop)
    else:
        rows = _run_batch(formula, rule, x0, steps, record_every, callback)
    return dataclasses.replace(_trajectory(rows, x0, spec.name, lr, values), dtype=dtype)


def _no_fused(c: Any) -> None:
    """fused_update's answer for a rule it cannot specialise: None, the per-coordinate update runs."""
    return None


def _check_count(name: str, v: Any, least: int) -> int:
    """A whole number ≥ least, or ValueError."""
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {v!r}.")
    return int(v)


def _check_x0(formula: Any, x0: Any) -> np.ndarray:
    """x0 as float64 of shape (n,) or (B, n), finite, or ValueError."""
    names = ", ".join(formula.variables)
    try:
        x = np.array(x0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"x0 must be numbers, one per variable ({names}), got {x0!r}.") from None
    if x.ndim not in (1, 2) or x.shape[-1] != formula.n or x.size == 0:
        raise ValueError(f"x0 must have shape ({formula.n},) or (B, {formula.n}), one coordinate per variable ({names}); got {x.shape}.")
    if not np.isfinite(x).all():
        raise ValueError("x0 must be finite numbers.")
    return x


def _recorded_rows(steps: int, every: int) -> int:
    """How many of the steps 0, k, 2k, … and the last one there are."""
    return steps // every + 1 + (steps % every != 0)


def _check_memory(x0: np.ndarray, steps: int, every: int, n_state: int) -> None:
    """Refuse runs whose record would not fit in memory, and say how to shrink it."""
    rows = _recorded_rows(steps, every)
    size = rows * x0.size * (3 + n_state) * (8 if x0.ndim == 2 else PYTHON_FLOAT_BYTES)
    if size > MAX_RECORD_BYTES:
        starts = 1 if x0.ndim == 1 else x0.shape[0]
        raise ValueError(
            f"Recording {rows} steps of {starts} start{'s' * (starts > 1)} needs about {size / 1e9:.1f} GB: "
            f"use record_every={math.ceil(size / MAX_RECORD_BYTES * every)} or more{', or fewer starts' * (starts > 1)}."
        )


def _trajectory(rows: _Rows, x0: np.ndarray, name: str, lr: float, hyper: dict) -> Trajectory:
    """Pack a run's rows into a Trajectory."""
    steps = np.array(rows.steps, dtype=np.int64)
    common = (rows.points, rows.losses, rows.grads, rows.state, steps, name, lr, hyper, rows.stopped_at)
    if rows.diverged_at is not None:
        message = _batch_message(rows, lr)
        return Trajectory(*common, message, rows.diverged_at >= 0, rows.diverged_at)
    message = _single_message(rows.stopped_at, rows.reason, lr, x0) if rows.stopped_at is not None else ""
    return Trajectory(*common, message)


# ---------------------------------------------------------------- messages

def _advice(lr: float) -> str:
    """What to change after a divergence."""
    return msg("Lower the learning rate (try {lr}).", lr=f"{lr / 10:.3g}") if lr > 0 else msg("Choose another start point.")


def _single_message(step: int, reason: str, lr: float, x0: np.ndarray) -> str:
    """'Diverged at step 37: f became infinite. Lower the learning rate (try 0.01).'"""
    if step == 0:
        point = ", ".join(f"{v:g}" for v in x0)
        return msg("Cannot start at ({point}): {reason}. Choose another start point.", point=point, reason=reason)
    return msg("Diverged at step {step}: {reason}. {advice}", step=step, reason=reason, advice=_advice(lr))


def _batch_message(rows: _Rows, lr: float) -> str:
    """How many starts diverged, when the first did and why; how many start points were unusable."""
    at, total = rows.diverged_at, rows.diverged_at.size
    later, unusable = at[at > 0], int((at == 0).sum())
    parts = []
    if later.size:
        first, advice = int(later.min()), _advice(lr)
        parts.append(msg("Every start diverged (the first at step {step}: {reason}). {advice}", step=first,
                         reason=rows.reason, advice=advice) if later.size == total else
                     msg("{count} of {total} starts diverged (the first at step {step}: {reason}). {advice}",
                         count=later.size, total=total, step=first, reason=rows.reason, advice=advice))
    if unusable:
        parts.append(msg("Every start point is unusable: {reason}. Choose other start points.", reason=rows.start_reason)
                     if unusable == total else
                     msg("{count} of {total} start points are unusable: {reason}. Choose other start points.",
                         count=unusable, total=total, reason=rows.start_reason))
    return Joined(parts) if parts else ""


_NOT_FINITE = {   # (which value, NaN?, verb) -> the reason; whole clauses, so a translation needs no fragments
    ("x", True, "is"): msg("the point is undefined (NaN)"), ("x", False, "is"): msg("the point is infinite"),
    ("x", True, "became"): msg("the point became undefined (NaN)"), ("x", False, "became"): msg("the point became infinite"),
    ("f", True, "is"): msg("f is undefined (NaN)"), ("f", False, "is"): msg("f is infinite"),
    ("f", True, "became"): msg("f became undefined (NaN)"), ("f", False, "became"): msg("f became infinite"),
    ("g", True, "is"): msg("the gradient is undefined (NaN)"), ("g", False, "is"): msg("the gradient is infinite"),
    ("g", True, "became"): msg("the gradient became undefined (NaN)"),
    ("g", False, "became"): msg("the gradient became infinite"),
}


def _reason(f: float, g: Any, x: Any, verb: str = "became") -> str:
    """Which value stopped being finite, in words: 'f became infinite', 'the gradient is undefined (NaN)'."""
    for name, values in (("x", x), ("f", [f]), ("g", g)):
        values = np.asarray(values, dtype=np.float64)
        if np.isnan(values).any():
            return _NOT_FINITE[name, True, verb]
        if not np.isfinite(values).all():
            return _NOT_FINITE[name, False, verb]
    return msg("a value was not finite")


def _error_reason(err: Exception, verb: str = "became", source: str = "f") -> str:
    """A math-module error in words."""
    if source == "update":
        return msg("the optimizer's update divided by zero (is eps 0?)") if isinstance(err, ZeroDivisionError) else \
            msg("the update failed ({error})", error=str(err))
    if isinstance(err, OverflowError):
        return msg("f is infinite (too large for a float)") if verb == "is" else \
            msg("f became infinite (too large for a float)")
    if isinstance(err, ZeroDivisionError):
        return msg("f divides by zero there")
    return msg("f is undefined there (outside its domain)")


# ---------------------------------------------------------------- one start: Python floats

def _every(steps: int, starts: int = 1) -> int:
    """Steps between progress callbacks: a callback may stop the run (a closed tab), so a big batch calls it often."""
    return max(1, min(-(-steps // PROGRESS_CALLS), PROGRESS_VALUES // starts))


def _run_single(formula: Any, rule: Rule, x0: np.ndarray, steps: int, every: int, callback: Progress | None,
                fused: Callable, loop: tuple | None = None) -> _Rows:
    """Descend from one start on Python floats, f and ∇f in torch's order, the update generated for all coordinates."""
    collecting = gc.isenabled()
    gc.disable()    # the loop makes only short-lived tuples: the cyclic collector would rescan the growing record
    try:
        with np.errstate(all="ignore"):   # float32 scalars overflow to inf quietly, as torch does
            return _loop_fused(formula, rule, x0, steps, every, callback, fused, loop)
    finally:
        if collecting:
            gc.enable()


def _loop_fused(formula: Any, rule: Rule, x0: np.ndarray, steps: int, every: int, callback: Progress | None,
                fused: Callable, loop: Callable | None = None) -> _Rows:
    """The single-start loop: ordinary steps in one generated loop (gradcore.fused), the others one at a time here."""
    f32, n, k = x0.dtype == np.float32, x0.size, len(rule.state_names)
    value_and_grad, constants = autograd_value_and_gradient(formula, x0.dtype.name), rule.constants()
    blocks = fused_block(*loop, autograd_source(formula, x0.dtype.name)) if loop is not None else _no_fused
    x = [float(v) for v in x0]
    s = [float(v) for xi in x0 for v in rule.init(xi)]
    rec = _FlatRecord(2 + 2 * n + n * k)
    last, stop, reason, tick, isfinite = None, None, "", _every(steps), math.isfinite
    key, updates, block, t, wait, wait_until = (), None, None, 0, 1, 0
    constants = _Ahead(constants)
    while True:
        try:
            out = value_and_grad(*x)
        except (ArithmeticError, ValueError) as err:
            stop, reason = t, _error_reason(err, "is" if t == 0 else "became")
            break
        if f32:
            out = _exact32(out)
        f, g = out[0], out[1:]
        if not isfinite(f + sum(g) + sum(x)) and not (isfinite(f) and all(map(isfinite, g)) and all(map(isfinite, x))):
            stop, reason = t, _reason(f, g, x, "is" if t == 0 else "became")
            break
        last = (t, *x, f, *g, *s)
        if t % every == 0 or t == steps:
            rec.flat += last
        if t == steps:
            break
        c = next(constants)
        c_key = c if (c is None or c is True or c is False) else (None in c) if type(c) is tuple else 0.0
        if c_key is not key:    # the generated update depends on which constants are None or set (0.0: plain numbers)
            key, updates = c_key, fused(c)
            block = blocks(c) if updates is not None else None
        try:
            x, s = updates[0](c, x, g, s) if updates is not None and not f32 else \
                _fused_step(updates, rule, x, g, s, c, n, k, f32)
        except (ArithmeticError, ValueError) as err:
            stop, reason = t + 1, _error_reason(err, source="update")
            break
        if callback is not None and ((t + 1) % tick == 0 or t + 1 == steps):
            callback(t + 1, steps)
        t += 1
        if block is not None and t >= wait_until:
            t, x, s, last, stuck = _ordinary_steps(block, t, x, s, constants, rec, every, steps, tick, last)
            wait = min(2 * wait, MAX_WAIT) if stuck else 1    # a stretch of unusual steps: try the loop less often
            wait_until = t + wait
    if stop is not None and last is not None and rec.last_step() != last[0]:
        rec.flat += last
    return rec.rows(n, rule.state_names, stop, reason)


BLOCK_STEPS = 4096    # steps per call of a generated loop at most (their constants are taken in advance)
MAX_WAIT = 256        # steps one at a time at most before the generated loop is tried again


class _Ahead:
    """A rule's constants, of which a run takes many at once and gives back those it did not use."""

    def __init__(self, constants: Any):
        self.constants, self.back = constants, []    # back: given back, the next one last

    def __iter__(self) -> _Ahead:
        return self

    def __next__(self) -> Any:
        return self.back.pop() if self.back else next(self.constants)

    def take(self, m: int) -> list:
        """The next m constants."""
        out = [self.back.pop() for _ in range(min(m, len(self.back)))]
        return out + list(itertools.islice(self.constants, m - len(out)))

    def give_back(self, cs: list) -> None:
        """Constants taken but not used: they come next."""
        self.back += reversed(cs)


def _ordinary_steps(block: Callable, t: int, x: list, s: list, constants: _Ahead, rec: _FlatRecord, every: int,
                    steps: int, tick: int, last: tuple | None) -> tuple:
    """Steps t, t+1, … in the generated loop, up to the next progress callback's step or the last step; stuck: none ran."""
    end = min(steps - 1, -(-(t + 1) // tick) * tick - 1, t + BLOCK_STEPS)   # the last update reports progress too
    if end <= t:
        return t, x, s, last, False
    cs = constants.take(end - t)
    start = t
    t, x, s, row = block(t, x, s, cs, rec.flat.extend, every)
    if t - start < len(cs):     # the loop stopped before an unusual step: its constants are still to come
        constants.give_back(cs[t - start:])
    return t, x, s, row if row is not None else last, t == start


F32_TINY, F32_MAX = 2.0**-126, 3.4028234663852886e38


def _fused_step(updates: tuple | None, rule: Rule, x: list, g: list, s: list, c: Any, n: int, k: int, f32: bool) -> tuple:
    """(x', s') by the generated update; float32 tries splitting first, then exact rounding, then numpy's scalars."""
    if updates is None:
        return _generic_update(rule, x, g, s, c, n, k, f32)
    if not f32:
        return updates[0](c, x, g, s)
    try:
        return updates[0](c, x, g, s) or updates[1](c, x, g, s)
    except (ArithmeticError, ValueError):   # float32 divides by zero quietly: numpy's scalars do too
        return _generic_update(rule, x, g, s, c, n, k, f32)


def _exact32(out: list[float]) -> list[float]:
    """Values rounded to float32 by splitting, made exact where that is not (overflow to inf, subnormals)."""
    for v in out:
        if not (F32_TINY <= abs(v) <= F32_MAX or v == 0.0):
            return [float(np.float32(v)) for v in out]
    return out


def _generic_update(rule: Rule, x: list, g: list, s: list, c: Any, n: int, k: int, f32: bool) -> tuple[list, list]:
    """One step through the rule's per-coordinate update (float32 on numpy scalars), state flat and coordinate-major."""
    cast = np.float32 if f32 else float
    xs, ss = [], []
    for i in range(n):
        xi, si = rule.update(cast(x[i]), cast(g[i]), tuple(cast(v) for v in s[i * k:(i + 1) * k]), c)
        xs.append(float(xi))
        ss += map(float, si)
    return xs, ss


class _FlatRecord:
    """Recorded rows of a single run in one flat list of numbers, a row (t, x, f, ∇f, s) after another."""

    def __init__(self, width: int) -> None:
        self.width, self.flat = width, []

    def last_step(self) -> int | None:
        """The step of the last recorded row."""
        return int(self.flat[-self.width]) if self.flat else None

    def rows(self, n: int, names: tuple[str, ...], stop: int | None, reason: str) -> _Rows:
        """The rows as arrays: (R, n) points and gradients, (R,) losses, (R, n) per state name."""
        table = np.array(self.flat, dtype=np.float64).reshape(-1, self.width)
        R = len(table)
        state = table[:, 2 + 2 * n:].reshape(R, n, len(names))
        return _Rows(table[:, 0].astype(np.int64).tolist(), table[:, 1:1 + n].copy(), table[:, 1 + n].copy(),
                     table[:, 2 + n:2 + 2 * n].copy(), {k: state[:, :, i].copy() for i, k in enumerate(names)}, stop, reason)


# ---------------------------------------------------------------- a batch of starts: numpy arrays

_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _numpy_value_and_gradient(formula: Any) -> Callable:
    """(*coords) -> [f, ∂f/∂x1, …] on numpy arrays, compiled once per formula (shared subexpressions computed once).

    Autograd's order (gradcore.typed's generated code, elementwise on the arrays: each start's bits are
    a lone start's) where the typed formula uses only + - * / and integer powers; sympy's ∇f otherwise.
    """
    try:
        fn = _COMPILED.get(formula)
    except TypeError:  # a formula that cannot be weakly referenced is compiled every time
        return _array_value_and_gradient(formula)
    if fn is None:
        fn = _COMPILED[formula] = _array_value_and_gradient(formula)
    return fn


_CALL_OR_BRANCH = re.compile(r"[A-Za-z_]\(| if ")   # a function call or a conditional: written for Python floats only


def _array_value_and_gradient(formula: Any) -> Callable:
    """The typed formula's forward and backward for arrays (float64 literals: numpy casts them to float32 arrays'
    dtype as torch does), or sympy's gradient where the generated code calls functions written for floats."""
    typed = autograd_source(formula, "float64")
    if typed is None or _CALL_OR_BRANCH.search(typed[0].split("\n", 1)[1]):
        return formula.compile([formula.expr, *formula.gradient_exprs], "numpy")
    namespace: dict = {}
    source = re.sub(r"= 1\.0 \* ", "= ", typed[0])    # 1.0 · g is g, bit for bit: one pass over the arrays less
    exec(compile(source, "<gradcore.typed arrays>", "exec"), namespace)
    return namespace["_f"]


def _evaluate(fn: Callable, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) of shape (B,) and ∇f(x) of shape (n, B), for x of shape (n, B)."""
    out = fn(*x)
    loss = np.empty(x.shape[1])
    loss[...] = out[0]
    g = np.empty_like(x)
    for i, gi in enumerate(out[1:]):
        g[i] = gi
    return loss, g


def _safe_evaluate(fn: Callable, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like _evaluate, NaN where numpy raised (it should not, but a batch must never crash)."""
    try:
        return _evaluate(fn, x)
    except (ArithmeticError, ValueError, TypeError):
        return np.full(x.shape[1], np.nan), np.full_like(x, np.nan)


def _all_finite(*arrays: np.ndarray) -> bool:
    """Every entry finite (a sum that overflows only sends us to the exact check)."""
    return all(math.isfinite(a.sum()) for a in arrays) or bool(_finite_mask(*arrays).all())


def _finite_mask(loss: np.ndarray, g: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(b,) True where f, ∇f and x are all finite."""
    return np.isfinite(loss) & np.isfinite(g).all(axis=0) & np.isfinite(x).all(axis=0)


class _Chunk:
    """Some starts of a batch descending together on arrays of shape (n, b); diverged starts are frozen."""

    def __init__(self, x0: np.ndarray, cols: slice, rule: Rule):
        self.cols = cols
        self.x = np.ascontiguousarray(x0[cols].T)
        self.s = rule.init(self.x)
        self.at = np.full(self.x.shape[1], -1, dtype=np.int64)   # the step each start diverged at, -1 if never
        self.dead = np.zeros(self.x.shape[1], dtype=bool)
        self.all_dead = False
        self.first: tuple[int, str] | None = None   # (step, reason) of this chunk's first divergence after step 0
        self.start_reason = ""                       # why a start point is unusable, if one is
        self.row: tuple | None = None    # (x, f, ∇f, state) at the current step, diverged starts frozen
        self.prev: tuple | None = None   # the same at the step before

    def evaluate(self, fn: Callable, t: int) -> None:
        """f and ∇f at x_t; starts whose values stop being finite keep their last finite row from now on."""
        loss, g = _safe_evaluate(fn, self.x)
        row = (self.x, loss, g, self.s)
        if not _all_finite(loss, g, self.x):
            self._mark(t, row)
        if self.dead.any():
            row = self._frozen(row)
        self.prev, self.row = self.row, row

    def step(self, update: Callable, c: Any) -> None:
        """x_{t+1}, s_{t+1} = update(x_t, ∇f(x_t), s_t, c_t)."""
        x, _, g, s = self.row
        self.x, self.s = update(x, g, s, c)

    def _mark(self, t: int, row: tuple) -> None:
        """Mark the starts whose x, f or ∇f stopped being finite at step t."""
        x, loss, g, _ = row
        bad = ~_finite_mask(loss, g, x) & ~self.dead
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            if t == 0:
                self.start_reason = _reason(loss[i], g[:, i], x[:, i], "is")
            else:
                self.first = self.first or (t, _reason(loss[i], g[:, i], x[:, i]))
            self.at[bad] = t
            self.dead |= bad
            self.all_dead = bool(self.dead.all())

    def _frozen(self, row: tuple) -> tuple:
        """The row with the diverged starts' columns taken from the previous row (x0 and NaN at step 0)."""
        dead, (x, loss, g, s) = self.dead, row
        if self.row is None:
            return x, np.where(dead, np.nan, loss), np.where(dead, np.nan, g), s
        px, ploss, pg, ps = self.row
        state = tuple(np.where(dead, p, v) for p, v in zip(ps, s, strict=True))
        return np.where(dead, px, x), np.where(dead, ploss, loss), np.where(dead, pg, g), state


def _run_batch(formula: Any, rule: Rule, x0: np.ndarray, steps: int, every: int, callback: Progress | None) -> _Rows:
    """Descend from B starts at once on numpy arrays, in chunks that fit the CPU cache; diverged starts are frozen."""
    fn, update, constants = _numpy_value_and_gradient(formula), rule.update, rule.constants()
    size = max(1, CHUNK_VALUES // x0.shape[1])
    chunks = [_Chunk(x0, slice(i, i + size), rule) for i in range(0, x0.shape[0], size)]
    rec = _Record(_recorded_rows(steps, every), x0.shape, rule.state_names)
    stop, tick = None, _every(steps, x0.shape[0])
    with np.errstate(all="ignore"):
        for t in range(steps + 1):
            for chunk in chunks:
                chunk.evaluate(fn, t)
            if all(chunk.all_dead for chunk in chunks):
                stop = t
                break
            if t % every == 0 or t == steps:
                rec.add(t, [chunk.row for chunk in chunks], [chunk.cols for chunk in chunks])
            if t == steps:
                break
            c = next(constants)
            for chunk in chunks:
                chunk.step(update, c)
            if callback is not None and ((t + 1) % tick == 0 or t + 1 == steps):
                callback(t + 1, steps)
    if stop and rec.steps[-1] != stop - 1:  # keep the last finite row
        rec.add(stop - 1, [chunk.prev for chunk in chunks], [chunk.cols for chunk in chunks])
    firsts = [chunk.first for chunk in chunks if chunk.first]
    reason = min(firsts)[1] if firsts else ""
    start_reason = next((chunk.start_reason for chunk in chunks if chunk.start_reason), "")
    return rec.rows(stop, reason, np.concatenate([chunk.at for chunk in chunks]), start_reason)


class _Record:
    """Preallocated arrays for the recorded rows of a batch run, in the (R, B, n) layout."""

    def __init__(self, rows: int, shape: tuple[int, int], names: tuple[str, ...]):
        self.names, self.steps = names, []
        self.points, self.grads = np.empty((rows, *shape)), np.empty((rows, *shape))
        self.losses = np.empty((rows, shape[0]))
        self.state = {k: np.empty((rows, *shape)) for k in names}

    def add(self, t: int, rows: list[tuple], cols: list[slice]) -> None:
        """Store step t's (x, f, ∇f, state), one row per chunk of starts."""
        r = len(self.steps)
        for (x, loss, g, s), c in zip(rows, cols, strict=True):
            self.points[r, c], self.losses[r, c], self.grads[r, c] = x.T, loss, g.T
            for k, v in zip(self.names, s, strict=True):
                self.state[k][r, c] = v.T
        self.steps.append(t)

    def rows(self, stop: int | None, reason: str, diverged_at: np.ndarray, start_reason: str) -> _Rows:
        """The filled rows."""
        R = len(self.steps)
        return _Rows(self.steps, self.points[:R], self.losses[:R], self.grads[:R],
                     {k: v[:R] for k, v in self.state.items()}, stop, reason, diverged_at, start_reason)
