"""Run a call that may take long or allocate without bound in a worker process, killed at its budget.

Streamlit runs every session's script in threads of one Python process, so a sympy call that keeps
the GIL for a minute freezes every student, and signals (SIGALRM) do not work in those threads.
``run_limited(fn, *args, seconds=…, memory_mb=…)`` forks a child from a forkserver (sympy already
imported there), runs ``fn(*args)`` in it under an address-space limit, waits at most ``seconds``
and kills the child when the time is up. The caller's process only waits (no GIL held) and unpickles
the answer. ``fn`` and its arguments must be picklable (module-level functions, sympy trees).

Where no worker can be started (no multiprocessing on the platform) the call runs inline. The worker never
imports the caller's __main__ (a plain script, or under Streamlit the page), unlike multiprocessing's default.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
import resource
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from gradcore.messages import msg

T = TypeVar("T")

SECONDS = 2.0            # default wall-clock budget of one call
MEMORY_MB = 768          # default extra address space a call may allocate
_PRELOAD = ["sympy", "gradcore._warm_worker"]
_context: Any = None
_lock = threading.Lock()


class BudgetExceeded(RuntimeError):
    """A call ran past its time or memory budget and was stopped; `.kind` is "time" or "memory"."""

    def __init__(self, kind: str, seconds: float | None = None):
        self.kind = kind
        super().__init__(msg("the computation took more than {seconds:g} s and was stopped", seconds=seconds)
                         if kind == "time" else msg("the computation took too much memory and was stopped"))


def _popen_class():
    from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
    from multiprocessing.context import set_spawning_popen

    class Popen(popen_forkserver.Popen):
        """A forkserver child that does not import the parent's __main__ (multiprocessing's default re-runs a plain
        script, and under Streamlit __main__ is the page itself): `fn` is found by its module name instead.
        popen_forkserver.Popen._launch of Python 3.11-3.13, less the two keys that name __main__."""

        def _launch(self, process_obj):
            prep_data = spawn.get_preparation_data(process_obj._name)
            prep_data.pop("init_main_from_path", None)
            prep_data.pop("init_main_from_name", None)
            buf = io.BytesIO()
            set_spawning_popen(self)
            try:
                reduction.dump(prep_data, buf)
                reduction.dump(process_obj, buf)
            finally:
                set_spawning_popen(None)
            self.sentinel, w = forkserver.connect_to_new_process(self._fds)
            _parent_w = os.dup(w)
            self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = forkserver.read_signed(self.sentinel)
    return Popen


class _Process(mp.get_context("forkserver").Process):
    @staticmethod
    def _Popen(process_obj):
        return _popen_class()(process_obj)


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


def run_limited(fn: Callable[..., T], *args: Any, seconds: float = SECONDS, memory_mb: float = MEMORY_MB) -> T:
    """fn(*args) in a worker process: its result, its exception re-raised, or BudgetExceeded.

    Inline (no time or memory limit) where no worker can be started (no multiprocessing here)."""
    try:
        ctx = _get_context()
        parent, child = ctx.Pipe(duplex=False)
        process = _Process(target=_child, args=(child, fn, args, memory_mb), daemon=True)
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


class DeadlinePassed(RuntimeError):
    """A loop ran past its wall-clock deadline: `.done` of `.total` steps had run in `.seconds`."""

    def __init__(self, seconds: float, done: int, total: int):
        self.seconds, self.done, self.total = seconds, done, total
        super().__init__(f"stopped after {seconds:g} s, at step {done:,} of {total:,}")


def deadline(seconds: float, then: Callable[[int, int], None] | None = None,
             started: float | None = None) -> Callable[[int, int], None]:
    """A progress callback for gradcore's loops: DeadlinePassed once `seconds` have passed since `started` (or now).

    `then(step, total)` (a progress bar, a stop when the session ends) runs first at every call; `started` is a
    time.monotonic() reading, so that several loops can share one deadline."""
    end = (time.monotonic() if started is None else started) + seconds

    def check(done: int, total: int) -> None:
        if then is not None:
            then(done, total)
        if time.monotonic() > end:
            raise DeadlinePassed(seconds, done, total)
    return check
