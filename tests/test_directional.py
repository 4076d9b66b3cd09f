"""gradcore.directional: D_u f three ways (sympy, torch forward mode, the limit), the θ curve, kinks, the hiker's step.

Expected values are worked by hand from calculus textbooks (Stewart, Calculus, §14.6; Thomas' Calculus, §14.5).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from gradcore import parse
from gradcore.directional import (
    LIMIT_STEPS,
    angle_of,
    difference_quotients,
    direction,
    directional,
    directional_slice,
    downhill_step,
    forward_mode,
    line_span,
    one_sided_curve,
    one_sided_limit,
    theta_curve,
)


def deg(v) -> float:
    """The angle of a 2-D direction vector in degrees."""
    return math.degrees(math.atan2(v[1], v[0]))


# (id, formula, P, θ in degrees, exact D_u f)
TEXTBOOK = [
    # Stewart §14.6 Example 2: u at θ = π/6
    ("stewart-14.6-ex2", "x^3-3x y+4y^2", (1, 2), 30.0, (13 - 3 * math.sqrt(3)) / 2),
    # Stewart §14.6 Example 3: f = x²y³ − 4y at (2, −1), v = 2i + 5j: ∇f = (−4, 8), D_u f = 32/√29
    ("stewart-14.6-ex3", "x^2 y^3 - 4y", (2, -1), deg((2, 5)), 32 / math.sqrt(29)),
    # Stewart §14.6 Example 6: f = x e^y at (2, 0) towards Q(1/2, 2): u = (−3/5, 4/5), D_u f = 1
    ("stewart-14.6-ex6", "x exp(y)", (2, 0), deg((-1.5, 2)), 1.0),
    # Thomas §14.5 Example 2: f = x e^y + cos(xy) at (2, 0), v = 3i − 4j: ∇f = (1, 2), D_u f = −1
    ("thomas-14.5-ex2", "x exp(y) + cos(x y)", (2, 0), deg((3, -4)), -1.0),
    # Thomas §14.5 Example 3: f = x²/2 + y²/2 at (1, 1): increases fastest along (1,1)/√2 at rate √2
    ("thomas-14.5-ex3-max", "x^2/2 + y^2/2", (1, 1), 45.0, math.sqrt(2)),
    ("thomas-14.5-ex3-min", "x^2/2 + y^2/2", (1, 1), 225.0, -math.sqrt(2)),
    ("thomas-14.5-ex3-level", "x^2/2 + y^2/2", (1, 1), 135.0, 0.0),
]


@pytest.mark.parametrize(("formula", "point", "theta", "expected"), [c[1:] for c in TEXTBOOK], ids=[c[0] for c in TEXTBOOK])
def test_textbook_directional_derivatives(formula, point, theta, expected):
    d = directional(parse(formula), point, theta)
    assert d.sympy == pytest.approx(expected, abs=1e-12)
    assert d.torch == pytest.approx(expected, abs=1e-12)
    assert d.differentiable and not d.kinks
    assert d.limit[-3].quotient == pytest.approx(expected, abs=1e-5)   # h = 1e-6
    assert d.one_sided.exists and d.one_sided.estimate == pytest.approx(expected, abs=1e-7)


def test_stewart_three_variables_by_forward_mode_and_the_limit():
    # Stewart §14.6 Example 5: f = x sin(yz) at (1, 3, 0), v = i + 2j − k: D_u f = −√(3/2)
    f, u = parse("x sin(y z)"), np.array([1, 2, -1]) / math.sqrt(6)
    value, tangent = forward_mode(f, (1, 3, 0), u)
    assert value == 0.0
    assert tangent == pytest.approx(-math.sqrt(1.5), abs=1e-12)
    assert f.gradient(np.array([1.0, 3, 0])) @ u == pytest.approx(-math.sqrt(1.5), abs=1e-12)
    q = difference_quotients(f, (1, 3, 0), u, (1e-6,))
    assert q[0] == pytest.approx(-math.sqrt(1.5), abs=1e-5)


def test_three_variables_direction_in_the_chosen_plane():
    f = parse("x y z")
    d = directional(f, (1, 2, 3), 90.0, axes=(0, 2))      # u = e_z
    np.testing.assert_allclose(d.u, [0, 0, 1], atol=1e-15)
    assert d.sympy == pytest.approx(2.0)                   # ∂f/∂z = xy
    np.testing.assert_allclose(d.plane_gradient, [6.0, 2.0])
    assert d.grad_norm == pytest.approx(math.sqrt(36 + 9 + 4))
    assert d.plane_norm == pytest.approx(math.sqrt(40))


@pytest.mark.parametrize(("theta", "sign"), [(0, 1.0), (180, -1.0)])
def test_one_variable_has_the_directions_plus_and_minus_one(theta, sign):
    d = directional(parse("x^3 - 3x"), (2,), theta)
    assert d.u.tolist() == [sign]
    assert d.sympy == pytest.approx(9 * sign)              # f'(2) = 3·4 − 3
    assert d.torch == pytest.approx(9 * sign)


def test_the_theta_curve_peaks_at_the_gradient():
    # Stewart §14.6 Example 6: ∇f(2, 0) = (1, 2): the largest rate is √5 along (1, 2)
    d = directional(parse("x exp(y)"), (2, 0), 0.0)
    curve = theta_curve(d.plane_gradient, samples=3601)
    assert curve.maximum == pytest.approx(math.sqrt(5))
    assert curve.phi == pytest.approx(math.degrees(math.atan2(2, 1)))
    assert curve.minimum == pytest.approx(-math.sqrt(5))
    best = np.argmax(curve.values)
    assert curve.values[best] == pytest.approx(math.sqrt(5), rel=1e-6)
    assert curve.thetas[best] == pytest.approx(curve.phi, abs=0.1)
    assert curve.thetas[np.argmin(curve.values)] == pytest.approx(curve.phi + 180, abs=0.1)
    for zero in curve.zeros:
        assert directional(parse("x exp(y)"), (2, 0), zero).sympy == pytest.approx(0.0, abs=1e-12)
    for theta in (0.0, 77.0, 200.0, 359.0):   # every point of the curve is ∇f · u
        i = round(theta * 10)
        assert curve.values[i] == pytest.approx(directional(parse("x exp(y)"), (2, 0), theta).sympy, abs=1e-12)


@pytest.mark.parametrize(("v", "expected"), [((1, 0), 0.0), ((0, 1), 90.0), ((-1, 0), 180.0), ((0, -1), 270.0),
                                             ((1, 1), 45.0), ((0, 0), 0.0)])
def test_angle_of(v, expected):
    assert angle_of(v) == pytest.approx(expected)


def test_direction_is_a_unit_vector():
    for theta in range(0, 361, 15):
        assert np.linalg.norm(direction(2, theta)) == pytest.approx(1.0)


def test_limit_table_converges_linearly_then_rounding_takes_over():
    d = directional(parse("x^3-3x y+4y^2"), (1, 2), 30.0)
    errors = [row.error for row in d.limit]
    assert [row.h for row in d.limit] == list(LIMIT_STEPS)
    for big, small in itertools.pairwise(errors[:6]):   # h = 1e-1 … 1e-6: the error shrinks like h
        assert 5 < big / small < 20
    assert max(errors[-2:]) < 1e-5                                # h = 1e-7, 1e-8: rounding, still small


# (id, formula, P, θ, one-sided limit or None when it diverges, what sympy's ∇f·u says)
KINKS = [
    ("cone-tip", "sqrt(x^2+y^2)", (0, 0), 30.0, 1.0, math.nan),
    ("cone-tip-other-way", "sqrt(x^2+y^2)", (0, 0), 250.0, 1.0, math.nan),
    ("abs-valley", "abs(x)+y^2", (0, 1), 60.0, 0.5 + 2 * math.sin(math.radians(60)), 2 * math.sin(math.radians(60))),
    ("abs-valley-left", "abs(x)+y^2", (0, 1), 180.0, 1.0, 0.0),
    ("max-tie", "max(x, y)", (1, 1), 0.0, 1.0, 0.5),
    ("relu", "relu(x)", (0,), 0.0, 1.0, 0.5),
    ("sqrt-at-zero", "sqrt(x) + y", (0, 0), 30.0, None, math.inf),
]


@pytest.mark.parametrize(("formula", "point", "theta", "one_sided", "sympy"), [c[1:] for c in KINKS],
                         ids=[c[0] for c in KINKS])
def test_at_a_kink_the_one_sided_limit_replaces_grad_dot_u(formula, point, theta, one_sided, sympy):
    d = directional(parse(formula), point, theta)
    assert d.defined
    assert not d.differentiable
    assert d.kinks
    if one_sided is None:
        assert not d.one_sided.exists
    else:
        assert d.one_sided.exists
        assert d.one_sided.estimate == pytest.approx(one_sided, abs=1e-6)
    if math.isnan(sympy):
        assert math.isnan(d.sympy)
    else:
        assert d.sympy == pytest.approx(sympy, abs=1e-12)


def test_one_sided_curve_at_kinks_is_not_a_cosine():
    thetas = np.arange(0, 361, 15.0)
    np.testing.assert_allclose(one_sided_curve(parse("sqrt(x^2+y^2)"), (0, 0), thetas), 1.0, atol=1e-6)   # the cone
    rad = np.deg2rad(thetas)
    np.testing.assert_allclose(one_sided_curve(parse("abs(x)+y^2"), (0, 1), thetas),
                               np.abs(np.cos(rad)) + 2 * np.sin(rad), atol=1e-6)
    assert np.isnan(one_sided_curve(parse("sqrt(x)+y"), (0, 0), [0.0, 90.0])[0])             # sqrt(t)/t diverges


def test_rate_and_the_limit_table_at_a_kink_use_the_one_sided_limit():
    d = directional(parse("abs(x)+y^2"), (0, 1), 180.0)
    assert d.sympy == pytest.approx(0.0, abs=1e-12) and d.rate == pytest.approx(1.0)   # sympy says 0; walking left: 1
    assert d.limit[-3].error < 1e-5                                                    # the table converges to 1
    smooth = directional(parse("x^2+y^2"), (1, 1), 45.0)
    assert smooth.rate == smooth.sympy == pytest.approx(2 * math.sqrt(2))
    assert math.isnan(directional(parse("log(x)+y"), (-1, 0), 0.0).rate)


@pytest.mark.parametrize(("formula", "point"), [("log(x) + y", (-1, 0)), ("1/x + y", (0, 1)), ("sqrt(x - 2) + y", (1, 0))])
def test_undefined_at_p(formula, point):
    f = parse(formula)
    d = directional(f, point, 30.0)
    assert not d.defined and not d.differentiable
    sl = directional_slice(f, point, d.u, (-3, -3), (3, 3))
    assert np.isnan(sl.values).any() and np.isfinite(sl.values).any()   # gaps, and a curve where f is defined
    np.testing.assert_array_equal(downhill_step(f, point, 0.1), point)  # the hiker stays put


def test_one_sided_limit_of_a_smooth_function_is_the_derivative():
    f = parse("sin(x) cos(y)")
    u = direction(2, 40.0)
    limit = one_sided_limit(f, (0.3, -0.7), u)
    assert limit.exists
    assert limit.estimate == pytest.approx(f.gradient(np.array([0.3, -0.7])) @ u, abs=1e-8)


def test_step_downhill_is_one_gradient_descent_step():
    f = parse("(x^2+y-11)^2+(x+y^2-7)^2")
    new = downhill_step(f, (1.0, 1.0), 0.01)
    np.testing.assert_allclose(new, [1.46, 1.38])          # ∇f(1, 1) = (−46, −38)
    assert f.value(new) < f.value(np.array([1.0, 1.0]))     # downhill


def test_line_span_keeps_the_line_in_the_box():
    assert line_span((1, 1), (1, 0), (-6, -6), (6, 6)) == (-7.0, 5.0)
    lo, hi = line_span((0, 0), direction(2, 45), (-1, -2), (1, 2))
    assert (lo, hi) == pytest.approx((-math.sqrt(2), math.sqrt(2)))
    sl = directional_slice(parse("x^2 + y^2"), (1, 1), direction(2, 30), (-2, -2), (2, 2))
    assert 0.0 in sl.t
    assert np.all((sl.points >= -2 - 1e-12) & (sl.points <= 2 + 1e-12))
    np.testing.assert_allclose(sl.values, (sl.points ** 2).sum(axis=1))


# Differentiable although abs sits at 0: decided from f (one-sided D_u f = ∇f · u in every probed u), not the spelling
SMOOTH_AT_ABS = [
    ("x-abs-x", "x abs(x) + y^2", (0, 0), 30.0, 0.0),
    ("abs-x-to-1.5", "abs(x)^1.5 + y", (0, 0), 30.0, 0.5),      # ∇f = (0, 1): D_u f = sin 30° = 0.5 exactly
    ("abs-xy", "abs(x y)", (0, 0), 30.0, 0.0),
    ("abs-xy-diagonal", "abs(x y)", (0, 0), 45.0, 0.0),
]


@pytest.mark.parametrize(("formula", "point", "theta", "expected"), [c[1:] for c in SMOOTH_AT_ABS],
                         ids=[c[0] for c in SMOOTH_AT_ABS])
def test_abs_at_zero_can_be_differentiable(formula, point, theta, expected):
    d = directional(parse(formula), point, theta)
    assert d.differentiable and not d.kinks
    assert d.sympy == pytest.approx(expected, abs=1e-15) and d.rate == d.sympy
    assert d.one_sided.exists and d.one_sided.estimate == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize(("formula", "point", "theta", "expected"), [
    ("abs(x) + abs(y)", (0, 0), 45.0, math.sqrt(2)),    # |u_x| + |u_y|: not linear in u
    ("abs(x) + abs(y)", (0, 0), 200.0, abs(math.cos(math.radians(200))) + abs(math.sin(math.radians(200)))),
    ("max(x, y)", (1, 1), 0.0, 1.0),                    # max(u_x, u_y)
    ("max(x, y)", (1, 1), 180.0, 0.0),
])
def test_kinks_give_the_one_sided_value(formula, point, theta, expected):
    d = directional(parse(formula), point, theta)
    assert not d.differentiable and d.kinks
    assert d.rate == pytest.approx(expected, abs=1e-9)
