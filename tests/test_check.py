"""check_gradient: sympy vs torch autograd vs finite differences, and kinks explained in words."""

from __future__ import annotations

import numpy as np
import pytest

from gradcore import parse
from gradcore.check import check_gradient, finite_difference, kinks_at, undefined_reason
from gradcore.presets import PRESETS


@pytest.mark.parametrize("text", ["(x^2+y-11)^2+(x+y^2-7)^2", "sin(x)cos(y)", "exp(-(x^2+y^2))", "x^3 y - y^2",
                                  "sigmoid(x y)", "x y z + log(1 + x^2)", "x1 x2 x3 x4",
                                  "20 + x^2 - 10cos(2pi x) + y^2 - 10cos(2pi y)"])   # Rastrigin: steps of 1 or ½ alias its period
def test_smooth_functions_agree_everywhere(text):
    f = parse(text)
    rng = np.random.default_rng(1)
    for p in rng.uniform(-2, 2, size=(5, f.n)):
        check = check_gradient(f, p)
        assert check.ok, check
        assert all(r.verdict == "agree" for r in check.rows)
        assert all(r.abs_error <= 1e-9 * max(1, abs(r.symbolic)) for r in check.rows)


def test_finite_differences_reach_the_derivative():
    f = parse("exp(x) + sin(y)")
    fd = finite_difference(f, np.array([0.3, 1.1]))
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
    assert check.explanation == ("f is not defined at P = (-1, 0): it is not a real number there (a log or root of a "
                                 "negative number, or asin/acos outside [−1, 1]). Move P.")
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


# A fixed step raised false alarms at these points (issue 11): a step fitted to the point must confirm sympy.
FIXED_STEP_FALSE_ALARMS = [
    ("1/x", (1e-4,)),                 # a step of 6e-6 crosses most of the way to the pole at 0
    ("sqrt(x)", (1e-6,)),             # a step of 6e-6 leaves the domain: f(P − h) is NaN
    ("exp(10x) + y", (3, 0)),         # f ≈ 1e13: a small step in y is lost to rounding (∂f/∂y came out 0)
    ("tan(x) + y", (1.5707, 0)),      # 9.6e-5 from the pole at π/2
    ("abs(x) + y", (1e-7, 0)),        # the step reaches across the kink at 0
]


@pytest.mark.parametrize(("text", "point"), FIXED_STEP_FALSE_ALARMS, ids=[c[0] for c in FIXED_STEP_FALSE_ALARMS])
def test_the_step_fits_the_point_so_correct_gradients_agree(text, point):
    f = parse(text)
    check = check_gradient(f, point)
    assert check.ok and not check.kinks
    assert [r.verdict for r in check.rows] == ["agree"] * f.n
    assert check.explanation == "sympy, torch autograd and finite differences agree to rounding error."
    for row in check.rows:      # f ≈ 1e13 in exp(10x) + y: its rounding (ulp 0.002) limits a quotient in y to ~1e-5
        assert row.finite_difference == pytest.approx(row.symbolic, rel=1e-4 if text == "exp(10x) + y" else 1e-6)


def test_the_step_stays_on_the_near_side_of_a_pole():
    (row,) = check_gradient(parse("1/x"), (1e-4,)).rows
    assert row.fd_step < 1e-4 and row.finite_difference == pytest.approx(-1e8, rel=1e-6)   # d/dx 1/x = −1/x²


def test_at_a_domain_edge_the_difference_is_one_sided():
    (row,) = check_gradient(parse("x^1.5"), (0,)).rows      # defined for x ≥ 0 only; f'(0) = 0 from the right
    assert (row.verdict, row.fd_kind) == ("agree", "forward")
    assert row.finite_difference == pytest.approx(0.0, abs=1e-6)     # the quotient is sqrt(h): slow, but it gets there
    (row,) = check_gradient(parse("sqrt(1 - x)"), (1 - 2**-20,)).rows   # f' = −1/(2 sqrt(1 − x)) = −512
    assert row.verdict == "agree" and row.finite_difference == pytest.approx(-512, rel=1e-6)


