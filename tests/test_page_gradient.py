"""AppTest of the Gradient page: partials as slopes, the gradient field, second-order partials, f_xy = f_yx, speed.

Expected values are worked by hand or computed here from sympy directly (not from gradcore).
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import pytest
from pagetest import array, figure_sizes, figures, metric, open_page, rerun_times
from streamlit.testing.v1 import AppTest

PAGE = "pages/2_Gradient.py"
pytestmark = pytest.mark.usefixtures("clean_caches")


def move(at: AppTest, **coords: float) -> AppTest:
    for name, value in coords.items():
        at.slider(key=f"p{name}").set_value(value).run()
    return at


def second_partials(at: AppTest) -> dict[str, tuple[float, float]]:
    """partial name -> (sympy at P, torch at P) from the page's table."""
    df = at.dataframe[0].value
    return {name: (float(s), float(t)) for name, s, t in zip(df["partial"], df["sympy at P"], df["torch at P"], strict=True)}


def test_partials_as_slopes_at_the_default_point():
    at = open_page(PAGE)
    assert not at.exception and not at.error
    # Himmelblau at (1, 1): f_x = 4x(x²+y−11) + 2(x+y²−7) = −46, f_y = 2(x²+y−11) + 4y(x+y²−7) = −38
    assert metric(at, "∂f/∂x at P") == "-46" and metric(at, "∂f/∂y at P") == "-38"
    assert any(r"f_{x} = \frac{\partial f}{\partial x} = 4 x \left(x^{2} + y - 11\right)" in el.value and "= -46" in el.value
               for el in at.latex)
    figs = figures(at)
    assert set(figs) == {"fig_slice_0", "fig_slice_1", "fig_field"}
    assert any(t.get("name") == "tangent, slope -46" for t in figs["fig_slice_0"]["data"])
    assert any(t.get("name") == "tangent, slope -38" for t in figs["fig_slice_1"]["data"])
    assert "y = 1 fixed" in figs["fig_slice_0"]["layout"]["title"]["text"]


def test_second_partials_from_sympy_and_torch():
    at = open_page(PAGE)
    # at (1, 1): f_xx = 12x² + 4y − 42 = −26, f_xy = f_yx = 4x + 4y = 8, f_yy = 4x + 12y² − 26 = −10
    assert second_partials(at) == {"f_xx": (-26, -26), "f_xy": (8, 8), "f_yx": (8, 8), "f_yy": (-10, -10)}
    assert "f_xy(P) = 8 and f_yx(P) = 8: equal" in at.success[0].value
    assert any("not a critical point" in md.value for md in at.markdown)


def test_stewart_second_partials_through_the_page():
    # Stewart §14.3 Example 6: f = x³ + x²y³ − 2y² at (2, 1): f_xx = 6x + 2y³ = 14, f_xy = f_yx = 6xy² = 12, f_yy = 6x²y − 4 = 20
    at = move(open_page(PAGE, "x^3 + x^2 y^3 - 2y^2"), x=2.0, y=1.0)
    assert second_partials(at) == {"f_xx": (14, 14), "f_xy": (12, 12), "f_yx": (12, 12), "f_yy": (20, 20)}
    assert any(r"f_{xy} = 6 x y^{2} = 12" in el.value for el in at.latex)


@pytest.mark.parametrize(("formula", "point", "kind"), [
    ("(x^2+y-11)^2+(x+y^2-7)^2", {"x": 3.0, "y": 2.0}, "Minimum"),
    ("x^2-y^2", {"x": 0.0, "y": 0.0}, "Saddle"),
    ("1-x^2-y^2", {"x": 0.0, "y": 0.0}, "Maximum"),
    ("x^3-3x y^2", {"x": 0.0, "y": 0.0}, "Saddle"),           # H = 0: f around P decides, as on the Landscape page
    ("x^2 + 1e-10 y^2", {"x": 0.0, "y": 0.0}, "Minimum"),     # λ = 2e-10 is a curvature, not a zero
    ("x^3", {"x": 0.0}, "Inflection"),                        # one variable: f″ = 0, lower left and higher right
])
def test_hessian_classifies_critical_points(formula, point, kind):
    at = move(open_page(PAGE, formula), **point)
    assert not at.exception
    (info,) = [i.value for i in at.info]
    assert f"**{kind}**" in info and "critical point" in info


