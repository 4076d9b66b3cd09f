"""ui.chart in the browser: one plot per chart key, mounted once and changed in place.

The camera a lecturer rotated survives a rerun, Play keeps the level curves, a θ step sends only what changed,
plotly.js is the plotly package's own copy served by the app, and the charts use the width they are given.
"""

from __future__ import annotations

import base64
import time

import plotly.offline
import pytest

from .helpers import (
    TIMEOUT_S,
    assert_page_ok,
    goto,
    navigate,
    runs_finished,
    set_slider,
    slider_value,
    timed_change,
    wait_until,
)

pytestmark = pytest.mark.browser

PLOT = '[data-testid="stBidiComponentRegular"] .gl-chart[data-key="{key}"] .js-plotly-plot'
THETA_STEP_LIMIT_BYTES = 50_000


def plot(page, key: str):
    return page.locator(PLOT.format(key=key))


def camera_eye(page, key: str) -> dict:
    return plot(page, key).evaluate("gd => ({...gd._fullLayout.scene.camera.eye})")


def level_lines(page, key: str) -> int:
    """How many drawn contour level lines the chart shows."""
    return plot(page, key).evaluate("gd => Array.from(gd.querySelectorAll('.contourlevel path')).filter(p => p.getAttribute('d')).length")


def websocket_bytes(page) -> list[int]:
    """A list that grows by the bytes of every websocket frame the page receives (CDP; binary frames are base64)."""
    sizes: list[int] = []
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.on("Network.webSocketFrameReceived", lambda e: sizes.append(
        len(base64.b64decode(e["response"]["payloadData"])) if e["response"]["opcode"] == 2 else len(e["response"]["payloadData"])))
    return sizes


def test_a_rotated_surface_keeps_its_camera_through_a_slider_move(page, timings):
    goto(page, "Directional_derivative")
    surface = plot(page, "fig_surface")
    surface.evaluate("gd => { gd.__glMounted = true; }")
    before = camera_eye(page, "fig_surface")
    surface.scroll_into_view_if_needed()
    box = surface.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for dx in range(0, 161, 20):                                     # drag sideways: turn the surface about z
        page.mouse.move(cx + dx, cy + dx / 8)
        page.wait_for_timeout(30)
    page.mouse.up()
    rotated = wait_until(page, lambda: camera_eye(page, "fig_surface"), lambda eye: abs(eye["x"] - before["x"]) > 0.1,
                         "the camera to turn")
    seconds = timed_change(page, lambda: set_slider(page, "theta", 30.1))
    timings["interactions"]["charts: θ one step with a rotated surface -> charts redrawn"] = round(seconds, 3)
    assert camera_eye(page, "fig_surface") == pytest.approx(rotated, abs=1e-9)
    assert surface.evaluate("gd => gd.__glMounted === true")      # the same plot, updated, not a new one
    assert_page_ok(page)


def test_play_keeps_the_level_curves_and_runs_nothing_on_the_server(page, timings):
    goto(page, "Gradient_descent")
    lines = level_lines(page, "fig_map")
    assert lines > 10
    page.locator('.gl-chart[data-key="fig_map"] select.gl-speed').select_option("4")
    runs = runs_finished(page)
    start = time.perf_counter()
    page.locator('.gl-chart[data-key="fig_map"] .updatemenu-button').filter(has_text="Play").click()
    wait_until(page, lambda: plot(page, "fig_map").get_attribute("data-playing"), lambda v: v == "1", "the animation to start")
    assert level_lines(page, "fig_map") == lines                    # while it plays
    wait_until(page, lambda: plot(page, "fig_map").get_attribute("data-played"), lambda v: v == "1",
               "the animation to end", timeout=3 * TIMEOUT_S)
    timings["interactions"]["charts: Play at 4x -> last frame (150 frames)"] = round(time.perf_counter() - start, 3)
    assert level_lines(page, "fig_map") == lines                    # and after it
    assert runs_finished(page) == runs
    assert_page_ok(page)


def test_a_theta_step_sends_what_changed_not_the_surface(page, timings):
    goto(page, "Directional_derivative")
    sizes = websocket_bytes(page)
    set_slider(page, "theta", 30.1)                                  # one arrow key: θ moves in 0.1° steps
    time.sleep(0.5)                                                  # frames that arrive after the run finished
    sent = sum(sizes)
    timings.setdefault("payload_bytes", {})["directional: θ one step (websocket, all frames)"] = sent
    assert 0 < sent < THETA_STEP_LIMIT_BYTES                        # st.plotly_chart sent ~446 KB: z grids included


