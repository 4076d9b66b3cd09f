"""gradcore.parse: what a lecturer types, and the exact derivatives and callables it builds."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

from gradcore import FormulaError, parse
from gradcore.formula import Maximum, Minimum

x, y, z = sp.symbols("x y z", real=True)
x1, x2, x3 = sp.symbols("x1 x2 x3", real=True)

ACCEPTED = [
    ("x^2 + y^2", x**2 + y**2),
    ("x**2 + y**2", x**2 + y**2),
    ("x ** 2", x**2),
    ("-x^2", -(x**2)),
    ("2^3^2 x", 512 * x),
    ("2x", 2 * x),
    ("3(x+1)", 3 * x + 3),
    ("(x+1)(x-1)", (x + 1) * (x - 1)),
    ("2 sin(x)", 2 * sp.sin(x)),
    ("x sin(y)", x * sp.sin(y)),
    ("xy", x * y),
    ("x²+y³", x**2 + y**3),
    ("x⁻¹", 1 / x),
    ("x − y", x - y),
    ("x × y · z", x * y * z),
    ("0.5x", x / 2),
    (".25x", x / 4),
    ("1e-3 x", x / 1000),
    ("2.5E+2 y", 250 * y),
    ("e^x", sp.exp(x)),
    ("pi x", sp.pi * x),
    ("π x", sp.pi * x),
    ("ln(x) + log(y)", sp.log(x) + sp.log(y)),
    ("log10(x)", sp.log(x) / sp.log(10)),
    ("log2(x)", sp.log(x) / sp.log(2)),
    ("sqrt(x)", sp.sqrt(x)),
    ("abs(x) + sign(y)", sp.Abs(x) + sp.sign(y)),
    ("max(x, y, 0)", Maximum(x, y, 0)),
    ("min(x, 1)", Minimum(x, 1)),
    ("relu(x)", Maximum(0, x)),
    ("sigmoid(x)", 1 / (1 + sp.exp(-x))),
    ("softplus(x)", sp.log(1 + sp.exp(x))),
    ("asin(x)+acos(y)+atan(z)", sp.asin(x) + sp.acos(y) + sp.atan(z)),
    ("sinh(x)+cosh(y)+tanh(z)", sp.sinh(x) + sp.cosh(y) + sp.tanh(z)),
    ("tan(x)", sp.tan(x)),
    ("x1 + 2 x2 + x3^2", x1 + 2 * x2 + x3**2),
    ("ｘ + ｙ", x + y),  # full-width letters fold to ASCII under NFKC
    ("x^x", x**x),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED, ids=[t for t, _ in ACCEPTED])
def test_accepts_what_a_lecturer_types(text, expected):
    assert sp.simplify(parse(text).expr - expected) == 0


@pytest.mark.parametrize(("text", "variables"), [
    ("z + x1 + y + x9 + x", ("x", "y", "z", "x1", "x9")),
    ("x3 + x1", ("x1", "x3")),
    ("y^2", ("y",)),
    ("x1+x2+x3+x4+x5+x6+x7+x8+x9", tuple(f"x{i}" for i in range(1, 10))),
])
def test_variables_are_ordered_x_y_z_then_x1_to_x9(text, variables):
    assert parse(text).variables == variables


def test_max_and_min_are_sympy_max_and_min_that_build_fast():
    f = parse("max(x, y, z, x1, x2, x3, x4, x5, x6) + min(x, 2)")
    assert isinstance(f.expr.args[0], (sp.Max, sp.Min)) and isinstance(f.expr.args[1], (sp.Max, sp.Min))
    assert f.latex() == r"\max\left(x, y, z, x_{1}, x_{2}, x_{3}, x_{4}, x_{5}, x_{6}\right) + \min\left(x, 2\right)"
    assert parse("max(2, 3) x").expr == 3 * x
    assert parse("max(x, max(y, z))").expr == Maximum(x, y, z)


def test_numbers_are_exact_rationals():
    f = parse("0.1x")
    assert f.expr == sp.Rational(1, 10) * x
    assert f.gradient_exprs == (sp.Rational(1, 10),)


HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"


def test_himmelblau_derivatives_are_exact():
    f = parse(HIMMELBLAU)
    fx = 4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7)
    fy = 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)
    assert sp.expand(f.gradient_exprs[0] - fx) == 0
    assert sp.expand(f.gradient_exprs[1] - fy) == 0
    h = f.hessian_exprs
    assert sp.expand(h[0][0] - (12 * x**2 + 4 * y - 42)) == 0
    assert sp.expand(h[0][1] - (4 * x + 4 * y)) == 0
    assert sp.expand(h[1][1] - (4 * x + 12 * y**2 - 26)) == 0


def test_numerics_match_the_exact_values():
    f = parse(HIMMELBLAU)
    p = np.array([-4.0, 0.0])
    assert f.value(p) == 146.0                 # (16-11)^2 + (-4-7)^2 = 25 + 121
    np.testing.assert_array_equal(f.gradient(p), [-102.0, 10.0])
    np.testing.assert_array_equal(f.hessian(p), [[150.0, -16.0], [-16.0, -42.0]])
    np.testing.assert_array_equal(f.autograd_gradient(p), [-102.0, 10.0])


def test_callables_are_vectorised_over_batches():
    f = parse("x*y + sin(x)")
    p = np.random.default_rng(0).normal(size=(5, 7, 2))
    assert f.value(p).shape == (5, 7)
    assert f.gradient(p).shape == (5, 7, 2)
    assert f.hessian(p).shape == (5, 7, 2, 2)
    np.testing.assert_allclose(f.gradient(p)[..., 0], p[..., 1] + np.cos(p[..., 0]), rtol=1e-15)


def test_constant_derivatives_broadcast_to_the_batch():
    f = parse("3x + 2y")
    g = f.gradient(np.zeros((4, 2)))
    np.testing.assert_array_equal(g, np.tile([3.0, 2.0], (4, 1)))
    np.testing.assert_array_equal(f.hessian(np.zeros(2)), np.zeros((2, 2)))


def test_undefined_points_give_nan_without_warnings():
    f = parse("log(x) + 1/y")
    with np.errstate(all="raise"):
        v = f.value(np.array([[-1.0, 1.0], [1.0, 0.0]]))
    assert np.isnan(v[0]) and np.isinf(v[1])


# Every allowed function works in every backend: sympy's torch printer breaks on Max/Min with a number,
# on Heaviside and on numeric subexpressions such as exp(2), so these are the cases to prove.
BACKEND_CASES = [
    "max(x, 2) + min(y, -1)", "relu(x - 0.5) * y", "exp(2) * x + log(3) * y", "sigmoid(x) + softplus(y)",
    "abs(x - y) + sign(x)", "sqrt(x^2 + y^2 + 1)", "log10(x^2+1) + log2(y^2+1)", "2^x + x^y",
    "asin(x/3) + acos(y/3) + atan(x y)", "sinh(x) cosh(y) tanh(x+y)", "tan(x) + y^(1/3)", "x^2 y^-2",
]


@pytest.mark.parametrize("text", BACKEND_CASES)
def test_numpy_torch_and_math_backends_agree_with_sympy(text):
    f = parse(text)
    points = np.array([[0.7, 1.3], [1.9, 0.4], [2.5, 2.2]])
    for p in points:
        subs = dict(zip(f.symbols, p, strict=True))
        exact = float(f.expr.evalf(30, subs=subs))
        grad_exact = [float(g.evalf(30, subs=subs)) for g in f.gradient_exprs]
        assert f.value(p) == pytest.approx(exact, rel=1e-13, abs=1e-13)
        np.testing.assert_allclose(f.gradient(p), grad_exact, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(f.autograd_gradient(p), grad_exact, rtol=1e-12, atol=1e-12)
        t = torch.tensor(p, dtype=torch.float64)
        assert f.torch_value(t).item() == pytest.approx(exact, rel=1e-13, abs=1e-13)
        v, *g = f.scalar_value_and_gradient(*p)
        assert v == pytest.approx(exact, rel=1e-13, abs=1e-13)
        np.testing.assert_allclose(g, grad_exact, rtol=1e-12, atol=1e-12)


def test_math_backend_raises_where_f_is_undefined():
    f = parse("log(x) + sqrt(y)")
    with pytest.raises(ValueError):
        f.scalar_value_and_gradient(-1.0, 1.0)


def test_latex_is_rendered_from_the_sympy_tree():
    f = parse("x^2 + sin(y)")
    assert f.latex() == sp.latex(x**2 + sp.sin(y))


def test_torch_value_keeps_dtype_and_batch_shape():
    f = parse("x + 1")
    out = f.torch_value(torch.zeros(3, 1, dtype=torch.float32))
    assert out.dtype == torch.float32 and out.shape == (3,)


def test_a_point_of_the_wrong_size_is_a_clear_error():
    with pytest.raises(ValueError, match="a point of 2 coordinates"):
        parse("x + y").value([1.0, 2.0, 3.0])


REJECTED = [
    ("", "Type a formula"),
    ("   ", "Type a formula"),
    ("x +", "ends with '+'"),
    ("*x", "cannot start with '*'"),
    ("(x + 1", "never closed"),
    ("x + 1)", "no matching '('"),
    ("foo(x)", "Unknown name 'foo'"),
    ("Sin(x)", "write 'sin'"),
    ("sin x", "Write sin(…) with parentheses"),
    ("sin", "Write sin(…) with parentheses"),
    ("max(x)", "max() takes 2 to 9 arguments"),
    ("sin(x, y)", "sin() takes one argument"),
    ("2 3", "Two numbers in a row"),
    ("x = 2", "not an equation"),
    ("x == y", "not an equation"),
    ("x < y", "comparisons"),
    ("x and y", "Python word"),
    ("not x", "Python word"),
    ("x if y else 1", "Python word"),
    ("lambda: x", "single expression"),
    ("x[0]", "brackets"),
    ("'x'", "quotes"),
    ("x.real", "dot is only allowed"),
    ("1..2", "dot is only allowed"),
    ("x, y", "Commas only separate"),
    ("x!", "factorials"),
    ("|x|", "abs(x)"),
    ("1/0", "Division by zero"),
    ("x/(1-1)", "Division by zero"),
    ("0^-1 + x", "Division by zero"),
    ("log(0) * x", "infinite or undefined"),
    ("sqrt(-1) * x", "not a real number"),
    ("asin(2) * x", "not a real number"),
    ("log(-1) + x", "not a real number"),
    ("(-8)^(1/3) + x", "not a real number"),
    ("5", "does not depend on any variable"),
    ("x - x", "does not depend on any variable"),
    ("w + 1", "Unknown name 'w'"),
    ("x10", "Unknown name 'x10'"),
    ("x0", "Unknown name 'x0'"),
]


@pytest.mark.parametrize(("text", "message"), REJECTED, ids=[t or "empty" for t, _ in REJECTED])
def test_rejections_say_what_to_change(text, message):
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert message in str(info.value)


@pytest.mark.parametrize(("text", "column"), [
    ("x + y +", 6), ("x + foo", 4), ("x ? y", 2), ("(x", 0), ("x)", 1), ("x + 1/0", 6), ("x²+w", 3),
])
def test_errors_point_at_the_column_typed(text, column):
    with pytest.raises(FormulaError) as info:
        parse(text)
    assert info.value.position == column


def test_formula_error_is_a_value_error():
    assert issubclass(FormulaError, ValueError)


def test_trigonometric_values_are_correct_to_the_last_digit():
    f = parse("sin(x) + cos(y)")
    assert f.value(np.array([math.pi / 6, math.pi / 3])) == math.sin(math.pi / 6) + math.cos(math.pi / 3)
