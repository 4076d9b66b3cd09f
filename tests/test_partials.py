"""gradcore.partials: partials as slopes, the gradient field, second-order partials (sympy vs torch) and f_xy = f_yx."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from gradcore import parse
from gradcore.figures import field_bands
from gradcore.partials import (
    axis_slice,
    gradient_field,
    one_sided_partials,
    order_text,
    partial_name,
    partial_text,
    second_order,
    second_partial_exprs,
    torch_hessian,
)

x, y = sp.symbols("x y", real=True)


def test_stewart_second_partials_each_in_its_own_order():
    # Stewart §14.3 Example 6: f = x³ + x²y³ − 2y²: f_xx = 6x + 2y³, f_xy = f_yx = 6xy², f_yy = 6x²y − 4
    f = parse("x^3 + x^2 y^3 - 2y^2")
    m = second_partial_exprs(f)
    assert sp.expand(m[0][0] - (6 * x + 2 * y**3)) == 0
    assert sp.expand(m[0][1] - 6 * x * y**2) == 0
    assert sp.expand(m[1][0] - 6 * x * y**2) == 0
    assert sp.expand(m[1][1] - (6 * x**2 * y - 4)) == 0
    so = second_order(f, (2, 1))
    np.testing.assert_allclose(so.sympy, [[14, 12], [12, 20]])
    np.testing.assert_allclose(so.torch, [[14, 12], [12, 20]], atol=1e-12)
    (pair,) = so.pairs
    assert pair.identical and pair.equal_at_point


def test_mixed_partials_are_differentiated_not_mirrored():
    f = parse("x y^2 + sin(x) exp(y)")
    m = second_partial_exprs(f)
    assert m[0][1] == sp.diff(sp.diff(f.expr, x), y)
    assert m[1][0] == sp.diff(sp.diff(f.expr, y), x)
    assert m[0][1] is not m[1][0] or m[0][1] == m[1][0]


def test_symmetry_needs_simplification_to_show():
    # f_xy and f_yx of x^y come out as different trees; sympy proves them equal
    f = parse("x^y")
    (pair,) = second_order(f, (2, 3)).pairs
    assert pair.identical
    assert pair.equal_at_point
    expected = 2**2 * (1 + 3 * math.log(2))     # ∂²(x^y)/∂x∂y = x^(y−1) (1 + y ln x)
    assert pair.sympy_ij == pytest.approx(expected) and pair.torch_ji == pytest.approx(expected)


def test_classic_counterexample_is_undefined_at_the_origin():
    # f = xy(x² − y²)/(x² + y²): f_xy(0,0) = −1 ≠ f_yx(0,0) = 1 when f(0,0) := 0; typed as a formula f is 0/0 there
    f = parse("x y (x^2 - y^2)/(x^2 + y^2)")
    (pair,) = second_order(f, (0, 0)).pairs
    assert not pair.equal_at_point
    assert math.isnan(pair.sympy_ij) and math.isnan(pair.sympy_ji)
    (away,) = second_order(f, (0.5, -1.2)).pairs
    assert away.equal_at_point


# (id, formula, P, classification): the second-derivative test at critical points
CRITICAL = [
    ("himmelblau-min", "(x^2+y-11)^2+(x+y^2-7)^2", (3, 2), "minimum"),
    ("paraboloid-min", "x^2+y^2", (0, 0), "minimum"),
    ("cap-max", "1 - x^2 - y^2", (0, 0), "maximum"),
    ("saddle", "x^2-y^2", (0, 0), "saddle"),
    ("monkey-saddle", "x^3-3x y^2", (0, 0), "saddle"),     # H = 0: f around P decides, as on the Landscape page
    ("quartic-bowl", "x^4+y^4", (0, 0), "minimum"),
    ("cubic-1d-inflection", "x^3", (0,), "inflection"),    # f″ = 0, f < 0 left of 0 and > 0 right of it
    ("cubic-1d-min", "x^3-3x", (1,), "minimum"),
    ("cubic-1d-max", "x^3-3x", (-1,), "maximum"),
    ("sphere-3d", "x^2+y^2+z^2", (0, 0, 0), "minimum"),
]


@pytest.mark.parametrize(("formula", "point", "kind"), [c[1:] for c in CRITICAL], ids=[c[0] for c in CRITICAL])
def test_second_derivative_test_at_critical_points(formula, point, kind):
    so = second_order(parse(formula), point)
    assert so.critical
    assert so.classification.kind == kind


def test_himmelblau_hessian_at_its_minimum():
    so = second_order(parse("(x^2+y-11)^2+(x+y^2-7)^2"), (3, 2))
    np.testing.assert_allclose(so.sympy, [[74, 20], [20, 34]])
    np.testing.assert_allclose(so.classification.eigenvalues, sorted(np.linalg.eigvalsh([[74, 20], [20, 34]])))


def test_not_a_critical_point():
    so = second_order(parse("(x^2+y-11)^2+(x+y^2-7)^2"), (1, 1))
    assert not so.critical and so.classification is None
    assert so.grad_norm == pytest.approx(math.hypot(46, 38))
    assert not second_order(parse("log(x)+y^2"), (-1, 0)).critical        # f undefined at P: no verdict


HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"


def test_a_published_minimum_to_six_decimals_is_within_rounding_of_a_critical_point():
    # |∇f| = 4.2e-05 at the published (-2.805118, 3.131312), but Newton's step to the true minimum is below 1e-6.
    so = second_order(parse(HIMMELBLAU), (-2.805118, 3.131312), span=12)
    assert so.grad_norm == pytest.approx(4.2e-5, rel=0.05)
    assert so.critical and not so.exact and so.newton_step < 1e-6
    assert so.classification.kind == "minimum" and not so.classification.degenerate


@pytest.mark.parametrize(("text", "point", "step"), [
    ("exp(-(x^2+y^2))", (5, 0), 10 / 98),       # |∇f| = 1.4e-10, but Newton's step 2x/(4x²−2) is a tenth of a unit
    ("1e-11 (x^2+y^2)", (1, 1), math.sqrt(2)),  # |∇f| = 2.8e-11 on a bowl whose bottom is √2 away
])
def test_a_tiny_gradient_far_from_a_critical_point_is_not_critical(text, point, step):
    so = second_order(parse(text), point, span=12)
    assert not so.critical and so.classification is None
    assert so.newton_step == pytest.approx(step, rel=1e-9)


@pytest.mark.parametrize(("text", "point", "kind", "eigenvalues"), [
    ("1e-11 (x^2+y^2)", (0, 0), "minimum", (2e-11, 2e-11)),
    ("x^2 + 1e-10 y^2", (0, 0), "minimum", (2e-10, 2.0)),      # a small curvature is still a curvature
    ("-1e-12 x^2 + y^2", (0, 0), "saddle", (-2e-12, 2.0)),
])
def test_small_curvatures_decide(text, point, kind, eigenvalues):
    so = second_order(parse(text), point, span=12)
    assert so.critical and so.exact
    assert so.classification.kind == kind and not so.classification.degenerate
    np.testing.assert_allclose(so.classification.eigenvalues, eigenvalues, rtol=1e-12)


def test_x_cubed_at_zero_is_a_stationary_inflection_point():
    for p in [(0.0,), (1e-9,)]:         # exactly at 0, and within rounding of it
        c = second_order(parse("x^3"), p, span=6).classification
        assert c.kind == "inflection" and c.degenerate and "stationary inflection point" in c.sentence


def test_four_variables_every_second_partial_and_torch_agree():
    f = parse("x1 x2^2 + x3 x4 + sin(x1 x4)")
    p = (0.3, -1.1, 0.7, 2.0)
    so = second_order(f, p)
    assert so.sympy.shape == (4, 4) and len(so.pairs) == 6
    np.testing.assert_allclose(so.torch, so.sympy, rtol=1e-12, atol=1e-12)
    assert all(pair.identical and pair.equal_at_point for pair in so.pairs)
    np.testing.assert_allclose(torch_hessian(f, p), f.hessian(np.array(p)), rtol=1e-12, atol=1e-12)


def test_axis_slice_slope_is_the_partial_derivative():
    f = parse("(x^2+y-11)^2+(x+y^2-7)^2")
    cut_x, cut_y = axis_slice(f, (1, 1), 0, -6, 6), axis_slice(f, (1, 1), 1, -6, 6)
    assert (cut_x.slope, cut_y.slope) == (-46.0, -38.0)
    assert cut_x.coords[0] == -6 and cut_x.coords[-1] == 6 and 1.0 in cut_x.coords
    xs = cut_x.coords
    np.testing.assert_allclose(cut_x.values, (xs**2 + 1 - 11) ** 2 + (xs + 1 - 7) ** 2)
    assert cut_y.value == 106.0


def test_gradient_field_on_a_grid():
    f = parse("x^2 + 3y^2")
    field = gradient_field(f, (-2, 2, -2, 2), k=5)
    assert field.x.shape == (25,) and field.axes == ("x", "y")
    np.testing.assert_allclose(field.gx, 2 * field.x)
    np.testing.assert_allclose(field.gy, 6 * field.y)
    np.testing.assert_allclose(field.magnitude, np.hypot(2 * field.x, 6 * field.y))
    assert field.x.min() > -2 and field.x.max() < 2           # arrows stay inside the plot


def test_gradient_field_has_gaps_where_f_is_undefined():
    field = gradient_field(parse("log(x) + y"), (-2, 2, -2, 2), k=4)
    assert np.all(np.isnan(field.magnitude[field.x < 0]))
    assert np.all(np.isfinite(field.magnitude[field.x > 0]))


def test_gradient_field_in_a_plane_of_three_variables():
    field = gradient_field(parse("x y z"), (-1, 1, -1, 1), point=(0.5, 2.0, 3.0), axes=(0, 2), k=3)
    np.testing.assert_allclose(field.gx, 2.0 * field.y)        # ∂f/∂x = yz with y = 2 fixed, z on the grid
    np.testing.assert_allclose(field.gy, 2.0 * field.x)        # ∂f/∂z = xy
    assert field.axes == ("x", "z")


def test_field_bands_split_by_quantiles():
    magnitude = np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan, 0.0])
    edges, band = field_bands(magnitude, 2)
    np.testing.assert_allclose(edges, [1.0, 3.0, 5.0])
    assert band.tolist() == [0, 0, 1, 1, 1, -1, -1]


def test_names():
    f, g = parse("x^2 y"), parse("x1 x2")
    assert partial_name(f, 0, 1) == "f_{xy}" and partial_text(f, 1, 0) == "f_yx"
    assert partial_text(g, 0, 1) == "f_x1,x2"
    assert partial_name(g, 0) == "f_{x_{1}}"
    assert order_text(f, 0, 1) == "∂/∂y (∂f/∂x)"


@pytest.mark.parametrize(("text", "point", "expected"), [
    ("abs(x) + y^2", (0, 0), [(1.0, -1.0, False), (0.0, 0.0, True)]),
    ("max(x, y)", (1, 1), [(1.0, 0.0, False), (1.0, 0.0, False)]),      # sympy and torch both say 0.5
    ("abs(x) + abs(y)", (0, 2), [(1.0, -1.0, False), (1.0, 1.0, True)]),
    ("x^2 + y", (1, 1), [(2.0, 2.0, True), (1.0, 1.0, True)]),
])
def test_one_sided_partials(text, point, expected):
    sides = one_sided_partials(parse(text), point)
    assert [s.exists for s in sides] == [e[2] for e in expected]
    np.testing.assert_allclose([(s.right, s.left) for s in sides], [e[:2] for e in expected], atol=1e-9)
