"""Let Streamlit stop a long calculation: when the session ends or a newer rerun is waiting, between chunks of work.

Streamlit stops a script by raising StopException or RerunException at the script's next Streamlit call; a loop in
gradcore makes none, so a closed tab's basin map used to run to its end. Every access to st.session_state checks
the script runner's pending requests (SafeSessionState calls its yield callback), so a progress callback that
touches it lets the stop through, from inside gradcore's loop. Outside a script run it does nothing.

One request (one script run) may also compute for at most REQUEST_SECONDS: request_deadline() is the progress
callback that says so, shared by every calculation of the run, and @bounded turns the stop into a sentence.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import add_script_run_ctx, get_script_run_ctx

from gradcore.budget import DeadlinePassed, deadline
from ui.i18n import _, tr

REQUEST_SECONDS = 45.0      # what one script run may compute while a class shares Community Cloud's 2 cores (the worked
                            # example, 2 × 20,000 Adam steps, takes 7-12 s here)
LATE_KEPT_S = 600.0         # a request that ran out of time is answered with its sentence for this long
LATE_KEPT = 64              # requests remembered as too slow, at most
POLL_S = 0.05               # how often the script thread, waiting for a niced calculation, asks whether to stop
NICE = 10                   # heavy calculations run at this niceness (Linux): every other session's rerun comes first
CLOCK_KEPT_S = 3600.0       # a session's run clock is forgotten an hour after it started (the session is long gone)
_RUN_CLOCKS: dict[str, tuple[dict, float]] = {}      # session id -> (its current run's cursors, when its clock started)
_LATE: dict[str, OrderedDict] = {}      # per bounded function (kept across reruns of its page): arguments -> (when, stop)


_WORKER = threading.local()     # in a niced calculation's thread: .cancelled, the Event its script thread sets


class Cancelled(Exception):
    """A niced calculation stops: its script thread was stopped or replaced (the script re-raises Streamlit's own)."""


def stop_if_replaced(*_progress: object) -> None:
    """A progress callback for gradcore's loops (descend, basins, train): raises Streamlit's stop or rerun if one waits.

    Streamlit answers that question in the script's own thread only: in a niced calculation's thread, the script thread
    asks and sets the calculation's `cancelled` event."""
    cancelled = getattr(_WORKER, "cancelled", None)
    if cancelled is not None:
        if cancelled.is_set():
            raise Cancelled
        return
    _ = "_" in st.session_state


def run_started() -> float:
    """When this script run's first bounded calculation started (time.monotonic); now, outside a script run."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return time.monotonic()
    clock = _RUN_CLOCKS.get(ctx.session_id)
    if clock is None or clock[0] is not ctx.cursors:      # ScriptRunContext.reset() gives every run new cursors
        now = time.monotonic()
        for session in [k for k, (_, started) in list(_RUN_CLOCKS.items()) if now - started > CLOCK_KEPT_S]:
            _RUN_CLOCKS.pop(session, None)
        clock = _RUN_CLOCKS[ctx.session_id] = (ctx.cursors, now)
    return clock[1]


def request_deadline(then: Callable[[int, int], None] = stop_if_replaced) -> Callable[[int, int], None]:
    """A progress callback: `then`, and DeadlinePassed once this run's calculations have taken REQUEST_SECONDS."""
    return deadline(REQUEST_SECONDS, then, started=run_started())


def deadline_sentence(late: DeadlinePassed, change: str) -> str:
    """What ran before the request's time was up, and what to change."""
    return _("**Stopped after {seconds:g} s**, the time one request may compute while the whole class shares the "
             "server: {done:,} of {total:,} steps of this run had been computed. {change}", seconds=late.seconds,
             done=late.done, total=late.total, change=tr(change))


def say_late(late: DeadlinePassed, change: str) -> None:
    """The sentence as a warning, and this run stops there."""
    st.warning(deadline_sentence(late, change), icon=":material/timer:")
    st.stop()


def bounded(change: str) -> Callable[[Callable], Callable]:
    """Decorator for a page's calculation: past the request's deadline, a warning (what ran, `change`) and the run stops.

    The same arguments asked again within LATE_KEPT_S get the sentence at once instead of another REQUEST_SECONDS."""
    def decorate(func: Callable) -> Callable:
        late = _LATE.setdefault(f"{func.__module__}:{func.__qualname__}", OrderedDict())   # st.cache_data's too

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            known = late.get(key)
            if known is not None and time.monotonic() - known[0] < LATE_KEPT_S:
                say_late(known[1], change)
            try:
                return func(*args, **kwargs)
            except DeadlinePassed as err:
                late[key] = (time.monotonic(), err)
                while len(late) > LATE_KEPT:
                    late.popitem(last=False)
                say_late(err, change)
        run.late = late
        return run
    return decorate


def niced(func: Callable) -> Callable:
    """Decorator for a heavy calculation: it runs in a thread of lower CPU priority (Linux) while the script waits.

    Every session's script is a thread of one server process: a basin map that keeps one core busy for seconds would
    otherwise take its full share from the other sessions' reruns. The thread carries the script's context, so
    progress callbacks (stop_if_replaced, request_deadline) still stop it; its result or exception comes back here."""
    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        box: dict[str, Any] = {}

        cancelled = threading.Event()

        def work() -> None:
            _WORKER.cancelled = cancelled
            lower_priority()
            try:
                box["value"] = func(*args, **kwargs)
            except BaseException as err:     # StopException, RerunException and DeadlinePassed included: re-raised below
                box["error"] = err

        thread = threading.Thread(target=work, name=f"niced {func.__qualname__}", daemon=True)
        ctx = get_script_run_ctx()
        if ctx is not None:
            add_script_run_ctx(thread, ctx)
        thread.start()
        try:
            while thread.is_alive():
                thread.join(POLL_S)
                if ctx is not None:
                    stop_if_replaced()          # here, in the script thread, Streamlit's stop or rerun is raised
        except BaseException:
            cancelled.set()                     # the calculation ends at its next progress call
            thread.join()
            raise
        if "error" in box:
            raise box["error"]
        return box["value"]
    return run


def lower_priority() -> None:
    """This thread at niceness NICE (Linux threads are scheduled one by one); elsewhere nothing."""
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        except OSError:
            pass