@pytest.mark.parametrize(("formula", "point"), [
    ("exp(-(x^2+y^2))", {"x": 5.0, "y": 0.0}),       # |∇f| = 1.4e-10 in the tail, but Newton's step is 0.1
    ("1e-11 (x^2+y^2)", {"x": 1.0, "y": 1.0}),       # |∇f| = 2.8e-11 on a bowl whose bottom is √2 away
])
def test_a_tiny_gradient_is_not_a_critical_point(formula, point):
    at = move(open_page(PAGE, formula), **point)
    assert not at.info and any("P is not a critical point" in md.value for md in at.markdown)


def test_a_published_minimum_to_six_decimals_is_within_rounding_of_a_critical_point():
    at = move(open_page(PAGE), x=-2.805118, y=3.131312)       # |∇f| = 4.2e-05 there
    (info,) = [i.value for i in at.info]
    assert "P is within rounding of a critical point: |∇f(P)| = 4.2e-05" in info and "**Minimum**" in info


def test_x_cubed_at_zero_is_a_stationary_inflection_point():
    at = move(open_page(PAGE, "x^3"), x=0.0)
    (info,) = [i.value for i in at.info]
    assert "stationary inflection point" in info and "saddle" not in info


@pytest.mark.parametrize(("start", "kind", "target"), [
    ({"x": -2.81, "y": 3.13}, "Minimum", (-2.805118, 3.131312)),          # published minimum
    ({"x": -3.07, "y": -0.08}, "Saddle", (-3.073026, -0.081353)),         # a saddle (sympy's nsolve, test_landscape)
    ({"x": -0.27, "y": -0.92}, "Maximum", (-0.270845, -0.923039)),        # the published maximum
])
def test_snap_p_to_the_nearest_critical_point(start, kind, target):
    at = move(open_page(PAGE), **start)
    assert any("P is not a critical point" in md.value for md in at.markdown)    # slider precision: not close enough
    at.button(key="gr_snap").click().run()
    p = (at.slider(key="px").value, at.slider(key="py").value)
    assert p == pytest.approx(target, abs=1e-6)
    (info,) = [i.value for i in at.info]
    assert f"**{kind}**" in info and "critical point" in info
    assert any("P moved to the nearest critical point" in c.value for c in at.caption)


def test_snap_says_so_when_there_is_no_critical_point():
    at = open_page(PAGE, "x^2+y")
    at.button(key="gr_snap").click().run()
    assert not at.exception and not at.info
    assert any("finds no critical point in the plotted range" in c.value for c in at.caption)


def test_gradient_field_arrows_have_one_length():
    at = open_page(PAGE, "x^2+10y^2")
    fig = figures(at)["fig_field"]
    bands = [t for t in fig["data"] if t.get("name", "").startswith("|∇f|")]
    assert len(bands) == 4                                    # the legend: four bands of |∇f|
    xs, ys = array(bands[-1]["x"]), array(bands[-1]["y"])
    shaft = np.hypot(xs[1::7] - xs[0::7], ys[1::7] - ys[0::7])    # each arrow: tail, tip, gap, head (3), gap
    assert np.allclose(shaft, shaft[0], rtol=1e-5)               # normalised lengths
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"            # equal scale: right angles look right


def test_three_variables_show_every_partial_and_a_slice():
    at = move(open_page(PAGE, "x y z"), x=1.0, y=2.0, z=3.0)
    assert not at.exception and not at.error
    assert [metric(at, f"∂f/∂{v} at P") for v in "xyz"] == ["6", "3", "2"]
    sp_values = second_partials(at)
    assert len(sp_values) == 9
    assert sp_values["f_xy"] == (3, 3) and sp_values["f_xz"] == (2, 2) and sp_values["f_yz"] == (1, 1)
    assert len(at.success) == 3                               # three mixed pairs, all equal
    at.selectbox(key="ax_v").set_value("z").run()
    figs = figures(at)
    assert set(figs) == {"fig_slice_0", "fig_slice_2", "fig_field"}
    assert figs["fig_field"]["layout"]["yaxis"]["title"]["text"] == "z"


def test_one_variable():
    at = move(open_page(PAGE, "x^3-3x"), x=1.0)
    assert not at.exception and not at.error
    assert metric(at, "∂f/∂x at P") == "0"
    assert second_partials(at) == {"f_xx": (6, 6)}
    assert "**Minimum**" in at.info[0].value


@pytest.mark.parametrize(("formula", "px"), [("log(x)+y", -1.0), ("1/x+y", 0.0)])
def test_undefined_point_is_a_message_and_plots_still_render(formula, px):
    at = move(open_page(PAGE, formula), x=px)
    assert not at.exception
    assert "f is not defined at P" in at.error[0].value
    figs = figures(at)
    assert len(figs) == 3
    z = array(figs["fig_field"]["data"][0]["z"])
    assert np.isnan(z).any() and np.isfinite(z).any()


