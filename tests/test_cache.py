"""ui.cache: results kept within a byte budget (32 cached 50,000-step runs held about 600 MB under st.cache_data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from pagetest import open_page

from gradcore.descent import descend
from ui.cache import _CACHES, DESCENT_RUNS_BYTES, MB, BytesCache, bytes_cache, nbytes


@dataclass(frozen=True)
class FakeRun:
    points: np.ndarray
    label: str


def run_of(megabytes: int, label: str = "r") -> FakeRun:
    """A result of this many MB (np.zeros: the pages are not touched, so the test allocates nothing real)."""
    return FakeRun(np.zeros(megabytes * MB // 8), label)


def test_nbytes_counts_a_trajectorys_arrays():
    """A 50,000-step Adam run with amsgrad in two variables: x, ∇f, three state arrays (n each), f and the step index."""
    run = descend("x^2 + y^2", "Adam", (1.0, 2.0), 1e-3, 50_000, amsgrad=True)
    arrays = [run.points, run.losses, run.grads, run.steps, *run.state.values()]
    assert sum(a.nbytes for a in arrays) == 50_001 * (5 * 2 + 2) * 8
    assert sum(a.nbytes for a in arrays) <= nbytes(run) < sum(a.nbytes for a in arrays) + 10_000


def test_the_least_recently_used_entries_go_until_the_budget_fits():
    cache = BytesCache(50 * MB)
    for i in range(3):
        cache.put(i, run_of(19))
    assert len(cache) == 2 and cache.get(0) == (False, None)
    assert cache.get(1)[0]                   # 1 is now the most recently used: 2 goes next
    cache.put(3, run_of(19))
    assert [cache.get(k)[0] for k in range(4)] == [False, True, False, True]
    assert cache.used <= 50 * MB


def test_a_result_larger_than_the_budget_is_returned_but_not_kept():
    cache = BytesCache(10 * MB)
    cache.put("big", run_of(19))
    assert len(cache) == 0 and cache.used == 0


def test_32_runs_of_19_mb_stay_within_the_descent_budget():
    """The issue's case: 32 cached 50,000-step runs in nine variables (19 MB each) were about 600 MB."""
    calls = []

    @bytes_cache(DESCENT_RUNS_BYTES)
    def run(start: float) -> FakeRun:
        calls.append(start)
        return run_of(19)

    for start in range(32):
        run(float(start))
    assert run.cache.used <= DESCENT_RUNS_BYTES and len(run.cache) == DESCENT_RUNS_BYTES // (19 * MB)
    run(31.0)
    assert len(calls) == 32                  # the newest is still there: no new run
    run.cache.clear()


def test_the_cache_is_the_same_across_reruns_of_a_page():
    """A page defines its cached function again on every rerun; the results stay (st.cache_data does the same)."""
    def define():
        @bytes_cache(MB)
        def square(v: float) -> float:
            return v * v
        return square

    first, second = define(), define()
    first(3.0)
    assert second.cache is first.cache and second.cache.get(((3.0,), ()))[1] == 9.0
    first.cache.clear()


@pytest.mark.usefixtures("clean_caches")
def test_the_descent_page_keeps_its_runs_in_the_budgeted_cache():
    open_page("pages/4_Gradient_descent.py")
    (cache,) = [c for name, c in _CACHES.items() if name.endswith("4_Gradient_descent.py:cached_run")]
    assert len(cache) == 1 and 0 < cache.used <= DESCENT_RUNS_BYTES
