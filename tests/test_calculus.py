"""Textbook exercises: gradients and directional derivatives with known answers."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from gradcore import parse
from gradcore.calculus import classify, directional_derivative, normalise, unit_vector

# (source, formula, point, direction, gradient at the point, D_u f)
DIRECTIONAL = [
    ("Stewart 14.6 ex.2: theta=pi/6", "x^3 - 3xy + 4y^2", (1, 2), unit_vector(30), (-3, 13),
     (13 - 3 * math.sqrt(3)) / 2),
    ("Stewart 14.6 ex.4: v=2i+5j", "x^2 y^3 - 4y", (2, -1), (2, 5), (-4, 8), 32 / math.sqrt(29)),
    ("Stewart 14.6 ex.5: v=i+2j-k", "x sin(yz)", (1, 3, 0), (1, 2, -1), (0, 0, 3), -math.sqrt(3 / 2)),
    ("Stewart 14.6: f=x e^y towards Q(1/2, 2)", "x e^y", (2, 0), (-1.5, 2), (1, 2), 1.0),
    ("Thomas 14.5 ex.5: v=2i-3j+6k", "x^3 - x y^2 - z", (1, 1, 0), (2, -3, 6), (2, -2, -1), 4 / 7),
    ("Thomas 14.5: f=x e^y + cos(xy) along 3i-4j", "x e^y + cos(xy)", (2, 0), (3, -4), (1, 2), -1.0),
    ("paraboloid along the gradient: |grad f|", "x^2 + y^2", (3, 4), (3, 4), (6, 8), 10.0),
    ("paraboloid along the level curve: 0", "x^2 + y^2", (3, 4), (-4, 3), (6, 8), 0.0),
]


@pytest.mark.parametrize(("source", "text", "point", "direction", "grad", "expected"), DIRECTIONAL,
                         ids=[c[0] for c in DIRECTIONAL])
def test_textbook_directional_derivatives(source, text, point, direction, grad, expected):
    f = parse(text)
    np.testing.assert_allclose(f.gradient(np.array(point, dtype=float)), grad, rtol=1e-14, atol=1e-14)
    assert directional_derivative(f, point, direction) == pytest.approx(expected, rel=1e-13, abs=1e-14)


# (source, formula, point, gradient)
GRADIENTS = [
    ("Stewart 14.6: sin x + e^(xy) at (0, 1)", "sin(x) + e^(xy)", (0, 1), (2, 0)),
    ("Stewart 14.6: x^2 y^3 at (1, 2)", "x^2 y^3", (1, 2), (16, 12)),
    ("Thomas 14.5: y - x at (2, 1)", "y - x", (2, 1), (-1, 1)),
    ("Stewart 14.6 ex.7: x^2 + y^2 + z^2 ... xyz", "x y z", (1, 2, 3), (6, 3, 2)),
    ("Stewart 14.6: ln(x^2+y^2+z^2) at (1,1,1)", "ln(x^2+y^2+z^2)", (1, 1, 1), (2 / 3, 2 / 3, 2 / 3)),
    ("Thomas 14.5: x^2 + y^2 - 2z^2 + z ln x at (1,1,1)", "x^2 + y^2 - 2z^2 + z ln(x)", (1, 1, 1), (3, 2, -4)),
    ("Lecture: y = 2 x.x at x = (0,1,2,3): 4x", "2(x1^2+x2^2+x3^2+x4^2)", (0, 1, 2, 3), (0, 4, 8, 12)),
]


@pytest.mark.parametrize(("source", "text", "point", "grad"), GRADIENTS, ids=[c[0] for c in GRADIENTS])
def test_textbook_gradients(source, text, point, grad):
    f = parse(text)
    p = np.array(point, dtype=float)
    np.testing.assert_allclose(f.gradient(p), grad, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(f.autograd_gradient(p), grad, rtol=1e-14, atol=1e-15)


def test_unit_vector_angles():
    np.testing.assert_allclose(unit_vector(0), [1, 0], atol=1e-16)
    np.testing.assert_allclose(unit_vector(90), [0, 1], atol=1e-16)
    np.testing.assert_allclose(unit_vector(225), [-math.sqrt(0.5), -math.sqrt(0.5)], atol=1e-16)


def test_zero_direction_is_a_clear_error():
    with pytest.raises(ValueError, match="non-zero"):
        normalise([0, 0])


@pytest.mark.parametrize(("text", "point", "kind"), [
    ("x^2 + y^2", (0, 0), "minimum"),
    ("-x^2 - y^2", (0, 0), "maximum"),
    ("x^2 - y^2", (0, 0), "saddle"),
    ("x^3 - 3x y^2", (0, 0), "undecided"),       # the monkey saddle: Hessian is zero
    ("x^4 + y^4", (0, 0), "undecided"),
    ("(x^2+y-11)^2+(x+y^2-7)^2", (3, 2), "minimum"),
    ("(x^2+y-11)^2+(x+y^2-7)^2", (-0.270845, -0.923039), "maximum"),   # Himmelblau's local maximum
    ("x^2 + y^2 + z^2", (0, 0, 0), "minimum"),
])
def test_second_derivative_test(text, point, kind):
    f = parse(text)
    assert classify(f.hessian(np.array(point, dtype=float))).kind == kind


@pytest.mark.parametrize(("text", "point", "direction", "expected"), [
    ("abs(x) + abs(y)", (0, 0), (1, 1), math.sqrt(2)),        # ∇f · u would say 0
    ("max(x, y)", (1, 1), (1, 0), 1.0),                        # ∇f · u would say 0.5 (torch's tie split)
    ("max(x, y)", (1, 1), (-1, 0), 0.0),
    ("sqrt(x^2 + y^2)", (0, 0), (3, -4), 1.0),                 # the cone rises at slope 1 every way; ∇f is 0/0
    ("abs(x)^1.5 + y", (0, 0), (math.sqrt(3), 1), 0.5),       # differentiable: ∇f · u, exactly
])
def test_directional_derivative_at_kinks_is_the_one_sided_limit(text, point, direction, expected):
    assert directional_derivative(parse(text), point, direction) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(("text", "point", "direction", "message"), [
    ("sqrt(x) + y", (0, 0), (1, 0), "∇f · u does not apply, and (f(P + h u) − f(P)) / h has no finite limit"),
    ("exp(1000x)", (1,), (1,), "f overflows at P = (1)"),
    ("log(x) + y", (-1, 0), (1, 0), "f is not defined at P = (-1, 0)"),
])
def test_directional_derivative_says_when_there_is_none(text, point, direction, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        directional_derivative(parse(text), point, direction)
