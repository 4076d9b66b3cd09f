"""Every page, opened by its URL: it runs without an exception or error, its charts draw, it loads fast enough.

The pages come from app.py and pages/, so a new page is covered without editing this file.
"""

from __future__ import annotations

import pytest

from .helpers import (
    LOAD_LIMIT_S,
    assert_page_ok,
    best_of,
    discover_pages,
    goto,
    open_expanders,
    screenshot,
    sidebar_links,
    url_for,
    visit_tabs,
    wait_charts_drawn,
)

pytestmark = pytest.mark.browser

PAGES = discover_pages()


@pytest.mark.parametrize("app_page", PAGES, ids=[p.name for p in PAGES])
def test_page_opens_by_url(page, app_page, timings):
    loads = best_of(lambda: goto(page, app_page.name), LOAD_LIMIT_S)       # a fresh session each, warm server
    timings["pages"].setdefault(app_page.name, {}).update(load_s=round(min(loads), 3),
                                                          attempts_s=[round(t, 3) for t in loads])
    assert_page_ok(page)
    screenshot(page, app_page.name)
    if open_expanders(page):                                                # what is hidden at first must work too
        wait_charts_drawn(page, where=" in the opened expanders")
    for tab in visit_tabs(page):
        wait_charts_drawn(page, where=f" in the tab {tab!r}")
    assert_page_ok(page)
    assert min(loads) < LOAD_LIMIT_S, f"{app_page.name} took {min(loads):.2f} s to run and draw (limit {LOAD_LIMIT_S} s)"


def test_sidebar_links_every_page_in_order(page):
    """The sidebar links to every page at the URL Streamlit serves it from (its rule, read from its source)."""
    goto(page, "app")
    expected = [url_for(p.name) for p in PAGES]
    linked = [path for path in dict.fromkeys(sidebar_links(page)) if path in expected]
    assert linked == expected
