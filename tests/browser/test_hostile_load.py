"""One student cannot take the server down (issue 13's quality bar), and the server stops on SIGTERM.

Tab A opens issue 13's hostile inputs one after another (?f= links, uploads) while tab B, another session, moves a
point slider one step each time. Throughout, a monitor thread asks /_stcore/health (1 s timeout) and reads the
server's resident memory (its process and any children) every 0.2 s. Each of tab B's steps must stay within 2× its
usual time (measured before the load), the server under 1.5 GB and the health check under 1 s. Everything is on
loopback, and every wait is bounded: a row whose slider step does not come back within ROW_STEP_TIMEOUT_S is
recorded as stalled, and when the server stays deaf for SERVER_STALL_S the remaining rows are recorded as not run.
The test has its own server (a stalled one must not take the other browser tests with it). The figures go to
artifacts/hostile_load.json and browser_timings.json ("hostile_load").
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .helpers import (
    ARTIFACTS,
    FIRST_LOAD_TIMEOUT_S,
    INIT_SCRIPT,
    REPO_ROOT,
    VIEWPORT,
    best_of,
    goto,
    runs_finished,
    set_slider,
    timed_change,
    url_for,
    wait_idle,
)

pytestmark = [pytest.mark.browser, pytest.mark.serial]

RSS_LIMIT = 1.5e9           # bytes, the server and its children
HEALTH_LIMIT_S = 1.0
SLOWDOWN_LIMIT = 2.0        # tab B's step against its usual time
ROW_WAIT_S = 8.0            # how long tab A's run may go on before the next row (it is then navigated away)
ROW_STEP_TIMEOUT_S = 10.0   # a slider step that takes longer (or 1.5× the limit, if more) is recorded as stalled
SERVER_STALL_S = 30.0       # a server deaf for longer ends the run of rows
SIGTERM_LIMIT_S = 5.0

SIGMOID_8 = "sigmoid(" * 8 + "x" + ")" * 8
# (page, ?f=) from issue 13's table: the script injection first, the symbolic rows after the uploads (a symbolic row
# that stalls the server ends the run, so what can be measured is measured first).
INJECTION = [("Gradient_descent", "x\n+y"), ("Gradient_descent", "x\n-1")]
FORMULAS = [
    ("app", "x*(((999999999999999/999999999999997)^100)^100)^100"),
    ("app", "((1.000000000000001)^100)^100"),
    ("app", "cosh(x^1.0000001)"),
    ("app", "(sinh(x^1.000000000000001))^0.5"),
    ("Gradient", "max(x,y,z)*(x+y+z+x1+x2+x3+x4+x5+x6)^100"),
    ("Gradient", "max(x,y,z)*(x+y+z)^100"),
    ("app", "abs(sin(exp(x+1e15)))"),
    ("Directional_derivative", SIGMOID_8),
    ("app", "relu(x)^2"),
    ("app", "max(x,y)^4"),
    ("app", "sign(log(x))+abs(sqrt(x))+abs(x^pi)+abs(log(log(x)))"),
    ("Autograd", "1e-20x"),
    ("app", "x + min(2, (-1)^(1e-20))"),
]
UPLOADS = [
    ("![t](http://127.0.0.1:9/pixel.png).csv", b"x,y\n1,2\n2,4.5\n3,6\n"),
    ("[click me](http://127.0.0.1:9/).csv", b"a,b,c\n1,2,3\n"),
    ("columns.csv", ",".join(f"c{i}" for i in range(120_000)).encode() + b"\n1,2\n"),
    ("field.csv", b'x,y\n1,2\n"' + b"a" * 400_000 + b'",3\n2,4\n'),
]


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and its descendants (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration):
            continue
    return total


@dataclass
class Monitor:
    """Polls the health endpoint and the server's memory in a thread; keeps the worst of each per label."""

    url: str
    pid: int
    label: str = "before"
    worst: dict = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _poll(self) -> None:
        while not self._stop.is_set():
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=HEALTH_LIMIT_S) as response:
                    latency = time.perf_counter() - start if response.status == 200 else float("inf")
            except OSError:
                latency = float("inf")
            row = self.worst.setdefault(self.label, {"health_s": 0.0, "rss_mb": 0.0, "polls": 0, "polls_over_1s": 0})
            row["health_s"] = max(row["health_s"], round(latency, 3))
            row["polls"], row["polls_over_1s"] = row["polls"] + 1, row["polls_over_1s"] + (latency >= HEALTH_LIMIT_S)
            row["rss_mb"] = max(row["rss_mb"], round(tree_rss(self.pid) / 1e6, 1))
            self._stop.wait(0.2)

    def __enter__(self) -> Monitor:
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


