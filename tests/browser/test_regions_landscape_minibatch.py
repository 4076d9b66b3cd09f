"""Regions (ui.region, st.fragment) of the Landscape and Mini-batch pages: a region's control reruns that region only.

Each test moves one control inside a region and checks (a) the region's outputs changed, (b) the rest of the page was
not run again: a full run re-sends every element, the page's header included, over the websocket, while a region's
run sends only its own elements, so the header's text must not be among the frames received; (c) the address bar and
the sidebar's "Link to this view" follow the control.
"""

from __future__ import annotations

import time

import pytest

from .helpers import FIRST_LOAD_TIMEOUT_S, assert_page_ok, goto, read_metric, set_slider, wait_charts_drawn, wait_until, websocket_payloads

pytestmark = pytest.mark.browser

SADDLE_LRS = (0.02, 0.05, 0.1, 0.2, 0.3)                # the sd_lr select slider
TARGETS = (0.1, 0.05, 0.02, 0.01, 0.005, 0.001)         # the mb_tgt select slider



def sent_again(frames: list[bytes], text: str) -> bool:
    return any(text.encode() in frame for frame in frames)


def link_in_sidebar(page) -> str:
    """The sidebar's 'Link to this view', opened."""
    expander = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]', has_text="Link to this view")
    if not expander.locator(".gl-link-text").is_visible():
        expander.locator("summary").click()
    return expander.locator(".gl-link-text").inner_text()


def test_the_saddle_demo_reruns_alone_and_the_url_follows(page):
    goto(page, "Landscape", timeout=FIRST_LOAD_TIMEOUT_S)
    header = "Landscape: where does gradient descent end?"
    assert page.get_by_text(header).count() == 1
    assert read_metric(page, "steps to escape") == "76"
    frames = websocket_payloads(page)
    set_slider(page, "sd_lr", SADDLE_LRS.index(0.2))
    time.sleep(0.5)                                                  # frames that arrive after the run finished
    assert read_metric(page, "steps to escape") == read_metric(page, "predicted") == "42"    # ⌈ln 1e6 / ln 1.4⌉
    assert frames and sent_again(frames, "steps to escape")          # the region's own elements came back
    assert not sent_again(frames, header)                            # the rest of the page did not run
    wait_until(page, lambda: page.url, lambda url: "sd_lr=0.2" in url, "sd_lr=0.2 in the address bar")
    wait_charts_drawn(page)
    assert_page_ok(page)                  # before the sidebar's link is opened: helpers count its component as a chart
    wait_until(page, lambda: link_in_sidebar(page), lambda link: "sd_lr=0.2" in link, "the sidebar's link to follow")


def test_a_lever_tab_reruns_its_region_and_computes_only_itself(page):
    goto(page, "Landscape", timeout=FIRST_LOAD_TIMEOUT_S)
    assert page.locator(".st-key-ls_fig_sweep").count() == 0         # the closed learning-rate tab was not computed
    frames = websocket_payloads(page)
    page.get_by_role("tab", name="② Learning rate").click()
    wait_until(page, lambda: page.locator(".st-key-ls_fig_sweep").count(), lambda n: n == 1, "the sweep's chart")
    assert read_metric(page, "stability limit 2/λ_max") == "0.0243"
    assert not sent_again(frames, "Landscape: where does gradient descent end?")
    assert not sent_again(frames, "Saddle points: stuck on the axis")    # the saddle demo, outside the levers' region
    wait_until(page, lambda: page.url, lambda url: "ls_tab=" in url, "ls_tab in the address bar")
    wait_charts_drawn(page)
    assert_page_ok(page)


def test_the_minibatch_target_reruns_its_region_and_the_url_follows(page):
    goto(page, "Mini-batch", timeout=FIRST_LOAD_TIMEOUT_S)
    header = "Mini-batch gradient descent"
    wait_until(page, lambda: page.locator('[data-testid="stMetric"]').count(), lambda n: n >= 3, "the cost metrics")
    before = read_metric(page, "Mini-batch")
    frames = websocket_payloads(page)
    set_slider(page, "mb_tgt", TARGETS.index(0.1))
    time.sleep(0.5)
    wait_until(page, lambda: read_metric(page, "Mini-batch"), lambda v: v != before, "the examples to the target to change")
    assert not sent_again(frames, header)
    assert not sent_again(frames, "Gradient noise: why the paths wobble")     # another region
    wait_until(page, lambda: page.url, lambda url: "mb_tgt=0.1" in url, "mb_tgt=0.1 in the address bar")
    wait_charts_drawn(page)
    assert_page_ok(page)                  # before the sidebar's link is opened: helpers count its component as a chart
    wait_until(page, lambda: link_in_sidebar(page), lambda link: "mb_tgt=0.1" in link, "the sidebar's link to follow")
