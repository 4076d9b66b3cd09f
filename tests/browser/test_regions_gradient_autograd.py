"""Regions (issue 16/17) of the Gradient and Autograd pages: a control inside a region reruns only that region.

Checked on the wire: Streamlit sends every element of a full run again, so the frames a region's rerun sends carry the
region's new output and none of the text outside it (the page's caption). And the address bar follows the control.
"""

from __future__ import annotations

import pytest

from .helpers import assert_page_ok, goto, runs_finished, wait_idle, wait_until, websocket_payloads

pytestmark = pytest.mark.browser



def sent_after(frames: list[bytes], action) -> bytes:
    """Everything the server sent in answer to `action`."""
    start = len(frames)
    action()
    return b"".join(frames[start:])


def test_counterexample_toggle_reruns_only_its_region(page):
    goto(page, "Gradient")
    frames = websocket_payloads(page)
    before = runs_finished(page)
    sent = sent_after(frames, lambda: (page.locator(".st-key-gr_cx label").click(), wait_idle(page, after=before)))
    wait_until(page, lambda: page.locator('[data-testid="stMain"]').inner_text(),
               lambda t: "Schwarz's theorem does not apply" in t, "the counterexample")
    assert b"f_xy(0, 0) = -1 but f_yx(0, 0) = 1" in sent                 # (a) the region's new output
    assert b"A partial derivative is the slope of f along one axis" not in sent    # (b) the header's caption: not re-sent
    assert b"Partial derivatives are slopes" not in sent
    wait_until(page, lambda: page.url, lambda url: "gr_cx=1" in url, "?gr_cx=1 in the address bar")   # (c)
    assert_page_ok(page)


def test_backward_step_slider_reruns_only_its_region(page):
    goto(page, "Autograd")
    frames = websocket_payloads(page)
    thumb = page.locator('.st-key-ag_step [data-testid="stSlider"] input[type="range"]')
    before = runs_finished(page)
    sent = sent_after(frames, lambda: (thumb.press("Home"), wait_idle(page, after=before)))
    wait_until(page, lambda: page.locator('[data-testid="stMain"]').inner_text(),
               lambda t: "After the forward pass" in t, "the step-0 sentence")
    assert b"After the forward pass" in sent                                    # (a) the region's new output
    assert b"The lecture's autograd in three lines" not in sent                 # (b) the page's caption: not re-sent
    assert b"Show the code: the PyTorch script" not in sent                     # nor the expander under the tabs
    wait_until(page, lambda: page.url, lambda url: "ag_step=0" in url, "?ag_step=0 in the address bar")   # (c)
    assert_page_ok(page)
