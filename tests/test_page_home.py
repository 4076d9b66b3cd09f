"""AppTest of the home page: what the app is, the formula box, its LaTeX, the outline and the preview of f(P) and ∇f(P).

The check table, the point sliders and the figures it used to repeat are the Gradient and Autograd pages' (their tests
moved to test_page_gradient_home_moved.py)."""

from __future__ import annotations

import statistics

import pytest
from pagetest import APP, charts, figure_sizes, metric, rerun_times
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


def figure_bytes(at: AppTest) -> int:
    return sum(figure_sizes(at).values())


def gradient_at_p(at: AppTest) -> str:
    return metric(at, "∇f(P)")


def test_opens_on_himmelblau_with_its_gradient():
    at = run_home()
    assert not at.exception
    assert not at.error
    assert latex(at)[0] == r"f(x, y) = \left(x + y^{2} - 7\right)^{2} + \left(x^{2} + y - 11\right)^{2}"
    assert latex(at)[1] == r"\frac{\partial f}{\partial x} = 4 x \left(x^{2} + y - 11\right) + 2 x + 2 y^{2} - 14"
    assert latex(at)[2] == r"\frac{\partial f}{\partial y} = 2 x^{2} + 4 y \left(x + y^{2} - 7\right) + 2 y - 22"
    # default P = (1, 1): f = 81 + 25, f_x = 4(1+1-11) + 2(1+1-7) = -46, f_y = 2(1+1-11) + 4(1+1-7) = -38
    assert metric(at, "f(P)") == "106"
    assert gradient_at_p(at) == "(-46, -38)"


def test_home_is_a_landing_page_not_the_gradient_page_again():
    """What the app is, the formula, the outline as the main content: no point sliders, check table or chart."""
    at = run_home()
    assert "companion to the lecture" in at.markdown[0].value
    sections = [p.proto.label for p in at.get("page_link") if p.proto.label.startswith("§")]
    assert len(sections) == 8
    assert not at.main.slider and not at.dataframe and not charts(at)
    assert [p.proto.page for p in at.main.get("page_link")][-1] == "Gradient"   # the way on to P


def test_point_from_the_link_is_previewed():
    at = run_home(px="-4", py="0")
    assert metric(at, "f(P)") == "146"                   # the lecture's start point (-4, 0): 25 + 121
    assert gradient_at_p(at) == "(-102, 10)"
    assert at.query_params == {"px": "-4", "py": "0"}


def test_typed_formula_updates_latex_and_gradient():
    at = run_home()
    at.text_input(key="f").input("x^2 + 3xy").run()
    assert not at.exception and not at.error
    assert latex(at) == ["f(x, y) = x^{2} + 3 x y", r"\frac{\partial f}{\partial x} = 2 x + 3 y",
                         r"\frac{\partial f}{\partial y} = 3 x"]
    assert gradient_at_p(at) == "(5, 3)"                 # at (1, 1): 2x + 3y, 3x


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


def test_one_variable_previews_the_derivative():
    at = run_home(f="x^3 - 3x", px="2")
    assert gradient_at_p(at) == "(9)"                    # f'(2) = 3*4 - 3 = 9
    assert metric(at, "f(P)") == "2"                     # 8 - 6


def test_three_variables_preview_every_partial():
    at = run_home(f="x y z + x1")
    assert not at.exception
    assert gradient_at_p(at) == "(1, 1, 1, 1)"           # at P = (1, 1, 1, 1) each partial is a product of ones
    assert len(latex(at)) == 5                           # f and its four partials


def test_rerun_is_fast_and_sends_no_figure():
    at = run_home()
    times = rerun_times(at)
    median = statistics.median(times)
    print(f"home page rerun median {median * 1000:.0f} ms")
    assert not at.exception
    assert median < 1.0          # the goal is 250 ms (see bench/); this only guards gross regressions
    assert figure_bytes(at) == 0


def test_formula_and_point_survive_a_page_switch():
    """Streamlit drops widget values on the first run of another page; ui.state puts them back."""
    at = run_home()
    at.text_input(key="f").input("x^2 + 3y^2").run()
    at.switch_page("pages/2_Gradient.py").run()
    at.slider(key="px").set_value(-2.5).run()
    at.switch_page("pages/3_Autograd.py").run()
    assert not at.exception and not at.error
    assert at.text_input(key="f").value == "x^2 + 3y^2"
    assert at.slider(key="px").value == -2.5
    at.switch_page("app.py").run()
    assert latex(at)[0] == "f(x, y) = x^{2} + 3 y^{2}"
    assert gradient_at_p(at) == "(-5, 6)"                # (2x, 6y) at (-2.5, 1)
    at.switch_page("pages/2_Gradient.py").run()
    assert at.slider(key="px").value == -2.5             # home kept P for the next page


def test_choosing_a_preset_keeps_the_point_when_it_is_in_range():
    at = run_home()
    at.selectbox(key="preset").set_value("Rosenbrock").run()
    assert metric(at, "f(P)") == "0"                     # Rosenbrock's minimum is (1, 1)
    at.selectbox(key="preset").set_value("Paraboloid").run()
    assert gradient_at_p(at) == "(2, 2)"


def test_overflow_is_called_overflow():
    at = run_home(f="exp(1000x)")                      # P starts at x = 1: e^1000 ≈ 1.97e434 overflows float64
    assert not at.exception
    assert at.error[0].value.startswith("f overflows at P = (1)")
    assert "negative" not in at.error[0].value


def test_every_page_run_fails_on_a_bug_report_sentence():
    at = AppTest.from_string('import streamlit as st\nst.warning("The three gradients disagree: this is a bug, please report it.")')
    with pytest.raises(AssertionError, match="bug, please report"):
        at.run()
