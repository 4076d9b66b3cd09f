"""What the home page's browser tests used to check about P and the partials (issue 18: home no longer repeats the
Gradient page), through the Gradient page's real UI: its point slider redraws the partials and the charts, a typed
formula and a preset give their partials there.

Expected numbers are worked out by hand: Himmelblau f = (x²+y−11)² + (x+y²−7)² at the default point P = (1, 1) and at
the lecture's start point (−4, 0); f = x² + 3y² and Rosenbrock (1−x)² + 100(y−x²)² at P = (1, 1).
"""

from __future__ import annotations

import pytest

from .helpers import (
    INTERACTION_LIMIT_S,
    assert_page_ok,
    best_of,
    goto,
    read_metric,
    select_option,
    set_slider,
    slider_value,
    timed_change,
    type_formula,
    wait_until,
)

pytestmark = pytest.mark.browser

GRADIENT = "Gradient"


def himmelblau_gradient(x: float, y: float) -> tuple[float, float]:
    """∇f of Himmelblau's function."""
    return 4 * x * (x * x + y - 11) + 2 * (x + y * y - 7), 2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)


def partials(page) -> tuple[float, float]:
    return tuple(float(read_metric(page, f"∂f/∂{v} at P").replace("−", "-")) for v in "xy")


def wait_partials(page, expected: tuple[float, ...]) -> None:
    """Wait until the page's ∂f/∂x and ∂f/∂y metrics show ∇f(P) = expected (6 significant digits)."""
    wait_until(page, lambda: partials(page), lambda got: got == pytest.approx(expected, rel=1e-5),
               f"the partials to show ∇f(P) = {expected}")


def test_point_slider_updates_partials_and_chart(page, timings):
    goto(page, GRADIENT)
    wait_partials(page, himmelblau_gradient(1.0, 1.0))             # (−46, −38) at the default P
    steps = iter([1.01, 1.0, 1.01])                                 # one arrow key each
    times = best_of(lambda: timed_change(page, lambda: set_slider(page, "px", next(steps))), INTERACTION_LIMIT_S)
    timings["interactions"]["gradient (from home): point slider one step -> charts redrawn"] = round(min(times), 3)
    wait_partials(page, himmelblau_gradient(slider_value(page, "px"), 1.0))
    set_slider(page, "x₀", -4.0)                                    # by label, a long way: a click, then arrows
    set_slider(page, "py", 0.0)
    assert read_metric(page, "f(P)") == "146"                       # the lecture's start point (−4, 0): 25 + 121
    wait_partials(page, (-102.0, 10.0))
    assert_page_ok(page)
    assert min(times) < INTERACTION_LIMIT_S, f"slider -> chart took {min(times):.2f} s (limit {INTERACTION_LIMIT_S} s)"


def test_typed_formula_gives_its_partials(page, timings):
    goto(page, GRADIENT)
    seconds = timed_change(page, lambda: type_formula(page, "x^2+3y^2"))
    timings["interactions"]["gradient (from home): type a new formula -> chart redrawn (no limit)"] = round(seconds, 3)
    assert read_metric(page, "f(P)") == "4"                        # 1 + 3
    wait_partials(page, (2.0, 6.0))                                 # (2x, 6y)
    assert_page_ok(page)


def test_preset_gives_its_partials(page):
    goto(page, GRADIENT)
    select_option(page, "preset", "Rosenbrock")
    assert read_metric(page, "f(P)") == "0"                         # its published minimum is P = (1, 1)
    wait_partials(page, (0.0, 0.0))
    assert_page_ok(page)
