"""Lecture mode in a real browser: a prepared link opens the same view in a fresh browser and survives a reload, each
outline link on the home page opens its scene, and a figure's HTML export opens offline with its animation.

Expected numbers are worked out by hand from Himmelblau f = (x²+y−11)² + (x+y²−7)² and the outline's bowls.
"""

from __future__ import annotations

import zipfile
from urllib.parse import parse_qs, urlparse

import pytest

from ui.outline import OUTLINE

from .helpers import (
    FIRST_LOAD_TIMEOUT_S,
    HOME,
    INIT_SCRIPT,
    VIEWPORT,
    assert_page_ok,
    goto,
    navigate,
    read_metric,
    slider_value,
    wait_charts_drawn,
    wait_idle,
)

pytestmark = pytest.mark.browser

HERE_AND_THERE = {"px": "2", "py": "0.5", "theta": "90", "eta": "0.05"}
D_U_F = "-22.5"        # θ = 90°: D_u f = ∂f/∂y = 2(x²+y−11) + 4y(x+y²−7) = −13 − 9.5 at (2, 0.5)
SCENE_READINGS = {     # outline section -> (metric label, value) its scene shows
    1: ("f(P)", "106"),                      # (1+1−11)² + (1+1−7)² at (1, 1)
    2: ("∂f/∂y at P", "6"),                  # ∂(x² + 3y²)/∂y = 6y at y = 1
    4: ("D_u f (sympy)", "2.82843"),         # u along ∇(x² + y²) = (2, 2): D_u f = |∇f| = 2√2
    6: ("final point", "(-3.7793, -3.2832)"),  # the lecture's Adam run, 20,000 steps from (−4, 0)
}


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_a_prepared_link_opens_the_same_view_in_a_fresh_browser_and_after_a_reload(page, browser, app_url):
    goto(page, "Directional_derivative", HERE_AND_THERE, timeout=FIRST_LOAD_TIMEOUT_S)   # a cold link, a busy machine
    assert read_metric(page, "D_u f (sympy)") == D_U_F
    link = page.url
    assert query_of(link) == HERE_AND_THERE
    page.reload(wait_until="commit")
    wait_idle(page, timeout=FIRST_LOAD_TIMEOUT_S)
    assert read_metric(page, "D_u f (sympy)") == D_U_F and slider_value(page, "theta") == 90
    context = browser.new_context(base_url=app_url, viewport=VIEWPORT)     # no cookies, no session: a student's phone
    context.add_init_script(INIT_SCRIPT)
    try:
        fresh = context.new_page()
        fresh.goto(link, wait_until="commit")
        wait_idle(fresh, timeout=FIRST_LOAD_TIMEOUT_S)
        wait_charts_drawn(fresh, timeout=FIRST_LOAD_TIMEOUT_S)
        assert read_metric(fresh, "D_u f (sympy)") == D_U_F
        assert query_of(fresh.url) == HERE_AND_THERE
        assert_page_ok(fresh)
    finally:
        context.close()


def test_each_outline_link_opens_its_scene(page):
    for scene in OUTLINE:
        goto(page, HOME, timeout=FIRST_LOAD_TIMEOUT_S)
        page.get_by_role("link", name=f"§ {scene.number} · {scene.title}").click()
        page.wait_for_url(lambda url: urlparse(url).path.strip("/") != "", timeout=FIRST_LOAD_TIMEOUT_S * 1000)
        wait_idle(page, timeout=FIRST_LOAD_TIMEOUT_S)
        wait_charts_drawn(page, timeout=FIRST_LOAD_TIMEOUT_S)
        assert scene.page.split("_", 1)[1].removesuffix(".py") in page.url, (scene.number, page.url)
        shown = query_of(page.url)
        assert all(shown.get(k, v) == v for k, v in scene.query.items()), (scene.number, shown)   # defaults drop out
        assert not page.get_by_text("could not be used").count(), scene.number
        if scene.number in SCENE_READINGS:
            label, value = SCENE_READINGS[scene.number]
            assert read_metric(page, label) == value, scene.number
        assert page.get_by_text("Lecture § ").first.is_visible()
        assert_page_ok(page)


def open_scene(page, number: int) -> None:
    """Click the home page's outline link of section `number` (the session goes on) and wait for its page."""
    (scene,) = [s for s in OUTLINE if s.number == number]
    page.get_by_role("link", name=f"§ {scene.number} · {scene.title}").click()
    page.wait_for_url(lambda url: urlparse(url).path.strip("/") != "", timeout=FIRST_LOAD_TIMEOUT_S * 1000)
    wait_idle(page, timeout=FIRST_LOAD_TIMEOUT_S)
    wait_charts_drawn(page, timeout=FIRST_LOAD_TIMEOUT_S)


def test_a_scene_opens_exactly_its_view_after_the_lecturer_played(page):
    """Other settings changed on the page before do not leak into the scene: it shows its own numbers, and its link
    names only its own values."""
    goto(page, "Gradient_descent", {"opt": "SGD", "lr": "0.005", "dtype": "float32", "sy": "2"},
         timeout=FIRST_LOAD_TIMEOUT_S)
    assert read_metric(page, "final point") != SCENE_READINGS[6][1]
    navigate(page, HOME, timeout=FIRST_LOAD_TIMEOUT_S)
    open_scene(page, 6)
    assert read_metric(page, "final point") == SCENE_READINGS[6][1]       # the lecture's Adam run from (−4, 0)
    (scene,) = [s for s in OUTLINE if s.number == 6]
    shown = query_of(page.url)
    assert set(shown) <= set(scene.query) and all(shown[k] == scene.query[k] for k in shown)   # defaults drop out
    goto(page, "Directional_derivative", {"eta": "0.5", "sign": "180", "theta": "200"})
    navigate(page, HOME)
    open_scene(page, 4)
    assert read_metric(page, "D_u f (sympy)") == SCENE_READINGS[4][1]     # 2√2: u along ∇(x² + y²)
    assert "eta" not in query_of(page.url) and "scene" not in query_of(page.url)
    assert_page_ok(page)


def test_a_figure_exported_as_html_opens_offline_with_its_animation(page, browser, tmp_path):
    goto(page, "Gradient_descent", timeout=FIRST_LOAD_TIMEOUT_S)
    with page.expect_download() as download:
        page.get_by_role("button", name="Figures as HTML (zip)").click()
    archive = tmp_path / "figures.zip"
    download.value.save_as(archive)
    with zipfile.ZipFile(archive) as figures:
        assert "fig_map.html" in figures.namelist() and "fig_loss.html" in figures.namelist()
        figures.extract("fig_map.html", tmp_path)
    saved = tmp_path / "fig_map.html"
    offline = browser.new_context(viewport=VIEWPORT, offline=True)
    try:
        view = offline.new_page()
        view.goto(saved.as_uri())
        view.wait_for_function("() => document.querySelector('.js-plotly-plot')?._fullData?.length > 0", timeout=20_000)
        frames = view.evaluate("() => document.querySelector('.js-plotly-plot')._transitionData._frames.length")
        assert frames > 1                                          # the path's animation came along
        assert view.evaluate("() => typeof Plotly.version") == "string"
    finally:
        offline.close()
