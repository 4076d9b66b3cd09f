"""gradcore.critical and critical_points(), as properties: random polynomials, exp/sin/log compositions, quadratic forms.

Oracles: numpy's linear algebra for a quadratic form's one critical point (x* = −A⁻¹b) and its kind (the signs of A's
eigenvalues); for the others, ∇f itself and Newton's method from a perturbed point.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gradcore import landscape as ls
from gradcore.critical import PROBE_FRACTION, stationarity
from gradcore.formula import FormulaError, parse

BOX = (-3.0, 3.0, -3.0, 3.0)
SPAN = 6.0
PROPERTY = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

coefficient = st.integers(-3, 3)
monomial = st.tuples(coefficient, st.integers(0, 3), st.integers(0, 3)).filter(lambda t: t[0] != 0 and t[1] + t[2] <= 4)


def polynomial_text(terms) -> str:
    return " + ".join(f"({c})*x^{i}*y^{j}" for c, i, j in terms)


polynomials = st.lists(monomial, min_size=2, max_size=5).map(polynomial_text)
wrappers = st.sampled_from(["{p}", "exp(-({p})/10)", "sin(({p})/4)", "log(1 + ({p})^2)", "({p})*exp(-(x^2+y^2)/4)"])
formulas = st.builds(lambda w, p: w.format(p=p), wrappers, polynomials)


def nearby_gradient_scale(f, p: np.ndarray, radius: float) -> float:
    """max |∇f| on 16 points of a circle around p: what 'large' means for ∇f there."""
    t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
    ring = p + radius * np.stack([np.cos(t), np.sin(t)], axis=1)
    return float(np.nanmax(np.linalg.norm(f.gradient(ring), axis=1)))


@PROPERTY
@given(formulas, st.integers(0, 2**31 - 1))
def test_every_reported_critical_point_is_one_and_newton_returns_to_it(text, seed):
    try:
        f = parse(text)
    except FormulaError:            # the terms cancelled to a constant
        assume(False)
    assume(f.n == 2)
    lows, highs = ls.box(BOX, 2)
    cps = ls.critical_points(f, lows, highs)
    rng = np.random.default_rng(seed)
    for p in cps.points[:20]:
        x = np.array(p.point)
        scale = nearby_gradient_scale(f, x, 1e-2 * SPAN)
        assert np.linalg.norm(f.gradient(x)) <= 1e-6 * scale + 1e-300, (text, p)
        u = rng.normal(size=2)
        back = ls.newton(f, (x + 1e-4 * SPAN * u / np.linalg.norm(u))[None], lows, highs)[0]
        on_a_curve = any(np.linalg.norm(np.array(s.samples) - back, axis=1).min() <= ls.CURVE_STEP * SPAN for s in cps.sets)
        # A degenerate point is known only to the radius f around it is probed at: along H's null space f is flat to
        # high order (x² + xy³ falls like −y⁶/4 along its valley), so Newton's last digits there are rounding.
        known_to = PROBE_FRACTION * SPAN if p.degenerate else 1e-5 * SPAN
        assert np.linalg.norm(back - x) <= known_to or on_a_curve, (text, p, back)
    for s in cps.sets:
        samples = np.array(s.samples)
        assert stationarity(f, samples, SPAN).critical(SPAN).all(), (text, s.name)


symmetric = st.tuples(*[st.integers(-4, 4)] * 6)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(symmetric, st.tuples(*[st.integers(-3, 3)] * 3), st.sampled_from([2, 3]))
def test_every_critical_point_of_a_quadratic_form_is_found_and_classified(entries, b, n):
    a11, a12, a22, a13, a23, a33 = entries
    A = np.array([[a11, a12, a13], [a12, a22, a23], [a13, a23, a33]], dtype=float)[:n, :n]
    b = np.array(b[:n], dtype=float)
    eig = np.linalg.eigvalsh(A)
    if np.abs(eig).min() < 0.5:
        return                                           # (nearly) singular: a line or plane of critical points
    x_star = -np.linalg.solve(A, b)
    if np.abs(x_star).max() > 2.5:
        return
    names = ("x", "y", "z")[:n]
    text = " + ".join([f"({A[i, j] / 2})*{names[i]}*{names[j]}" for i in range(n) for j in range(n)]
                      + [f"({b[i]})*{names[i]}" for i in range(n)])
    f = parse(text)
    if f.n != n:
        return                                           # a variable cancelled out of the text
    cps = ls.critical_points(f, *ls.box(BOX, n))
    kind = "minimum" if eig.min() > 0 else "maximum" if eig.max() < 0 else "saddle"
    assert not cps.sets and len(cps.points) == 1, (text, cps.points)
    (p,) = cps.points
    assert p.point == pytest.approx(tuple(x_star), abs=1e-9) and p.kind == kind and not p.degenerate
    np.testing.assert_allclose(p.eigenvalues, eig, rtol=1e-9, atol=1e-12)