class SliderSteps:
    """Tab B: the Gradient page's x₀ slider, one arrow-key step forward each time (never back: Streamlit's
    message cache would answer a value seen before)."""

    def __init__(self, page):
        self.page, self.value = page, 1.0
        goto(page, "Gradient")

    def step(self, timeout: float = ROW_STEP_TIMEOUT_S) -> float:
        """Seconds for one step to the redrawn charts; inf when it did not come back within `timeout`."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        self.value = round(self.value + 0.01, 2)
        try:
            return timed_change(self.page, lambda: set_slider(self.page, "px", self.value, timeout=timeout), timeout=timeout)
        except (PlaywrightTimeout, AssertionError):
            return float("inf")


def open_in_tab_a(tab, page_name: str, formula: str) -> None:
    """Navigate without waiting for the run: the point is what tab B sees while it runs."""
    tab.goto(url_for(page_name, {"f": formula}), wait_until="commit")


def upload_in_tab_a(tab, name: str, body: bytes) -> None:
    tab.locator('.st-key-mb_csv input[type="file"]').set_input_files({"name": name, "mimeType": "text/csv", "buffer": body})


def let_tab_a_finish(tab, after: int) -> bool:
    """Wait up to ROW_WAIT_S for tab A's run to end; True if it did (else it is navigated away, ending its session)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        wait_idle(tab, after=after, timeout=ROW_WAIT_S)
        return True
    except PlaywrightTimeout:
        tab.goto("about:blank")
        return False


