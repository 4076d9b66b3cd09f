"""Principal cuts through a critical point: the saddle x² − y² is t² along x and −t² along y (by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from gradcore import parse
from gradcore.cuts import principal_cuts


def test_saddle_is_a_minimum_along_x_and_a_maximum_along_y():
    cuts = principal_cuts(parse("x^2-y^2"), (0.0, 0.0), 2.0, samples=41)
    np.testing.assert_allclose(cuts.eigenvalues, [-2.0, 2.0])
    np.testing.assert_allclose(abs(cuts.directions), [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_allclose(cuts.values[0], -cuts.t ** 2)        # along y: a maximum
    np.testing.assert_allclose(cuts.values[1], cuts.t ** 2)         # along x: a minimum
    assert [cuts.shape(0), cuts.shape(1)] == ["maximum", "minimum"]


def test_rotated_saddle_cuts_along_the_diagonals():
    cuts = principal_cuts(parse("x*y"), (0.0, 0.0), 1.0, samples=21)    # H = [[0, 1], [1, 0]]: λ = ∓1 along (1, ∓1)/√2
    np.testing.assert_allclose(cuts.eigenvalues, [-1.0, 1.0])
    np.testing.assert_allclose(abs(cuts.directions), np.full((2, 2), 1 / np.sqrt(2)))
    np.testing.assert_allclose(cuts.values[1], cuts.t ** 2 / 2, atol=1e-15)   # f(t/√2, t/√2) = t²/2
    curvature = np.gradient(np.gradient(cuts.values[0], cuts.t), cuts.t)[5:-5]
    assert curvature == pytest.approx(np.full(curvature.shape, -1.0), abs=1e-9)


def test_monkey_saddle_is_flat_to_second_order():
    cuts = principal_cuts(parse("x^3-3x y^2"), (0.0, 0.0), 1.0)
    assert [cuts.shape(0), cuts.shape(1)] == ["flat", "flat"]
