"""check_gradient: sympy vs torch autograd vs finite differences, and kinks explained in words."""

from __future__ import annotations

import numpy as np
import pytest

from gradcore import parse
from gradcore.check import central_difference, check_gradient
from gradcore.presets import PRESETS


@pytest.mark.parametrize("text", ["(x^2+y-11)^2+(x+y^2-7)^2", "sin(x)cos(y)", "exp(-(x^2+y^2))", "x^3 y - y^2",
                                  "sigmoid(x y)", "x y z + log(1 + x^2)", "x1 x2 x3 x4"])
def test_smooth_functions_agree_everywhere(text):
    f = parse(text)
    rng = np.random.default_rng(1)
    for p in rng.uniform(-2, 2, size=(5, f.n)):
        check = check_gradient(f, p)
        assert check.ok, check
        assert all(r.verdict == "agree" for r in check.rows)
        assert all(r.abs_error <= 1e-9 * max(1, abs(r.symbolic)) for r in check.rows)


def test_central_difference_is_second_order_accurate():
    f = parse("exp(x) + sin(y)")
    fd = central_difference(f, np.array([0.3, 1.1]))
    np.testing.assert_allclose(fd, [np.exp(0.3), np.cos(1.1)], rtol=1e-9)


@pytest.mark.parametrize(("text", "point", "phrase"), [
    ("abs(x) + y", (0, 1), "torch uses the subgradient 0 for abs at 0; sympy's derivative is sign(x)"),
    ("relu(x) * y", (0, 2), "torch's relu'(0) = 0, while sympy's derivative is Heaviside(0) = 1/2"),
    ("max(x, y)", (1, 1), "torch splits the gradient of a tie 0.5/0.5"),
    ("sqrt(x^2 + y^2)", (0, 0), "not differentiable"),
    ("sqrt(x) + y", (0, 1), "not differentiable"),
    ("sign(x) + y", (0, 1), "sign(x) jumps at 0"),
])
def test_kinks_are_explained_not_failed(text, point, phrase):
    check = check_gradient(parse(text), point)
    assert check.ok
    assert check.kinks
    assert phrase in check.explanation


def test_relu_kink_is_the_documented_disagreement():
    check = check_gradient(parse("relu(x) * y"), (0, 2))
    fx = check.rows[0]
    assert (fx.symbolic, fx.autograd, fx.verdict) == (1.0, 0.0, "kink")   # y*Heaviside(0) = 2*1/2 vs relu'(0)=0
    assert check.rows[1].verdict == "agree"


def test_away_from_the_kink_abs_agrees():
    check = check_gradient(parse("abs(x) + y"), (-0.5, 1))
    assert not check.kinks and check.ok
    assert check.rows[0].symbolic == -1.0


def test_undefined_point_says_move_the_point():
    check = check_gradient(parse("log(x) + y"), (-1, 0))
    assert not check.ok
    assert "not defined at this point" in check.explanation
    assert check.rows[0].verdict == "undefined"


@pytest.mark.parametrize("name", [n for n, p in PRESETS.items() if p.minima and n not in ("Cone", "Abs valley")])
def test_published_minima_have_zero_gradient(name):
    preset = PRESETS[name]
    f = parse(preset.formula)
    for m in preset.minima:
        g = f.gradient(np.array(m))
        # published coordinates carry 6 decimals: |grad f| is zero up to that rounding times the curvature
        assert np.linalg.norm(g) < 1e-4, (name, m, g)
        assert np.all(np.linalg.eigvalsh(f.hessian(np.array(m))) > 0), (name, m)


@pytest.mark.parametrize(("name", "value"), [("Himmelblau", 0.0), ("Rosenbrock", 0.0), ("Booth", 0.0),
                                             ("Beale", 0.0), ("Matyas", 0.0), ("Rastrigin", 0.0)])
def test_published_minimum_values(name, value):
    preset = PRESETS[name]
    f = parse(preset.formula)
    for m in preset.minima if name != "Rastrigin" else preset.minima[:1]:   # Rastrigin's others are local minima (> 0)
        assert f.value(np.array(m)) == pytest.approx(value, abs=1e-9)
