"""Drive Gradient Lab in a real browser and read what a person sees: pages, widgets, formulas, tables, charts.

Every function takes a playwright `Page` opened by the `page` fixture (tests/browser/conftest.py): its
context has the app's base URL and INIT_SCRIPT, which counts finished script runs so that a helper can wait
for the run its own action caused. Selectors are Streamlit's frontend test ids (data-testid="st…").
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

if TYPE_CHECKING:  # playwright is imported by the fixtures only, so a missing install can skip cleanly
    from playwright.sync_api import Locator, Page

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
TIMINGS_FILE = ARTIFACTS / "browser_timings.json"
VIEWPORT = {"width": 1280, "height": 720}          # the projector
FIRST_LOAD_TIMEOUT_S = 60.0                        # the first run imports torch and sympy
TIMEOUT_S = 20.0                                   # any later wait
LOAD_LIMIT_S = 5.0                                 # navigation -> script finished and charts drawn
INTERACTION_LIMIT_S = 2.0                          # widget change -> updated chart
SETTLE_S = 0.3                                     # quiet time that ends a burst of runs (set_slider)
FRAME_QUIET_MS = 60                                # no server message for this long: the page drew the last run
HOME = "app"                                       # Streamlit names the entry page after its script

# streamlit/source_util.py (1.67): PAGE_FILENAME_REGEX, page_icon_and_name() and page_sort_key().
# "5_Mini-batch.py" -> "Mini-batch", "1_Directional_derivative.py" -> "Directional_derivative".
_PAGE_FILENAME = re.compile(r"([0-9]*)[_ -]*(.*)\.py")

# Counts finished script runs and keeps the times of the last state change, the last finish and the last key press or
# click (for set_slider). A run is counted when its script_finished ForwardMsg arrives (field 6 of the message, any
# status but "finished early for a rerun"): a run quicker than a React render never shows the stApp's
# data-test-script-state as "running", so counting its changes missed fast runs (a cached formula's rerun), and
# wait_idle(after=…) then waited in vain for a run that had happened. _IDLE_JS also waits until no message has
# arrived for FRAME_QUIET_MS, so that the page has drawn the run's last messages.
INIT_SCRIPT = """
window.__glRuns = 0; window.__glLastChange = 0; window.__glLastFinish = 0; window.__glLastInput = 0;
window.__glLastFrame = 0;
for (const type of ['keydown', 'pointerup']) {
  document.addEventListener(type, () => { window.__glLastInput = performance.now(); }, true);
}
new MutationObserver(records => {
  if (records.some(r => r.target.dataset.testid === 'stApp')) window.__glLastChange = performance.now();
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
const finishedRun = bytes => {      // a ForwardMsg's top-level fields: script_finished = 6, FINISHED_EARLY_FOR_RERUN = 2
  let i = 0;
  const varint = () => { let v = 0, s = 1, b; do { b = bytes[i++]; v += (b & 127) * s; s *= 128; } while (b & 128); return v; };
  while (i < bytes.length) {
    const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
    if (wire === 0) { const v = varint(); if (field === 6) return v !== 2; }
    else if (wire === 2) { const length = varint(); i += length; }    // not i += varint(): i is read first
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return false;
  }
  return false;
};
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', event => {
      window.__glLastFrame = performance.now();
      const count = buffer => {
        if (finishedRun(new Uint8Array(buffer))) { window.__glRuns++; window.__glLastFinish = performance.now(); }
      };
      if (event.data instanceof ArrayBuffer) count(event.data);
      else if (event.data instanceof Blob) event.data.arrayBuffer().then(count);
    });
  }
};
"""

_IDLE_JS = """after => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && ['notRunning', 'compilationError'].includes(app.dataset.testScriptState)
    && app.dataset.testConnectionState === 'CONNECTED'
    && !document.querySelector('[data-testid="stAppSkeleton"], [data-testid="stSkeleton"], [data-stale="true"]')
    && (after === null || window.__glRuns > after) && performance.now() - window.__glLastFrame > FRAME_QUIET_MS;
}""".replace("FRAME_QUIET_MS", str(FRAME_QUIET_MS))

# Idle, a run finished after the last key press or click, and the script state has not changed for `settle` ms.
_SETTLED_JS = f"""settle => ({_IDLE_JS})(null) && window.__glLastFinish > window.__glLastInput
  && performance.now() - window.__glLastChange > settle"""

# Charts: st.plotly_chart and the chart element (ui/chart.py); the sidebar's live link (ui/url.py, .gl-link) is a component too.
_CHARTS_JS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stPlotlyChart"], [data-testid="stBidiComponentRegular"]:not(:has(.gl-link))')).map((chart, index) => {
  const sized = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const gd = chart.querySelector('.js-plotly-plot');
  const title = gd?._fullLayout?.title?.text ?? '';
  if (!chart.checkVisibility()) return {index, title, visible: false, drawn: false, why: 'hidden (a tab not shown, a closed expander)'};
  if (!gd || !gd._fullLayout || !gd._fullData) return {index, title, visible: true, drawn: false, why: 'plotly has not plotted'};
  const webgl = gd._fullData.some(t => (t._module?.categories ?? []).some(c => c === 'gl' || c === 'gl3d'));
  const svg = Array.from(gd.querySelectorAll('svg.main-svg')).some(sized);
  const canvas = Array.from(gd.querySelectorAll('canvas')).some(c => c.width > 0 && c.height > 0 && sized(c));
  const noWebgl = /WebGL is not supported/i.test(gd.textContent);
  const why = !sized(gd) ? 'zero size' : !svg ? 'no main-svg' : (webgl && (!canvas || noWebgl)) ? 'no WebGL canvas' : '';
  return {index, title, visible: true, drawn: !why, why, traces: gd._fullData.map(t => t.type)};
})"""

