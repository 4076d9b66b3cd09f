"""The presenter view and phones, measured in the browser on every page.

Presenter view (?present=1) at 1280x720: no sidebar, body text at least 20 px, metric values and chart tick labels
at least 16 px, every text colour at least 4.5:1 against its background (WCAG AA). Normal view: chart tick labels at
least 14 px, the same contrast. At 390x844 (a phone) nothing is wider than the screen: a formula too wide scrolls
inside its own box, and every map (a level-set map, the descent map, the basin map, the phase diagram: a plot with
equal axis scales, or a contour or heat map) is at least 320 px wide. Screenshots of every page in the three views go
to artifacts/screenshots/views/.
"""

from __future__ import annotations

import pytest

from .helpers import SCREENSHOTS, VIEWPORT, assert_page_ok, discover_pages, goto, visit_tabs, wait_charts_drawn, wait_idle

pytestmark = pytest.mark.browser

PAGES = discover_pages()
PHONE = {"width": 390, "height": 844}
MAP_PX = 320             # the least width of a map's plot area on a phone
AA_CONTRAST = 4.5

# Every visible text in the main area: [where, what, font px, contrast]. HTML text is measured against the first
# ancestor with a background; chart text (SVG) against the chart's paper. KaTeX's sub- and superscripts are small by
# design and excluded; metric values are reported as kind "metric", chart tick labels as "tick".
_TEXTS_JS = """() => {
  const rgba = s => { const m = s.match(/[\\d.]+/g).map(Number); return m.length === 3 ? [...m, 1] : m; };
  const lum = ([r, g, b]) => { const c = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
                               return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b); };
  const over = (top, bottom) => top.slice(0, 3).map((v, i) => v * top[3] + bottom[i] * (1 - top[3]));
  const contrast = (fg, bg) => { const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x); return (a + 0.05) / (b + 0.05); };
  const background = el => { if (el.closest('[data-testid="stSliderThumbValue"]')) return [255, 255, 255];  // above the thumb
                             for (let e = el; e; e = e.parentElement) { const c = rgba(getComputedStyle(e).backgroundColor);
                               if (c[3] > 0.5) return c.slice(0, 3); } return [255, 255, 255]; };
  const shown = el => el.checkVisibility({opacityProperty: true, visibilityProperty: true}) && el.getBoundingClientRect().width > 0;
  const out = [];
  const main = document.querySelector('[data-testid="stMain"]');
  for (const el of main.querySelectorAll('*')) {
    if (el.closest('svg, .katex, [data-testid="stHeader"]') || !shown(el)) continue;
    const text = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
    if (!text) continue;
    const style = getComputedStyle(el), bg = background(el);
    const kind = el.closest('[data-testid="stMetricValue"]') ? 'metric' : 'text';
    out.push([kind, text.slice(0, 40), parseFloat(style.fontSize), contrast(over(rgba(style.color), bg), bg)]);
  }
  for (const gd of main.querySelectorAll('.js-plotly-plot')) {
    if (!shown(gd)) continue;
    const paper = rgba(getComputedStyle(gd.querySelector('.main-svg .bg') || gd).fill || 'rgb(255,255,255)');
    for (const t of gd.querySelectorAll('.xtick text, .ytick text, .cbaxis text, .gtitle, .legendtext, .xtitle, .ytitle')) {
      if (!t.textContent.trim() || !shown(t)) continue;
      const style = getComputedStyle(t), fill = rgba(style.fill);
      const kind = t.closest('.xtick, .ytick, .cbaxis') ? 'tick' : 'chart';
      out.push([kind, t.textContent.slice(0, 40), parseFloat(style.fontSize), contrast(over(fill, [255, 255, 255]), [255, 255, 255])]);
    }
  }
  return out;
}"""

# Elements sticking out past the right edge of the screen, but for those inside a box that scrolls or clips
# sideways and itself fits (a wide formula scrolls in its own box).
_TOO_WIDE_JS = """() => {
  const width = document.documentElement.clientWidth, out = [];
  const contained = el => { for (let e = el.parentElement; e; e = e.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(e).overflowX)) return e.getBoundingClientRect().right <= width + 1;
    } return false; };
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1 && !contained(el)) {
      out.push(`${el.tagName.toLowerCase()}.${el.className?.baseVal ?? el.className} ${Math.round(r.right)} px`);
    }
  }
  return [document.documentElement.scrollWidth, out.slice(0, 8)];
}"""


def _views_shot(page, name: str) -> None:
    """A full-page screenshot at the viewport's width into artifacts/screenshots/views/<name>.png."""
    path = SCREENSHOTS / "views" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": max(height, 600)})
    page.wait_for_timeout(400)
    page.screenshot(path=path, full_page=True)


def _failures(texts: list, body: float, metric: float, tick: float) -> list:
    least = {"text": body, "chart": tick, "metric": metric, "tick": tick}
    return [t for t in texts if t[2] < least[t[0]] - 0.05 or t[3] < AA_CONTRAST]


