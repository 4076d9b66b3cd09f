"""The directional derivative D_u f(P) = ∇f(P) · u, three ways: sympy, torch forward mode and the limit definition.

A direction lives in the plane of two chosen variables (x and y for f(x, y)):
u = cos θ e_i + sin θ e_j.  For f of one variable the directions are ±1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from gradcore.check import kinks_at
from gradcore.formula import Formula
from gradcore.limits import one_sided

LIMIT_STEPS = tuple(10.0 ** -k for k in range(1, 9))   # h = 1e-1 … 1e-8


@dataclass(frozen=True)
class LimitRow:
    """One row of the limit definition: the difference quotient for a step h."""

    h: float
    quotient: float   # (f(P + h u) − f(P)) / h
    error: float      # |quotient − ∇f · u|, or |quotient − one-sided limit| where ∇f · u is not valid


@dataclass(frozen=True)
class OneSided:
    """lim_{h→0+} (f(P + h u) − f(P)) / h estimated numerically; `exists` is False when it diverges."""

    estimate: float
    exists: bool


@dataclass(frozen=True, eq=False)
class Directional:
    """Everything the page shows about D_u f at P, computed once from one Formula."""

    point: np.ndarray          # P, shape (n,)
    u: np.ndarray              # the unit direction, shape (n,)
    theta: float               # degrees, in the plane of `axes`
    axes: tuple[int, int]      # the two variables whose plane u lies in (i, i) for n = 1
    value: float               # f(P)
    gradient: np.ndarray       # ∇f(P) from sympy
    grad_norm: float           # |∇f(P)|
    plane_gradient: np.ndarray  # the components of ∇f(P) in the plane of u, shape (2,)
    phi: float                 # direction of plane_gradient in degrees, [0, 360)
    sympy: float               # ∇f(P) · u
    torch: float               # forward mode: torch.func.jvp(f, P, u)
    limit: tuple[LimitRow, ...]
    one_sided: OneSided
    kinks: tuple[str, ...]

    @property
    def defined(self) -> bool:
        """f(P) is a real number."""
        return bool(np.isfinite(self.value))

    @property
    def rate(self) -> float:
        """D_u f as it is: ∇f · u where f is differentiable, else the one-sided limit, else NaN."""
        if self.differentiable:
            return self.sympy
        return self.one_sided.estimate if self.defined and self.one_sided.exists else float("nan")

    @property
    def plane_point(self) -> np.ndarray:
        """P's coordinates in the plane of u (the two plotted variables)."""
        return plane_components(self.point, self.axes)

    @property
    def plane_u(self) -> np.ndarray:
        """u = (cos θ, sin θ) in the plane of the two plotted variables."""
        return plane_components(self.u, self.axes)

    @property
    def plane_norm(self) -> float:
        """|g|, g the gradient's part in the plane of u (|∇f(P)| itself for two variables)."""
        return float(np.hypot(*self.plane_gradient))

    @property
    def alpha(self) -> float:
        """The angle α = θ − φ between u and the gradient, in degrees, in [−180, 180)."""
        return (self.theta - self.phi + 180.0) % 360.0 - 180.0

    @property
    def differentiable(self) -> bool:
        """No kink at P and a finite gradient: then D_u f = ∇f · u is valid."""
        return self.defined and not self.kinks and bool(np.all(np.isfinite(self.gradient)))