_STAMP_JS = """() => {
  const stamp = (window.__glStamp ?? 0) + 1;
  window.__glStamp = stamp;
  document.querySelectorAll('.js-plotly-plot').forEach(gd => { if (gd.data) gd.data.__glStamp = stamp; });
  return stamp;
}"""

_CHANGED_JS = """stamp => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd => gd.data?.__glStamp !== stamp)"""

_TABLE_JS = """el => Array.from(el.querySelectorAll('tr')).map(tr => Array.from(tr.children).map(c => c.textContent.trim()))"""

_SCROLL_HEIGHT_JS = """() => Math.max(document.documentElement.scrollHeight,
  ...Array.from(document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"], [data-testid="stSidebarContent"]'))
     .map(el => el.scrollHeight))"""


# ---- pages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppPage:
    """A page of the app: `name` is its URL path ("Mini-batch"), or "app" for the home page."""

    name: str
    script: Path
    order: tuple[float, str]


def page_from_script(script: Path) -> AppPage:
    """Streamlit's rule: drop the number prefix and ".py", fold runs of "_"/" " into one "_"."""
    number, label = _PAGE_FILENAME.fullmatch(script.name).groups()
    name = re.sub(r"[_ ]+", "_", label).strip() or number
    return AppPage(name, script, (float(number) if number else float("inf"), label.lower()))


def discover_pages(root: Path = REPO_ROOT) -> list[AppPage]:
    """app.py, then every page in pages/ in Streamlit's order (dotfiles and __init__.py are not pages)."""
    scripts = [p for p in (root / "pages").glob("*.py") if not p.name.startswith(".") and p.name != "__init__.py"]
    pages = sorted((page_from_script(p) for p in scripts), key=lambda p: p.order)
    return [AppPage(HOME, root / "app.py", (float("-inf"), "")), *pages]


def url_for(name: str, query: dict[str, str] | None = None) -> str:
    """The app-relative URL of a page by name ("Gradient", "2_Gradient.py", "app" or "" for home)."""
    if name.endswith(".py"):
        name = page_from_script(Path(name)).name
    path = "" if name in ("", HOME) else name
    return "/" + path + ("?" + urlencode(query) if query else "")


# ---- waiting -------------------------------------------------------------------------------------------


def runs_finished(page: Page) -> int:
    """How many script runs have finished since the page was loaded."""
    count = page.evaluate("window.__glRuns")
    if count is None:
        raise RuntimeError("INIT_SCRIPT is missing: open pages with the `page` fixture (conftest.py)")
    return count


