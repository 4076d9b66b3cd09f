"""What the home page used to test about P, the partials, the check table and the figure (issue 18: home no longer
repeats the Gradient page). The same real answers, asserted where they now live: the Gradient page (P's sliders, the
partials as metrics, the slices and the plane of three variables) and the Autograd page's "three ways" tab (the table
of sympy, torch autograd and finite differences, with its verdicts and sentences).

Numbers worked by hand: Himmelblau f = (x²+y−11)² + (x+y²−7)², ∇f = (4x(x²+y−11) + 2(x+y²−7), 2(x²+y−11) + 4y(x+y²−7)).
"""

from __future__ import annotations

import math
import statistics

import pytest
from pagetest import figure_sizes, figures, metric, metrics, open_page, rerun_times
from test_url_state import same_view

pytestmark = pytest.mark.usefixtures("clean_caches")

GRADIENT, AUTOGRAD = "pages/2_Gradient.py", "pages/3_Autograd.py"
AGREE = "sympy, torch autograd and finite differences agree to rounding error."


def partials(at) -> list[str]:
    """The Gradient page's ∂f/∂· at P metrics, in the order of the formula's variables."""
    return [v for k, v in metrics(at).items() if k.startswith("∂f/∂")]


def check_table(at):
    """The Autograd page's three-way check table (sympy, autograd, finite differences)."""
    (df,) = [d.value for d in at.dataframe if "autograd" in d.value.columns and "verdict" in d.value.columns]
    return df


def test_himmelblau_at_the_default_p_on_both_pages():
    at = open_page(GRADIENT)
    assert not at.error
    # default P = (1, 1): f = 81 + 25, f_x = 4(1+1-11) + 2(1+1-7) = -46, f_y = 2(1+1-11) + 4(1+1-7) = -38
    assert metrics(at) == {"f(P)": "106", "∂f/∂x at P": "-46", "∂f/∂y at P": "-38"}
    df = check_table(open_page(AUTOGRAD))
    assert list(df["variable"]) == ["∂f/∂x", "∂f/∂y"]
    assert list(df["sympy"]) == ["-46", "-38"]
    assert list(df["autograd"]) == ["-46", "-38"]
    assert all(v == "✓ agree" for v in df["verdict"])


def test_himmelblau_surface_is_drawn_with_p():
    """The 3-D surface of f with P (home's old figure) is the Directional derivative page's."""
    at = open_page("pages/1_Directional_derivative.py")
    assert any(spec["data"][0]["type"] == "surface" for spec in figures(at).values())


def test_point_slider_updates_the_partials():
    at = open_page(GRADIENT)
    at.slider(key="px").set_value(-4.0).run()
    at.slider(key="py").set_value(0.0).run()
    assert partials(at) == ["-102", "10"]          # the lecture's start point (-4, 0)
    assert metric(at, "f(P)") == "146"              # 25 + 121


def test_typed_formula_updates_the_partials():
    at = open_page(GRADIENT)
    at.text_input(key="f").input("x^2 + 3xy").run()
    assert not at.exception and not at.error
    assert partials(at) == ["5", "3"]               # at (1, 1): 2x + 3y, 3x


def test_one_variable_draws_the_tangent_line():
    at = open_page(GRADIENT, formula="x^3 - 3x")
    at.slider(key="px").set_value(2.0).run()
    names = [t.get("name", "") for t in figures(at)["fig_slice_0"]["data"]]
    assert any(n.startswith("tangent, slope 9") for n in names)      # f'(2) = 3*4 - 3 = 9
    assert partials(at) == ["9"]


def test_three_variables_draw_a_slice_and_keep_every_partial():
    at = open_page(GRADIENT, formula="x y z + x1")
    assert not at.exception
    assert len(partials(at)) == 4                                     # x1, x, y, z: one partial each, all 1 at P
    assert figures(at)["fig_field"]["data"][0]["type"] == "contour"
    at.selectbox(key="ax_h").set_value("z").run()
    assert not at.exception
    assert len(check_table(open_page(AUTOGRAD, formula="x y z + x1"))) == 4


def test_kink_is_explained_on_the_page():
    for page in (GRADIENT, AUTOGRAD):
        at = open_page(page, formula="abs(x) + y")
        at.slider(key="px").set_value(0.0).run()
        assert "torch uses the subgradient 0 for abs at 0" in at.warning[0].value, page