def healthy_within(url: str, seconds: float) -> bool:
    """True as soon as /_stcore/health answers; False if it does not within `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=HEALTH_LIMIT_S):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def run_row(tab_a, page_name: str, formula: str | None, upload: tuple | None) -> int:
    """Start one hostile input in tab A; returns the run count to wait beyond."""
    if upload is None:
        open_in_tab_a(tab_a, page_name, formula)
        return 0                                   # a new document counts its runs from 0
    if "Mini-batch" not in tab_a.url:
        goto(tab_a, "Mini-batch", timeout=FIRST_LOAD_TIMEOUT_S)
        before = runs_finished(tab_a)
        tab_a.locator(".st-key-mb_data").get_by_text("Upload CSV", exact=True).click()
        wait_idle(tab_a, after=before)
    before = runs_finished(tab_a)
    upload_in_tab_a(tab_a, *upload)
    return before


def test_hostile_inputs_in_one_tab_do_not_stall_another(browser, chromium_executable, timings):
    cases = ([(p, f, None) for p, f in INJECTION] + [("Mini-batch", None, u) for u in UPLOADS]
             + [(p, f, None) for p, f in FORMULAS])
    rows = []
    with own_server("streamlit-hostile.log") as (url, process), Monitor(url, process.pid) as monitor:
        context = browser.new_context(base_url=url, viewport=VIEWPORT)
        context.add_init_script(INIT_SCRIPT)
        tab_b, tab_a = context.new_page(), context.new_page()
        monitor.label = "warm-up"
        for name in ("Gradient", "Gradient_descent", "Mini-batch"):   # imports and first runs, not timed
            goto(tab_a, name, timeout=3 * FIRST_LOAD_TIMEOUT_S)
        slider = SliderSteps(tab_b)
        monitor.label = "usual: tab B alone"
        usual = statistics.median([slider.step(3 * FIRST_LOAD_TIMEOUT_S) for _ in range(3)])
        limit = SLOWDOWN_LIMIT * usual
        step_timeout = max(ROW_STEP_TIMEOUT_S, 1.5 * limit)
        stalled_by = None
        for page_name, formula, upload in cases:
            label = f"{page_name}: {formula!r}" if formula is not None else f"{page_name}: upload {upload[0]!r}"
            if stalled_by is not None:
                rows.append({"input": label, "not_run": f"the server stalled on {stalled_by}"})
                continue
            monitor.label = label
            after = run_row(tab_a, page_name, formula, upload)
            tab_a.wait_for_timeout(300)            # the hostile run has started
            steps = best_of(lambda: slider.step(step_timeout), limit)
            finished = let_tab_a_finish(tab_a, after)
            rows.append({"input": label, "slider_step_s": [round(s, 3) for s in steps], "tab_a_finished": finished,
                         **monitor.worst.get(label, {})})
            if not healthy_within(url, SERVER_STALL_S):
                stalled_by = label
        context.close()
    figures = {"usual_step_s": round(usual, 3), "limit_s": round(limit, 3), "load_average_1min": os.getloadavg()[0],
               **{k: monitor.worst.get(k, {}) for k in ("warm-up", "usual: tab B alone")}, "rows": rows}
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "hostile_load.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False))
    timings["hostile_load"] = figures
    failed = {r["input"]: r.get("not_run") or {k: r[k] for k in ("slider_step_s", "rss_mb", "health_s") if k in r}
              for r in rows if "not_run" in r or min(r["slider_step_s"]) >= limit
              or r.get("rss_mb", 0) >= RSS_LIMIT / 1e6 or r.get("health_s", 0) >= HEALTH_LIMIT_S}
    assert not failed, (f"limits: tab B's step under {limit:.2f} s (2 × {usual:.2f} s), server under {RSS_LIMIT / 1e9} GB, "
                        f"health under {HEALTH_LIMIT_S} s; failed: {json.dumps(failed, ensure_ascii=False)}")


# ---------------------------------------------------------------- SIGTERM


@contextlib.contextmanager
def own_server(log_name: str):
    """`streamlit run app.py` on a free loopback port for one test, like conftest's; killed at the end if still up."""
    from .conftest import _free_port

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    ARTIFACTS.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with (ARTIFACTS / log_name).open("w") as out:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        if not healthy_within(url, FIRST_LOAD_TIMEOUT_S):
            raise AssertionError(f"the server did not answer /_stcore/health within {FIRST_LOAD_TIMEOUT_S} s")
        yield url, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_the_server_stops_on_sigterm_while_a_long_run_is_going(browser, chromium_executable, timings):
    """A 200² basin map of 1,000 steps per start is running (the Landscape page's largest); SIGTERM ends the server in 5 s."""
    with own_server("streamlit-sigterm.log") as (url, process):
        context = browser.new_context(base_url=url)
        context.add_init_script(INIT_SCRIPT)
        tab = context.new_page()
        tab.goto(url_for("Landscape"), wait_until="commit")
        wait_idle(tab, after=0, timeout=3 * FIRST_LOAD_TIMEOUT_S)     # imports torch and sympy, then the default map
        for key in ("ls_steps", "ls_res"):             # the largest options: 1,000 steps from 200² starts
            tab.locator(f'.st-key-{key} input[type="range"]').focus()
            tab.keyboard.press("End")
        tab.wait_for_selector('[data-testid="stProgress"]', timeout=20_000)    # the basin map's progress bar
        time.sleep(1.0)
        start = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=SIGTERM_LIMIT_S + 10)
        except subprocess.TimeoutExpired:
            pass
        seconds = time.perf_counter() - start
        timings.setdefault("sigterm", {})["server exit after SIGTERM during a basin map (s)"] = round(seconds, 2)
        context.close()
        assert process.poll() is not None and seconds < SIGTERM_LIMIT_S, f"SIGTERM took {seconds:.1f} s"
