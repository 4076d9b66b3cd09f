"""The Autograd page through its real UI in Chromium: the recorded graph and the backward step control, the formula
box, the five tabs (three ways, vector input, accumulation, grad of grad) and "Show the code".

Himmelblau at P = (1, 1): f = 106, ∇f = (−46, −38), ∂f/∂(x²+y−11) = −18, Hessian [[−26, 8], [8, −10]].
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlparse

import pytest

from .helpers import (
    INTERACTION_LIMIT_S,
    assert_page_ok,
    best_of,
    formula_text,
    goto,
    read_metric,
    runs_finished,
    screenshot,
    set_slider,
    slider_value,
    table_rows,
    type_formula,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser

PAGE = "Autograd"
GRAPH = '[data-testid="stGraphVizChart"] svg'


def graph_text(page) -> str:
    """The text of every node and edge label in the drawn graph."""
    return " ".join(page.locator(f"{GRAPH} g.node, {GRAPH} g.edge").all_text_contents())


def wait_graph(page, *needles: str) -> str:
    return wait_until(page, lambda: graph_text(page), lambda text: all(n in text for n in needles),
                      f"the graph to show {needles}")


def open_tab(page, name: str) -> None:
    """Show a tab and wait for the run it causes: the tabs are a keyed widget (?ag_tab=), a change reruns the page."""
    tab = page.get_by_role("tab", name=name)
    tab.click()
    wait_until(page, lambda: tab.get_attribute("aria-selected"), lambda v: v == "true", f"tab {name!r}")
    wait_until(page, lambda: parse_qs(urlparse(page.url).query).get("ag_tab", ["Computation graph"])[0],
               lambda shown: shown == name, f"?ag_tab={name} (the run the tab causes writes it)")
    wait_idle(page)


def visible_tables(page) -> list[list[list[str]]]:
    """The cells of every shown table (st.dataframe) in the main area, header row first: the open tab's only."""
    frames = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
    return [table_rows(page, i) for i in range(frames.count()) if frames.nth(i).is_visible()]


def visible_table(page, column: str) -> dict[str, list[str]]:
    """The shown table that has this column, as {header: cells}; {} while there is none (a tab's table is drawn after
    the tab opens)."""
    for header, *rows in visible_tables(page):
        if column in header:
            return {h: [row[k] for row in rows] for k, h in enumerate(header)}
    return {}


def wait_table(page, column: str, ok=bool, what: str = "") -> dict[str, list[str]]:
    """visible_table() once ok(table) holds."""
    return wait_until(page, lambda: visible_table(page, column), lambda t: bool(t) and ok(t),
                      what or f"a table with a column {column!r}")


def press_on_slider(page, key: str, *keys: str) -> None:
    """Press keys on a slider's thumb (Home, End, arrows): one rerun per key that moves it; wait for the last."""
    thumb = page.locator(f'.st-key-{key} [data-testid="stSlider"] input[type="range"]')
    for name in keys:
        before = runs_finished(page)
        thumb.press(name)
        wait_idle(page, after=before)


def visible_alerts(page, kind: str) -> list[str]:
    """The text of the st.success/st.warning/… alerts (kind "Success", "Warning", …) in the open tab."""
    return page.locator(f'[data-testid="stMain"] [data-testid="stAlertContent{kind}"]:visible').all_inner_texts()


def timed_step(page, key: str) -> float:
    """Seconds from a key press on the step slider to the redrawn graph."""
    old, start = graph_text(page), time.perf_counter()
    press_on_slider(page, "ag_step", key)
    wait_until(page, lambda: graph_text(page), lambda text: text != old, "the graph to redraw")
    return time.perf_counter() - start


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def test_graph_and_backward_step_control(page, timings):
    goto(page, PAGE)
    assert_page_ok(page)
    assert page.locator(f"{GRAPH} g.node").count() == 11
    text = wait_graph(page, "PowBackward0", "SubBackward0", "x (leaf)", "x.grad -46", "y.grad -38")
    assert text.count("PowBackward0") == 4
    assert (read_metric(page, "f(P)"), read_metric(page, "x.grad"), read_metric(page, "y.grad")) == ("106", "-46", "-38")
    screenshot(page, "autograd-graph")

    keys = iter(["Home", "End", "Home"])                               # 11 -> 0 -> 11 -> 0, as long as it is slow
    times = best_of(lambda: timed_step(page, next(keys)), INTERACTION_LIMIT_S)
    timings["interactions"]["autograd: step slider -> graph redrawn"] = [round(t, 3) for t in times]
    if slider_value(page, "ag_step") != 0:
        press_on_slider(page, "ag_step", "Home")                       # back to just after the forward pass
    wait_graph(page, "x.grad ?", "y.grad ?")
    assert read_metric(page, "x.grad") == "?"
    wait_until(page, lambda: main_text(page), lambda t: "After the forward pass" in t, "the step-0 sentence")

    press_on_slider(page, "ag_step", "ArrowRight", "ArrowRight")       # the root, then (x²+y−11)²
    text = wait_graph(page, "-18")                                     # (x²+y−11)² sends 2u = −18 down its edge
    assert slider_value(page, "ag_step") == 2 and "grad -18" not in text
    wait_until(page, lambda: main_text(page), lambda t: "Step 2 of 11: PowBackward0" in t, "the step-2 sentence")
    assert page.locator(f'{GRAPH} g.node path[stroke-width="4"], {GRAPH} g.node polygon[stroke-width="4"]').count() == 1
    assert_page_ok(page)
    assert min(times) < INTERACTION_LIMIT_S, f"step slider -> graph took {min(times):.2f} s (limit {INTERACTION_LIMIT_S} s)"


