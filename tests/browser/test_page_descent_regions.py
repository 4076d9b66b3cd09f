"""The Gradient descent page's regions and its race on the surface, in the browser (issues 16, 17, 19).

The step scrubber reruns only its region (st.fragment): the map's xₜ, the loss's step line and the step up close
change, while nothing outside the region is sent again (the websocket frames after the move hold no delta of the
page's caption or update rule, which every full run re-sends), and the address bar follows (?scrub=). Play on the
3-D surface moves the racers' heads there and on the map at once, with no server run.

Expected numbers: Adam, γ = 0.001, from (−4, 0) on Himmelblau: ∇f(−4, 0) = (−102, 10), and Adam's first step is
−γ·sign(g) per coordinate, so x₁ = (−3.999, −0.001).
"""

from __future__ import annotations

import pytest

from .helpers import (
    FIRST_LOAD_TIMEOUT_S,
    TIMEOUT_S,
    assert_page_ok,
    chart_trace,
    goto,
    read_metric,
    runs_finished,
    set_slider,
    wait_until,
    websocket_payloads,
)
from .test_charts import level_lines, plot
from .test_page_descent import PAGE

pytestmark = pytest.mark.browser



def test_the_scrubber_reruns_only_its_region_and_the_url_follows(page):
    goto(page, PAGE, timeout=FIRST_LOAD_TIMEOUT_S)
    assert chart_trace(page, "fig_map", "xₜ")["x"][0] == -4.0
    frames = websocket_payloads(page)
    set_slider(page, "scrub", 1)
    marker = wait_until(page, lambda: chart_trace(page, "fig_map", "xₜ"), lambda m: m["x"][0] != -4.0, "xₜ to move")
    assert (marker["x"][0], marker["y"][0]) == pytest.approx((-3.999, -0.001), abs=1e-6)
    assert plot(page, "fig_loss").evaluate("gd => gd.layout.shapes.map(s => s.x0)") == [1, 1]
    assert read_metric(page, "f(xₜ)") == "145.888"          # f(−3.999, −0.001) = 4.991001² + 10.998999², by hand
    sent = b"".join(frames)
    assert b"Step 1 up close" in sent                         # the region's outputs came,
    for outside in ("Each step computes f(", "The update rule of Adam", "Load the lecture"):
        assert outside.encode() not in sent, outside           # the rest of the page was not run again
    wait_until(page, lambda: page.url, lambda u: "scrub=1" in u, "the address bar to follow the scrubber")
    assert_page_ok(page)


def test_play_on_the_surface_moves_the_racers_there_and_on_the_map_without_a_run(page):
    goto(page, PAGE, {"steps": "40"}, timeout=FIRST_LOAD_TIMEOUT_S)   # 41 frames: a 3-D frame is a WebGL redraw
    lines, runs = level_lines(page, "fig_map"), runs_finished(page)
    end = chart_trace(page, "fig_surface", "animated heads")
    assert end["text"][0] == "step 40"
    seen = []
    page.locator('.gl-chart[data-key="fig_surface"] select.gl-speed').select_option("4")
    page.locator('.gl-chart[data-key="fig_surface"] .updatemenu-button').filter(has_text="Play").click()
    for key in ("fig_surface", "fig_map"):                      # one button plays both charts of the race
        wait_until(page, lambda k=key: (seen.append(chart_trace(page, "fig_surface", "animated heads")["text"][0]),
                                        plot(page, k).get_attribute("data-played"))[1],
                   lambda v: v == "1", f"the race on {key} to end", timeout=4 * TIMEOUT_S)
    assert len({t for t in seen if t != "step 40"}) >= 2       # the heads stood at earlier steps on the way
    final = chart_trace(page, "fig_surface", "animated heads")
    path = chart_trace(page, "fig_surface", "Adam, γ = 0.001")
    assert (final["x"][0], final["y"][0], final["z"][0]) == pytest.approx((path["x"][-1], path["y"][-1], path["z"][-1]))
    assert level_lines(page, "fig_map") == lines               # the map's contour kept
    assert runs_finished(page) == runs                          # no server run while it played
    assert_page_ok(page)
