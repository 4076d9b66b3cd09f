"""The Directional derivative page's θ region (ui.region, st.fragment): a θ step reruns only what θ changes.

The check that the rest of the page was not re-run reads the websocket: a full run re-sends every element, the page's
header included; a region's rerun sends only the region's elements. A P move (a full run) shows the check can fail.
"""

from __future__ import annotations

import time

import pytest

from .helpers import assert_page_ok, goto, read_metric, set_slider, wait_charts_drawn, wait_idle, wait_until, websocket_payloads
from .test_page_directional import PAGE, d_u_f

pytestmark = pytest.mark.browser

HEADER = b"how steep is the way I look?"       # st.header of the page, outside the region



def sidebar_link(page) -> str:
    """The link the sidebar's 'Link to this view' shows (its expander opened to read it, then closed again)."""
    summary = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"] summary', has_text="Link to this view")
    summary.click()
    text = page.locator('[data-testid="stSidebar"] .gl-link-text')
    text.wait_for(state="visible")
    link = text.inner_text()
    summary.click()
    return link


def test_a_theta_step_reruns_only_the_region_and_the_url_follows(page):
    goto(page, PAGE)
    payloads = websocket_payloads(page)
    set_slider(page, "theta", 30.1)
    wait_until(page, lambda: read_metric(page, "D_u f (sympy)"), lambda v: v == f"{d_u_f(1, 1, 30.1):.6g}", "D_u f at θ = 30.1°")
    time.sleep(0.5)                                                 # frames that arrive after the run finished
    theta_step = b"".join(payloads)
    assert theta_step and HEADER not in theta_step                  # the region only: the header was not sent again
    assert read_metric(page, "f(P)") == "106"                       # outputs outside θ's reach still there
    wait_until(page, lambda: page.url, lambda url: "theta=30.1" in url, "θ in the address bar")
    wait_until(page, lambda: sidebar_link(page), lambda link: "theta=30.1" in link, "θ in the sidebar's link")

    payloads.clear()
    set_slider(page, "px", 1.01)                                     # P is outside the region: a full run
    wait_until(page, lambda: read_metric(page, "f(P)"), lambda v: v != "106", "f(P) at the new P")
    time.sleep(0.5)
    assert HEADER in b"".join(payloads)                             # so the check above can fail
    assert "px=1.01" in page.url and "theta=30.1" in page.url
    wait_idle(page)
    wait_charts_drawn(page)
    assert_page_ok(page)