def test_formula_box_and_point_redraw_the_graph(page):
    goto(page, PAGE)
    type_formula(page, "x y + sin(x)")
    wait_graph(page, "SinBackward0", "MulBackward0")
    assert "PowBackward0" not in graph_text(page)
    assert read_metric(page, "y.grad") == "1"                          # ∂(xy + sin x)/∂y = x = 1
    set_slider(page, "px", 0.0)
    wait_graph(page, "y.grad 0")
    assert read_metric(page, "x.grad") == "2"                          # y + cos(0) = 2
    assert_page_ok(page)


def test_bad_formula_is_a_sentence_not_a_traceback(page):
    goto(page, PAGE)
    type_formula(page, "x^2 + (y")
    assert_page_ok(page, expected_errors=("never closed",))
    assert any("never closed" in e for e in page.locator('[data-testid="stAlertContentError"]').all_inner_texts())
    assert read_metric(page, "f(P)") == "106"                          # the last formula that worked


def test_three_ways_tab(page):
    goto(page, PAGE)
    open_tab(page, "Three ways")
    check = wait_table(page, "finite difference")
    assert check["sympy"] == ["-46", "-38"] and check["autograd"] == ["-46", "-38"]
    assert "gradcheck" in " ".join(visible_alerts(page, "Success")) and "passes" in " ".join(visible_alerts(page, "Success"))
    screenshot(page, "autograd-three-ways")


def test_vector_tab_loads_the_lecture_example(page):
    goto(page, PAGE)
    open_tab(page, "Vector input")
    assert "x.grad = [0, 4, 8, 12]" in main_text(page)
    before = runs_finished(page)
    page.get_by_role("button", name=re.compile(r"^Load it")).click()
    wait_idle(page, after=before)
    assert formula_text(page) == "2(x1^2+x2^2+x3^2+x4^2)"
    open_tab(page, "Vector input")
    # the click's rerun may still be replacing the old (x, y) table, or drawing the new one's rows: wait for all four
    vector = wait_table(page, "sympy ∂f/∂·", lambda t: len(t.get("x", ())) == 4, "the table of x = (x1, …, x4)")
    assert vector["x"] == ["0", "1", "2", "3"]
    assert vector["x.grad"] == ["0", "4", "8", "12"] and vector["sympy ∂f/∂·"] == ["0", "4", "8", "12"]
    assert_page_ok(page)
    screenshot(page, "autograd-vector")


def test_accumulation_tab_doubles_and_zero_grad_resets(page):
    goto(page, PAGE)
    open_tab(page, "Accumulation")
    table = wait_table(page, "multiple of ∇f")
    assert table["p.grad"] == ["[-46, -38]", "[-92, -76]"] and table["multiple of ∇f"] == ["1", "2"]
    set_slider(page, "ag_calls", 3)
    table = wait_table(page, "multiple of ∇f", lambda t: len(t["after call"]) == 3, "three rows")
    assert table["multiple of ∇f"] == ["1", "2", "3"]
    before = runs_finished(page)
    page.locator(".st-key-ag_zero label").click()
    wait_idle(page, after=before)
    table = wait_table(page, "multiple of ∇f", lambda t: t["multiple of ∇f"] == ["1"] * 3, "every row to be ∇f")
    assert table["p.grad"] == ["[-46, -38]"] * 3
    assert_page_ok(page)
    screenshot(page, "autograd-accumulation")


def test_grad_of_grad_tab_and_the_code(page):
    goto(page, PAGE)
    open_tab(page, "Grad of grad")
    hessians = wait_until(page, lambda: [[r[1:] for r in rows[1:]] for rows in visible_tables(page) if rows[0][-2:] == ["x", "y"]],
                          lambda h: len(h) == 2, "the two Hessian tables")       # a tab's tables are drawn after it opens
    assert hessians == [[["-26", "8"], ["8", "-10"]]] * 2
    assert "agree to float64 rounding" in " ".join(visible_alerts(page, "Success"))
    page.get_by_text("Show the code").click()
    code = page.locator('[data-testid="stMain"] [data-testid="stExpander"] [data-testid="stCode"]')   # not the sidebar's link
    code.wait_for(state="visible")
    source = code.inner_text()
    assert "def f(x, y):" in source and "return (x + y**2 - 7)**2 + (x**2 + y - 11)**2" in source
    assert "create_graph=True" in source and "gradcheck" in source
    assert_page_ok(page)
    screenshot(page, "autograd-hessian-and-code")


def test_large_formula_draws_folded(page):
    big = "+".join(f"sin(x+{k}y)" if k % 2 else f"cos({k}x-y)^2" for k in range(1, 11))
    goto(page, PAGE, query={"f": big})
    assert_page_ok(page)
    assert "torch recorded 43 operations" in " ".join(visible_alerts(page, "Info"))
    wait_graph(page, "⋯")
    assert page.locator(f"{GRAPH} g.node").count() < 30
    screenshot(page, "autograd-large-formula")
