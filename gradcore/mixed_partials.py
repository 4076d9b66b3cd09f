"""The classic counterexample to f_xy = f_yx: f = x y (x² − y²)/(x² + y²), f(0, 0) = 0 (Peano; Schwarz's theorem).

Its mixed partials at the origin come from the limit definitions alone, computed exactly by sympy:
    f_x(0, y) = lim_{h→0} (f(h, y) − f(0, y)) / h,   f_xy(0, 0) = lim_{k→0} (f_x(0, k) − f_x(0, 0)) / k = −1,
    f_y(x, 0) = lim_{k→0} (f(x, k) − f(x, 0)) / k,   f_yx(0, 0) = lim_{h→0} (f_y(h, 0) − f_y(0, 0)) / h = +1.
f_xy = ∂/∂y (∂f/∂x), as on the Gradient page.  The formula is built here, never parsed from a person's text.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import sympy as sp

X, Y, H, K = sp.symbols("x y h k", real=True)
OFF_ORIGIN = X * Y * (X**2 - Y**2) / (X**2 + Y**2)      # f away from (0, 0); f(0, 0) = 0
QUOTIENT_STEPS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5)


def f(x, y):
    """f(x, y) with f(0, 0) = 0, on numbers or numpy arrays."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    r2 = x * x + y * y
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(r2 == 0, 0.0, x * y * (x * x - y * y) / np.where(r2 == 0, 1.0, r2))


def _f_exact(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """f at a symbolic point, the piece at the origin taken when both coordinates are 0."""
    return sp.Integer(0) if x == 0 and y == 0 else OFF_ORIGIN.subs({X: x, Y: y})


@dataclass(frozen=True)
class Counterexample:
    """The mixed partials at the origin from their limit definitions, and f_xy's limits along the axes."""

    f_x_on_y_axis: sp.Expr   # f_x(0, y) for y ≠ 0 (a function of y)
    f_x_at_origin: sp.Expr   # f_x(0, 0)
    f_y_on_x_axis: sp.Expr   # f_y(x, 0) for x ≠ 0
    f_y_at_origin: sp.Expr
    f_xy: sp.Expr            # f_xy(0, 0)
    f_yx: sp.Expr            # f_yx(0, 0)
    f_xy_off_origin: sp.Expr  # ∂/∂y ∂f/∂x away from (0, 0), simplified
    along_x_axis: sp.Expr    # lim f_xy(x, 0) as x → 0
    along_y_axis: sp.Expr    # lim f_xy(0, y) as y → 0


@functools.cache
def counterexample() -> Counterexample:
    """Every limit on the Gradient page's counterexample, exactly (sympy.limit on the definitions)."""
    f_x_axis = sp.simplify(sp.limit((_f_exact(H, Y) - _f_exact(0, Y)) / H, H, 0))        # y ≠ 0 held symbolic
    f_x_0 = sp.limit((_f_exact(H, 0) - 0) / H, H, 0)
    f_y_axis = sp.simplify(sp.limit((_f_exact(X, K) - _f_exact(X, 0)) / K, K, 0))
    f_y_0 = sp.limit((_f_exact(0, K) - 0) / K, K, 0)
    f_xy = sp.limit((f_x_axis.subs(Y, K) - f_x_0) / K, K, 0)
    f_yx = sp.limit((f_y_axis.subs(X, H) - f_y_0) / H, H, 0)
    mixed = sp.factor(sp.diff(OFF_ORIGIN, X, Y))
    return Counterexample(f_x_axis, f_x_0, f_y_axis, f_y_0, f_xy, f_yx, mixed,
                          sp.limit(mixed.subs(Y, 0), X, 0), sp.limit(mixed.subs(X, 0), Y, 0))


def mixed_quotients(steps=QUOTIENT_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """The limit definitions in floats: (f_x(0, k) − f_x(0, 0))/k and (f_y(k, 0) − f_y(0, 0))/k for each step k.

    The inner partials use the step h = k/10⁴ (much smaller than k, as the nested limit asks)."""
    k = np.asarray(steps, dtype=np.float64)
    h = k / 1e4

    def f_x(y):
        return (f(h, y) - f(0.0, y)) / h

    def f_y(x):
        return (f(x, h) - f(x, 0.0)) / h

    return (f_x(k) - f_x(0.0)) / k, (f_y(k) - f_y(0.0)) / k