def wait_idle(page: Page, after: int | None = None, timeout: float = TIMEOUT_S) -> None:
    """Wait until the script is not running, the app is connected, no element is stale or still loading its code.

    "Not running" is the stApp's data-test-script-state, the state the status widget (stStatusWidget) shows;
    the widget itself appears only after a delay and fades out for 200 ms, so it would blur the timings.
    With `after` (a runs_finished() count taken before an action), wait for a run that finished later.
    """
    page.wait_for_function(_IDLE_JS, arg=after, timeout=timeout * 1000)


def wait_until(page: Page, read: Callable[[], T], ok: Callable[[T], bool], what: str, timeout: float = TIMEOUT_S) -> T:
    """Poll read() until ok(value); fail with the last value seen."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if ok(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; last seen: {value!r}")
        page.wait_for_timeout(50)


def best_of(measure: Callable[[], float], limit: float, attempts: int = 3) -> list[float]:
    """Run measure() until it takes less than `limit` seconds, at most `attempts` times; return every time.

    A shared machine is sometimes busy: a real slowdown fails every attempt, a busy moment only one.
    """
    times = [measure()]
    while times[-1] >= limit and len(times) < attempts:
        times.append(measure())
    return times


def goto(page: Page, name: str, query: dict[str, str] | None = None, timeout: float = TIMEOUT_S) -> float:
    """Open a page by URL, wait for its script to finish and its charts to draw; return the seconds it took."""
    start = time.perf_counter()
    page.goto(url_for(name, query), wait_until="commit", timeout=timeout * 1000)
    wait_idle(page, timeout=timeout)
    wait_charts_drawn(page, timeout=timeout)
    return time.perf_counter() - start


_SIDEBAR_LINKS = '[data-testid="stSidebar"] a[href]'


def _sidebar_paths(page: Page) -> list[str | None]:
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in more.inner_text().lower():
        more.click()                                           # Streamlit folds a long page list
    return page.locator(_SIDEBAR_LINKS).evaluate_all(
        # page links hold paths relative to the app's root ("" is the home page), not to the current page
        "els => els.map(e => { const u = new URL(e.getAttribute('href'), location.origin + '/');"
        " return u.origin === location.origin ? u.pathname : null; })")


def sidebar_links(page: Page) -> list[str]:
    """The app paths the sidebar links to, in order (Streamlit's page navigation or st.page_link)."""
    return [path for path in _sidebar_paths(page) if path is not None]


def navigate(page: Page, name: str, timeout: float = TIMEOUT_S) -> None:
    """Go to a page by clicking its link in the sidebar (the session and its state survive)."""
    wanted, paths = url_for(name), _sidebar_paths(page)
    if wanted not in paths:
        raise AssertionError(f"no sidebar link to {wanted}; links: {sidebar_links(page)}")
    before = runs_finished(page)
    page.locator(_SIDEBAR_LINKS).nth(paths.index(wanted)).click()
    wait_idle(page, after=before, timeout=timeout)
    wait_charts_drawn(page, timeout=timeout)


# ---- widgets -------------------------------------------------------------------------------------------


def _widget(page: Page, testid: str, label_or_key: str) -> Locator:
    """The one widget with this key (its container has class st-key-<key>) or this exact label."""
    by_key = page.locator(f'.st-key-{label_or_key} [data-testid="{testid}"]')
    if by_key.count() == 1:
        return by_key
    label = page.locator('[data-testid="stWidgetLabel"]', has_text=re.compile(rf"^\s*{re.escape(label_or_key)}\s*$"))
    by_label = page.locator(f'[data-testid="{testid}"]').filter(has=label)
    if by_label.count() != 1:
        labels = page.locator(f'[data-testid="{testid}"] [data-testid="stWidgetLabel"]').all_inner_texts()
        raise AssertionError(f"{by_label.count()} {testid} widgets with key or label {label_or_key!r}; labels: {labels}")
    return by_label


def type_formula(page: Page, text: str, timeout: float = TIMEOUT_S) -> None:
    """Type a formula into the sidebar box (key "f"), press Enter and wait for the rerun."""
    box = _widget(page, "stTextInput", "f").locator("input")
    if box.input_value() == text:
        return
    before = runs_finished(page)
    box.fill(text)
    box.press("Enter")
    wait_idle(page, after=before, timeout=timeout)


def select_option(page: Page, label_or_key: str, option: str, timeout: float = TIMEOUT_S) -> None:
    """Pick an option of an st.selectbox by clicking it open and clicking the option; wait for the rerun."""
    box = _widget(page, "stSelectbox", label_or_key)
    before = runs_finished(page)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_idle(page, after=before, timeout=timeout)


def formula_text(page: Page) -> str:
    """The text in the sidebar formula box."""
    return _widget(page, "stTextInput", "f").locator("input").input_value()


def slider_value(page: Page, label_or_key: str, thumb: int = 0) -> float:
    """The value a slider shows (for a range slider, thumb 0 is the start and 1 the end)."""
    return _slider_input(page, label_or_key, thumb).evaluate("e => Number(e.getAttribute('aria-valuenow') ?? e.value)")


def _slider_input(page: Page, label_or_key: str, thumb: int) -> Locator:
    return _widget(page, "stSlider", label_or_key).locator('input[type="range"]').nth(thumb)


def set_slider(page: Page, label_or_key: str, value: float, thumb: int = 0, timeout: float = TIMEOUT_S) -> None:
    """Move a slider until it shows `value`: a click on the track near it (one-thumb sliders), then arrow keys.

    Every change sends its value, so a click and key presses can cause several runs: then this waits until a
    run has finished after the last change and the app has stayed idle for SETTLE_S.
    """
    slider = _widget(page, "stSlider", label_or_key)
    thumb_input = slider.locator('input[type="range"]').nth(thumb)
    lo, hi, step = (float(thumb_input.get_attribute(a) or 1) for a in ("min", "max", "step"))
    if not lo - step / 2 <= value <= hi + step / 2:
        raise ValueError(f"{value} is outside the slider's range [{lo}, {hi}]")
    before, changes = runs_finished(page), 0
    current = slider_value(page, label_or_key, thumb)
    if abs(value - current) > 5 * step and slider.locator('input[type="range"]').count() == 1:
        _click_track(page, slider, (value - lo) / (hi - lo))
        current, changes = slider_value(page, label_or_key, thumb), 1
    thumb_input.focus()
    for _ in range(3):
        presses = round((value - current) / step)
        if presses == 0:
            break
        for _ in range(abs(presses)):
            page.keyboard.press("ArrowRight" if presses > 0 else "ArrowLeft")
        current, changes = slider_value(page, label_or_key, thumb), changes + abs(presses)
    if abs(value - current) > step / 2:
        raise AssertionError(f"slider {label_or_key!r} stuck at {current}, wanted {value}")
    if changes == 1:
        wait_idle(page, after=before, timeout=timeout)
    elif changes > 1:
        page.wait_for_function(_SETTLED_JS, arg=SETTLE_S * 1000, timeout=timeout * 1000)


def _click_track(page: Page, slider: Locator, fraction: float) -> None:
    """Click the slider's track at `fraction` of its length, level with the thumb."""
    slider.scroll_into_view_if_needed()
    track = slider.locator('[role="group"] > [data-orientation="horizontal"]').bounding_box()
    knob = slider.locator('[role="group"] > [data-orientation="horizontal"] > div:has(input)').bounding_box()
    page.mouse.click(track["x"] + fraction * track["width"], knob["y"] + knob["height"] / 2)


# ---- reading the page ----------------------------------------------------------------------------------


def read_metric(page: Page, label: str) -> str:
    """The value shown by the st.metric with this label."""
    metric = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")))
    if metric.count() != 1:
        labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
        raise AssertionError(f"{metric.count()} metrics labelled {label!r}; labels: {labels}")
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def table_rows(page: Page, index: int = 0) -> list[list[str]]:
    """The cells of the index-th table (st.dataframe or st.table) in the main area, header row first."""
    tables = page.locator('[data-testid="stMain"]').locator('[data-testid="stDataFrame"], [data-testid="stTable"]')
    table = tables.nth(index).locator("table")        # st.dataframe draws on a canvas; this is its a11y table
    table.wait_for(state="attached")
    return table.evaluate(_TABLE_JS)


def table_text(page: Page, index: int = 0) -> str:
    """The index-th table as text: one line per row, cells separated by tabs."""
    return "\n".join("\t".join(row) for row in table_rows(page, index))


def table_column(page: Page, column: str, index: int = 0) -> list[str]:
    """One column of the index-th table, by its header."""
    header, *rows = table_rows(page, index)
    return [row[header.index(column)] for row in rows]


def wait_table_column(page: Page, column: str, ok: Callable[[list[str]], bool], what: str, index: int = 0,
                      timeout: float = TIMEOUT_S) -> list[str]:
    """One column of the index-th table once ok(column) holds.

    st.dataframe paints its canvas first and rebuilds the accessible table a moment later, so right after a rerun the
    table's text can still be the previous run's: read it through this rather than table_column.
    """
    def read() -> list[str]:
        try:
            return table_column(page, column, index)
        except (ValueError, IndexError):                 # the old table, without this column, or none yet
            return []
    return wait_until(page, read, ok, what, timeout)


def latex_text(page: Page) -> list[str]:
    """The LaTeX source of every formula rendered in the main area (st.latex and $…$ in markdown)."""
    return page.locator('[data-testid="stMain"] .katex annotation[encoding="application/x-tex"]').all_text_contents()


def plotly_charts(page: Page) -> list[dict[str, Any]]:
    """One report per plotly chart: visible, drawn, why not, the trace types and the title."""
    return page.evaluate(_CHARTS_JS)


def _undrawn(charts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in charts if c["visible"] and not c["drawn"]]


def plotly_charts_drawn(page: Page) -> bool:
    """True when every visible plotly chart has a sized main-svg and, for WebGL traces (3-D, scattergl), a sized canvas.

    A chart in a tab that is not shown or in a closed expander cannot be seen: visit_tabs() and
    open_expanders() show them.
    """
    return not _undrawn(plotly_charts(page))


def wait_charts_drawn(page: Page, timeout: float = TIMEOUT_S, where: str = "") -> None:
    """Wait until plotly_charts_drawn()."""
    wait_until(page, lambda: plotly_charts(page), lambda charts: not _undrawn(charts),
               f"every plotly chart to draw{where}", timeout)


def open_expanders(page: Page) -> int:
    """Open every closed st.expander (nothing reruns); return how many were opened."""
    closed = page.locator('[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary')
    count = closed.count()
    for _ in range(count):
        closed.first.click()
    return count


def visit_tabs(page: Page) -> Iterator[str]:
    """Show every tab of every st.tabs in turn (nothing reruns), yielding each tab's label, then the first ones again."""
    tabs = page.locator('[data-testid="stMain"] [data-testid="stTab"]')
    first_tabs = [tabs.nth(i) for i in range(tabs.count()) if tabs.nth(i).get_attribute("aria-selected") == "true"]
    for i in range(tabs.count()):
        tab = tabs.nth(i)
        if tab.is_visible():
            tab.click()
            yield tab.inner_text()
    for tab in first_tabs:
        tab.click()


def timed_change(page: Page, change: Callable[[], object], timeout: float = TIMEOUT_S) -> float:
    """Seconds from a widget change (change() performs it and waits for its run) to the redrawn charts."""
    stamp, start = stamp_charts(page), time.perf_counter()
    change()
    wait_charts_changed(page, stamp, timeout)
    return time.perf_counter() - start


def stamp_charts(page: Page) -> int:
    """Mark the figures drawn now; wait_charts_changed() then waits for a new one."""
    return page.evaluate(_STAMP_JS)


def wait_charts_changed(page: Page, stamp: int, timeout: float = TIMEOUT_S) -> None:
    """Wait until some plotly chart holds a figure newer than `stamp`, and every chart has drawn."""
    wait_until(page, lambda: page.evaluate(_CHANGED_JS, stamp), bool, "a plotly chart to change", timeout)
    wait_charts_drawn(page, timeout)


def exceptions(page: Page) -> list[str]:
    """The text of every exception box (an uncaught error in a script, or st.exception)."""
    return page.locator('[data-testid="stException"]').all_inner_texts()


def error_alerts(page: Page) -> list[str]:
    """The text of every st.error alert."""
    return page.locator('[data-testid="stAlertContentError"]').all_inner_texts()


def assert_page_ok(page: Page, expected_errors: tuple[str, ...] = ()) -> None:
    """No exception, no st.error except those containing an expected text, every visible chart drawn, no JS error."""
    assert not exceptions(page), f"exception on the page: {exceptions(page)}"
    unexpected = [e for e in error_alerts(page) if not any(x in e for x in expected_errors)]
    assert not unexpected, f"unexpected st.error: {unexpected}"
    assert not _undrawn(plotly_charts(page)), f"plotly charts not drawn: {_undrawn(plotly_charts(page))}"
    assert not js_errors(page), f"JavaScript errors: {js_errors(page)}"


# ---- artifacts -----------------------------------------------------------------------------------------

_JS_ERRORS: dict[int, list[str]] = {}
_IGNORED_JS_ERRORS = ("ResizeObserver loop",)        # the browser's notice that a resize took two frames


def track_js_errors(page: Page) -> None:
    """Record uncaught JavaScript errors of this page (js_errors() reads them)."""
    errors = _JS_ERRORS.setdefault(id(page), [])
    page.on("pageerror", lambda err: errors.append(str(err)) if not str(err).startswith(_IGNORED_JS_ERRORS) else None)
    page.on("close", lambda _: _JS_ERRORS.pop(id(page), None))


def js_errors(page: Page) -> list[str]:
    """Uncaught JavaScript errors since track_js_errors(page)."""
    return list(_JS_ERRORS.get(id(page), []))


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page, 1280 px wide, as artifacts/screenshots/<name>.png."""
    path = SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(_SCROLL_HEIGHT_JS)
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], height)})
    try:
        page.wait_for_timeout(300)      # charts follow the new height
        page.screenshot(path=path, full_page=True)
    finally:
        page.set_viewport_size(VIEWPORT)
    return path


def write_timings(timings: dict[str, Any]) -> Path:
    """artifacts/browser_timings.json, with the limits the tests apply."""
    TIMINGS_FILE.parent.mkdir(parents=True, exist_ok=True)
    body = {"limits_s": {"page_load": LOAD_LIMIT_S, "interaction": INTERACTION_LIMIT_S}, **timings}
    TIMINGS_FILE.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return TIMINGS_FILE


_TRACE_JS = """([key, name]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const t = gd && gd._fullData && gd._fullData.find(t => t.name === name);
  const a = v => Array.from(v ?? []);
  return t ? {x: a(t.x), y: a(t.y), z: a(t.z), text: Array.isArray(t.text) ? t.text : [t.text]} : null;
}"""

_POINT_TO_PIXEL_JS = """([key, x, y]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const r = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
  return [r.left + xa._offset + xa.l2p(x), r.top + ya._offset + ya.l2p(y)];
}"""


def chart_trace(page: Page, key: str, name: str) -> dict | None:
    """A trace of the chart with this key, as plotly holds it in the browser now."""
    return page.evaluate(_TRACE_JS, [key, name])


def chart_pixel(page: Page, key: str, x: float, y: float) -> tuple[float, float]:
    """Where the data point (x, y) of the chart with this key is on the page, in CSS pixels (for a mouse click)."""
    return tuple(page.evaluate(_POINT_TO_PIXEL_JS, [key, x, y]))


def websocket_payloads(page: Page) -> list[bytes]:
    """A list that grows by the payload of every websocket frame the page receives (CDP; binary frames are base64).

    A full run re-sends every element of the page and a region's run (st.fragment) only its own, so the frames after
    a change show which ran."""
    payloads: list[bytes] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda e: payloads.append(
        base64.b64decode(e["response"]["payloadData"]) if e["response"]["opcode"] == 2 else e["response"]["payloadData"].encode()))
    return payloads
