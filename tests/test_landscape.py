"""gradcore.landscape: critical points against published values and sympy, basins, the three levers, saddle escapes.

Oracles: published minima (gradcore.presets), sympy's nsolve and eigenvalues for the saddle points and the maximum,
torch.optim.SGD for the learning-rate and momentum levers, and closed forms (2/λ_max, (1 + lr|λ|)^t) for quadratics.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
import torch

from gradcore import landscape as ls
from gradcore.formula import parse
from gradcore.presets import PRESETS

X, Y = sp.symbols("x y", real=True)
HIMMELBLAU_EXPR = (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2
HIMMELBLAU = PRESETS["Himmelblau"]
# The maximum is published (e.g. Himmelblau 1972; Wikipedia): f(-0.270845, -0.923039) = 181.617.
# The saddle points are given to 3 decimals and refined below by sympy's nsolve on ∇f = 0.
HIMMELBLAU_MAXIMUM = (-0.270845, -0.923039)
HIMMELBLAU_SADDLES = ((3.385, 0.074), (0.087, 2.884), (-3.073, -0.081), (-0.128, -1.954))


def sympy_critical_point(expr: sp.Expr, guess) -> tuple[np.ndarray, np.ndarray]:
    """The critical point near `guess` (sympy's nsolve on ∇f = 0) and the Hessian's eigenvalues there, by sympy alone."""
    grad = [sp.diff(expr, v) for v in (X, Y)]
    root = sp.nsolve(grad, (X, Y), guess, prec=30)
    at = {X: root[0], Y: root[1]}
    hessian = np.array(sp.hessian(expr, (X, Y)).subs(at).evalf(), dtype=np.float64)
    return np.array([float(root[0]), float(root[1])]), np.linalg.eigvalsh(hessian)


@pytest.fixture(scope="module")
def himmelblau():
    f = parse(HIMMELBLAU.formula)
    return f, ls.critical_points(f, *ls.box(HIMMELBLAU.domain, 2))


def nearest(points, target) -> ls.CriticalPoint:
    return min(points, key=lambda p: math.dist(p.point, target))


# ---------------------------------------------------------------- critical points

def test_himmelblau_four_published_minima_found_and_classified(himmelblau):
    _, cps = himmelblau
    assert cps.counts() == {"minimum": 4, "saddle": 4, "maximum": 1}
    for published in HIMMELBLAU.minima:
        m = nearest(cps.points, published)
        assert m.kind == "minimum" and not m.degenerate
        assert math.dist(m.point, published) < 1e-5          # published to 6 decimals
        assert abs(m.value) < 1e-20                           # all four have f = 0
        assert min(m.eigenvalues) > 0
    matches = ls.match_published(cps, HIMMELBLAU.minima)
    assert all(m.found is not None for m in matches)
    assert sorted(m.found.name for m in matches) == ["A", "B", "C", "D"]


@pytest.mark.parametrize("guess", HIMMELBLAU_SADDLES, ids=lambda g: f"saddle~{g}")
def test_himmelblau_saddle_points_match_sympy(himmelblau, guess):
    _, cps = himmelblau
    exact, eig = sympy_critical_point(HIMMELBLAU_EXPR, guess)
    assert eig[0] < 0 < eig[1]                                # sympy agrees it is a saddle
    found = nearest(cps.of_kind("saddle"), exact)
    assert math.dist(found.point, exact) < 1e-9
    np.testing.assert_allclose(found.eigenvalues, eig, rtol=1e-9)
    assert found.value == pytest.approx(float(HIMMELBLAU_EXPR.subs({X: exact[0], Y: exact[1]})), rel=1e-12)


def test_himmelblau_maximum_near_published_value(himmelblau):
    _, cps = himmelblau
    (top,) = cps.of_kind("maximum")
    assert math.dist(top.point, HIMMELBLAU_MAXIMUM) < 1e-6
    assert top.value == pytest.approx(181.617, abs=1e-3)
    exact, eig = sympy_critical_point(HIMMELBLAU_EXPR, HIMMELBLAU_MAXIMUM)
    assert (eig < 0).all() and math.dist(top.point, exact) < 1e-9


def test_rosenbrock_minimum_found():
    p = PRESETS["Rosenbrock"]
    cps = ls.critical_points(parse(p.formula), *ls.box(p.domain, 2))
    (m,) = cps.points
    assert m.kind == "minimum" and math.dist(m.point, (1.0, 1.0)) < 1e-10 and abs(m.value) < 1e-20
    assert [x.found.name for x in ls.match_published(cps, p.minima)] == ["A"]


def test_rastrigin_every_local_minimum_in_its_range():
    p = PRESETS["Rastrigin"]
    cps = ls.critical_points(parse(p.formula), *ls.box(p.domain, 2))
    minima = cps.minima
    assert len(minima) == 11 * 11                             # one near each integer point of [-5, 5]^2
    assert minima[0].point == pytest.approx((0.0, 0.0), abs=1e-12) and minima[0].value == pytest.approx(0.0, abs=1e-12)
    rounded = {tuple(np.round(m.point).astype(int)) for m in minima}
    assert rounded == {(i, j) for i in range(-5, 6) for j in range(-5, 6)}


@pytest.mark.parametrize("name", [n for n, p in PRESETS.items() if p.minima])
def test_every_preset_lists_every_minimum_in_its_range(name):
    # The presets' lists are what the Gradient descent page calls "known minima": none may be missing.
    preset = PRESETS[name]
    f = parse(preset.formula)
    found = [m.point for m in ls.critical_points(f, *ls.box(preset.domain, f.n)).minima]
    kinks = name in ("Cone", "Abs valley")          # minimum at a kink: Newton finds no ∇f = 0 there
    assert len(found) == (0 if kinks else len(preset.minima))
    for m in found:
        assert min(math.dist(m, p) for p in preset.minima) < 1e-6


def test_three_hump_camel_local_minima_by_sympy():
    expr = 2 * X**2 - sp.Rational(105, 100) * X**4 + X**6 / 6 + X * Y + Y**2
    for listed in PRESETS["Three-hump camel"].minima[1:]:
        root, eigenvalues = sympy_critical_point(expr, listed)
        assert root == pytest.approx(listed, abs=5e-7) and (eigenvalues > 0).all()
        assert float(expr.subs({X: root[0], Y: root[1]})) == pytest.approx(0.298638, abs=1e-6)


def test_rastrigin_local_minima_by_sympy():
    g = X**2 - 10 * sp.cos(2 * sp.pi * X)
    for a in {abs(v) for v in (p[0] for p in PRESETS["Rastrigin"].minima)}:
        root = float(sp.nsolve(sp.diff(g, X), X, a, prec=30)) if a else 0.0
        assert root == pytest.approx(a, abs=5e-9) and float(sp.diff(g, X, 2).subs(X, root)) > 0


@pytest.mark.parametrize(("text", "domain", "expected"), [
    ("x^2-y^2", (-2, 2, -2, 2), [("saddle", (0, 0), False)]),
    ("x^3-3x y^2", (-2, 2, -2, 2), [("saddle", (0, 0), True)]),                # monkey saddle: H = 0
    ("x^4+y^4", (-2, 2, -2, 2), [("minimum", (0, 0), True)]),
    ("-(x^4+y^4)", (-2, 2, -2, 2), [("maximum", (0, 0), True)]),
    ("(x^2-1)^2+0.3x+y^2", (-2, 2, -2, 2), [("minimum", (-1.035579, 0), False), ("minimum", (0.960150, 0), False),
                                              ("saddle", (0.075429, 0), False)]),
    ("x^3-3x", (-3, 3, -3, 3), [("minimum", (1,), False), ("maximum", (-1,), False)]),
    ("x^2+y^2+z^2", (-3, 3, -3, 3), [("minimum", (0, 0, 0), False)]),
    ("x^2+y^2-z^2+x1^2", (-3, 3, -3, 3), [("saddle", (0, 0, 0, 0), False)]),
], ids=["saddle", "monkey", "flat-min", "flat-max", "double-well", "cubic-1d", "sphere-3d", "saddle-4d"])
def test_classification_table(text, domain, expected):
    f = parse(text)
    cps = ls.critical_points(f, *ls.box(domain, f.n))
    got = sorted((p.kind, p.point, p.degenerate) for p in cps.points)
    assert len(got) == len(expected)
    for (kind, point, degenerate), (want_kind, want_point, want_degenerate) in zip(got, sorted(expected), strict=True):
        assert (kind, degenerate) == (want_kind, want_degenerate)
        assert point == pytest.approx(want_point, abs=1e-4 if degenerate else 1e-6)


@pytest.mark.parametrize("text", ["x^2+y", "log(x)+y^2", "1/x+y^2", "abs(x)+y^2", "sqrt(x^2+y^2)", "exp(x)+y^2"])
def test_no_critical_point_is_an_empty_answer_not_an_error(text):
    f = parse(text)
    cps = ls.critical_points(f, *ls.box((-3, 3, -3, 3), f.n))
    assert cps.points == () and not cps.truncated


@pytest.mark.parametrize(("text", "kind", "value"), [("exp(-(x^2+y^2))", "maximum", 1.0), ("-exp(-(x^2+y^2))", "minimum", -1.0)])
def test_a_flat_tail_is_not_a_field_of_saddles(text, kind, value):
    # f ≈ 1e-31 at the corners of ±6, yet Newton's step there is 1/(2r): far from any critical point.
    cps = ls.critical_points(parse(text), *ls.box((-6, 6, -6, 6), 2))
    assert cps.counts() == {kind: 1} and not cps.sets
    assert cps.points[0].point == pytest.approx((0, 0), abs=1e-12) and cps.points[0].value == value


def test_x2_y2_has_two_lines_of_minima():
    # ∇(x²y²) = (2xy², 2x²y) vanishes on both axes, where f = 0 = its minimum.
    cps = ls.critical_points(parse("x^2 y^2"), *ls.box((-6, 6, -6, 6), 2))
    assert cps.points == ()            # the origin lies on both lines: not an extra isolated point
    assert [(s.shape, s.kind) for s in cps.sets] == [("line", "minimum")] * 2
    directions = sorted(tuple(np.round(np.abs(np.ptp(np.array(s.samples), axis=0)) / 11.88).astype(int)) for s in cps.sets)
    assert directions == [(0, 1), (1, 0)]          # one along each axis, (nearly) end to end of the range
    assert max(min(map(abs, p)) for s in cps.sets for p in s.samples) < 1e-8     # each sample on an axis
    assert cps.count_text("minimum") == "2 lines" and cps.sets[0].describe() == "a line of minima"


def test_xyz_has_three_lines_of_saddles():
    # ∇(xyz) = (yz, xz, xy) = 0 exactly when two coordinates are 0: the three axes; across each, f changes sign.
    cps = ls.critical_points(parse("x y z"), *ls.box((-6, 6, -6, 6), 3))
    assert cps.points == () and [(s.shape, s.kind) for s in cps.sets] == [("line", "saddle")] * 3
    axes = sorted(int(np.argmax(np.ptp(np.array(s.samples), axis=0))) for s in cps.sets)
    assert axes == [0, 1, 2]
    assert cps.count_text("saddle") == "3 lines"


def test_a_circle_of_minima_and_the_maximum_at_its_centre():
    # (x²+y²−1)²: ∇f = 4(r²−1)(x, y) is zero on the unit circle (f = 0, minima) and at the origin (f = 1, H = −4I).
    cps = ls.critical_points(parse("(x^2+y^2-1)^2"), *ls.box((-6, 6, -6, 6), 2))
    (circle,) = cps.sets
    assert (circle.shape, circle.kind, circle.closed) == ("circle", "minimum", True)
    assert max(abs(math.hypot(*p) - 1) for p in circle.samples) < 1e-9 and circle.value == pytest.approx(0, abs=1e-20)
    assert [(p.name, p.kind, p.point, p.value) for p in cps.points] == [("M1", "maximum", (0.0, 0.0), 1.0)]
    assert not cps.truncated and cps.count_text("minimum") == "a circle" and cps.count_text("maximum") == "1"


def test_a_cut_list_keeps_every_kind_and_says_at_least(monkeypatch):
    # Rastrigin on its range: 121 minima, 220 saddles, 100 maxima. Cut at 30, every kind must still be listed.
    monkeypatch.setattr(ls, "MAX_CRITICAL", 30)
    f = parse(PRESETS["Rastrigin"].formula)
    cps = ls.critical_points(f, *ls.box(PRESETS["Rastrigin"].domain, 2))
    assert cps.truncated and len(cps.points) == 30
    assert {p.kind for p in cps.points} == {"minimum", "saddle", "maximum"}
    assert cps.counts() == {"minimum": 121, "saddle": 220, "maximum": 100}
    assert cps.count_text("maximum") == "≥ 100"


def test_snap_reaches_every_himmelblau_critical_point_from_slider_precision(himmelblau):
    # From each critical point rounded to the sliders' 0.01, Newton lands back on it, with the Landscape's own verdict.
    f, cps = himmelblau
    assert len(cps.points) == 9
    for p in cps.points:
        snapped = ls.snap(f, np.round(p.point, 2), *ls.box(HIMMELBLAU.domain, 2))
        assert snapped.point == pytest.approx(p.point, abs=1e-12)
        assert (snapped.kind, snapped.degenerate) == (p.kind, p.degenerate)


@pytest.mark.parametrize(("text", "start"), [("x^2+y", (1, 1)), ("exp(-(x^2+y^2))", (1.5, 0)), ("x^2-6x+y^2", (0, 0))])
def test_snap_finds_nothing_where_there_is_no_critical_point_in_range(text, start):
    # x² + y has none; the Gaussian's tail leads Newton out of the range; x² − 6x + y² has its minimum at x = 3 > 2.
    assert ls.snap(parse(text), start, (-2.0, -2.0), (2.0, 2.0)) is None


def test_newton_step_inverts_only_the_non_zero_eigenvalues():
    g = np.array([[2.0, 1.0]])
    H = np.array([[[2.0, 0.0], [0.0, 0.0]]])                 # f = x² + y: no critical point, H singular
    np.testing.assert_allclose(ls.newton_step(g, H, cap=10.0), [[-1.0, 0.0]])
    H3 = np.diag([4.0, 0.0, 1.0])[None]
    np.testing.assert_allclose(ls.newton_step(np.array([[4.0, 5.0, -1.0]]), H3, cap=10.0), [[-1.0, 0.0, 1.0]])


# ---------------------------------------------------------------- basins

def test_himmelblau_adam_basins_end_in_the_four_published_minima(himmelblau):
    f, cps = himmelblau
    bm = ls.basins(f, cps.minima, HIMMELBLAU.domain, "Adam", 0.1, 500, resolution=60)
    converged = bm.labels >= 0
    assert converged.mean() > 0.99 and not (bm.labels == ls.DIVERGED).any()
    ends = bm.ends[converged]
    to_published = np.linalg.norm(ends[:, None, :] - np.array(HIMMELBLAU.minima)[None], axis=-1).min(axis=1)
    assert to_published.max() < 1e-3                          # every converged start sits on a published minimum
    for i in range(4):                                        # each minimum has a basin of its own
        assert 0.15 < bm.share(i) < 0.35


def test_basins_match_each_start_run_alone(himmelblau):
    f, cps = himmelblau
    bm = ls.basins(f, cps.minima, HIMMELBLAU.domain, "SGD", 0.005, 300, resolution=9, momentum=0.5)
    from gradcore.descent import descend
    for j in (0, 4, 8):
        for i in (1, 5, 7):
            traj = descend(f, "SGD", (bm.xs[i], bm.ys[j]), 0.005, 300, momentum=0.5)
            np.testing.assert_allclose(bm.ends[j, i], traj.x, rtol=1e-12, atol=1e-12)


def test_huge_lr_diverges_everywhere_with_a_sentence(himmelblau):
    f, cps = himmelblau
    bm = ls.basins(f, cps.minima, HIMMELBLAU.domain, "SGD", 5.0, 100, resolution=20)
    assert (bm.labels == ls.DIVERGED).all()
    assert "Lower the learning rate" in bm.message


def test_lower_lr_after_every_start_diverged(himmelblau):
    # SGD with μ = 0.9 on Himmelblau: at 0.05 every start of the grid diverges, at 0.02 some reach a minimum, and the
    # largest lr at which none diverges is 0.005 (checked here start by start with torch.optim.SGD itself).
    f, cps = himmelblau
    lower = ls.lower_lr(f, cps.minima, HIMMELBLAU.domain, "SGD", [0.1, 0.05, 0.02, 0.01, 0.005, 0.002], 500, momentum=0.9)
    assert (lower.lr, lower.safe_lr, lower.resolution) == (0.02, 0.005, 21)
    assert 0 < lower.reached < 1
    _, _, starts = ls.grid_starts(HIMMELBLAU.domain, 21)
    for lr, diverged in ((0.05, "all"), (0.01, "some"), (0.005, "none")):
        x = torch.tensor(starts, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.SGD([x], lr=lr, momentum=0.9)
        for _ in range(500):
            opt.zero_grad()
            ((x[:, 0] ** 2 + x[:, 1] - 11) ** 2 + (x[:, 0] + x[:, 1] ** 2 - 7) ** 2).sum().backward()
            opt.step()
        gone = ~(torch.isfinite(x).all(dim=1) & (x.abs() < 1e6).all(dim=1))
        assert {"all": bool(gone.all()), "some": bool(gone.any() and not gone.all()), "none": not gone.any()}[diverged], lr
    assert not ls.lower_lr(f, cps.minima, HIMMELBLAU.domain, "SGD", [0.5, 0.2], 500).lr     # none of those helps


def test_undefined_starts_are_white_and_the_rest_still_drawn():
    f = parse("log(x)+y^2")
    bm = ls.basins(f, (), (-3, 3, -3, 3), "Adam", 0.1, 100, resolution=20)
    left = bm.xs <= 0
    assert (bm.labels[:, left] == ls.UNDEFINED).all()
    assert not (bm.labels[:, ~left] == ls.UNDEFINED).any()
    assert "unusable" in bm.message


def test_basins_need_two_variables():
    with pytest.raises(ValueError, match="two variables"):
        ls.basins(parse("x^3-3x"), (), (-3, 3, -3, 3), "Adam", 0.1, 10)


@pytest.mark.parametrize(("optimizer", "expected"), [
    ("SGD", {"momentum": 0.7}), ("RMSprop", {"momentum": 0.7}), ("Adam", {"betas": (0.7, 0.999)}),
    ("NAdam", {"betas": (0.7, 0.999)}), ("Adagrad", {}), ("Rprop", {}),
])
def test_momentum_maps_to_each_optimizers_own_hyperparameter(optimizer, expected):
    assert ls.with_momentum(optimizer, 0.7) == expected
    assert ls.has_momentum(optimizer) == bool(expected)


# ---------------------------------------------------------------- lever 1: the start point

def test_ridge_pairs_are_close_and_end_in_different_minima(himmelblau):
    f, cps = himmelblau
    bm = ls.basins(f, cps.minima, HIMMELBLAU.domain, "Adam", 0.1, 500, resolution=60)
    pairs = ls.start_lever(f, bm)
    assert len(pairs) == 3
    for pair in pairs:
        assert pair.distance < 1e-3 and pair.labels[0] != pair.labels[1] and min(pair.labels) >= 0
        for k in range(2):
            end = pair.paths[k].points[-1]
            assert math.dist(end, cps.minima[pair.labels[k]].point) < 1e-3
            assert tuple(pair.paths[k].points[0]) == pytest.approx(pair.starts[k])


# ---------------------------------------------------------------- lever 2: the learning rate

def torch_sgd(expr_fn, x0, lr: float, steps: int, momentum: float = 0.0) -> np.ndarray:
    """torch.optim.SGD in float64, the lecture's loop."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([x], lr=lr, momentum=momentum)
    for _ in range(steps):
        opt.zero_grad()
        expr_fn(x).backward()
        opt.step()
    return x.detach().numpy()


def test_quadratic_bowl_diverges_exactly_above_two_over_lambda_max():
    f = parse("x^2+10y^2")                                   # λ_max = 20: the limit is 0.1
    cps = ls.critical_points(f, *ls.box((-3, 3, -3, 3), 2))
    assert ls.stability_limit(f, cps.minima[0].point) == pytest.approx(0.1, rel=1e-12)
    lrs = [0.01, 0.05, 0.09, 0.099, 0.101, 0.11, 0.2, 0.5]
    sweep = ls.lr_sweep(f, (1.0, 1.0), cps.minima, lrs, 500, span=6.0)
    assert sweep.limit == pytest.approx(0.1, rel=1e-12) and sweep.limit_at == 0
    assert sweep.diverged.tolist() == [lr > 0.1 for lr in lrs]
    assert sweep.first_diverged == 0.101
    assert (sweep.labels[:4] == 0).all()                      # below the limit every run reaches the minimum
    for lr in (0.099, 0.101):                                # torch.optim.SGD agrees on either side of the limit
        end = torch_sgd(lambda t: t[0] ** 2 + 10 * t[1] ** 2, [1.0, 1.0], lr, 300)
        assert (not abs(end[1]) <= 1.0) == (lr > 0.1)


def test_sweep_range_puts_the_limit_inside():
    lrs = ls.sweep_range(0.1)
    assert lrs[0] == pytest.approx(1e-3) and lrs[-1] == pytest.approx(1.0) and len(lrs) == 31
    f = parse("x^2+10y^2")
    sweep = ls.lr_sweep(f, (1.0, 1.0), ls.critical_points(f, *ls.box((-3, 3, -3, 3), 2)).minima, lrs, 500, span=6.0)
    assert sweep.diverged.tolist() == [lr > 0.1 * (1 + 1e-12) for lr in lrs]


def test_sweep_on_himmelblau_limit_at_the_minimum_reached(himmelblau):
    f, cps = himmelblau
    sweep = ls.lr_sweep(f, (1.0, 1.0), cps.minima, ls.sweep_range(None, 9), 300, span=12.0)
    a = cps.minima[sweep.limit_at]
    assert a.point == pytest.approx((3.0, 2.0))
    assert sweep.limit == pytest.approx(2 / max(a.eigenvalues), rel=1e-12)
    assert sweep.first_diverged is not None and sweep.first_diverged > sweep.limit


def test_sweep_from_an_undefined_start_says_so():
    f = parse("log(x)+y^2")
    sweep = ls.lr_sweep(f, (-1.0, 1.0), (), [0.01, 0.1], 50, span=6.0)
    assert not np.isfinite(sweep.start_loss) and sweep.limit is None
    assert (sweep.labels == ls.UNDEFINED).all() and sweep.first_diverged is None


# ---------------------------------------------------------------- lever 3: momentum

def test_momentum_rolls_through_the_shallow_well():
    p, demo = PRESETS["Tilted double well"], ls.MOMENTUM_DEMO
    f = parse(p.formula)
    minima = ls.critical_points(f, *ls.box(p.domain, 2)).minima
    race = ls.momentum_lever(f, minima, demo.start, demo.lr, demo.momentum, demo.steps, span=4.0)
    deep, shallow = p.minima                                  # published: (-1.035579, 0) and (0.960150, 0)
    assert race.plain.x == pytest.approx(shallow, abs=1e-5)
    assert race.heavy.x == pytest.approx(deep, abs=1e-5)
    assert [minima[i].point for i in race.labels] == [pytest.approx(shallow, abs=1e-5), pytest.approx(deep, abs=1e-5)]

    def double_well(t):
        return (t[0] ** 2 - 1) ** 2 + 0.3 * t[0] + t[1] ** 2

    np.testing.assert_allclose(torch_sgd(double_well, list(demo.start), demo.lr, demo.steps), race.plain.x, atol=1e-9)
    np.testing.assert_allclose(torch_sgd(double_well, list(demo.start), demo.lr, demo.steps, demo.momentum), race.heavy.x, atol=1e-9)


# ---------------------------------------------------------------- saddle points

@pytest.mark.parametrize(("lr", "eps"), [(0.1, 1e-6), (0.05, 1e-9), (0.3, 1e-3)])
def test_escape_from_x2_minus_y2_grows_like_one_plus_lr_lambda(lr, eps):
    esc = ls.escape(parse("x^2-y^2"), ls.SADDLE_DEMOS["Saddle"], lr, 400, eps)
    assert esc.eigenvalues == (-2.0, 2.0) and esc.growth == pytest.approx(1 + 2 * lr)
    expected = math.ceil(math.log(1 / eps) / math.log(1 + 2 * lr))
    assert esc.escape_step == esc.predicted_step == expected
    t = np.arange(expected + 1)
    np.testing.assert_allclose(esc.deviation[: expected + 1], eps * (1 + 2 * lr) ** t, rtol=1e-12)
    assert np.linalg.norm(esc.on_axis.x) < (1 - 2 * lr) ** 300       # on the axis it slides into the saddle
    assert esc.on_axis.x[1] == 0.0


def test_monkey_saddle_escapes_slowly_without_a_negative_eigenvalue():
    esc = ls.escape(parse(PRESETS["Monkey saddle"].formula), ls.SADDLE_DEMOS["Monkey saddle"], 0.1, 1000, 1e-6)
    quadratic = ls.escape(parse("x^2-y^2"), ls.SADDLE_DEMOS["Saddle"], 0.1, 1000, 1e-6)
    assert esc.eigenvalues == (0.0, 0.0) and esc.growth is None and esc.predicted_step is None
    assert esc.escape_step is not None and esc.escape_step > 5 * quadratic.escape_step
    assert esc.on_axis.x[1] == 0.0 and 0 < esc.on_axis.x[0] < 0.01     # creeps towards the saddle like 1/t
