"""Benchmark: parse + gradient + Hessian + every callable for Himmelblau, and the home page rerun.

Prints absolute times and ratios against baselines measured in the same run (this machine is shared and noisy):
  - parse vs sympy's own differentiation of the same expression tree (the floor for any sympy-based engine);
  - the home page rerun (AppTest, median of 10) against the goal of 250 ms.
Run: python bench/bench_parse.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sympy as sp  # noqa: E402

from gradcore import parse  # noqa: E402

HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"


def best_of(fn, repeat: int = 7) -> float:
    """Best time of `repeat` cold calls: sympy's cache is cleared before each one."""
    from sympy.core.cache import clear_cache

    times = []
    for _ in range(repeat):
        clear_cache()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def full_compile():
    f = parse(HIMMELBLAU)
    f.hessian_exprs  # noqa: B018
    p = np.array([1.0, 1.0])
    f.value(p), f.gradient(p), f.hessian(p), f.autograd_gradient(p), f.scalar_value_and_gradient(1.0, 1.0)


def sympy_baseline():
    x, y = sp.symbols("x y", real=True)
    expr = (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2
    grad = [sp.diff(expr, v) for v in (x, y)]
    [[sp.diff(g, v) for v in (x, y)] for g in grad]


def home_rerun_ms() -> tuple[float, int]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    times = []
    for i in range(10):
        start = time.perf_counter()
        at.slider(key="px").set_value(-3.0 + 0.5 * i).run()
        times.append(time.perf_counter() - start)
    size = sum(len(el.proto.spec) for el in at.get("plotly_chart"))
    return statistics.median(times) * 1000, size


def main() -> None:
    full_compile()  # warm imports
    t_full = best_of(full_compile)
    t_sympy = best_of(sympy_baseline)
    print(f"parse + gradient + Hessian + all callables (Himmelblau): {t_full * 1000:.1f} ms (goal < 100 ms)")
    print(f"sympy differentiation alone (baseline, same run):        {t_sympy * 1000:.1f} ms")
    print(f"ratio full / sympy-only: {t_full / t_sympy:.1f}x")
    rerun, size = home_rerun_ms()
    print(f"home page rerun after a slider move (AppTest, median of 10): {rerun:.0f} ms (goal < 250 ms), "
          f"ratio to goal {rerun / 250:.2f}")
    print(f"home page figures sent to the browser: {size / 1e6:.2f} MB (goal < 1.5 MB)")
    print(json.dumps({"parse_ms": t_full * 1000, "home_rerun_ms": rerun, "home_figure_bytes": size}))


if __name__ == "__main__":
    main()
