"""Fixtures for the browser tests: `streamlit run app.py` on a free port, headless Chromium, one page per test.

Chromium is Debian's (apt-get install chromium), driven by the Python playwright package; never
`playwright install`. Without them the tests skip on a person's machine and fail in CI (CI set).
"""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import (
    ARTIFACTS,
    FIRST_LOAD_TIMEOUT_S,
    INIT_SCRIPT,
    REPO_ROOT,
    TIMEOUT_S,
    VIEWPORT,
    discover_pages,
    goto,
    track_js_errors,
    write_timings,
)

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
INSTALL_HINT = ("Install them with `apt-get install chromium` and `pip install -r requirements-dev.txt` "
                "(do not run `playwright install`); set GRADIENT_LAB_CHROMIUM to use another Chromium binary.")
HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the running app in headless Chromium (tests/browser)")


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in tests/browser carries the browser marker, also those added later."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_chromium() -> str | None:
    """$GRADIENT_LAB_CHROMIUM, else /usr/bin/chromium, else chromium or chromium-browser on the PATH."""
    candidates = [os.environ.get("GRADIENT_LAB_CHROMIUM"), "/usr/bin/chromium",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """The Chromium binary; a missing Chromium or playwright fails the tests in CI and skips them elsewhere."""
    missing = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the Python package playwright is not installed")
    chromium = find_chromium()
    if chromium is None:
        missing.append("Chromium is not installed (looked for $GRADIENT_LAB_CHROMIUM, /usr/bin/chromium, chromium)")
    if missing:
        message = "Browser tests cannot run: " + "; ".join(missing) + ". " + INSTALL_HINT
        if _in_ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip.)", pytrace=False)
        pytest.skip(message)
    return chromium


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class StreamlitServer:
    """The app under test: `streamlit run app.py` and where it listens."""

    url: str
    process: subprocess.Popen
    log: Path

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            pytest.fail(f"streamlit exited with code {self.process.returncode}:\n{self.log.read_text()[-3000:]}",
                        pytrace=False)

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{self.log.read_text()[-3000:]}",
                    pytrace=False)


@pytest.fixture(scope="session")
def streamlit_server(chromium_executable: str):
    """`streamlit run app.py` headless on a free port, from the repository root; its log is artifacts/streamlit.log."""
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")      # one server per pytest-xdist worker that runs browser tests
    log = ARTIFACTS / ("streamlit.log" if worker is None else f"streamlit-{worker}.log")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]      # nothing edits files during the tests
    with log.open("w") as out:
        server = StreamlitServer(f"http://localhost:{port}",
                                 subprocess.Popen(command, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT), log)
    try:
        server.wait_healthy(FIRST_LOAD_TIMEOUT_S)
        yield server
    finally:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@pytest.fixture(scope="session")
def app_url(streamlit_server: StreamlitServer) -> str:
    """The base URL of the running app."""
    return streamlit_server.url


@pytest.fixture(scope="session")
def browser(chromium_executable: str):
    """Headless Chromium, shared by the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def app_context(browser, app_url: str):
    """One browser context for the session, 1280x720 (the projector).

    Like a lecturer's browser, it keeps Streamlit's frontend in its HTTP cache after the first page, so load
    times are the app's, not the download's. Each test still gets its own tab, hence its own Streamlit session.
    """
    context = browser.new_context(base_url=app_url, viewport=VIEWPORT)
    context.add_init_script(INIT_SCRIPT)
    context.set_default_timeout(TIMEOUT_S * 1000)
    yield context
    context.close()


def _new_page(context):
    page = context.new_page()
    track_js_errors(page)
    return page


@pytest.fixture(scope="session")
def warm_app(app_context, timings: dict):
    """Open every page once before the tests: first runs import torch and sympy and fill the caches.

    These cold loads are recorded (first_load_s), not held to the limit; a page that fails here fails its own test.
    """
    from playwright.sync_api import Error as PlaywrightError

    page = _new_page(app_context)
    for app_page in discover_pages():
        try:
            seconds = round(goto(page, app_page.name, timeout=FIRST_LOAD_TIMEOUT_S), 3)
        except (AssertionError, PlaywrightError):
            seconds = None
        timings["pages"].setdefault(app_page.name, {})["first_load_s"] = seconds
    page.close()
    return app_context


@pytest.fixture
def page(warm_app, streamlit_server: StreamlitServer):
    """A new tab on the app (a new Streamlit session); relative URLs work: goto(page, "Gradient")."""
    streamlit_server.check_alive()
    page = _new_page(warm_app)
    yield page
    page.close()


@pytest.fixture(scope="session")
def timings():
    """Seconds measured by the tests, written to artifacts/browser_timings.json when the session ends."""
    measured: dict[str, dict] = {"pages": {}, "interactions": {}}
    load_before = os.getloadavg()[0]
    yield measured
    measured["machine"] = {"cpus": os.cpu_count(), "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
                           "python": platform.python_version(), "platform": platform.platform()}
    write_timings(measured)