def direction(n: int, theta: float, axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    """u = cos θ e_i + sin θ e_j (θ in degrees); for n = 1, u = sign(cos θ) = ±1."""
    u = np.zeros(n)
    t = np.deg2rad(theta)
    if n == 1:
        u[0] = 1.0 if np.cos(t) >= 0 else -1.0
        return u
    u[axes[0]], u[axes[1]] = np.cos(t), np.sin(t)
    return u


def angle_of(v) -> float:
    """The direction of a 2-D vector in degrees, in [0, 360); 0 for the zero vector."""
    a = float(np.rad2deg(np.arctan2(v[1], v[0]))) % 360.0
    return 0.0 if not np.isfinite(a) else a


def plane_components(v: np.ndarray, axes: tuple[int, int]) -> np.ndarray:
    """(v_i, v_j): the part of v in the plane of the two chosen variables (v_i, 0 when n = 1)."""
    if len(v) == 1:
        return np.array([v[0], 0.0])
    return np.array([v[axes[0]], v[axes[1]]], dtype=np.float64)


def forward_mode(formula: Formula, point, u) -> tuple[float, float]:
    """(f(P), D_u f(P)) by torch forward-mode autodiff: torch.func.jvp(f, (P,), (u,))."""
    p = torch.tensor(np.asarray(point, dtype=np.float64))
    v = torch.tensor(np.asarray(u, dtype=np.float64))
    value, tangent = torch.func.jvp(formula.torch_value, (p,), (v,))
    return float(value), float(tangent)


def difference_quotients(formula: Formula, point, u, steps=LIMIT_STEPS) -> np.ndarray:
    """(f(P + h u) − f(P)) / h for each h (one vectorised evaluation)."""
    p, u = np.asarray(point, dtype=np.float64), np.asarray(u, dtype=np.float64)
    h = np.asarray(steps, dtype=np.float64)
    shifted = formula.value(p + h[:, None] * u)
    with np.errstate(all="ignore"):
        return (shifted - formula.value(p)) / h


def one_sided_limit(formula: Formula, point, u) -> OneSided:
    """lim_{h→0+} (f(P+hu) − f(P))/h, the step chosen by a sweep with Richardson extrapolation (gradcore.limits)."""
    estimate, _, exists = one_sided(formula, point, np.asarray(u, dtype=np.float64)[None, :])
    return OneSided(float(estimate[0]), bool(exists[0]))


def one_sided_curve(formula: Formula, point, thetas, axes: tuple[int, int] = (0, 1)) -> np.ndarray:
    """The one-sided directional derivative for every θ (degrees); NaN where it does not exist."""
    us = np.stack([direction(formula.n, t, axes) for t in thetas])
    estimate, _, exists = one_sided(formula, point, us)
    return np.where(exists, estimate, np.nan)


def directional(formula: Formula, point, theta: float, axes: tuple[int, int] = (0, 1)) -> Directional:
    """D_u f(P) for u at angle θ (degrees) in the plane of `axes`, with its checks; NaN where f(P) is undefined."""
    p = np.asarray(point, dtype=np.float64)
    u = direction(formula.n, theta, axes)
    value = float(formula.value(p))
    defined = bool(np.isfinite(value))
    grad = formula.gradient(p) if defined else np.full(formula.n, np.nan)   # no slope where f has no value
    kinks = kinks_at(formula, p, grad) if defined else ()
    one_sided = one_sided_limit(formula, p, u)
    with np.errstate(all="ignore"):
        d_sympy = float(grad @ u)
        plane = plane_components(grad, axes)
        q = difference_quotients(formula, p, u)
        target = d_sympy if not kinks and np.all(np.isfinite(grad)) else one_sided.estimate
        rows = tuple(LimitRow(float(h), float(qi), float(abs(qi - target))) for h, qi in zip(LIMIT_STEPS, q, strict=True))
    return Directional(
        point=p, u=u, theta=float(theta), axes=axes if formula.n > 1 else (0, 0), value=value, gradient=grad,
        grad_norm=float(np.linalg.norm(grad)), plane_gradient=plane, phi=angle_of(plane), sympy=d_sympy,
        torch=forward_mode(formula, p, u)[1] if defined else np.nan, limit=rows, one_sided=one_sided, kinks=kinks,
    )


@dataclass(frozen=True, eq=False)
class ThetaCurve:
    """D_u f(P) = |g| cos(θ − φ) over the whole circle, g the gradient in the plane of u."""

    thetas: np.ndarray     # degrees, 0 … 360
    values: np.ndarray
    phi: float             # the gradient's direction: the maximum
    maximum: float         # |g|
    minimum: float         # −|g| at φ + 180 (steepest descent)
    zeros: tuple[float, float]  # φ ± 90: along the level curve


def theta_curve(plane_gradient, samples: int = 361) -> ThetaCurve:
    """D_u f for u = (cos θ, sin θ), θ = 0 … 360°: the dot product g · u for every θ."""
    g = np.asarray(plane_gradient, dtype=np.float64)
    thetas = np.linspace(0.0, 360.0, samples)
    rad = np.deg2rad(thetas)
    values = g[0] * np.cos(rad) + g[1] * np.sin(rad)
    phi, norm = angle_of(g), float(np.hypot(*g))
    return ThetaCurve(thetas, values, phi, norm, -norm, ((phi + 90) % 360, (phi + 270) % 360))


def line_span(point, u, lows, highs) -> tuple[float, float]:
    """The interval of t for which P + t u stays in the box lows ≤ x ≤ highs (t = 0 always inside)."""
    p, u = np.asarray(point, dtype=np.float64), np.asarray(u, dtype=np.float64)
    lo, hi = -np.inf, np.inf
    for pk, uk, a, b in zip(p, u, lows, highs, strict=True):
        if abs(uk) > 1e-12:
            t1, t2 = sorted(((a - pk) / uk, (b - pk) / uk))
            lo, hi = max(lo, t1), min(hi, t2)
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if not np.isfinite(lo) or not np.isfinite(hi) or hi - lo < 1e-9:
        return -1.0, 1.0
    return float(lo), float(hi)


@dataclass(frozen=True, eq=False)
class Slice:
    """g(t) = f(P + t u) sampled on the part of the line inside the plot box."""

    t: np.ndarray
    values: np.ndarray     # NaN where f is undefined
    points: np.ndarray     # P + t u, shape (m, n)


def directional_slice(formula: Formula, point, u, lows, highs, samples: int = 301) -> Slice:
    """g(t) = f(P + t u) for t across the plot box: the curve where the vertical plane cuts the surface."""
    lo, hi = line_span(point, u, lows, highs)
    t = np.union1d(np.linspace(lo, hi, samples), [0.0])
    pts = np.asarray(point, dtype=np.float64) + t[:, None] * np.asarray(u, dtype=np.float64)
    values = formula.value(pts)
    values[~np.isfinite(values)] = np.nan
    return Slice(t, values, pts)


def downhill_step(formula: Formula, point, eta: float) -> np.ndarray:
    """One gradient-descent step P − η ∇f(P); P unchanged where f or its gradient is not finite."""
    p = np.asarray(point, dtype=np.float64)
    grad = formula.gradient(p)
    if not (np.isfinite(formula.value(p)) and np.all(np.isfinite(grad))):
        return p.copy()
    return p - eta * grad
