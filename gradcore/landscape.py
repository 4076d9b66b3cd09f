"""Where descent ends: critical points, basins of attraction, and the three levers (start point, learning rate, momentum).

Critical points solve ∇f(x) = 0.  Newton's method on that equation, x ← x − H⁻¹∇f with H the Hessian,
converges to minima, maxima and saddle points alike, so one batch of Newton runs from a grid of starts
finds them all; each is then classified by the eigenvalues of H (gradcore.calculus.classify).
A singular H (a degenerate point such as the monkey saddle) is inverted only where its eigenvalues are
not zero, so the method slows down there instead of failing.

A basin of attraction is the set of starts from which an optimizer ends in one minimum: a grid of
starts runs at once through descend() and each end point is matched to the nearest minimum.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from gradcore.critical import PROBE_FRACTION, classify_at, stationarity
from gradcore.descent import Progress, Trajectory, descend
from gradcore.formula import Formula
from gradcore.messages import msg
from gradcore.optimizers import get_optimizer

NOT_CONVERGED, DIVERGED, UNDEFINED = -1, -2, -3
OUTCOMES = {NOT_CONVERGED: msg("not converged"), DIVERGED: msg("diverged"), UNDEFINED: msg("f undefined at the start")}
KIND_ORDER = ("minimum", "saddle", "maximum", "inflection", "undecided")
KIND_PREFIX = {"saddle": "S", "maximum": "M", "inflection": "I", "undecided": "D"}
KIND_PLURAL = {"minimum": msg("minima"), "saddle": msg("saddles"), "maximum": msg("maxima"),
               "inflection": msg("inflection points"), "undecided": msg("undecided points")}
SHAPE_WORDS = {"line": msg("line"), "circle": msg("circle"), "curve": msg("curve")}

NEWTON_STEPS = 60                 # Newton iterations from every start (quadratic convergence needs < 10)
NEWTON_STARTS = {1: 400, 2: 60}   # starts per axis for one and two variables
NEWTON_STARTS_ND = 2000           # random starts in the box for three variables or more
STEP_CAP = 0.25                   # a Newton step is at most this fraction of the range
SAME_POINT_RTOL = 1e-4            # points closer than this × the range are one point
MAX_CRITICAL = 500                # the list of isolated points stops here (every kind found stays in it)
CURVE_STEP = 0.01                 # a curve of critical points is traced in steps of this × the range
CURVE_SAMPLES = 2000              # at most this many samples per traced curve
MATCH_FRACTION = 0.02             # an end point within this × the range of a minimum reached it
DIVERGE_RTOL = 1e-6               # a final loss above the start's by this much: the run diverged


# ---------------------------------------------------------------- critical points

@dataclass(frozen=True)
class CriticalPoint:
    """A point where ∇f = 0, with f there and the second-derivative test's verdict."""

    name: str                       # "A", "B", … for minima; "S1", "M1", "D1" for saddles, maxima, undecided
    point: tuple[float, ...]
    value: float
    kind: str                       # "minimum", "maximum", "saddle" or "undecided"
    eigenvalues: tuple[float, ...]  # of the Hessian there
    degenerate: bool = False        # H has a zero eigenvalue: the kind comes from f around the point, not from H


@dataclass(frozen=True)
class CriticalSet:
    """A curve of critical points (∇f = 0 all along it, so none of them is isolated), traced CURVE_STEP apart."""

    name: str                       # "line 1", "circle 1", "curve 2", …
    kind: str                       # every point of it is a minimum, maximum or saddle (f is constant along it)
    shape: str                      # "line", "circle" or "curve"
    samples: tuple[tuple[float, ...], ...]
    value: float                    # f along the curve
    closed: bool                    # the trace came back to where it started
    eigenvalues: tuple[float, ...]  # of H at the middle sample (one is zero: the curve's own direction)

    def describe(self) -> str:
        """'a line of minima', 'a circle of saddles', …"""
        return msg("a {shape} of {kinds}", shape=SHAPE_WORDS[self.shape], kinds=KIND_PLURAL[self.kind])


@dataclass(frozen=True)
class CriticalPoints:
    """Every critical point found in the box lows ≤ x ≤ highs: isolated points (minima first) and curves of them."""

    points: tuple[CriticalPoint, ...]
    lows: tuple[float, ...]
    highs: tuple[float, ...]
    truncated: bool = False         # more than MAX_CRITICAL isolated points: the list keeps some of every kind
    sets: tuple[CriticalSet, ...] = ()
    found: tuple[tuple[str, int], ...] = ()   # (kind, isolated points found), before any truncation

    def of_kind(self, kind: str) -> tuple[CriticalPoint, ...]:
        """The isolated critical points of one kind."""
        return tuple(p for p in self.points if p.kind == kind)

    def sets_of_kind(self, kind: str) -> tuple[CriticalSet, ...]:
        """The curves of critical points of one kind."""
        return tuple(s for s in self.sets if s.kind == kind)

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return self.of_kind("minimum")

    def counts(self) -> dict[str, int]:
        """{kind: how many isolated points were found} for every kind found (a lower bound when truncated)."""
        found = dict(self.found) if self.found else {k: len(self.of_kind(k)) for k in KIND_ORDER}
        return {k: found[k] for k in KIND_ORDER if found.get(k)}

    def kinds(self) -> tuple[str, ...]:
        """Every kind found, as isolated points or as curves."""
        return tuple(k for k in KIND_ORDER if self.counts().get(k) or self.sets_of_kind(k))

    def count_text(self, kind: str) -> str:
        """'4', 'at least 500', 'a circle', '1 + 2 lines', '0': how many of this kind, in words where infinite."""
        n, sets = self.counts().get(kind, 0), self.sets_of_kind(kind)
        number = f"≥ {n}" if self.truncated and n else str(n)
        if not sets:
            return number
        shapes = {s.shape for s in sets}
        curve = (msg("a {shape}", shape=SHAPE_WORDS[sets[0].shape]) if len(sets) == 1 else
                 _shape_count(shapes.pop() if len(shapes) == 1 else "curve", len(sets)))
        return msg("{number} + {curves}", number=number, curves=curve) if n else curve


