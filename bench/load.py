"""Load: N sessions of a running Gradient Lab speak Streamlit's websocket protocol, open pages and move sliders.

    python bench/load.py --sessions 10              # starts `streamlit run app.py` on a free loopback port
    python bench/load.py --sessions 50 --url http://127.0.0.1:8501 --pid 1234   # a server already running
    python bench/load.py --sessions --per-page                # only the server CPU of one rerun, per page and control

Each session is one websocket, as a browser tab is: it asks for a page, then sends the widget values a slider
drag would send, and times each interaction from the request to the server's "script finished" (the browser's
own drawing is not included). A widget drawn inside an st.fragment (a page region, ui/region.py) is sent as the
browser sends it: a rerun of that fragment alone (rerun_script with the fragment's id, read from the delta that
drew the widget), so the figures show what a student's browser costs the server. Prints throughput, server CPU
per rerun, latency percentiles and the server's RSS before, at the peak, and after the sessions close. Loopback
only; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
RUN_TIMEOUT_S = 120          # one rerun that takes longer counts as a failure, not a hang
PAGE_KEYS = {"Gradient_descent": "sx", "Landscape": "px"}   # the page, and the slider a lecturer's class drags
PAGE_QUERY = {"Landscape": "ls_tab=%E2%91%A1+Learning+rate"}  # Landscape draws P's sliders in its learning-rate tab only


class LoadError(RuntimeError):
    """A session saw an exception box, an error, or no answer in time."""


@dataclass
class Session:
    """One browser tab's worth of protocol: a websocket, the widgets of the last run, and the timings."""

    url: str
    widgets: dict[str, tuple[str, object]] = field(default_factory=dict)   # user key -> (widget id, element proto)
    fragments: dict[str, str] = field(default_factory=dict)   # user key -> id of the st.fragment that drew it ("" none)
    timings: list[tuple[str, float]] = field(default_factory=list)
    page: str = ""
    finished: int = -1           # the ScriptFinishedStatus of the last rerun (FINISHED_FRAGMENT_RUN_SUCCESSFULLY: a fragment's)

    def __post_init__(self) -> None:
        ws_url = self.url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
        self._exit = contextlib.ExitStack()
        self.ws = self._exit.enter_context(connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=30))

    def open(self, page: str) -> float:
        """Ask for a page as a click in the sidebar does; seconds until the script finished."""
        self.page, self.widgets, self.fragments = page, {}, {}
        return self._rerun(f"open {page}", [], query=PAGE_QUERY.get(page, ""))

    def set(self, key: str, value) -> float:
        """Send one widget's new value (the others keep theirs); seconds until the rerun finished."""
        return self.set_many({key: value})

    def set_many(self, values: dict) -> float:
        """Several widgets changed before one rerun (as a form would send them)."""
        states = [widget_state(*self.widgets[key], value) for key, value in values.items()]
        return self._rerun(f"{self.page}: {', '.join(values)}", states, self.fragment_of(values))

    def fragment_of(self, keys) -> str:
        """The fragment a browser reruns when these widgets change: theirs when they share one, else "" (the page)."""
        found = {self.fragments.get(key, "") for key in keys}
        return found.pop() if len(found) == 1 else ""

    def close(self) -> None:
        self._exit.close()

    def _rerun(self, what: str, states: list[WidgetState], fragment_id: str = "", query: str = "") -> float:
        msg = BackMsg()
        msg.rerun_script.page_name = self.page
        msg.rerun_script.query_string = query
        msg.rerun_script.widget_states.widgets.extend(states)
        msg.rerun_script.fragment_id = fragment_id
        start = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        self._read_until_finished(what, start + RUN_TIMEOUT_S)
        seconds = time.perf_counter() - start
        self.timings.append((what, seconds))
        return seconds

    def _read_until_finished(self, what: str, deadline: float) -> None:
        while True:
            msg = ForwardMsg()
            try:
                msg.ParseFromString(self.ws.recv(timeout=max(deadline - time.perf_counter(), 0.01)))
            except TimeoutError as err:
                raise LoadError(f"{what}: no answer within {RUN_TIMEOUT_S} s") from err
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                self._see(what, msg.delta.new_element, msg.delta.fragment_id)
            elif kind == "script_finished" and msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise LoadError(f"{what}: the script did not compile")
                self.finished = msg.script_finished
                return

    def _see(self, what: str, element, fragment_id: str = "") -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            raise LoadError(f"{what}: {element.exception.type}: {element.exception.message}")
        if kind == "alert" and element.alert.format == element.alert.ERROR:
            raise LoadError(f"{what}: st.error: {element.alert.body[:200]}")
        proto = getattr(element, kind)
        widget_id = getattr(proto, "id", None)
        if isinstance(widget_id, str) and widget_id:          # "$$ID-<hash>-<key>" for a keyed widget
            key = widget_id.rsplit("-", 1)[-1]
            self.widgets[key], self.fragments[key] = (widget_id, proto), fragment_id


