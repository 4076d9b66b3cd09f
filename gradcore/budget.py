"""Run a call that may take long or allocate without bound in a worker process, killed at its budget.

Streamlit runs every session's script in threads of one Python process, so a sympy call that keeps
the GIL for a minute freezes every student, and signals (SIGALRM) do not work in those threads.
``run_limited(fn, *args, seconds=…, memory_mb=…)`` forks a child from a forkserver (sympy already
imported there), runs ``fn(*args)`` in it under an address-space limit, waits at most ``seconds``
and kills the child when the time is up. The caller's process only waits (no GIL held) and unpickles
the answer. ``fn`` and its arguments must be picklable (module-level functions, sympy trees).

Where no worker can be started (no multiprocessing on the platform) or where the worker would re-run the
person's own script (multiprocessing imports __main__: a plain `python script.py`) the call runs inline.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

SECONDS = 2.0            # default wall-clock budget of one call
MEMORY_MB = 768          # default extra address space a call may allocate
_PRELOAD = ["sympy", "gradcore.symbolic"]
_context: Any = None
_lock = threading.Lock()


class BudgetExceeded(RuntimeError):
    """A call ran past its time or memory budget and was stopped; `.kind` is "time" or "memory"."""

    def __init__(self, kind: str, seconds: float | None = None):
        self.kind = kind
        what = f"more than {seconds:g} s" if kind == "time" else "too much memory"
        super().__init__(f"the computation took {what} and was stopped")


def _get_context():
    """The forkserver context, started once per process with sympy preloaded."""
    global _context
    with _lock:
        if _context is None:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(_PRELOAD)
            _context = ctx
    return _context


def _limit_memory(memory_mb: float) -> None:
    """Cap this process's address space at its current size plus memory_mb."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[0])
    limit = pages * os.sysconf("SC_PAGE_SIZE") + int(memory_mb * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _child(conn, fn: Callable, args: tuple, memory_mb: float) -> None:
    """Worker side: run fn(*args) under the memory cap, send ("ok", result) or ("error", exception)."""
    try:
        _limit_memory(memory_mb)
    except (OSError, ValueError):
        pass
    try:
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as err:
        try:
            conn.send(("error", err))
        except Exception:
            conn.send(("error", RuntimeError(traceback.format_exc(limit=3))))
    finally:
        conn.close()


def warm_up() -> None:
    """Start the forkserver now (it imports sympy once, about a second), not on the first formula."""
    run_limited(int, "0", seconds=60)


def _main_is_safe_to_reimport() -> bool:
    """Whether a worker may import __main__ (multiprocessing does): a notebook, `python -m …` or a console script
    such as `streamlit` or `pytest` is; a plain `python script.py` may not guard its code with __name__."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return path is None or getattr(getattr(main, "__spec__", None), "name", None) is not None or not path.endswith(".py")


def run_limited(fn: Callable[..., T], *args: Any, seconds: float = SECONDS, memory_mb: float = MEMORY_MB) -> T:
    """fn(*args) in a worker process: its result, its exception re-raised, or BudgetExceeded.

    Inline (no time or memory limit) where no worker can be used: no multiprocessing, or a plain script."""
    if not _main_is_safe_to_reimport():
        return fn(*args)
    try:
        ctx = _get_context()
        parent, child = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child, args=(child, fn, args, memory_mb), daemon=True)
        process.start()
    except (OSError, ValueError, ImportError):  # no worker processes here: run inline
        return fn(*args)
    child.close()
    try:
        if not parent.poll(seconds):
            raise BudgetExceeded("time", seconds)
        try:
            kind, payload = parent.recv()
        except (EOFError, OSError):  # the child died: out of memory in C code, or killed
            raise BudgetExceeded("memory") from None
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(1)
    if kind == "memory":
        raise BudgetExceeded("memory")
    if kind == "error":
        raise payload
    return payload
