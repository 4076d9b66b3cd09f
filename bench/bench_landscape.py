"""Benchmark the Landscape page's heavy work against the plain per-start loops, side by side in one process.

1. A 200 x 200 basin map of Himmelblau: 40,000 starts x 500 Adam steps (lr 0.1), every start labelled by the
   minimum it reaches (gradcore.landscape.basins, one batched descend() with record_every=steps).  Target: < 1.5 s.
   Baselines, measured here on a subset and scaled to 40,000 starts:
     - the lecture's plain torch.optim loop (forward, backward, step), one start at a time;
     - descend() called once per start (its single-start path on Python floats).
2. The critical points of Himmelblau (Newton's method from a 60 x 60 grid).
3. The page itself (AppTest): a cold run at 200 x 200 starts (every cache empty) and the median of 10 warm reruns.

Run: python bench/bench_landscape.py [--repeats N] [--no-page]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gradcore import landscape as ls  # noqa: E402
from gradcore.descent import descend  # noqa: E402
from gradcore.formula import parse  # noqa: E402
from gradcore.presets import PRESETS  # noqa: E402

HIMMELBLAU = PRESETS["Himmelblau"]
RESOLUTION, STEPS, LR = 200, 500, 0.1


def timed(fn) -> tuple[float, float, object]:
    """Wall and CPU seconds of one call of fn(), and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def best_of(repeats: int, fn) -> tuple[float, float, object]:
    """The fastest of `repeats` calls (wall time), with its CPU time and result."""
    return min((timed(fn) for _ in range(repeats)), key=lambda r: r[0])


def torch_loop(starts: np.ndarray) -> np.ndarray:
    """The lecture's loop, one start at a time: Adam on Himmelblau, float64, STEPS steps each."""
    ends = []
    for x0 in starts:
        x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        optimizer = torch.optim.Adam([x], lr=LR)
        for _ in range(STEPS):
            loss = (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        ends.append(x.detach().numpy())
    return np.array(ends)


def page_times() -> tuple[float, float]:
    """AppTest: a cold run of the page with a 200 x 200 map (caches empty), then the median of 10 warm reruns."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/6_Landscape.py").run()
    st.cache_data.clear()
    at.select_slider(key="ls_res").set_value(RESOLUTION)
    cold, _, _ = timed(at.run)
    assert not at.exception, at.exception
    warm = []
    for _ in range(10):
        warm.append(timed(at.run)[0])
    return cold, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each timing; the fastest counts")
    parser.add_argument("--no-page", action="store_true", help="skip the AppTest timings of the page")
    args = parser.parse_args()
    torch.set_num_threads(1)
    f = parse(HIMMELBLAU.formula)
    print(f"torch {torch.__version__}, numpy {np.__version__}, torch threads {torch.get_num_threads()}")

    crit_wall, crit_cpu, cps = best_of(args.repeats, lambda: ls.critical_points(f, *ls.box(HIMMELBLAU.domain, 2)))
    print(f"critical points of Himmelblau (Newton from 60 x 60 starts): {crit_wall:.3f} s wall, {crit_cpu:.3f} s CPU; "
          f"found {cps.counts()}")

    def basin_map():
        return ls.basins(f, cps.minima, HIMMELBLAU.domain, "Adam", LR, STEPS, RESOLUTION)

    cold_wall, _, _ = timed(basin_map)
    wall, cpu, bm = best_of(args.repeats, basin_map)
    starts = ls.grid_starts(HIMMELBLAU.domain, RESOLUTION)[2]
    n = len(starts)
    subset = starts[np.random.default_rng(0).choice(n, 200, replace=False)]
    loop_wall, _, _ = timed(lambda: [descend(f, "Adam", x0, LR, STEPS, record_every=STEPS) for x0 in subset])
    torch_loop(subset[:1])                                    # warm up torch.optim (its first step costs seconds)
    torch_wall, _, ends = timed(lambda: torch_loop(subset[:10]))
    per_start_descend, per_start_torch = loop_wall / len(subset), torch_wall / 10
    converged = float((bm.labels >= 0).mean())
    print(f"basin map, {RESOLUTION} x {RESOLUTION} = {n:,} starts x {STEPS} Adam steps (lr {LR}), labelled:")
    print(f"  gradcore.landscape.basins: {wall:.3f} s wall, {cpu:.3f} s CPU (target < 1.5 s; first call {cold_wall:.3f} s); "
          f"{converged:.2%} of the starts reach one of {len(bm.minima)} minima")
    print(f"  baseline, descend() once per start ({len(subset)} starts, scaled): {per_start_descend * n:8.1f} s"
          f"   ratio {per_start_descend * n / wall:7.0f}x")
    print(f"  baseline, plain torch.optim loop per start (10 starts, scaled):  {per_start_torch * n:8.1f} s"
          f"   ratio {per_start_torch * n / wall:7.0f}x")
    agree = np.abs(ends - bm.ends.reshape(-1, 2)[[int(np.flatnonzero((starts == s).all(1))[0]) for s in subset[:10]]]).max()
    print(f"  the torch loop and the batch agree on those 10 end points to {agree:.1e}")
    if not args.no_page:
        cold, warm = page_times()
        print(f"page (AppTest): cold run with a {RESOLUTION}² map and every cache empty {cold:.2f} s; "
              f"warm rerun median of 10: {warm * 1000:.0f} ms (target < 1 s)")


if __name__ == "__main__":
    main()
