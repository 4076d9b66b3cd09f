"""Benchmark descend() against the plain torch.optim loop, side by side in one process.

1. The lecture's worked example: Adam on Himmelblau from (-4, 0), lr 1e-3, 20,000 steps.
   The baseline is the lecture's own float32 script (forward, backward, step);
   descend() records every step.  Target: at least 20x faster.
2. A basin map: 40,000 starts on a 200 x 200 grid over [-6, 6]^2, 500 Adam steps,
   recording the first and last step.  Target: under 1 s.

Run: python bench/bench_descent.py [--repeats N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gradcore.descent import descend  # noqa: E402
from gradcore.formula import parse  # noqa: E402

HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"
STEPS = 20_000


def torch_loop(steps: int = STEPS) -> list[float]:
    """The lecture's script, without its printing: x after the run."""
    def himmelblau(x):
        return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2

    x = torch.tensor([-4.0, 0.0], requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=1e-3)
    for _ in range(steps):
        pred = himmelblau(x)
        optimizer.zero_grad()
        pred.backward()
        optimizer.step()
    return x.tolist()


def best_of(repeats: int, fn) -> float:
    """The fastest of `repeats` runs of fn(), in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each timing; the fastest counts")
    repeats = parser.parse_args().repeats
    f = parse(HIMMELBLAU)

    start = time.perf_counter()
    traj = descend(f, "Adam", (-4.0, 0.0), 1e-3, STEPS)
    cold = time.perf_counter() - start
    engine = best_of(repeats, lambda: descend(f, "Adam", (-4.0, 0.0), 1e-3, STEPS))
    baseline = best_of(max(1, repeats - 1), torch_loop)
    print(f"torch {torch.__version__}, numpy {np.__version__}, torch threads {torch.get_num_threads()}")
    print(f"lecture run, {STEPS:,} Adam steps on Himmelblau from (-4, 0):")
    print(f"  plain torch.optim loop (float32): {baseline:8.3f} s   {baseline / STEPS * 1e6:7.1f} us/step")
    print(f"  descend(), one start (float64):   {engine:8.3f} s   {engine / STEPS * 1e6:7.1f} us/step"
          f"   (first call, compiling f: {cold:.3f} s)")
    print(f"  ratio: descend() is {baseline / engine:.1f}x faster (target >= 20x); final x = {np.round(traj.x, 4).tolist()}")

    grid = np.linspace(-6, 6, 200)
    starts = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    start = time.perf_counter()
    descend(f, "Adam", starts, 0.1, 500, record_every=500)
    cold = time.perf_counter() - start
    batch = best_of(repeats, lambda: descend(f, "Adam", starts, 0.1, 500, record_every=500))
    print(f"basin map, {len(starts):,} starts x 500 Adam steps (lr 0.1, record_every=500):")
    print(f"  descend(), batch: {batch:.3f} s (target < 1 s; first call {cold:.3f} s)"
          f"   {batch / (len(starts) * 500) * 1e9:.1f} ns per start-step")


if __name__ == "__main__":
    main()
