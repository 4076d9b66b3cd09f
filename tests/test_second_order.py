"""Newton's method and L-BFGS: torch.optim.LBFGS is the oracle, Newton against the textbook's hand-derived Hessian."""

import numpy as np
import pytest
import torch

from gradcore.codegen import torch_source
from gradcore.formula import parse
from gradcore.second_order import lbfgs, newton

ROSENBROCK = "(1-x)^2+100(y-x^2)^2"
CASES = [   # (id, formula, start, lr, history_size)
    ("rosenbrock", ROSENBROCK, (-1.2, 1.0), 1.0, 100),
    ("himmelblau-short-history", "(x^2+y-11)^2+(x+y^2-7)^2", (-4.0, 0.0), 0.1, 3),
    ("quadratic-3d", "x^2 + 10y^2 + 3z^2 + x*y", (1.0, -2.0, 0.5), 0.5, 100),
]


def torch_f(f):
    """f written with torch operations, from the formula as typed."""
    namespace = {"torch": torch}
    exec(f"def f(p):\n    {', '.join(f.variables)}, = p\n    return {torch_source(f)}", namespace)
    return namespace["f"]


def torch_lbfgs(f, x0, lr, history_size, steps, max_iter=1):
    """torch.optim.LBFGS's points: x after each .step() call of max_iter iterations (x_0 first)."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=lr, history_size=history_size, max_iter=max_iter)
    fn = torch_f(f)

    def closure():
        opt.zero_grad()
        loss = fn(x)
        loss.backward()
        return loss

    points = [x.detach().numpy().copy()]
    for _ in range(steps):
        opt.step(closure)
        points.append(x.detach().numpy().copy())
    return np.array(points)


@pytest.mark.parametrize(("text", "x0", "lr", "history_size"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_lbfgs_is_torch_optim_lbfgs_iteration_by_iteration(text, x0, lr, history_size):
    f = parse(text)
    ours = lbfgs(f, x0, 25, lr=lr, history_size=history_size)
    theirs = torch_lbfgs(f, x0, lr, history_size, len(ours.points) - 1)
    assert ours.ok and ours.optimizer == "LBFGS"
    assert np.allclose(ours.points, theirs, rtol=1e-9, atol=1e-12)


def test_lbfgs_rows_are_the_iterations_of_one_torch_step_call():
    f = parse(ROSENBROCK)
    theirs = torch_lbfgs(f, (-1.2, 1.0), 1.0, 100, 1, max_iter=15)[-1]   # the usual use: one .step() of 15 iterations
    assert np.allclose(lbfgs(f, (-1.2, 1.0), 15).points[-1], theirs, rtol=1e-9)


def test_lbfgs_stops_at_torchs_tolerance_on_a_quadratic():
    ours = lbfgs(parse("(x-1)^2 + 4(y+2)^2"), (3.0, 3.0), 200)
    assert len(ours.points) < 200 and np.allclose(ours.points[-1], (1.0, -2.0), atol=1e-6)


def rosenbrock_newton(x0, steps):
    """Newton on Rosenbrock with its Hessian derived by hand: [[2 - 400(y - 3x²), -400x], [-400x, 200]]."""
    points = [np.array(x0)]
    for _ in range(steps):
        x, y = points[-1]
        g = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
        h = np.array([[2 - 400 * (y - 3 * x**2), -400 * x], [-400 * x, 200.0]])
        points.append(points[-1] - np.linalg.solve(h, g))
    return np.array(points)


def test_newton_on_rosenbrock_is_the_hand_derived_iteration_and_reaches_the_minimum():
    ours = newton(parse(ROSENBROCK), (-1.2, 1.0), 6)
    assert np.allclose(ours.points, rosenbrock_newton((-1.2, 1.0), 6), rtol=1e-12, atol=1e-12)
    assert np.allclose(ours.points[-1], (1.0, 1.0), atol=1e-9)   # Nocedal & Wright: 6 iterations from (-1.2, 1)


def test_newton_solves_a_quadratic_in_one_step():
    ours = newton(parse("x^2 + 10y^2 + 3z^2 + x*y - 2x + z"), (5.0, -4.0, 2.0), 5)
    exact = np.linalg.solve([[2, 1, 0], [1, 20, 0], [0, 0, 6]], [2, 0, -1])
    assert np.allclose(ours.points[1], exact, atol=1e-12) and len(ours.points) <= 3


def test_newton_says_where_the_hessian_is_singular():
    ours = newton(parse("x^4 + y^4"), (0.0, 1.0), 5)    # H = diag(12x², 12y²) is singular on the axis x = 0
    assert "the Hessian is singular there" in ours.message and len(ours.points) == 1