def test_mixed_partials_that_cannot_be_evaluated_get_a_warning():
    # f = xy·sqrt(x²+y²) is 0 at the origin, but its mixed partials' formulas divide by sqrt(x²+y²) = 0 there
    at = move(open_page(PAGE, "x y sqrt(x^2+y^2)"), x=0.0, y=0.0)
    assert not at.exception and not at.error
    assert metric(at, "f(P)") == "0"
    assert any("cannot be evaluated at P" in w.value for w in at.warning)


def test_classic_counterexample_is_undefined_at_the_origin():
    at = move(open_page(PAGE, "x y (x^2 - y^2)/(x^2 + y^2)"), x=0.0, y=0.0)
    assert not at.exception
    assert "f is not defined at P" in at.error[0].value
    assert metric(at, "∂f/∂x at P") == "—"
    at.slider(key="px").set_value(0.5).run()                        # away from the origin: the check holds
    assert "equal" in at.success[0].value


def test_rerun_after_a_slider_move_is_fast_and_the_figures_small():
    at = open_page(PAGE)
    times = rerun_times(at, lambda i: at.slider(key="px").set_value(-3.0 + 0.5 * i))
    median = statistics.median(times)
    sizes = figure_sizes(at)
    print(f"gradient page rerun median {median * 1000:.0f} ms (min {min(times) * 1000:.0f} ms), "
          f"figures {sum(sizes.values()) / 1e6:.2f} MB {sizes}")
    assert not at.exception
    assert median < 1.0          # the goal is 250 ms at defaults; this only guards gross regressions on a busy machine
    assert sum(sizes.values()) < 1.5e6
    assert math.isfinite(median)


@pytest.mark.parametrize(("formula", "point", "sides"), [
    ("abs(x)+y^2", (0.0, 0.0), {"x": "from the right 1, from the left -1"}),
    ("max(x, y)", (1.0, 1.0), {"x": "from the right 1, from the left 0", "y": "from the right 1, from the left 0"}),
])
def test_at_a_kink_the_partial_does_not_exist_and_its_one_sided_values_show(formula, point, sides):
    at = move(open_page(PAGE, formula), x=point[0], y=point[1])
    assert not at.exception and not at.error
    (warning,) = [w.value for w in at.warning if "not differentiable" in w.value]
    for name in ("x", "y"):
        if name in sides:
            assert metric(at, f"∂f/∂{name} at P") == "none"
            assert f"∂f/∂{name} does not exist: {sides[name]}." in warning
            assert any(rf"f_{{{name}}}(P)\text{{ does not exist ({sides[name]})}}" in el.value for el in at.latex)
        else:
            assert metric(at, f"∂f/∂{name} at P") == "0"                 # ∂/∂y (|x| + y²) = 2y exists
    assert any(m.value.startswith("H(P) does not exist: f has a kink at P") for m in at.markdown)
    assert any(m.value.startswith("f has a kink at P, so its mixed partials do not exist") for m in at.markdown)
    assert not any("cannot be evaluated at P" in w.value for w in at.warning)
    assert not any(el.value.strip("$\n").startswith("H(P) =") for el in at.latex)   # no matrix with ∞ as an entry


def test_abs_at_zero_that_is_differentiable_has_its_partials():
    at = move(open_page(PAGE, "x abs(x) + y^2"), x=0.0, y=0.0)
    assert not at.exception and not at.error and not at.warning
    assert metric(at, "∂f/∂x at P") == "0" and metric(at, "∂f/∂y at P") == "0"


def test_overflow_is_called_overflow():
    at = open_page(PAGE, "exp(1000x)+y")
    assert at.error[0].value.startswith("f overflows at P = (1, 1)")


def test_an_infinite_second_partial_is_not_shown_as_a_hessian_entry():
    at = move(open_page(PAGE, "abs(x)^1.5+y"), x=0.0, y=0.0)     # differentiable at 0, but f_xx = 0.75 |x|^(-1/2) → ∞
    assert not at.exception and not at.error
    assert metric(at, "∂f/∂x at P") == "0" and metric(at, "∂f/∂y at P") == "1"
    assert any(m.value == "H(P) cannot be shown: sympy's second partials give ∞ or 0/0 at P." for m in at.markdown)
    assert not any(el.value.strip("$\n").startswith("H(P) =") for el in at.latex)
