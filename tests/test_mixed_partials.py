"""The f_xy ≠ f_yx counterexample: its mixed partials at the origin are −1 and 1 (every calculus text's values)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp

from gradcore.mixed_partials import X, Y, counterexample, f, mixed_quotients


def test_mixed_partials_at_the_origin_are_minus_one_and_one():
    c = counterexample()
    assert c.f_xy == -1 and c.f_yx == 1
    assert sp.simplify(c.f_x_on_y_axis + Y) == 0 and c.f_x_at_origin == 0     # f_x(0, y) = −y
    assert sp.simplify(c.f_y_on_x_axis - X) == 0 and c.f_y_at_origin == 0     # f_y(x, 0) = x


def test_f_xy_is_not_continuous_at_the_origin():
    c = counterexample()
    assert c.along_x_axis == 1 and c.along_y_axis == -1
    textbook = (X**6 + 9 * X**4 * Y**2 - 9 * X**2 * Y**4 - Y**6) / (X**2 + Y**2) ** 3    # f_xy off the origin
    assert sp.simplify(c.f_xy_off_origin - textbook) == 0


def nested_quotient(first: str, k: mpmath.mpf) -> mpmath.mpf:
    """The nested limit definition in 50-digit arithmetic, inner step h = k/10⁴: an independent check of the float table."""
    def g(x, y):
        return 0 if x == 0 and y == 0 else x * y * (x * x - y * y) / (x * x + y * y)
    h = k / 10000
    if first == "x":
        def inner(y):
            return (g(h, y) - g(0, y)) / h
        return (inner(k) - inner(0)) / k
    def inner_y(x):
        return (g(x, h) - g(x, 0)) / h
    return (inner_y(k) - inner_y(0)) / k


def test_float_quotients_tend_to_the_limits():
    mpmath.mp.dps = 50
    xy, yx = mixed_quotients()
    for k, a, b in zip((1e-1, 1e-2, 1e-3, 1e-4, 1e-5), xy, yx, strict=True):
        assert a == pytest.approx(float(nested_quotient("x", mpmath.mpf(k))), rel=1e-9)
        assert b == pytest.approx(float(nested_quotient("y", mpmath.mpf(k))), rel=1e-9)
    assert xy[-1] == pytest.approx(-1, abs=1e-6) and yx[-1] == pytest.approx(1, abs=1e-6)


def test_numeric_f_matches_the_formula_and_is_zero_at_the_origin():
    assert float(f(0.0, 0.0)) == 0.0
    assert float(f(2.0, 1.0)) == pytest.approx(2 * 1 * 3 / 5)
    assert np.all(np.isfinite(f(np.linspace(-1, 1, 5), np.zeros(5))))