def test_finite_differences_that_cannot_settle_are_not_called_a_bug():
    # sin(1/x) at x = 2.46e-7 oscillates with period 2πx² ≈ 4e-13: no step resolves ∂f/∂x ≈ 1.5e13
    check = check_gradient(parse("sin(1/x) + y"), (2.45975e-07, -0.033))
    assert check.ok and [r.verdict for r in check.rows] == ["unsettled", "agree"]
    assert "Finite differences cannot settle ∂f/∂x here" in check.explanation
    # f ≈ 1e304 at x = 70: a change of y by any step up to |P| vanishes in rounding, so no quotient settles on ∂f/∂y = 1
    check = check_gradient(parse("exp(10x) + y"), (70, 0))
    assert check.ok
    assert check.rows[1].verdict == "unsettled"
    assert "Finite differences cannot settle ∂f/∂y here" in check.explanation
    assert "bug" in check.explanation and "not a bug" in check.explanation and "please report" not in check.explanation


class WrongGradient:
    """A formula whose sympy and autograd gradients are both 1 % off: the check must still catch that."""

    def __init__(self, text: str):
        self.f = parse(text)

    def __getattr__(self, name):
        return getattr(self.f, name)

    def gradient(self, p):
        return 1.01 * self.f.gradient(p)

    def autograd_gradient(self, p):
        return 1.01 * self.f.autograd_gradient(p)


@pytest.mark.parametrize(("text", "point"), [("sin(x) + y^2", (0.4, 1.5)), ("1/x", (1e-4,))])
def test_a_wrong_gradient_is_still_a_mismatch(text, point):
    check = check_gradient(WrongGradient(text), point)
    assert not check.ok
    assert "MISMATCH" in [r.verdict for r in check.rows]
    assert "this is a bug, please report" in check.explanation


@pytest.mark.parametrize(("text", "point"), [("x abs(x) + y^2", (0, 0)), ("abs(x)^1.5 + y", (0, 0)), ("abs(x y)", (0, 0)),
                                             ("relu(x)^2 + y", (0, 0)), ("max(x, y)^2", (0, 0))])
def test_differentiable_despite_abs_or_max_at_zero(text, point):
    f = parse(text)
    assert kinks_at(f, point) == ()
    check = check_gradient(f, point)
    assert check.ok and not check.kinks
    assert [r.verdict for r in check.rows] == ["agree"] * f.n


@pytest.mark.parametrize(("text", "point"), [("abs(x) + abs(y)", (0, 0)), ("max(x, y)", (1, 1)), ("abs(x) + y^2", (0, 0)),
                                             ("abs(x - y)", (2, 2)),
                                             ("sqrt(x^2 + y^2)", (0, 0))])
def test_kinks_are_decided_from_the_function(text, point):
    assert kinks_at(parse(text), point)


def test_overflow_is_called_overflow():
    check = check_gradient(parse("exp(1000x)"), (1,))
    assert not check.ok
    assert check.explanation.startswith("f overflows at P = (1): its value is about 1.97e+434")
    assert "negative" not in check.explanation


@pytest.mark.parametrize(("text", "point", "start"), [
    ("1/x + y", (0, 1), "f is not defined at P = (0, 1): a division by zero or the log of 0"),
    ("log(x) + y", (0, 1), "f is not defined at P = (0, 1): a division by zero or the log of 0"),
    ("asin(x)", (2,), "f is not defined at P = (2): it is not a real number there"),
    ("x y (x^2 - y^2)/(x^2 + y^2)", (0, 0), "f is not defined at P = (0, 0) (for example 0/0"),
    ("exp(x^2)", (30,), "f overflows at P = (30): its value is about 7.33e+390"),     # e^900 = 10^390.865
])
def test_undefined_reason_names_the_cause(text, point, start):
    assert undefined_reason(parse(text), point).startswith(start)


def test_a_gradient_formula_that_is_0_over_0_where_f_is_differentiable():
    # f = x y sqrt(x² + y²): ∂f/∂x = y sqrt(x²+y²) + x² y / sqrt(x²+y²) is 0/0 at the origin, but ∇f(0, 0) = (0, 0)
    f = parse("x y sqrt(x^2 + y^2)")
    assert kinks_at(f, (0, 0)) == ()
    check = check_gradient(f, (0, 0))
    assert [r.finite_difference for r in check.rows] == [pytest.approx(0.0, abs=1e-9)] * 2
    assert check.explanation.startswith("sympy's formula for ∂f/∂x is 0/0 at this point, yet the derivative exists: "
                                        "finite differences settle on 0.")