def _shape_count(shape: str, count: int):
    """'2 lines', '3 circles', '2 curves'."""
    return {"line": msg("{count} lines", count=count), "circle": msg("{count} circles", count=count),
            "curve": msg("{count} curves", count=count)}[shape]


def box(domain, n: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The plotted box in n variables: x uses the x range, every other variable the y range."""
    lows = (domain[0],) + (domain[2],) * (n - 1)
    highs = (domain[1],) + (domain[3],) * (n - 1)
    return tuple(map(float, lows)), tuple(map(float, highs))


def newton_starts(lows, highs) -> np.ndarray:
    """Starts for Newton's method: a grid for one or two variables, seeded random points for more."""
    lows, highs, n = np.asarray(lows, float), np.asarray(highs, float), len(lows)
    if n <= 2:
        axes = [np.linspace(lo, hi, NEWTON_STARTS[n]) for lo, hi in zip(lows, highs, strict=True)]
        return np.stack(np.meshgrid(*axes), axis=-1).reshape(-1, n)
    return np.random.default_rng(0).uniform(lows, highs, size=(NEWTON_STARTS_ND, n))


def newton_step(g: np.ndarray, H: np.ndarray, cap: float) -> np.ndarray:
    """Δx = −H⁻¹∇f (H⁺, the inverse on H's non-zero eigenvalues, where H is singular), |Δx| capped at `cap`."""
    step = np.empty_like(g)
    solved = np.zeros(len(g), dtype=bool)
    if g.shape[1] <= 2:
        solved = _solve_small(g, H, step)
    if not solved.all():
        step[~solved] = _pseudo_step(g[~solved], H[~solved])
    length = np.linalg.norm(step, axis=-1, keepdims=True)
    return step * np.minimum(1.0, cap / np.maximum(length, 1e-300))


def _solve_small(g: np.ndarray, H: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Δx = −H⁻¹∇f in closed form for 1×1 and 2×2 H, written into step where H is well conditioned; returns where."""
    if g.shape[1] == 1:
        h = H[:, 0, 0]
        ok = np.abs(h) > 0
        step[ok, 0] = -g[ok, 0] / h[ok]
        return ok
    a, b, c = H[:, 0, 0], H[:, 0, 1], H[:, 1, 1]
    det = a * c - b * b
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), np.abs(c))
    ok = np.abs(det) > 1e-12 * scale * scale
    d = np.where(ok, det, 1.0)
    step[:, 0] = -(c * g[:, 0] - b * g[:, 1]) / d
    step[:, 1] = -(a * g[:, 1] - b * g[:, 0]) / d
    return ok


def _pseudo_step(g: np.ndarray, H: np.ndarray) -> np.ndarray:
    """Δx = −H⁺∇f with H = V diag(w) Vᵀ inverted only on eigenvalues that are not (relatively) zero."""
    w, V = np.linalg.eigh(H)
    big = np.abs(w) > 1e-12 * np.abs(w).max(axis=-1, keepdims=True)
    c = np.einsum("bij,bi->bj", V, g)
    c = np.where(big, c / np.where(big, w, 1.0), 0.0)
    return -np.einsum("bij,bj->bi", V, c)


def _finite_rows(*arrays: np.ndarray) -> np.ndarray:
    """(B,) True where every entry of each (B, …) array is finite."""
    return np.logical_and.reduce([np.isfinite(a.reshape(len(a), -1)).all(axis=1) for a in arrays])


def newton(formula: Formula, x: np.ndarray, lows, highs, steps: int = NEWTON_STEPS) -> np.ndarray:
    """Newton's method on ∇f = 0 from every row of x; rows that leave the box or meet NaN become NaN.

    A row stops moving once its step is below 1e-13 of the range (converged), so the work shrinks as rows converge.
    """
    lows, highs = np.asarray(lows, float), np.asarray(highs, float)
    span = float(np.max(highs - lows))
    x = np.array(x, dtype=np.float64)
    active = np.isfinite(x).all(axis=1)
    for _ in range(steps):
        live = np.flatnonzero(active)
        if not live.size:
            break
        g, H = formula.gradient(x[live]), formula.hessian(x[live])
        ok = _finite_rows(g, H)
        x[live[~ok]], active[live[~ok]] = np.nan, False
        live, g, H = live[ok], g[ok], H[ok]
        step = newton_step(g, H, STEP_CAP * span)
        x[live] += step
        outside = ((x[live] < lows - 0.1 * span) | (x[live] > highs + 0.1 * span)).any(axis=1)
        x[live[outside]], active[live[outside]] = np.nan, False
        active[live[np.abs(step).max(axis=1) < 1e-13 * span]] = False
    return x


def _distinct(points: np.ndarray, tol: float, limit: int) -> list[int]:
    """Indices of points at least tol apart (in every coordinate's largest difference); a sweep along x1."""
    _, first = np.unique(np.round(points / tol), axis=0, return_index=True)
    order = first[np.argsort(points[first, 0], kind="stable")]
    kept: list[int] = []
    kept_x: list[float] = []
    for i in order:
        near = kept[bisect.bisect_left(kept_x, points[i, 0] - tol):]
        if near and np.abs(points[near] - points[i]).max(axis=1).min() <= tol:
            continue
        kept.append(int(i))
        kept_x.append(float(points[i, 0]))
        if len(kept) > limit:
            break
    return kept


def critical_points(formula: Formula, lows, highs, starts: np.ndarray | None = None) -> CriticalPoints:
    """Every x in the box with ∇f(x) = 0 (on f's own scale there) that Newton's method reaches from a grid of starts:
    curves of critical points traced as one set each, isolated points classified by H(x) (by f around x if H is singular)."""
    lows, highs = tuple(map(float, lows)), tuple(map(float, highs))
    starts = newton_starts(lows, highs) if starts is None else np.asarray(starts, dtype=np.float64)
    span = max(h - lo for lo, h in zip(lows, highs, strict=True))
    x = newton(formula, starts, lows, highs)
    inside = np.isfinite(x).all(axis=1) & ((x >= np.array(lows) - 1e-9 * span) & (x <= np.array(highs) + 1e-9 * span)).all(axis=1)
    x = x[inside]
    x = x[stationarity(formula, x, span).critical(span)]
    x = x[_distinct(x, SAME_POINT_RTOL * span, len(x))]
    local = stationarity(formula, x, span)
    sets, on_a_set = critical_sets(formula, x, local.null_dimension(), lows, highs, span)
    rest = np.flatnonzero(~on_a_set)
    points = _named(formula, x[rest], local.zero[rest], span)
    found = tuple((k, sum(p.kind == k for p in points)) for k in KIND_ORDER if any(p.kind == k for p in points))
    return CriticalPoints(every_kind(points, MAX_CRITICAL), lows, highs, len(points) > MAX_CRITICAL, sets, found)


def snap(formula: Formula, point, lows, highs) -> CriticalPoint | None:
    """The critical point Newton's method reaches from P, classified as critical_points() classifies it; None when
    Newton leaves the box, meets a point where f is undefined, or stops short of ∇f = 0."""
    lows, highs = tuple(map(float, lows)), tuple(map(float, highs))
    span = max(h - lo for lo, h in zip(lows, highs, strict=True))
    x = newton(formula, np.asarray(point, dtype=np.float64).reshape(1, -1), lows, highs)
    inside = np.isfinite(x).all() and ((x >= np.array(lows) - 1e-9 * span) & (x <= np.array(highs) + 1e-9 * span)).all()
    if not inside or not stationarity(formula, x, span).critical(span)[0]:
        return None
    x = x[0]
    c = classify_at(formula, x, span)
    return CriticalPoint("P*", tuple(float(v) for v in x), float(formula.value(x)), c.kind, c.eigenvalues, c.degenerate)


def every_kind(points: tuple[CriticalPoint, ...], limit: int) -> tuple[CriticalPoint, ...]:
    """At most `limit` points, taken in turn from each kind, so a cut list still shows every kind found."""
    by_kind = [[p for p in points if p.kind == k] for k in KIND_ORDER]
    out: list[CriticalPoint] = []
    for i in range(max(map(len, by_kind), default=0)):
        out += [group[i] for group in by_kind if i < len(group)]
    keep = set(map(id, out[:limit]))
    return tuple(p for p in points if id(p) in keep)


# ---------------------------------------------------------------- curves of critical points

def _directions(basis: np.ndarray) -> list[np.ndarray]:
    """Directions to try from a degenerate point: its null eigenvectors and the axes and diagonals projected on them."""
    n = basis.shape[0]
    eye = np.eye(n)
    trial = [*basis.T, *eye, *[(eye[i] + s * eye[j]) for i in range(n) for j in range(i + 1, n) for s in (1, -1)]]
    out: list[np.ndarray] = []
    for v in trial:
        v = basis @ (basis.T @ v)
        length = np.linalg.norm(v)
        if length > 0.1 and all(abs(float(v @ u)) < 0.99 * length for u in out):
            out.append(v / length)
    return out


def _on_curve(formula: Formula, guess: np.ndarray, lows, highs, span: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The critical point Newton's method reaches from guess and H's null space there, if it is degenerate (on a curve)."""
    z = newton(formula, guess[None], lows, highs, steps=30)[0]
    if not np.isfinite(z).all():
        return None
    s = stationarity(formula, z[None], span)
    return (z, s.null_basis(0)) if s.critical(span)[0] and s.null_dimension()[0] > 0 else None


def _trace(formula: Formula, x0: np.ndarray, v: np.ndarray, lows, highs, span: float, step: float | None = None,
           most: int = CURVE_SAMPLES) -> tuple[list[np.ndarray], bool]:
    """Samples of the curve of critical points from x0 along v, `step` (CURVE_STEP × span) apart, to the box's edge;
    closed when the trace comes back to x0."""
    h, lo, hi = step or CURVE_STEP * span, np.asarray(lows), np.asarray(highs)
    samples: list[np.ndarray] = []
    x, d = x0, v
    for _ in range(most):
        guess = x + h * d
        if (guess < lo).any() or (guess > hi).any():
            break
        found = _on_curve(formula, guess, lows, highs, span)
        if found is None or np.linalg.norm(found[0] - guess) > h / 2 or np.linalg.norm(found[0] - x) < h / 2:
            break
        z, basis = found
        if len(samples) >= 3 and np.linalg.norm(z - x0) < 1.5 * h:
            return samples + [z], True
        d = basis @ (basis.T @ d)
        if np.linalg.norm(d) < 0.1:
            break
        d = d / np.linalg.norm(d)
        samples.append(z)
        x = z
    return samples, False


def _near(points: np.ndarray, samples: np.ndarray, tol: float) -> np.ndarray:
    """(len(points),) True where a point is within tol of one of the samples."""
    if not len(points) or not len(samples):
        return np.zeros(len(points), dtype=bool)
    return (np.linalg.norm(points[:, None, :] - samples[None, :, :], axis=-1) <= tol).any(axis=1)


def _curves_through(formula: Formula, x: np.ndarray, traced: list[np.ndarray], lows, highs, span: float):
    """(samples, closed) of every curve of critical points through x not traced yet (both ways along each direction)."""
    h = CURVE_STEP * span
    for v in _directions(stationarity(formula, x[None], span).null_basis(0)):
        if any(_near(np.stack([x + h * v, x - h * v]), t, h / 2).any() for t in traced):
            continue
        ahead, closed = _trace(formula, x, v, lows, highs, span)
        behind = [] if closed else _trace(formula, x, -v, lows, highs, span)[0]
        if not ahead and not behind:    # near the box's edge the curve may leave it within one step: look closer
            ahead, behind = (_trace(formula, x, w, lows, highs, span, PROBE_FRACTION * span, 1)[0] for w in (v, -v))
        if ahead or behind:
            samples = np.array([*behind[::-1], x, *ahead])
            traced.append(samples)
            yield samples, closed


def critical_sets(formula: Formula, xs: np.ndarray, null_dims: np.ndarray, lows, highs, span: float
                  ) -> tuple[tuple[CriticalSet, ...], np.ndarray]:
    """The curves of critical points through the degenerate points xs, and which xs lie on one of them."""
    on_a_set = np.zeros(len(xs), dtype=bool)
    tried = np.zeros(len(xs), dtype=bool)
    traced: list[np.ndarray] = []
    found: list[tuple[np.ndarray, bool]] = []
    h = CURVE_STEP * span
    for i in np.flatnonzero(null_dims > 0):
        if on_a_set[i] or tried[i]:
            continue
        new = list(_curves_through(formula, xs[i], traced, lows, highs, span))
        found += new
        for samples, _ in new:
            on_a_set |= (null_dims > 0) & _near(xs, samples, h)
        tried |= (null_dims > 0) & _near(xs, xs[i][None], h / 2)
    return _named_sets(formula, found, span), on_a_set


def curve_shape(samples: np.ndarray, closed: bool, span: float) -> str:
    """'line' if the samples lie on one straight line, 'circle' if a closed planar curve at one distance from its
    centre, 'curve' otherwise."""
    if len(samples) < 3:
        return "curve"
    centred = samples - samples.mean(axis=0)
    _, sv, axes = np.linalg.svd(centred, full_matrices=False)
    if len(sv) < 2 or sv[1] <= 1e-6 * span * np.sqrt(len(samples)):
        return "line"
    if not closed or (len(sv) > 2 and sv[2] > 1e-6 * span * np.sqrt(len(samples))):
        return "curve"
    uv = centred @ axes[:2].T                       # the plane of the curve; fit (u−a)² + (v−b)² = r²
    (a, b, _), *_ = np.linalg.lstsq(np.column_stack([2 * uv, np.ones(len(uv))]), (uv ** 2).sum(axis=1), rcond=None)
    radii = np.linalg.norm(uv - (a, b), axis=1)
    return "circle" if np.ptp(radii) <= 1e-3 * radii.mean() else "curve"


def _named_sets(formula: Formula, found, span: float) -> tuple[CriticalSet, ...]:
    """Each traced curve as a CriticalSet: its kind from a point a quarter along it, its shape, its name."""
    counter: dict[str, int] = {}
    out = []
    for samples, closed in found:
        c = classify_at(formula, samples[len(samples) // 4], span)
        shape = curve_shape(samples, closed, span)
        counter[shape] = counter.get(shape, 0) + 1
        name = msg("{shape} {number}", shape=SHAPE_WORDS[shape], number=counter[shape])
        out.append(CriticalSet(name, c.kind, shape, tuple(map(tuple, samples.tolist())),
                               float(np.median(formula.value(samples))), closed, c.eigenvalues))
    return tuple(out)


def _named(formula: Formula, xs: np.ndarray, zeros: np.ndarray, span: float) -> tuple[CriticalPoint, ...]:
    """Classify each point (gradcore.critical.classify_at), sort (minima first, then by f), name them."""
    values, hessians = formula.value(xs), formula.hessian(xs)
    rows = []
    for x, v, zero, H in zip(xs, values, zeros, hessians, strict=True):
        c = classify_at(formula, x, span, zero=float(zero), hessian=H)
        rows.append((KIND_ORDER.index(c.kind), float(v), tuple(float(t) for t in x), c.kind, c.eigenvalues, c.degenerate))
    rows.sort(key=lambda r: r[:3])
    counter = dict.fromkeys(KIND_ORDER, 0)
    out = []
    for _, v, x, kind, eig, degenerate in rows:
        counter[kind] += 1
        k = counter[kind]
        name = minimum_name(k - 1) if kind == "minimum" else f"{KIND_PREFIX[kind]}{k}"
        out.append(CriticalPoint(name, x, v, kind, eig, degenerate))
    return tuple(out)


def minimum_name(i: int) -> str:
    """A, B, …, Z, then A2, B2, … : short labels for the map and the table."""
    letter, lap = chr(ord("A") + i % 26), i // 26
    return letter if lap == 0 else f"{letter}{lap + 1}"


@dataclass(frozen=True)
class PublishedMatch:
    """A minimum from the literature and the critical point found there, if any."""

    published: tuple[float, ...]
    found: CriticalPoint | None
    distance: float


def match_published(found: CriticalPoints, published, tol: float | None = None) -> tuple[PublishedMatch, ...]:
    """For each published minimum, the found minimum nearest to it, if within tol (default 1e-4 × the range)."""
    span = max(h - lo for lo, h in zip(found.lows, found.highs, strict=True))
    tol = 1e-4 * max(span, 1.0) if tol is None else tol
    minima = found.minima
    out = []
    for p in published:
        d = [math.dist(p, m.point) for m in minima]
        i = int(np.argmin(d)) if d else -1
        ok = i >= 0 and d[i] <= tol
        out.append(PublishedMatch(tuple(p), minima[i] if ok else None, d[i] if d else math.inf))
    return tuple(out)


# ---------------------------------------------------------------- end points -> outcomes

def match_radius(minima: np.ndarray, span: float) -> float:
    """How close an end point must be to a minimum to count as there: MATCH_FRACTION of the range,
    less where minima are closer together than four times that."""
    radius = MATCH_FRACTION * span
    if len(minima) > 1:
        d = np.linalg.norm(minima[:, None, :] - minima[None, :, :], axis=-1)
        radius = min(radius, 0.25 * float(d[~np.eye(len(minima), dtype=bool)].min()))
    return radius


def outcomes(ends: np.ndarray, minima: np.ndarray, radius: float, diverged_at: np.ndarray | None = None) -> np.ndarray:
    """Per end point: the index of the minimum within `radius`, else NOT_CONVERGED; DIVERGED / UNDEFINED from diverged_at."""
    ends = np.asarray(ends, dtype=np.float64).reshape(-1, np.shape(ends)[-1])
    labels = np.full(len(ends), NOT_CONVERGED, dtype=np.int16)
    best = np.full(len(ends), np.inf)
    for i, m in enumerate(np.asarray(minima, dtype=np.float64).reshape(-1, ends.shape[1])):
        d = np.linalg.norm(ends - m, axis=1)
        closer = (d <= radius) & (d < best)
        labels[closer], best[closer] = i, d[closer]
    if diverged_at is not None:
        labels[diverged_at > 0] = DIVERGED
        labels[diverged_at == 0] = UNDEFINED
    return labels


def outcome_name(label: int, minima: tuple[CriticalPoint, ...]) -> str:
    """'A (3, 2)', 'diverged', 'not converged', …"""
    if label >= 0:
        m = minima[label]
        return f"{m.name} ({', '.join(f'{v:.3g}' for v in m.point)})"
    return OUTCOMES[label]


# ---------------------------------------------------------------- optimizer settings

def with_momentum(optimizer: str, momentum: float) -> dict:
    """The hyperparameters that carry 'momentum' for this optimizer: μ for SGD and RMSprop, β₁ for the Adam family."""
    spec = get_optimizer(optimizer)
    names = {hp.name for hp in spec.hypers}
    if "momentum" in names:
        return {"momentum": float(momentum)}
    if "betas" in names:
        return {"betas": (float(momentum), float(spec.defaults["betas"][1]))}
    return {}


def has_momentum(optimizer: str) -> bool:
    """Whether the optimizer has a momentum-like hyperparameter (momentum or β₁)."""
    return bool(with_momentum(optimizer, 0.0))


# ---------------------------------------------------------------- basins of attraction

@dataclass(frozen=True)
class BasinMap:
    """Each start of a grid coloured by where descent from it ends: labels[j, i] for the start (xs[i], ys[j])."""

    xs: np.ndarray
    ys: np.ndarray
    labels: np.ndarray          # (k, m): index into `minima`, or NOT_CONVERGED, DIVERGED, UNDEFINED
    ends: np.ndarray            # (k, m, 2) the last finite points
    minima: tuple[CriticalPoint, ...]
    radius: float
    optimizer: str
    lr: float
    steps: int
    hyper: dict
    message: str                # descend()'s sentence about diverged or unusable starts, "" if none

    def share(self, label: int) -> float:
        """The fraction of starts with this outcome."""
        return float((self.labels == label).mean())


def grid_starts(domain, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xs (m,), ys (m,) and the starts (m·m, 2) of a resolution × resolution grid on the domain, row by row in y."""
    xs = np.linspace(domain[0], domain[1], resolution)
    ys = np.linspace(domain[2], domain[3], resolution)
    return xs, ys, np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


def basins(formula: Formula, minima: tuple[CriticalPoint, ...], domain, optimizer: str, lr: float, steps: int,
           resolution: int = 150, callback: Progress | None = None, **hyper) -> BasinMap:
    """Run the optimizer from every start of a resolution² grid at once; label each start by the minimum it reaches."""
    if formula.n != 2:
        raise ValueError(f"A basin map needs a function of two variables; f has {formula.n}.")
    xs, ys, starts = grid_starts(domain, resolution)
    traj = descend(formula, optimizer, starts, lr, steps, record_every=max(steps, 1), callback=callback, **hyper)
    at = np.asarray(minima_array(minima)).reshape(-1, 2)
    radius = match_radius(at, max(domain[1] - domain[0], domain[3] - domain[2]))
    labels = outcomes(traj.x, at, radius, traj.diverged_at)
    return BasinMap(xs, ys, labels.reshape(resolution, resolution), traj.x.reshape(resolution, resolution, 2), tuple(minima),
                    radius, traj.optimizer, lr, steps, traj.hyper, traj.message)


@dataclass(frozen=True)
class LowerLR:
    """After every start diverged: the largest smaller learning rates that do better, measured on a coarse grid."""

    lr: float | None        # the largest tried lr at which some starts reach a minimum
    reached: float          # the share of starts that reach a minimum at lr
    safe_lr: float | None   # the largest tried lr at which no start diverges
    resolution: int         # starts per side of the coarse grid


def lower_lr(formula: Formula, minima: tuple[CriticalPoint, ...], domain, optimizer: str, lrs, steps: int,
             resolution: int = 21, **hyper) -> LowerLR:
    """Try the learning rates `lrs` from the largest down, from a resolution² grid of starts, until none diverges."""
    found, reached, safe = None, 0.0, None
    for lr in sorted(lrs, reverse=True):
        labels = basins(formula, minima, domain, optimizer, lr, steps, resolution, **hyper).labels
        if found is None and (labels >= 0).any():
            found, reached = float(lr), float((labels >= 0).mean())
        if not (labels == DIVERGED).any():
            safe = float(lr)
            break
    return LowerLR(found, reached, safe, resolution)


def minima_array(minima: tuple[CriticalPoint, ...]) -> np.ndarray:
    """The minima's coordinates as an (m, n) array."""
    return np.array([m.point for m in minima], dtype=np.float64)


# ---------------------------------------------------------------- lever 1: the start point

@dataclass(frozen=True)
class RidgePair:
    """Two starts close together on either side of a basin boundary, and where descent takes each."""

    starts: tuple[tuple[float, float], tuple[float, float]]
    labels: tuple[int, int]
    distance: float
    paths: tuple[Trajectory, Trajectory]


def boundary_pairs(basin_map: BasinMap) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Neighbouring grid starts ((j, i), (j', i')) that reach two different minima."""
    L, pairs = basin_map.labels, []
    for dj, di in ((0, 1), (1, 0)):
        a, b = L[: L.shape[0] - dj, : L.shape[1] - di], L[dj:, di:]
        for j, i in zip(*np.nonzero((a >= 0) & (b >= 0) & (a != b)), strict=True):
            pairs.append(((int(j), int(i)), (int(j + dj), int(i + di))))
    return pairs


def _grid_point(basin_map: BasinMap, ji: tuple[int, int]) -> np.ndarray:
    return np.array([basin_map.xs[ji[1]], basin_map.ys[ji[0]]])


def pick_ridges(basin_map: BasinMap, count: int = 3) -> list[tuple[np.ndarray, np.ndarray]]:
    """Up to `count` boundary pairs between different pairs of minima (the longest boundaries first), each the one nearest the centre."""
    groups: dict[tuple[int, int], list] = {}
    for a, b in boundary_pairs(basin_map):
        key = tuple(sorted((int(basin_map.labels[a]), int(basin_map.labels[b]))))
        groups.setdefault(key, []).append((a, b))
    centre = np.array([basin_map.xs.mean(), basin_map.ys.mean()])
    out = []
    for key in sorted(groups, key=lambda k: (-len(groups[k]), k))[:count]:
        a, b = min(groups[key], key=lambda p: float(np.linalg.norm(_grid_point(basin_map, p[0]) - centre)))
        out.append((_grid_point(basin_map, a), _grid_point(basin_map, b)))
    return out


def _ends(formula: Formula, starts: np.ndarray, basin_map: BasinMap) -> np.ndarray:
    """The outcome labels of descent from these starts with the basin map's optimizer settings."""
    traj = descend(formula, basin_map.optimizer, starts, basin_map.lr, basin_map.steps,
                   record_every=max(basin_map.steps, 1), **basin_map.hyper)
    return outcomes(traj.x, minima_array(basin_map.minima).reshape(-1, 2), basin_map.radius, traj.diverged_at)


def refine_pair(formula: Formula, a: np.ndarray, b: np.ndarray, basin_map: BasinMap, rounds: int = 2,
                points: int = 17) -> tuple[np.ndarray, np.ndarray]:
    """Narrow a and b (reaching different minima) to two starts `points`^rounds times closer that still do."""
    for _ in range(rounds):
        t = np.linspace(0.0, 1.0, points)[:, None]
        line = a + t * (b - a)
        labels = _ends(formula, line, basin_map)
        split = [k for k in range(points - 1) if labels[k] >= 0 and labels[k + 1] >= 0 and labels[k] != labels[k + 1]]
        if not split:
            break
        a, b = line[split[0]], line[split[0] + 1]
    return a, b


def start_lever(formula: Formula, basin_map: BasinMap, count: int = 3, path_points: int = 300) -> tuple[RidgePair, ...]:
    """Pairs of nearby starts on either side of a ridge between basins, with the full path from each."""
    out = []
    for a, b in pick_ridges(basin_map, count):
        a, b = refine_pair(formula, a, b, basin_map)
        every = max(1, basin_map.steps // path_points)
        traj = descend(formula, basin_map.optimizer, np.stack([a, b]), basin_map.lr, basin_map.steps,
                       record_every=every, **basin_map.hyper)
        labels = outcomes(traj.x, minima_array(basin_map.minima).reshape(-1, 2), basin_map.radius, traj.diverged_at)
        paths = tuple(_one_start(traj, k) for k in range(2))
        out.append(RidgePair((tuple(a), tuple(b)), (int(labels[0]), int(labels[1])), float(np.linalg.norm(a - b)), paths))
    return tuple(out)


def _one_start(traj: Trajectory, k: int) -> Trajectory:
    """Start k of a batch run as a single-start Trajectory."""
    state = {name: v[:, k] for name, v in traj.state.items()}
    return Trajectory(traj.points[:, k], traj.losses[:, k], traj.grads[:, k], state, traj.steps, traj.optimizer, traj.lr, traj.hyper)


# ---------------------------------------------------------------- lever 2: the learning rate

@dataclass(frozen=True)
class LRSweep:
    """Final loss and outcome of one optimizer from one start for each learning rate of a log range."""

    lrs: np.ndarray
    final_losses: np.ndarray    # inf where the run overflowed
    labels: np.ndarray          # outcome per lr (index into minima, NOT_CONVERGED or DIVERGED)
    start_loss: float
    minima: tuple[CriticalPoint, ...]
    optimizer: str
    steps: int
    limit: float | None         # 2 / λ_max of H at `limit_at` (plain gradient descent's stability limit)
    limit_at: int | None        # index of the minimum the limit belongs to

    @property
    def diverged(self) -> np.ndarray:
        return self.labels == DIVERGED

    @property
    def first_diverged(self) -> float | None:
        """The smallest learning rate that diverged."""
        return float(self.lrs[self.diverged].min()) if self.diverged.any() else None


def stability_limit(formula: Formula, minimum) -> float | None:
    """2 / λ_max(H(x*)): gradient descent x ← x − lr ∇f converges to x* only for lr below it."""
    eig = np.linalg.eigvalsh(formula.hessian(np.asarray(minimum, dtype=np.float64)))
    top = float(eig.max()) if np.all(np.isfinite(eig)) else math.nan
    return 2.0 / top if top > 0 else None


def sweep_range(limit: float | None, count: int = 31) -> np.ndarray:
    """A log range of learning rates: two decades below the stability limit to one above it (1e-4 … 1 without one)."""
    if limit is None or not np.isfinite(limit):
        return np.logspace(-4, 0, count)
    centre = math.log10(limit)
    return np.logspace(centre - 2, centre + 1, count)


def _final(traj: Trajectory) -> tuple[float, bool]:
    """The last loss, and whether the run overflowed or went undefined."""
    return (float(traj.losses[-1]) if traj.ok else math.inf), not traj.ok


def lr_sweep(formula: Formula, x0, minima: tuple[CriticalPoint, ...], lrs, steps: int, optimizer: str = "SGD",
             span: float = 1.0, **hyper) -> LRSweep:
    """Run the optimizer from x0 once per learning rate; diverged = overflow, or a final loss above the start's.

    Every label is UNDEFINED (and nothing runs) when f is not defined at x0.
    """
    x0 = np.asarray(x0, dtype=np.float64)
    at = minima_array(minima).reshape(-1, x0.size)
    radius = match_radius(at, span)
    start_loss = float(formula.value(x0))
    losses, labels = [], []
    for lr in lrs:
        if not math.isfinite(start_loss):
            losses.append(math.nan)
            labels.append(UNDEFINED)
            continue
        traj = descend(formula, optimizer, x0, float(lr), steps, record_every=max(steps, 1), **hyper)
        loss, blew_up = _final(traj)
        grew = loss > start_loss + DIVERGE_RTOL * max(abs(start_loss), 1e-12)
        losses.append(loss)
        labels.append(DIVERGED if blew_up or grew else int(outcomes(traj.x[None], at, radius)[0]))
    limit, limit_at = _limit_for(formula, x0, at, np.array(labels))
    return LRSweep(np.asarray(lrs, dtype=np.float64), np.array(losses), np.array(labels, dtype=np.int16), start_loss,
                   tuple(minima), get_optimizer(optimizer).name, steps, limit, limit_at)


def _limit_for(formula: Formula, x0: np.ndarray, minima: np.ndarray, labels: np.ndarray) -> tuple[float | None, int | None]:
    """The stability limit at the minimum the small learning rates reach (else the minimum nearest x0)."""
    if not len(minima):
        return None, None
    reached = labels[labels >= 0]
    i = int(reached[0]) if reached.size else int(np.linalg.norm(minima - x0, axis=1).argmin())
    return stability_limit(formula, minima[i]), i


# ---------------------------------------------------------------- lever 3: momentum

@dataclass(frozen=True)
class MomentumDemo:
    """A function with a shallow local minimum, a start above it, and settings where momentum rolls through."""

    preset: str
    start: tuple[float, float]
    lr: float
    momentum: float
    steps: int


MOMENTUM_DEMO = MomentumDemo("Tilted double well", (2.0, 0.5), 0.02, 0.9, 500)


@dataclass(frozen=True)
class MomentumRace:
    """Plain SGD and SGD with momentum from the same start: both paths and where each ends."""

    plain: Trajectory
    heavy: Trajectory
    labels: tuple[int, int]
    minima: tuple[CriticalPoint, ...]


def momentum_lever(formula: Formula, minima: tuple[CriticalPoint, ...], start, lr: float, momentum: float, steps: int,
                   span: float) -> MomentumRace:
    """SGD without and with momentum (the heavy ball: b ← μ b + ∇f, x ← x − lr b) from the same start."""
    plain = descend(formula, "SGD", start, lr, steps)
    heavy = descend(formula, "SGD", start, lr, steps, momentum=momentum)
    at = minima_array(minima).reshape(-1, formula.n)
    radius = match_radius(at, span)
    labels = tuple(DIVERGED if not t.ok else int(outcomes(t.x[None], at, radius)[0]) for t in (plain, heavy))
    return MomentumRace(plain, heavy, labels, tuple(minima))


# ---------------------------------------------------------------- saddle points

@dataclass(frozen=True)
class SaddleDemo:
    """A saddle, a start on its stable axis, and the direction in which a hair's offset escapes."""

    preset: str
    saddle: tuple[float, float]
    start: tuple[float, float]
    direction: tuple[float, float]


SADDLE_DEMOS = {
    "Saddle": SaddleDemo("Saddle", (0.0, 0.0), (1.0, 0.0), (0.0, 1.0)),
    "Monkey saddle": SaddleDemo("Monkey saddle", (0.0, 0.0), (1.0, 0.0), (0.0, 1.0)),
}


@dataclass(frozen=True)
class Escape:
    """Gradient descent from a saddle's stable axis and from a hair off it: how the offset grows."""

    saddle: np.ndarray
    eigenvalues: tuple[float, ...]     # of H at the saddle
    on_axis: Trajectory
    off_axis: Trajectory
    eps: float                         # the initial offset
    deviation: np.ndarray              # |(x_t − saddle) · u| of the off-axis run, t = 0 … (u the escape direction)
    radius: float                      # escaped = deviation ≥ radius
    escape_step: int | None            # the first step the off-axis run escaped, None if it did not within the run
    growth: float | None               # 1 + lr |λ_min| per step, when H has a negative eigenvalue
    predicted_step: int | None         # ⌈ln(radius/eps) / ln(growth)⌉

    def predicted(self) -> np.ndarray | None:
        """eps · growth^t, the deviation the negative eigenvalue predicts."""
        if self.growth is None:
            return None
        return self.eps * self.growth ** np.arange(len(self.deviation), dtype=np.float64)


def escape(formula: Formula, demo: SaddleDemo, lr: float, steps: int, eps: float = 1e-6, radius: float = 1.0) -> Escape:
    """Plain gradient descent from demo.start and from demo.start + eps·direction; when does the second escape?"""
    s, u = np.array(demo.saddle, dtype=np.float64), np.array(demo.direction, dtype=np.float64)
    u = u / np.linalg.norm(u)
    x0 = np.array(demo.start, dtype=np.float64)
    on_axis = descend(formula, "SGD", x0, lr, steps)
    off_axis = descend(formula, "SGD", x0 + eps * u, lr, steps)
    deviation = np.abs((off_axis.points - s) @ u)
    out = np.flatnonzero(deviation >= radius)
    eig = tuple(float(v) for v in np.linalg.eigvalsh(formula.hessian(s)))
    lam = min(eig)
    growth = 1.0 + lr * abs(lam) if lam < -1e-12 and lr > 0 else None
    predicted = math.ceil(math.log(radius / eps) / math.log(growth)) if growth else None
    return Escape(s, eig, on_axis, off_axis, eps, deviation, radius, int(off_axis.steps[out[0]]) if out.size else None,
                  growth, predicted)