def test_plotly_js_is_the_plotly_package_copy_served_by_the_app_once_per_tab(page, app_url):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    goto(page, "Directional_derivative")
    navigate(page, "Gradient_descent")
    assert page.evaluate("() => window.Plotly.version") == plotly.offline.get_plotlyjs_version()
    assert [u for u in requests if "plotly" in u and u.endswith(".min.js")] == [f"{app_url}/app/static/plotly-{plotly.__version__}.min.js"]
    assert all(u.startswith((app_url, "blob:", "data:")) for u in requests), [u for u in requests if not u.startswith(app_url)]
    options = plot(page, "fig_loss").evaluate("gd => gd._context.toImageButtonOptions")
    assert (options["width"], options["height"]) == (1920, 1080)      # the toolbar's PNG at projector size


def test_a_second_page_load_takes_plotly_js_from_the_browser_cache(page, app_context):
    """4.6 MB of plotly.js are downloaded once per browser, not on every page opened by its URL (static/, Last-Modified)."""
    goto(page, "Autograd")
    again = app_context.new_page()
    try:
        goto(again, "Gradient")
        downloaded = again.evaluate("() => performance.getEntriesByType('resource')"
                                    ".filter(e => /plotly[^/]*[.]min[.]js$/.test(e.name)).map(e => e.transferSize)")
    finally:
        again.close()
    assert downloaded == [0], f"bytes of plotly.min.js transferred by the second page load: {downloaded}"


def test_charts_use_the_width_they_are_given_at_1920(page):
    page.set_viewport_size({"width": 1920, "height": 1080})
    goto(page, "Gradient")
    widths = page.evaluate("""() => Array.from(document.querySelectorAll('.gl-chart')).map(box =>
        [box.parentElement.getBoundingClientRect().width, box.querySelector('.main-svg').getBoundingClientRect().width])""")
    assert widths and all(svg >= 0.97 * column for column, svg in widths), widths


def arrow_u(page) -> tuple:
    """The level map's arrow u as drawn now: its tip in the layout and how the player turned its SVG (None: not)."""
    return tuple(plot(page, "fig_level").evaluate("""gd => [gd.layout.annotations[0].x, gd.layout.annotations[0].y,
        gd.querySelector('.annotation[data-index="0"]').getAttribute('transform')]"""))


def test_the_theta_sweep_turns_u_once_around_in_the_browser(page, timings):
    goto(page, "Directional_derivative")
    before, runs = arrow_u(page), runs_finished(page)
    seen: list[tuple] = []
    start = time.perf_counter()
    page.locator('.gl-chart[data-key="fig_level"] .updatemenu-button').filter(has_text="Turn u once around").click()
    for key in ("fig_level", "fig_theta"):                          # one button plays both charts of the sweep
        wait_until(page, lambda k=key: (seen.append(arrow_u(page)), plot(page, k).get_attribute("data-played"))[1],
                   lambda v: v == "1", f"the sweep of {key} to end", timeout=3 * TIMEOUT_S)
    timings["interactions"]["charts: θ sweep, 73 frames -> back at θ"] = round(time.perf_counter() - start, 3)
    assert len(set(seen)) >= 4                                      # u pointed in other directions on the way
    assert before[2] is None and arrow_u(page) == before            # and ends at the θ of the slider
    marker = plot(page, "fig_theta").evaluate("gd => [gd.data.at(-1).x[0], gd.data.at(-1).y[0]]")
    assert marker[0] == 30                                          # the θ curve's marker is back at θ = 30°
    assert runs_finished(page) == runs                              # no server round trip, not even one
    assert_page_ok(page)


def test_a_click_on_the_map_moves_the_start(page, timings):
    goto(page, "Gradient_descent")
    before = (slider_value(page, "start x"), slider_value(page, "start y"))
    gd = plot(page, "fig_map")
    gd.scroll_into_view_if_needed()
    x, y = gd.evaluate("""gd => { const l = gd._fullLayout, r = gd.getBoundingClientRect();
        return [r.left + l.xaxis._offset + l.xaxis.c2p(2), r.top + l.yaxis._offset + l.yaxis.c2p(2)]; }""")
    seconds = timed_change(page, lambda: (page.mouse.click(x, y), wait_until(
        page, lambda: slider_value(page, "start x"), lambda v: v != before[0], "the start to move")))
    timings["interactions"]["charts: click the map at (2, 2) -> start moved, charts redrawn"] = round(seconds, 3)
    after = (slider_value(page, "start x"), slider_value(page, "start y"))
    assert after != before and after == pytest.approx((2, 2), abs=0.5)   # the clickable grid point nearest (2, 2)
    assert_page_ok(page)
