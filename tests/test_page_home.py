"""AppTest of the home page: the formula box, the LaTeX, the check table and the figure."""

from __future__ import annotations

import math
import statistics

import pytest
from pagetest import APP, figure_sizes, figures, rerun_times
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.usefixtures("clean_caches")


def run_home(**query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def latex(at: AppTest) -> list[str]:
    """The lines of the f-and-partials block, without alignment marks: ['f(x, y) = …', '\\frac{…} = …']."""
    block = at.latex[0].value.strip("$\n").removeprefix(r"\begin{aligned}").removesuffix(r"\end{aligned}")
    return [line.replace("&=", "=").strip() for line in block.split(r"\\[4pt]")]


def table(at: AppTest):
    return at.dataframe[0].value


def figure_bytes(at: AppTest) -> int:
    return sum(figure_sizes(at).values())


def test_opens_on_himmelblau_with_its_gradient():
    at = run_home()
    assert not at.exception
    assert not at.error
    assert latex(at)[0] == r"f(x, y) = \left(x + y^{2} - 7\right)^{2} + \left(x^{2} + y - 11\right)^{2}"
    assert latex(at)[1] == r"\frac{\partial f}{\partial x} = 4 x \left(x^{2} + y - 11\right) + 2 x + 2 y^{2} - 14"
    assert latex(at)[2] == r"\frac{\partial f}{\partial y} = 2 x^{2} + 4 y \left(x + y^{2} - 7\right) + 2 y - 22"
    df = table(at)
    assert list(df["variable"]) == ["∂f/∂x", "∂f/∂y"]
    # default P = (1, 1): f_x = 4(1+1-11) + 2(1+1-7) = -46, f_y = 2(1+1-11) + 4(1+1-7) = -38
    assert list(df["sympy"]) == ["-46", "-38"]
    assert list(df["autograd"]) == ["-46", "-38"]
    assert all(v == "✓ agree" for v in df["verdict"])
    spec = next(iter(figures(at).values()))
    assert spec["data"][0]["type"] == "surface"


def test_point_slider_updates_the_check_table():
    at = run_home()
    at.slider(key="px").set_value(-4.0).run()
    at.slider(key="py").set_value(0.0).run()
    df = table(at)
    assert list(df["sympy"]) == ["-102", "10"]        # the lecture's start point (-4, 0)
    assert at.metric[0].value == "146"


def test_typed_formula_updates_latex_and_table():
    at = run_home()
    at.text_input(key="f").input("x^2 + 3xy").run()
    assert not at.exception and not at.error
    assert latex(at) == ["f(x, y) = x^{2} + 3 x y", r"\frac{\partial f}{\partial x} = 2 x + 3 y",
                         r"\frac{\partial f}{\partial y} = 3 x"]
    assert list(table(at)["sympy"]) == ["5", "3"]      # at (1, 1): 2x + 3y, 3x


def test_bad_formula_shows_a_sentence_and_keeps_the_last_good_one():
    at = run_home()
    at.text_input(key="f").input("x^2 + 3xy").run()
    at.text_input(key="f").input("x^2 + (y").run()
    assert not at.exception
    assert "never closed" in at.error[0].value
    assert latex(at)[0] == "f(x, y) = x^{2} + 3 x y"


def test_hostile_url_parameter_is_an_error_message_not_a_traceback():
    at = run_home(f="__import__('os').system('id')")
    assert not at.exception
    assert "not allowed" in at.error[0].value
    assert "f(x, y)" in latex(at)[0]


def test_formula_from_the_url():
    at = run_home(f="sin(x) y")
    assert latex(at)[0] == r"f(x, y) = y \sin{\left(x \right)}"


def test_preset_sets_formula_and_range():
    at = run_home()
    at.selectbox(key="preset").set_value("Rosenbrock").run()
    assert at.text_input(key="f").value == "(1-x)^2+100(y-x^2)^2"
    assert at.slider(key="xr").value == (-2.0, 2.0)
    assert at.slider(key="yr").value == (-1.0, 3.0)


def test_one_variable_draws_the_tangent_line():
    at = run_home(f="x^3 - 3x")
    at.slider(key="px").set_value(2.0).run()
    spec = next(iter(figures(at).values()))
    names = [t.get("name", "") for t in spec["data"]]
    assert any(n.startswith("tangent, slope 9") for n in names)      # f'(2) = 3*4 - 3 = 9


def test_three_variables_draw_a_slice_and_keep_the_table():
    at = run_home(f="x y z + x1")
    assert not at.exception
    assert len(table(at)) == 4
    spec = next(iter(figures(at).values()))
    assert spec["data"][0]["type"] == "contour"
    at.selectbox(key="ax_h").set_value("z").run()
    assert not at.exception


def test_kink_is_explained_on_the_page():
    at = run_home(f="abs(x) + y")
    at.slider(key="px").set_value(0.0).run()
    assert "torch uses the subgradient 0 for abs at 0" in at.warning[0].value


def test_rerun_after_a_slider_move_is_fast_and_the_figure_small():
    at = run_home()
    times = rerun_times(at, lambda i: at.slider(key="px").set_value(-3.0 + 0.5 * i))
    median = statistics.median(times)
    size = figure_bytes(at)
    print(f"home page rerun median {median * 1000:.0f} ms, figure {size / 1e6:.2f} MB")
    assert not at.exception
    assert median < 1.0          # the goal is 250 ms (see bench/); this only guards gross regressions
    assert size < 1.5e6


def test_formula_and_point_survive_a_page_switch():
    """Streamlit drops widget values on the first run of another page; ui.state puts them back."""
    at = run_home()
    at.text_input(key="f").input("x^2 + 3y^2").run()
    at.slider(key="px").set_value(-2.5).run()
    at.switch_page("pages/3_Autograd.py").run()
    assert not at.exception and not at.error
    assert at.text_input(key="f").value == "x^2 + 3y^2"
    assert at.slider(key="px").value == -2.5
    at.switch_page("app.py").run()
    assert latex(at)[0] == "f(x, y) = x^{2} + 3 y^{2}"
    assert list(table(at)["sympy"]) == ["-5", "6"]       # (2x, 6y) at (-2.5, 1)


def test_choosing_a_preset_keeps_the_point_when_it_is_in_range():
    at = run_home()
    at.selectbox(key="preset").set_value("Rosenbrock").run()
    assert (at.slider(key="px").value, at.slider(key="py").value) == (1.0, 1.0)
    assert at.metric[0].value == "0"                 # Rosenbrock's minimum is (1, 1)
    at.selectbox(key="preset").set_value("Paraboloid").run()
    assert list(table(at)["sympy"]) == ["2", "2"]


# Correct gradients that a fixed finite-difference step used to call "MISMATCH … a bug, please report" (issue 11)
# (formula, P, ∂f/∂x at P worked by hand)
FALSE_ALARMS = [("1/x", {"px": 1e-4}, -1e8), ("sqrt(x)", {"px": 1e-6}, 500.0),
                ("exp(10x)+y", {"px": 3.0, "py": 0.0}, 10 * math.exp(30)),
                ("tan(x)+y", {"px": 1.5707, "py": 0.0}, 1 / math.cos(1.5707) ** 2), ("abs(x)+y", {"px": 1e-7, "py": 0.0}, 1.0)]


@pytest.mark.parametrize(("formula", "point", "fx"), FALSE_ALARMS, ids=[c[0] for c in FALSE_ALARMS])
def test_the_three_way_check_agrees_where_a_fixed_step_failed(formula, point, fx):
    at = run_home(f=formula)
    for key, value in point.items():
        at.slider(key=key).set_value(value).run()
    assert not at.exception and not at.warning
    assert at.success[0].value == "sympy, torch autograd and finite differences agree to rounding error."
    check = table(at)
    assert set(check["verdict"]) == {"✓ agree"}
    assert float(check["finite difference"][0]) == pytest.approx(fx, rel=1e-6)
    assert float(check["sympy"][0]) == pytest.approx(fx, rel=1e-11)            # the table shows 12 digits


def test_overflow_is_called_overflow():
    at = run_home(f="exp(1000x)")                      # P starts at x = 1: e^1000 ≈ 1.97e434 overflows float64
    assert not at.exception
    assert at.warning[0].value.startswith("f overflows at P = (1)")
    assert "negative" not in at.warning[0].value


def test_every_page_run_fails_on_a_bug_report_sentence():
    at = AppTest.from_string('import streamlit as st\nst.warning("The three gradients disagree: this is a bug, please report it.")')
    with pytest.raises(AssertionError, match="bug, please report"):
        at.run()