def test_rerun_after_a_slider_move_is_fast_and_the_figure_small():
    at = open_page(GRADIENT)
    times = rerun_times(at, lambda i: at.slider(key="px").set_value(-3.0 + 0.5 * i))
    median = statistics.median(times)
    size = max(figure_sizes(at).values())
    print(f"gradient page rerun median {median * 1000:.0f} ms, largest figure update {size / 1e6:.2f} MB")
    assert not at.exception
    assert median < 1.0          # the goal is 250 ms (see bench/); this only guards gross regressions
    assert size < 1.5e6


def test_formula_and_point_survive_a_page_switch():
    """Streamlit drops widget values on the first run of another page; ui.state puts them back."""
    at = open_page(GRADIENT)
    at.text_input(key="f").input("x^2 + 3y^2").run()
    at.slider(key="px").set_value(-2.5).run()
    at.switch_page(AUTOGRAD).run()
    assert not at.exception and not at.error
    assert at.text_input(key="f").value == "x^2 + 3y^2"
    assert at.slider(key="px").value == -2.5
    at.switch_page(GRADIENT).run()
    assert partials(at) == ["-5", "6"]              # (2x, 6y) at (-2.5, 1)


def test_choosing_a_preset_keeps_the_point_when_it_is_in_range():
    at = open_page(GRADIENT)
    at.selectbox(key="preset").set_value("Rosenbrock").run()
    assert (at.slider(key="px").value, at.slider(key="py").value) == (1.0, 1.0)
    assert metric(at, "f(P)") == "0"                 # Rosenbrock's minimum is (1, 1)
    at.selectbox(key="preset").set_value("Paraboloid").run()
    assert partials(at) == ["2", "2"]


def test_point_from_the_link_and_by_hand_are_the_same_view():
    def by_hand(at):
        at.slider(key="px").set_value(3.0).run()
        at.slider(key="py").set_value(2.0).run()
    linked, hand = same_view(GRADIENT, {"px": "3", "py": "2"}, by_hand)
    assert metric(linked, "f(P)") == "0"                     # Himmelblau's minimum (3, 2)
    assert metric(hand, "f(P)") == "106"                     # (1+1−11)² + (1+1−7)² at the default P = (1, 1)


# Correct gradients that a fixed finite-difference step used to call "MISMATCH … a bug, please report" (issue 11)
# (formula, P, ∂f/∂x at P worked by hand)
FALSE_ALARMS = [("1/x", {"px": 1e-4}, -1e8), ("sqrt(x)", {"px": 1e-6}, 500.0),
                ("exp(10x)+y", {"px": 3.0, "py": 0.0}, 10 * math.exp(30)),
                ("tan(x)+y", {"px": 1.5707, "py": 0.0}, 1 / math.cos(1.5707) ** 2), ("abs(x)+y", {"px": 1e-7, "py": 0.0}, 1.0)]


@pytest.mark.parametrize(("formula", "point", "fx"), FALSE_ALARMS, ids=[c[0] for c in FALSE_ALARMS])
def test_the_three_way_check_agrees_where_a_fixed_step_failed(formula, point, fx):
    gradient, at = open_page(GRADIENT, formula=formula), open_page(AUTOGRAD, formula=formula)
    for page in (gradient, at):
        for key, value in point.items():
            page.slider(key=key).set_value(value).run()
    assert not gradient.exception and not gradient.warning          # no kink, nothing undefined at P
    assert not at.exception
    assert at.success[0].value == AGREE      # show_check writes a warning instead of this when anything disagrees
    check = check_table(at)
    assert set(check["verdict"]) == {"✓ agree"}
    assert float(check["finite difference"][0]) == pytest.approx(fx, rel=1e-6)
    assert float(check["sympy"][0]) == pytest.approx(fx, rel=1e-11)            # the table shows 12 digits


def test_overflow_is_called_overflow():
    at = open_page(AUTOGRAD, formula="exp(1000x)")     # P starts at x = 1: e^1000 ≈ 1.97e434 overflows float64
    assert not at.exception
    assert at.warning[0].value.startswith("f overflows at P = (1)")
    assert "negative" not in at.warning[0].value