def widget_state(widget_id: str, proto, value) -> WidgetState:
    """The WidgetState the frontend sends for this widget type (streamlit/elements/widgets/*: value_type)."""
    state = WidgetState(id=widget_id)
    name = proto.DESCRIPTOR.name
    if name == "Slider" and proto.options:                      # st.select_slider: the formatted options
        state.string_array_value.data.extend([str(v) for v in np.atleast_1d(value)])
    elif name == "Slider":
        state.double_array_value.data.extend([float(v) for v in np.atleast_1d(value)])
    elif name == "NumberInput":
        state.double_value = float(value)
    elif name == "MultiSelect":
        state.string_array_value.data.extend(list(value))
    elif name == "Checkbox":
        state.bool_value = bool(value)
    else:                                                       # selectbox, radio, text input
        state.string_value = str(value)
    return state


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, timeout_s: float = 90.0) -> float:
    """Seconds until GET /_stcore/health answers "ok"; raises after timeout_s."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/_stcore/health", timeout=2) as reply:
                if reply.read().strip() == b"ok":
                    return time.perf_counter() - start
        except OSError:
            time.sleep(0.25)
    raise LoadError(f"{url} did not answer /_stcore/health within {timeout_s:.0f} s")


@contextlib.contextmanager
def serve(*options: str, log: Path | None = None, command: tuple[str, ...] = (sys.executable, "-m", "streamlit", "run", "app.py"),
          cwd: Path = ROOT) -> Iterator[tuple[str, int]]:
    """`streamlit run app.py` (or `command`) on a free loopback port; yields (url, pid) and stops it afterwards."""
    port = free_port()
    cmd = [*command, "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", *options]   # an edit must not reload modules mid-run
    out = open(log, "w") if log else subprocess.DEVNULL   # closed below
    server = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url)
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        if log:
            out.close()


def rss_mb(pid: int) -> float:
    """Resident memory of a process (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LoadError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- the class

def lecture(session: Session, index: int, steps: int) -> None:
    """One student: the Gradient descent page and the Landscape page, `steps` slider steps on each."""
    for page, key in PAGE_KEYS.items():
        session.open(page)
        for step in range(1, steps + 1):
            session.set(key, round(-3.0 + 0.05 * index + 0.01 * step, 2))   # forward steps, a different value per student


@dataclass
class Report:
    sessions: int
    interactions: int
    seconds: float
    cpu_per_rerun_s: float
    latency_s: dict[str, float]
    rss_mb: dict[str, float]
    errors: list[str]
    load_average: tuple[float, float]    # the machine's 1-minute load average at the start and the end (others' work counts)

    def lines(self) -> list[str]:
        lat = ", ".join(f"{k} {v:.2f} s" for k, v in self.latency_s.items())
        rss = ", ".join(f"{k} {v:.0f} MB" for k, v in self.rss_mb.items())
        return [f"{self.sessions} sessions, {self.interactions} reruns in {self.seconds:.1f} s: "
                f"{self.interactions / self.seconds:.2f} reruns/s, server CPU {self.cpu_per_rerun_s * 1000:.0f} ms per rerun",
                f"latency per interaction: {lat}", f"server RSS: {rss}",
                f"machine load average {self.load_average[0]:.1f} → {self.load_average[1]:.1f} (2 cores here)",
                *(f"error: {e}" for e in self.errors)]


def percentiles(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {}
    p = np.percentile(seconds, [50, 95])
    return {"p50": float(p[0]), "p95": float(p[1]), "max": float(max(seconds))}


def run_class(url: str, pid: int, n: int, steps: int = 3, scenario: Callable[[Session, int, int], None] = lecture,
              settle_s: float = 10.0) -> Report:
    """N sessions in threads run `scenario` at once; RSS before (after one warm-up student), at the end, after closing."""
    warm = Session(url)
    scenario(warm, -1, 1)                       # imports torch and sympy, fills the shared caches once
    warm.close()
    time.sleep(1.0)
    rss = {"start": rss_mb(pid)}
    cpu0, t0, load0 = cpu_seconds(pid), time.perf_counter(), os.getloadavg()[0]
    sessions, errors = [], []

    def student(i: int) -> None:
        try:
            s = Session(url)
            sessions.append(s)
            scenario(s, i, steps)
        except Exception as err:   # every failure is reported, none swallowed
            errors.append(f"session {i}: {type(err).__name__}: {err}")

    threads = [threading.Thread(target=student, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=RUN_TIMEOUT_S * 2 * (steps + 1))
    errors += [f"session {i}: still running after {RUN_TIMEOUT_S * 2 * (steps + 1)} s" for i, t in enumerate(threads) if t.is_alive()]
    seconds, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    rss["loaded"] = rss_mb(pid)
    for s in sessions:
        s.close()
    rss["closed"] = settle(pid, rss["start"], settle_s)
    timed = [sec for s in sessions for what, sec in s.timings if not what.startswith("open")]
    reruns = sum(len(s.timings) for s in sessions)
    return Report(n, reruns, seconds, cpu / max(reruns, 1), percentiles(timed), rss, errors, (load0, os.getloadavg()[0]))


def settle(pid: int, target_mb: float, timeout_s: float) -> float:
    """RSS once it is back within 20% of target_mb, or after timeout_s (sessions are cleaned up asynchronously)."""
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline and rss_mb(pid) > 1.2 * target_mb:
        time.sleep(0.5)
    return rss_mb(pid)


# ---------------------------------------------------------------- one heavy request against everybody else

HEAVY_FORMULA = ("sin(x*y)+cos(x+y)^2+exp(-(x^2+y^2)/9)*tanh(x-y)+log(1+x^2+y^2)+sqrt(1+x^4+y^4)+sigmoid(x*y-1)"
                 "+softplus(x-y)+atan(x*y)+sin(2x)*sin(2y)")      # near the formula box's size limits, every function costly
HEAVY = {
    "basin map 200² × 1000 steps of a heavy formula": ("Landscape", {"f": HEAVY_FORMULA, "ls_steps": 1000, "ls_res": 200}),
    "50,000 steps × 4 optimizers": ("Gradient_descent", {"f": HEAVY_FORMULA, "steps": 50_000,
                                                        "cmp": ["SGD", "RMSprop", "NAdam"]}),
}


@dataclass
class Interference:
    heavy: str
    heavy_s: float
    alone_s: float           # the other session's median slider step with nobody else busy
    during_s: float          # its median step while the heavy request runs
    steps_during: int
    rss_growth_mb: float | None    # the server's RSS after the heavy request minus before, when its pid is known

    def line(self) -> str:
        rss = "" if self.rss_growth_mb is None else f"; server RSS {self.rss_growth_mb:+.0f} MB"
        return (f"{self.heavy}: {self.heavy_s:.1f} s; another session's slider step {self.alone_s:.2f} s alone, "
                f"{self.during_s:.2f} s during it ({self.during_s / self.alone_s:.2f}×, {self.steps_during} steps){rss}")


def interference(url: str, heavy: str, pid: int | None = None, steps: int = 5, start: float = -3.0) -> Interference:
    """Median slider step of one session alone, then while another session runs the heavy request."""
    page, values = HEAVY[heavy]
    other, busy = Session(url), Session(url)
    other.open("Gradient_descent")
    alone = [other.set("sx", round(start + 0.01 * i, 2)) for i in range(1, steps + 1)]
    busy.open(page)
    rss0 = rss_mb(pid) if pid else None
    done, heavy_s = threading.Event(), []
    worker = threading.Thread(target=lambda: (heavy_s.append(busy.set_many(values)), done.set()), daemon=True)
    worker.start()
    time.sleep(0.3)                              # the heavy run has started before the other session moves
    during = []
    while not done.is_set() and len(during) < 50:
        during.append(other.set("sx", round(start + 0.01 * (steps + 1 + len(during)), 2)))
    worker.join(timeout=RUN_TIMEOUT_S)
    other.close(), busy.close()
    if not heavy_s:
        raise LoadError(f"{heavy}: the heavy request did not finish")
    return Interference(heavy, heavy_s[0], float(np.median(alone)), float(np.median(during)) if during else float("nan"),
                        len(during), rss_mb(pid) - rss0 if pid else None)


def cpu_of_request(url: str, pid: int, n: int, page: str, values: dict) -> float:
    """Server CPU seconds while n sessions send the same widget values at once (st.cache_data computes them once)."""
    sessions = [Session(url) for _ in range(n)]
    for s in sessions:
        s.open(page)
    cpu0 = cpu_seconds(pid)
    threads = [threading.Thread(target=s.set_many, args=(values,), daemon=True) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=RUN_TIMEOUT_S)
    cpu = cpu_seconds(pid) - cpu0
    for s in sessions:
        s.close()
    return cpu


# ---------------------------------------------------------------- CPU of one rerun, per page and control

def _new(start: float, n: int = 6, step: float = 0.07) -> list[float]:
    return [round(start + step * i, 2) for i in range(n)]


# page -> (what the control asks for, widget key, the values sent one after another); "cached" revisits values sent
# just before, so the descent is in the cache and only the page's own work remains
PAGE_CONTROLS = {
    "Directional_derivative": [("θ (no descent)", "theta", [20, 35, 50, 65, 80, 95]),
                               ("P (no descent)", "px", _new(-1.3))],
    "Gradient": [("P (no descent)", "px", _new(-1.2))],
    "Autograd": [("P (no descent)", "px", _new(-1.1))],
    "Gradient_descent": [("start x₀: a new descent", "sx", _new(-2.9)), ("start x₀ of a cached run", "sx", _new(-2.9)),
                         ("step scrubber t (no descent)", "scrub", [10, 40, 70, 100, 130, 160])],
    "Mini-batch": [("epoch shown (no training)", "mb_at", [1, 2, 3, 4, 5, 6])],
    "Landscape": [("P: a new learning-rate sweep", "px", _new(-2.8)), ("P of a cached sweep", "px", _new(-2.8))],
}


def cpu_per_control(url: str, pid: int, pages: dict = PAGE_CONTROLS) -> list[tuple[str, str, float]]:
    """(page, control, server CPU seconds per rerun) with one session alone on the server: each value is one rerun.

    A control inside an st.fragment is labelled "(region)": the browser reruns that region alone. A control the page
    no longer draws gets NaN and "(not on the page)", so one renamed widget does not cost the other rows."""
    session, rows = Session(url), []
    try:
        for page, controls in pages.items():
            session.open(page)
            for label, key, values in controls:
                if key not in session.widgets:
                    rows.append((page, f"{label} (not on the page)", float("nan")))
                    continue
                where = " (region)" if session.fragment_of([key]) else ""
                cpu0 = cpu_seconds(pid)
                for value in values:
                    session.set(key, value)
                rows.append((page, label + where, (cpu_seconds(pid) - cpu0) / len(values)))
    finally:
        session.close()
    return rows


def cpu_lines(rows: list[tuple[str, str, float]]) -> list[str]:
    return ["server CPU per rerun, one session alone:", *(f"  {page:<24} {label:<41} {cpu * 1000:5.0f} ms" for page, label, cpu in rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="*", default=[10], help="N, or several (5 10 20 50); none: no class")
    parser.add_argument("--per-page", action="store_true", help="first: server CPU per rerun for each page and control")
    parser.add_argument("--steps", type=int, default=3, help="slider steps per page and session")
    parser.add_argument("--url", help="a running server (loopback); default: start one")
    parser.add_argument("--pid", type=int, help="the running server's process id, for RSS and CPU")
    parser.add_argument("--heavy", action="store_true", help="also: one session's heaviest requests against another's slider")
    args = parser.parse_args()
    if args.url and urllib.parse.urlsplit(args.url).hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--url must be a loopback address (127.0.0.1, localhost, ::1): this load is for a server on this machine")
    with contextlib.ExitStack() as stack:
        url, pid = (args.url, args.pid) if args.url else stack.enter_context(serve("--server.disconnectedSessionTTL", "2"))
        if args.per_page:
            load0 = os.getloadavg()[0]
            print("\n".join(cpu_lines(cpu_per_control(url, pid))) + f"\n  (machine load average {load0:.1f} → {os.getloadavg()[0]:.1f})")
        for n in args.sessions:
            report = run_class(url, pid, n, args.steps)
            print("\n".join(report.lines()))
            print(json.dumps(report.__dict__))
        for heavy in HEAVY if args.heavy else ():
            print(interference(url, heavy, pid).line())


if __name__ == "__main__":
    main()
