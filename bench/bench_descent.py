"""Benchmark descend() against the plain torch.optim loop, side by side in one process.

1. The lecture's worked example: Adam on Himmelblau from (-4, 0), lr 1e-3, 20,000 steps,
   in float64 and in float32.  The baseline is the lecture's own script (forward, backward,
   step) in the same dtype; descend() records every step and ends bit for bit where the
   baseline ends (checked here too).  Target: at least 50x faster.
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


def torch_loop(dtype: str = "float32", steps: int = STEPS) -> list[float]:
    """The lecture's script, without its printing: x after the run."""
    def himmelblau(x):
        return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2

    x = torch.tensor([-4.0, 0.0], dtype=getattr(torch, dtype), requires_grad=True)
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
    print(f"torch {torch.__version__}, numpy {np.__version__}, torch threads {torch.get_num_threads()}, "
          f"CPU capability {torch.backends.cpu.get_cpu_capability()}")
    print(f"lecture run, {STEPS:,} Adam steps on Himmelblau from (-4, 0):")
    for dtype in ("float64", "float32"):
        start = time.perf_counter()
        traj = descend(f, "Adam", (-4.0, 0.0), 1e-3, STEPS, dtype=dtype)
        cold = time.perf_counter() - start
        engine = best_of(repeats, lambda dtype=dtype: descend(f, "Adam", (-4.0, 0.0), 1e-3, STEPS, dtype=dtype))
        baseline = best_of(max(1, repeats - 1), lambda dtype=dtype: torch_loop(dtype))
        same = traj.x.tolist() == torch_loop(dtype)
        print(f"  {dtype}: plain torch.optim loop {baseline:7.3f} s ({baseline / STEPS * 1e6:6.1f} us/step), "
              f"descend() {engine:6.3f} s ({engine / STEPS * 1e6:5.1f} us/step; first call {cold:.3f} s)")
        print(f"  {dtype}: ratio {baseline / engine:.1f}x (target >= 50x); final x {traj.x.tolist()}, "
              f"{'bit for bit torch.optim' if same else 'NOT equal to torch.optim'}")

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
