"""Benchmark: one θ step on the Directional derivative page, drawn with st.plotly_chart and with ui.chart, in one run.

Two `streamlit run app.py` servers (one with GRADIENT_LAB_CHARTS=plotly_chart, the way the app drew before ui.chart),
one headless Chromium at 1280x720, a tab on each; the θ slider steps a tenth of a degree forward with one arrow key (never
back: Streamlit's message cache would answer a repeat), alternating between the tabs so both see the same load. Per
step: seconds from the key press to the frame where every chart on the page holds its new figure (measured in the page,
so no polling from Python adds to it) and the bytes the server sent over the websocket (CDP
Network.webSocketFrameReceived). Prints medians and the ratio plotly_chart / ui.chart.
Run: python bench/bench_chart.py [steps]     (needs Chromium and playwright, as the browser tests do)
"""

from __future__ import annotations

import base64
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser.conftest import CHROMIUM_ARGS, _free_port, find_chromium  # noqa: E402
from tests.browser.helpers import (  # noqa: E402
    INIT_SCRIPT,
    VIEWPORT,
    goto,
    plotly_charts_drawn,
    runs_finished,
    set_slider,
    slider_value,
    wait_idle,
)

PAGE = "Directional_derivative"
VARIANTS = {"st.plotly_chart": "plotly_chart", "ui.chart": ""}
# Resolves with the milliseconds from the last key press to the animation frame where every plot holds a new figure.
ALL_REDRAWN_JS = """() => new Promise(resolve => {
  const stamp = Symbol("before");
  document.querySelectorAll('.js-plotly-plot').forEach(gd => { if (gd.data) gd.data[stamp] = true; });
  window.__benchStamp = stamp;
  window.__benchDone = new Promise(done => {
    const check = () => {
      const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
      if (plots.length && plots.every(gd => gd._fullLayout && gd.data && !gd.data[stamp])) done(performance.now() - window.__glLastInput);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  resolve();
})"""


def serve(charts: str) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a free port with GRADIENT_LAB_CHARTS=charts; waits for /_stcore/health."""
    port = _free_port()
    env = {**os.environ, "GRADIENT_LAB_CHARTS": charts}
    process = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                "--server.port", str(port), "--server.fileWatcherType", "none"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://localhost:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit ({charts or 'ui.chart'}) did not start")


def received_bytes(page) -> list[int]:
    """A list that grows by the size of every websocket frame the page receives (binary frames are base64 in CDP)."""
    sizes: list[int] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")

    def frame(event) -> None:
        response = event["response"]
        data = response["payloadData"]
        sizes.append(len(base64.b64decode(data)) if response["opcode"] == 2 else len(data.encode()))
    cdp.on("Network.webSocketFrameReceived", frame)
    return sizes


def one_step(page, frames: list[int], sent: list[int]) -> float:
    """One arrow key on the θ slider; the seconds to every chart redrawn, and the bytes received appended to `sent`."""
    before, theta, received = runs_finished(page), slider_value(page, "theta"), len(frames)
    page.evaluate(ALL_REDRAWN_JS)
    page.keyboard.press("ArrowRight")
    seconds = page.evaluate("() => window.__benchDone") / 1000
    wait_idle(page, after=before)
    assert round(slider_value(page, "theta"), 1) == round(theta + 0.1, 1) and plotly_charts_drawn(page)   # 0.1° steps
    time.sleep(0.5)                                            # late frames (forward-msg cache, script finished) land
    sent.append(sum(frames[received:]))
    return seconds


def main(steps: int = 8) -> None:
    from playwright.sync_api import sync_playwright

    servers = {name: serve(charts) for name, charts in VARIANTS.items()}
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    sent: dict[str, list[int]] = {name: [] for name in VARIANTS}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
            pages = {}
            for name, (_, url) in servers.items():
                context = browser.new_context(base_url=url, viewport=VIEWPORT)
                context.add_init_script(INIT_SCRIPT)
                pages[name] = context.new_page()
                goto(pages[name], PAGE, timeout=90)          # first load: imports, caches, plotly.js
                set_slider(pages[name], "theta", 31)        # one warm-up step
            frames = {name: received_bytes(page) for name, page in pages.items()}
            for _ in range(steps):
                for name, page in pages.items():
                    times[name].append(one_step(page, frames[name], sent[name]))
            browser.close()
    finally:
        for process, _ in servers.values():
            process.terminate()
    load = os.getloadavg()[0]
    for name in VARIANTS:
        print(f"{name:16s} θ step -> charts redrawn: median {statistics.median(times[name]):.3f} s "
              f"(min {min(times[name]):.3f}, max {max(times[name]):.3f}); sent per step: median "
              f"{statistics.median(sent[name]) / 1e3:.1f} KB")
    ratio = statistics.median(times["st.plotly_chart"]) / statistics.median(times["ui.chart"])
    print(f"ratio st.plotly_chart / ui.chart: {ratio:.2f}x faster, "
          f"{statistics.median(sent['st.plotly_chart']) / max(statistics.median(sent['ui.chart']), 1):.0f}x fewer bytes "
          f"({steps} steps each, 1-minute load average {load:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
