"""Give memory back to the system after a class closes its tabs.

Freed Python objects and numpy buffers go back to glibc's malloc, which keeps the pages: a server that held 50
sessions' reruns stayed 23% above its start after they closed (bench/load.py). Every ARENA_MAX threads share malloc
arenas instead of one arena per script thread, and once sessions have closed, a collection and malloc_trim(0) return
the free pages. Elsewhere than glibc (macOS, Windows) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
import time

ARENA_MAX = 2             # glibc's M_ARENA_MAX (as MALLOC_ARENA_MAX=2): threads share two arenas, not 8 per core
M_ARENA_MAX = -8          # mallopt's parameter number for it (malloc.h)
CHECK_EVERY_S = 5.0       # how often the keeper looks at the number of sessions
_started = threading.Lock()
_keeper: threading.Thread | None = None


def _libc():
    """glibc, or None where there is no malloc_trim (musl, macOS, Windows)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None
    except OSError:
        return None


def release_memory() -> bool:
    """Collect garbage, then give malloc's free pages back to the system; False where malloc_trim is missing."""
    gc.collect()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


def sessions() -> int | None:
    """Sessions this Streamlit server holds (connected, or disconnected and not yet dropped), or None outside one."""
    from streamlit import runtime

    try:
        return len(runtime.get_instance()._session_mgr.list_sessions()) if runtime.exists() else None
    except Exception:       # AppTest's stand-in runtime, or another Streamlit's internals: nothing to count
        return None


def _keep(check_every_s: float) -> None:
    """Forever: when the server holds fewer sessions than at the last look, release memory."""
    last = sessions() or 0
    while True:
        time.sleep(check_every_s)
        now = sessions() or 0
        if now < last:
            release_memory()
        last = now


def keep_memory_low(check_every_s: float = CHECK_EVERY_S) -> threading.Thread:
    """Start (once per process) the thread that gives memory back after sessions close; cap malloc's arenas."""
    global _keeper
    with _started:
        if _keeper is None:
            libc = _libc()
            if libc is not None:
                libc.mallopt(M_ARENA_MAX, ARENA_MAX)
            _keeper = threading.Thread(target=_keep, args=(check_every_s,), name="gradient-lab-memory", daemon=True)
            _keeper.start()
            freeze_imports()
    return _keeper


def freeze_imports() -> None:
    """Move what exists now (torch, sympy, plotly, streamlit: the imported modules) out of the garbage collector's view.

    Python's full collections (and Streamlit's gc.collect(2) after every rerun, where runner.postScriptGC is on) walked
    those modules' objects: 0.26-0.45 CPU-s each (issue 17). gc.freeze() keeps them out: they live as long as the process."""
    gc.collect()
    gc.freeze()
