"""中文: switch the language on the home page, visit every page through the sidebar, and check that Chromium draws
Chinese glyphs (a CJK font is installed), not boxes ("tofu"). Screenshots: artifacts/screenshots/zh_<page>.png.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from .helpers import assert_page_ok, discover_pages, goto, navigate, runs_finished, screenshot, wait_charts_drawn, wait_idle

pytestmark = pytest.mark.browser

PAGES = discover_pages()
TRANSLATED = {p.name for p in PAGES}               # every page (tests/test_i18n.py scans their text for English)
CJK = re.compile(r"[\u4e00-\u9fff]")
WORD = "梯度下降"
WAIT_S = 60.0                                       # a page of charts on a busy 2-core machine
TOFU = "\u0378\u0379\u0380\u0381"                   # unassigned code points: every font draws its missing-glyph box

# Draw each text on a canvas in the font of the page's header; return its width and its pixels' fingerprint.
_GLYPHS_JS = """([texts, selector]) => {
  const family = getComputedStyle(document.querySelector(selector)).fontFamily;
  const canvas = document.createElement('canvas'); canvas.width = 400; canvas.height = 80;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.font = `48px ${family}`;
  return texts.map(text => {
    ctx.clearRect(0, 0, 400, 80); ctx.fillText(text, 0, 60);
    const pixels = ctx.getImageData(0, 0, 400, 80).data;
    let ink = 0, hash = 0;
    for (let i = 3; i < pixels.length; i += 4) { ink += pixels[i] > 0; hash = (hash * 31 + pixels[i]) | 0; }
    return {text, width: ctx.measureText(text).width, ink, hash, family};
  });
}"""


def glyphs(page, texts: list[str]) -> list[dict]:
    return page.evaluate(_GLYPHS_JS, [texts, '[data-testid="stMain"] h2'])


def test_chinese_interface_on_every_page(page):
    goto(page, "app", timeout=WAIT_S)
    before = runs_finished(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stRadio"] label').filter(has_text="中文").click()
    wait_idle(page, after=before, timeout=WAIT_S)
    wait_charts_drawn(page, timeout=WAIT_S)
    assert CJK.search(page.locator('[data-testid="stMain"] h2').first.inner_text())
    assert parse_qs(urlparse(page.url).query).get("lang") == ["zh"]

    word, tofu, *chars = glyphs(page, [WORD, TOFU, *WORD])
    # A CJK font draws each character one em wide and each one differently; without one, all four are the same box.
    assert word["width"] >= 0.9 * 4 * 48, (word, tofu)
    assert len({c["hash"] for c in chars}) == 4, chars
    assert word["hash"] != tofu["hash"] and word["ink"] != tofu["ink"], (word, tofu)

    for app_page in PAGES:
        if app_page.name != "app":
            navigate(page, app_page.name, timeout=WAIT_S)
        assert parse_qs(urlparse(page.url).query).get("lang") == ["zh"], page.url     # kept across pages
        assert_page_ok(page)
        screenshot(page, f"zh_{app_page.name}")
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "首页：f 及其梯度" in sidebar and "方向导数" in sidebar
        if app_page.name in TRANSLATED:
            assert CJK.search(page.locator('[data-testid="stMain"] :is(h1, h2)').first.inner_text())
            titles = page.locator(".js-plotly-plot .gtitle").evaluate_all("els => els.map(e => e.textContent)")
            assert all(CJK.search(t) for t in titles), titles
            # home draws no chart (issue 18); Autograd opens on its computation graph, which is not a plotly chart
            assert titles or app_page.name in ("app", "Autograd"), "no chart title drawn"
