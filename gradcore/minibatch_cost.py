"""Why mini-batches (d2l's reason): vectorisation.  One epoch's wall-clock time per batch size, measured with torch on
this machine, turns a run's examples processed into seconds; and the noise floor a constant learning rate leaves."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from gradcore.minibatch import MODELS, OPTIMIZERS, Data, Run, make_loader, make_net, one_thread

TIMED_BATCHES = 48     # batches timed per batch size (an epoch of B = 1 on N = 1000 is extrapolated from them)
REPEATS = 2            # the fastest of this many timings (a busy machine only ever adds time)


def epoch_seconds(data: Data, model: str, sizes: Sequence[int], optimizer: str = "SGD", lr: float = 0.01) -> np.ndarray:
    """Seconds of one epoch of train()'s loop (zero_grad, loss, backward, step) for each batch size B, on this machine."""
    return np.array([min(_time_epoch(data, model, int(b), optimizer, lr) for _ in range(REPEATS)) for b in sizes])


def _time_epoch(data: Data, model: str, batch_size: int, optimizer: str, lr: float) -> float:
    """Time up to TIMED_BATCHES steps of batch_size examples and scale to the epoch's ⌈N/B⌉ steps."""
    net, loss_fn = make_net((0.0, 0.0)), MODELS[model].make_loss()
    opt, loader = OPTIMIZERS[optimizer].make(net.parameters(), lr), make_loader(data, batch_size, 0)
    with one_thread():
        steps, start = 0, time.perf_counter()
        for xb, yb in loader:
            opt.zero_grad()
            loss_fn(net(xb), yb).backward()
            opt.step()
            steps += 1
            if steps == TIMED_BATCHES:
                break
        elapsed = time.perf_counter() - start
    return elapsed / steps * len(loader)


def run_seconds(run: Run, n: int, sizes: Sequence[int], seconds: Sequence[float]) -> np.ndarray:
    """(T+1,) seconds spent until each step of the run: examples processed / N epochs at the measured epoch time of its B."""
    per_epoch = float(np.interp(np.log(run.batch_size), np.log(np.asarray(sizes, dtype=float)), seconds))
    return run.examples / n * per_epoch


def noise_floor(run: Run, best: float) -> float:
    """The loss a run keeps bouncing at: the mean of L − L* over its last epoch."""
    if run.epochs == 0 or run.diverged:
        return float("nan")
    last = run.losses[run.epoch_ends[-2] + 1:run.epoch_ends[-1] + 1]
    return float(np.mean(last) - best)