@pytest.mark.parametrize("app_page", PAGES, ids=[p.name for p in PAGES])
def test_presenter_view_reads_from_the_back_row(page, app_page):
    goto(page, app_page.name, {"present": "1"})
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert page.get_by_role("button", name="Leave presenter view").is_visible()
    assert page.locator('[data-testid="stMain"] [data-testid="stExpander"]').evaluate_all(
        "els => els.every(e => !e.checkVisibility())")                   # help, code and tables are hidden
    texts = page.evaluate(_TEXTS_JS)
    # home (the outline) and Autograd (a graphviz graph) draw no plotly chart
    assert any(t[0] == "tick" for t in texts) or app_page.name in ("app", "Autograd"), "no chart tick labels measured"
    assert _failures(texts, body=20, metric=16, tick=16) == []
    assert_page_ok(page)
    _views_shot(page, f"{app_page.name}-presenter")


@pytest.mark.parametrize("app_page", PAGES, ids=[p.name for p in PAGES])
def test_normal_view_tick_labels_and_contrast(page, app_page):
    goto(page, app_page.name)
    texts = page.evaluate(_TEXTS_JS)
    assert _failures(texts, body=0, metric=0, tick=14) == []
    _views_shot(page, f"{app_page.name}-normal")


@pytest.mark.parametrize("app_page", PAGES, ids=[p.name for p in PAGES])
def test_a_phone_sees_nothing_wider_than_its_screen(page, app_page):
    page.set_viewport_size(PHONE)
    try:
        goto(page, app_page.name)
        scroll_width, too_wide = page.evaluate(_TOO_WIDE_JS)
        assert (scroll_width, too_wide) == (PHONE["width"], [])
        _views_shot(page, f"{app_page.name}-phone")
    finally:
        page.set_viewport_size(VIEWPORT)


# Every 2-D map shown: [chart key, width and height of its plot area in px, the chart's own width].
_MAPS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')).flatMap(gd => {
  const layout = gd._fullLayout, width = gd.getBoundingClientRect().width;
  if (!layout || !width || layout.scene) return [];
  const square = Object.keys(layout).some(k => /^[xy]axis\\d*$/.test(k) && layout[k] && layout[k].scaleanchor);
  const map = square || (gd._fullData || []).some(t => ['contour', 'heatmap', 'histogram2d', 'histogram2dcontour'].includes(t.type));
  return map ? [[gd.closest('.gl-chart')?.dataset.key ?? '', Math.round(layout.xaxis._length), Math.round(layout.yaxis._length),
                 Math.round(width)]] : [];
})"""


@pytest.mark.parametrize("app_page", PAGES, ids=[p.name for p in PAGES])
def test_every_map_on_a_phone_is_at_least_320_px_wide(page, app_page):
    page.set_viewport_size(PHONE)
    try:
        goto(page, app_page.name)
        maps = {m[0]: m for m in page.evaluate(_MAPS_JS)}
        for _tab in visit_tabs(page):                   # a map in a tab not shown has no size until its tab is shown
            wait_idle(page)
            wait_charts_drawn(page)
            page.wait_for_timeout(300)                  # the chart is drawn again for its new width
            maps.update({m[0]: m for m in page.evaluate(_MAPS_JS)})
        narrow = [m for m in maps.values() if m[1] < MAP_PX]
        assert narrow == [], f"maps narrower than {MAP_PX} px (key, plot width, plot height, chart width): {narrow}"
        assert maps or app_page.name in ("app", "Autograd"), "no map measured"
    finally:
        page.set_viewport_size(VIEWPORT)


def test_a_phone_sees_the_gradient_descent_map_at_least_320_px_wide(page):
    """Issue 18 on the Gradient descent page: the map (its plotted square) is at least 320 px wide on a 390x844 phone
    (it was about 240 px beside its colour bar), inside the screen, its title clear of the Play buttons and the colour bar."""
    page.set_viewport_size(PHONE)
    try:
        goto(page, "Gradient_descent")
        map_box = page.locator('.gl-chart[data-key="fig_map"] .js-plotly-plot')
        map_box.scroll_into_view_if_needed()
        width, left, right, title_bottom, menu_top, bar_top, modebar = map_box.evaluate("""gd => {
            const l = gd._fullLayout, r = gd.getBoundingClientRect(), top = el => el ? el.getBoundingClientRect().top : 1e9;
            return [l.xaxis._length, r.left + l.xaxis._offset, r.left + l.xaxis._offset + l.xaxis._length,
                    gd.querySelector('.gtitle').getBoundingClientRect().bottom, top(gd.querySelector('.updatemenu-container')),
                    top(gd.querySelector('.colorbar')), !!gd.querySelector('.modebar-container .modebar')]; }""")
        assert width >= 320 and left >= 0 and right <= PHONE["width"], (width, left, right)
        assert title_bottom <= min(menu_top, bar_top) and not modebar
        _views_shot(page, "Gradient_descent-phone-map")
    finally:
        page.set_viewport_size(VIEWPORT)
