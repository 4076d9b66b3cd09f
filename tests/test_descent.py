"""descend(): torch.optim is the oracle, the lecture's worked example, divergence, recording, progress, speed."""

import dataclasses
import functools
import time

import numpy as np
import pytest
import torch

from gradcore.codegen import torch_source
from gradcore.descent import Trajectory, descend
from gradcore.formula import parse
from gradcore.optimizers import NAMES
from gradcore.runs import lecture_lines
from gradcore.typed import autograd_value_and_gradient

HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"
FUNCTIONS = {   # name -> (formula, start)
    "himmelblau": (HIMMELBLAU, (-4.0, 0.0)),
    "rosenbrock": ("(1-x)^2+100(y-x^2)^2", (-1.5, 2.0)),
    "3-variable": ("(x-1)^2 + 2(y+2)^2 + 3(z-0.5)^2 + x*y*z/10", (2.0, 1.0, -1.0)),
}
# (id, optimizer, lr, hyperparameters)
SETTINGS = [
    ("sgd", "SGD", 1e-3, {}),
    ("sgd-momentum", "SGD", 1e-3, {"momentum": 0.9}),
    ("sgd-nesterov-l2", "SGD", 1e-3, {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("sgd-dampening", "SGD", 1e-3, {"momentum": 0.5, "dampening": 0.3}),
    ("adagrad", "Adagrad", 0.1, {}),
    ("adagrad-decay-l2-init", "Adagrad", 0.1, {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("rmsprop", "RMSprop", 1e-3, {}),
    ("rmsprop-centered", "RMSprop", 1e-3, {"centered": True}),
    ("rmsprop-centered-momentum-l2", "RMSprop", 1e-3, {"momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("rmsprop-momentum-alpha", "RMSprop", 1e-3, {"momentum": 0.5, "alpha": 0.9}),
    ("adadelta", "Adadelta", 0.1, {}),
    ("adadelta-rho-l2", "Adadelta", 0.1, {"rho": 0.8, "weight_decay": 0.1}),
    ("adam", "Adam", 1e-2, {}),
    ("adam-amsgrad-l2", "Adam", 1e-2, {"amsgrad": True, "weight_decay": 0.1}),
    ("adam-betas-eps", "Adam", 1e-2, {"betas": (0.8, 0.99), "eps": 1e-6}),
    ("adam-decoupled", "Adam", 1e-2, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("adamw", "AdamW", 1e-2, {}),
    ("adamw-amsgrad", "AdamW", 1e-2, {"amsgrad": True, "weight_decay": 0.05}),
    ("adamax", "Adamax", 1e-2, {}),
    ("adamax-l2", "Adamax", 1e-2, {"weight_decay": 0.1}),
    ("nadam", "NAdam", 1e-2, {}),
    ("nadam-l2-momentum-decay", "NAdam", 1e-2, {"weight_decay": 0.1, "momentum_decay": 0.01}),
    ("nadam-decoupled", "NAdam", 1e-2, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("radam", "RAdam", 1e-2, {}),
    ("radam-l2", "RAdam", 1e-2, {"weight_decay": 0.1}),
    ("radam-decoupled", "RAdam", 1e-2, {"weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("rprop", "Rprop", 1e-2, {}),
    ("rprop-etas-step-sizes", "Rprop", 1e-2, {"etas": (0.3, 1.5), "step_sizes": (1e-4, 1.0)}),
]
STEPS = 200


@pytest.fixture(scope="module")
def formulas():
    return {name: parse(text) for name, (text, _) in FUNCTIONS.items()}


def typed_f(f):
    """f as the page's script writes it (the typed order): def f(p): x, y = p; return (x ** 2 + y - 11) ** 2 + …"""
    namespace = {"torch": torch}
    exec(f"def f(p):\n    {', '.join(f.variables)}, = p\n    return {torch_source(f)}", namespace)
    return namespace["f"]


REFERENCES = {}     # (f, optimizer, x0, lr, gradient, dtype, hyper) -> the longest torch.optim run computed, shared by tests
LONG_RUN = 2000     # the 200-step tests of a setting also run 2,000 steps later: compute those once


def torch_run(f, optimizer, x0, lr, steps, gradient="autograd", dtype=torch.float64, **hyper):
    """torch.optim's own loop: rows (x_t, f(x_t), ∇f(x_t), state after t steps) for t = 0..steps, computed once per module.

    A run is a prefix of any longer run with the same settings, so the longest one computed serves every length.
    """
    key = (f.text, optimizer, tuple(x0), lr, gradient, dtype, tuple(sorted(hyper.items())))
    if key not in REFERENCES or len(REFERENCES[key][1]) <= steps:
        long = LONG_RUN if gradient == "autograd" and (optimizer, lr, hyper) in [s[1:] for s in NON_DEFAULT] else 0
        REFERENCES[key] = _torch_run(f, optimizer, x0, lr, max(steps, long), gradient, dtype, **hyper)
    points, losses, grads, states = REFERENCES[key]
    return points[:steps + 1], losses[:steps + 1], grads[:steps + 1], states[:steps + 1]


def _torch_run(f, optimizer, x0, lr, steps, gradient, dtype, **hyper):
    """torch.optim's own loop, run now."""
    x = torch.tensor(x0, dtype=dtype, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([x], lr=lr, **hyper)
    points, losses, grads, states, fn = [], [], [], [], typed_f(f)
    for t in range(steps + 1):
        opt.zero_grad()
        if gradient == "autograd":
            loss = fn(x)
            loss.backward()
        else:  # the engine's own ∇f (generated code): isolates the update rule
            out = autograd_value_and_gradient(f)(*x.tolist())
            loss, x.grad = torch.tensor(out[0], dtype=dtype), torch.tensor(out[1:], dtype=dtype)
        points.append(x.detach().numpy().copy())
        losses.append(loss.item())
        grads.append(x.grad.numpy().copy())
        states.append({k: v.numpy().copy() for k, v in opt.state[x].items() if torch.is_tensor(v) and v.shape == x.shape})
        if t < steps:
            opt.step()
    return np.array(points), np.array(losses), np.array(grads), states


def relative_difference(ours, theirs, per_step=False):
    """max_t |a_t - b_t|∞ / |b_t|∞ per step (points), or relative to the largest |b| of the run (values that shrink to 0)."""
    diff = np.abs(ours - theirs).reshape(len(theirs), -1).max(axis=1)
    size = np.abs(theirs).reshape(len(theirs), -1).max(axis=1)
    return float(np.max(diff / (size if per_step else size.max())))


def assert_equals_torch(traj, oracle):
    """Bit for bit: every x_t, f(x_t), ∇f(x_t) and state (==, not allclose)."""
    points, losses, grads, states = oracle
    assert traj.points.shape == points.shape and traj.message == ""
    first_difference = np.flatnonzero((traj.points != points).any(axis=1))
    assert first_difference.size == 0, f"x differs from step {first_difference[0]}"
    assert (traj.losses == losses).all() and (traj.grads == grads).all()
    assert set(traj.state) == set(states[-1])
    for name in traj.state:   # torch creates its state at the first step: compare from row 1 on
        assert (traj.state[name][1:] == np.array([s[name] for s in states[1:]])).all(), name


# ---------------------------------------------------------------- torch.optim is the oracle, bit for bit

@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(("optimizer", "lr", "hyper"), [s[1:] for s in SETTINGS], ids=[s[0] for s in SETTINGS])
def test_one_start_is_torch_optim_bit_for_bit(formulas, function, optimizer, lr, hyper):
    f, x0 = formulas[function], FUNCTIONS[function][1]
    traj = descend(f, optimizer, x0, lr, STEPS, **hyper)
    assert_equals_torch(traj, torch_run(f, optimizer, x0, lr, STEPS, **hyper))


NON_DEFAULT = [s for s in SETTINGS if s[0] in (   # one setting per optimizer, every hyperparameter it has changed
    "sgd-nesterov-l2", "adagrad-decay-l2-init", "rmsprop-centered-momentum-l2", "adadelta-rho-l2", "adam-amsgrad-l2",
    "adamw-amsgrad", "adamax-l2", "nadam-l2-momentum-decay", "radam-decoupled", "rprop-etas-step-sizes")]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize(("optimizer", "lr", "hyper"), [s[1:] for s in NON_DEFAULT], ids=[s[0] for s in NON_DEFAULT])
def test_2000_steps_of_every_optimizer_are_torch_optim_bit_for_bit(formulas, function, optimizer, lr, hyper, dtype):
    f, x0 = formulas[function], FUNCTIONS[function][1]
    traj = descend(f, optimizer, x0, lr, 2000, dtype=dtype, **hyper)
    assert traj.dtype == dtype
    assert_equals_torch(traj, torch_run(f, optimizer, x0, lr, 2000, dtype=getattr(torch, dtype), **hyper))


@pytest.mark.parametrize("optimizer", NAMES)
def test_a_batch_is_torch_optim_bit_for_bit_from_each_start(formulas, optimizer):
    f, starts = formulas["himmelblau"], [(-4.0, 0.0), (1.0, 1.0), (4.0, -3.0)]
    lr = 0.1 if optimizer == "Adadelta" else 1e-2 if optimizer != "SGD" else 1e-3
    traj = descend(f, optimizer, starts, lr, STEPS)
    assert traj.points.shape == (STEPS + 1, 3, 2) and traj.losses.shape == (STEPS + 1, 3)
    assert not traj.diverged.any() and (traj.diverged_at == -1).all()
    for b, x0 in enumerate(starts):
        column = dataclasses.replace(traj, points=traj.points[:, b], losses=traj.losses[:, b], grads=traj.grads[:, b],
                                     state={k: v[:, b] for k, v in traj.state.items()})
        assert_equals_torch(column, torch_run(f, optimizer, x0, lr, STEPS))


CHAOTIC = [   # large steps that bounce around the valley: a 1-ulp difference anywhere would grow to 1e-3 and more
    ("rmsprop-rosenbrock", "rosenbrock", "RMSprop", 1e-2, {}),
    ("rmsprop-centered-rosenbrock", "rosenbrock", "RMSprop", 1e-2, {"centered": True}),
    ("adadelta-rosenbrock", "rosenbrock", "Adadelta", 1.0, {}),
    ("adadelta-eps-himmelblau", "himmelblau", "Adadelta", 1.0, {"eps": 1e-4}),
    ("adam-low-betas-himmelblau", "himmelblau", "Adam", 1e-2, {"betas": (0.5, 0.9), "eps": 1e-6}),
]


@pytest.mark.parametrize(("function", "optimizer", "lr", "hyper"), [c[1:] for c in CHAOTIC], ids=[c[0] for c in CHAOTIC])
def test_chaotic_runs_stay_bit_for_bit_with_autograd_and_with_the_same_gradient(formulas, function, optimizer, lr, hyper):
    f, x0 = formulas[function], FUNCTIONS[function][1]
    traj = descend(f, optimizer, x0, lr, STEPS, **hyper)
    assert_equals_torch(traj, torch_run(f, optimizer, x0, lr, STEPS, **hyper))
    assert_equals_torch(traj, torch_run(f, optimizer, x0, lr, STEPS, gradient="engine", **hyper))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_wide_batch_keeps_each_starts_bits(formulas, dtype):
    """Thousands of elements take torch's vectorised kernels (SIMD fma, MKL over a vector): still a lone start's bits."""
    grid = np.linspace(-5, 5, 40)
    starts = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    batch = descend(formulas["himmelblau"], "Adam", starts, 0.1, 100, dtype=dtype, amsgrad=True, weight_decay=0.01)
    for b in (0, 777, len(starts) - 1):
        one = descend(formulas["himmelblau"], "Adam", starts[b], 0.1, 100, dtype=dtype, amsgrad=True, weight_decay=0.01)
        assert (batch.points[:, b] == one.points).all() and (batch.state["max_exp_avg_sq"][:, b] == one.state["max_exp_avg_sq"]).all()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_one_start_and_a_batch_of_one_are_the_same_bits(formulas, dtype):
    """A batch runs autograd's order on arrays and torch's kernels for the update: each start is a lone start, ==."""
    f, x0 = formulas["3-variable"], FUNCTIONS["3-variable"][1]
    one = descend(f, "NAdam", x0, 0.05, 300, dtype=dtype, weight_decay=0.1)
    batch = descend(f, "NAdam", [x0, (0.5, -1.0, 2.0)], 0.05, 300, dtype=dtype, weight_decay=0.1)
    assert (batch.points[:, 0] == one.points).all() and (batch.losses[:, 0] == one.losses).all()
    assert (batch.grads[:, 0] == one.grads).all()
    assert all((batch.state[k][:, 0] == one.state[k]).all() for k in one.state)
    column = dataclasses.replace(batch, points=batch.points[:, 0], losses=batch.losses[:, 0], grads=batch.grads[:, 0],
                                 state={k: v[:, 0] for k, v in batch.state.items()})
    assert_equals_torch(column, torch_run(f, "NAdam", x0, 0.05, 300, dtype=getattr(torch, dtype), weight_decay=0.1))


# ---------------------------------------------------------------- the lecture's worked example

@functools.cache
def lecture_loop(dtype):
    """The lecture's code, run once per dtype (4-6 s): Adam on Himmelblau from (-4, 0), lr 1e-3, 20,000 steps, its printout."""
    def himmelblau(x):
        return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2

    x = torch.tensor([-4.0, 0.0], dtype=getattr(torch, dtype), requires_grad=True)
    optimizer = torch.optim.Adam([x], lr=1e-3)
    points, losses, printed = [x.tolist()], [], []
    for step in range(20000):
        pred = himmelblau(x)
        optimizer.zero_grad()
        pred.backward()
        optimizer.step()
        points.append(x.tolist())
        losses.append(pred.item())
        if step % 2000 == 0:
            printed.append(f'step {step}: x = {x.tolist()}, f(x) = {pred.item()}')
    return np.array(points), np.array(losses), printed


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_the_worked_example_is_torch_optim_bit_for_bit_at_all_20001_points(formulas, dtype):
    points, losses, _ = lecture_loop(dtype)
    traj = descend(formulas["himmelblau"], "Adam", (-4.0, 0.0), 1e-3, 20000, dtype=dtype)
    first_difference = np.flatnonzero((traj.points != points).any(axis=1))
    assert first_difference.size == 0, f"x differs from step {first_difference[0]}"
    assert (traj.losses[:-1] == losses).all()
    expected = {"float64": (-3.779310253377747, -3.2831859912861696, 7.888609052210118e-31),
                "float32": (-3.7793102264404297, -3.2831859588623047, 0.0)}[dtype]    # torch.optim.Adam's own end
    assert (*traj.points[-1], traj.losses[-1]) == expected


def test_the_lecture_printout_is_reproduced_line_for_line(formulas):
    _, _, printed = lecture_loop("float32")     # the lecture's tensor is float32
    traj = descend(formulas["himmelblau"], "Adam", (-4.0, 0.0), 1e-3, 20000, dtype="float32")
    assert lecture_lines(traj) == printed
    assert printed[1] == "step 2000: x = [-3.526560068130493, -2.500243663787842], f(x) = 19.450292587280273"


TRANSCENDENTAL = [
    ("sin(x) cos(y) + (x^2 + y^2)/10", "Adam", (1.0, 2.0), 1e-2),
    ("exp(x/3) - log(1 + y^2) + (x - 1)^2 + y^2/4", "RMSprop", (2.0, -1.5), 1e-2),
    ("sqrt(1 + x^2 + y^2) - exp(-(x^2 + y^2)) + tanh(x y)", "SGD", (1.5, 0.5), 5e-2),
]


@pytest.mark.parametrize(("text", "optimizer", "x0", "lr"), TRANSCENDENTAL, ids=["sin-cos", "exp-log", "sqrt-exp-tanh"])
def test_exp_sin_log_agree_with_autograd_to_rounding_at_every_step(text, optimizer, x0, lr):
    """libm and torch's vectorised exp/sin/log may differ by an ulp: the per-step gradient agrees to rounding."""
    f = parse(text)
    points, losses, grads, _ = torch_run(f, optimizer, x0, lr, 300)
    ours = np.array([autograd_value_and_gradient(f)(*p) for p in points])   # f and ∇f at torch's own points
    np.testing.assert_allclose(ours[:, 0], losses, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(ours[:, 1:], grads, rtol=1e-13, atol=1e-14)
    traj = descend(f, optimizer, x0, lr, 300)
    assert np.abs(traj.points - points).max() < 1e-12   # a tame run: per-step rounding does not grow


# ---------------------------------------------------------------- recording

@pytest.mark.parametrize(("steps", "every", "kept"), [
    (10, 1, list(range(11))), (10, 3, [0, 3, 6, 9, 10]), (10, 5, [0, 5, 10]), (10, 10, [0, 10]), (10, 25, [0, 10]), (0, 1, [0]),
], ids=["every-step", "every-3rd-and-last", "every-5th", "every-10th", "fewer-than-every", "no-steps"])
@pytest.mark.parametrize("shape", ["one", "batch"])
def test_record_every_keeps_every_kth_step_and_the_last(formulas, steps, every, kept, shape):
    x0 = (-4.0, 0.0) if shape == "one" else [(-4.0, 0.0), (1.0, 2.0)]
    full = descend(formulas["himmelblau"], "Adam", x0, 0.1, steps)
    traj = descend(formulas["himmelblau"], "Adam", x0, 0.1, steps, record_every=every)
    assert traj.steps.tolist() == kept
    np.testing.assert_array_equal(traj.points, full.points[kept])
    np.testing.assert_array_equal(traj.losses, full.losses[kept])
    np.testing.assert_array_equal(traj.grads, full.grads[kept])
    np.testing.assert_array_equal(traj.state["exp_avg_sq"], full.state["exp_avg_sq"][kept])


def test_a_trajectory_is_a_frozen_record_of_the_run(formulas):
    traj = descend(formulas["himmelblau"], "adam", [-4, 0], 0.1, 5, amsgrad=True)
    assert isinstance(traj, Trajectory)
    assert (traj.optimizer, traj.lr, traj.stopped_at, traj.message, traj.ok) == ("Adam", 0.1, None, "", True)
    assert traj.hyper == {"betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.0, "amsgrad": True, "decoupled_weight_decay": False}
    assert set(traj.state) == {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert traj.points.shape == traj.grads.shape == traj.state["exp_avg"].shape == (6, 2) and traj.losses.shape == (6,)
    assert (traj.state["exp_avg"][0] == 0).all() and traj.diverged is None
    np.testing.assert_array_equal(traj.x, traj.points[-1])
    with pytest.raises(dataclasses.FrozenInstanceError):
        traj.lr = 1.0


@pytest.mark.parametrize(("optimizer", "name", "first_row"), [
    ("SGD", "momentum_buffer", 0.0), ("Adagrad", "sum", 0.25), ("Rprop", "step_size", 0.01), ("Adadelta", "acc_delta", 0.0),
], ids=["sgd-buffer", "adagrad-initial-sum", "rprop-initial-step-size", "adadelta"])
def test_state_row_zero_is_the_initial_state(formulas, optimizer, name, first_row):
    hyper = {"SGD": {"momentum": 0.9}, "Adagrad": {"initial_accumulator_value": 0.25}}.get(optimizer, {})
    traj = descend(formulas["himmelblau"], optimizer, (1.0, 1.0), 0.01, 3, **hyper)
    assert (traj.state[name][0] == first_row).all()


def test_a_formula_may_be_given_as_text():
    traj = descend("x^2 + 10y^2", "SGD", (1.0, 1.0), 0.01, 3)
    np.testing.assert_allclose(traj.points[1], (0.98, 0.8))


# ---------------------------------------------------------------- divergence: stop, say why, return what was computed

DIVERGENCE = [
    ("x^2", "SGD", (1.0,), 1.5, 512, "Diverged at step 512: f became infinite. Lower the learning rate (try 0.15)."),
    ("-exp(x)", "SGD", (0.0,), 1.0, 4,
     "Diverged at step 4: f became infinite (too large for a float). Lower the learning rate (try 0.1)."),
    ("log(x)", "SGD", (1.0,), 1.0, 1, "Diverged at step 1: f is undefined there (outside its domain). Lower the learning rate (try 0.1)."),
    ("sqrt(x)", "SGD", (1.0,), 1.0, 2, "Diverged at step 2: f is undefined there (outside its domain). Lower the learning rate (try 0.1)."),
    ("x^2", "Adam", (0.0,), 0.1, 1,
     "Diverged at step 1: the optimizer's update divided by zero (is eps 0?). Lower the learning rate (try 0.01)."),
    ("log(x)", "SGD", (-1.0,), 1.0, 0, "Cannot start at (-1): f is undefined there (outside its domain). Choose another start point."),
    ("1/x + y^2", "SGD", (0.0, 1.0), 1.0, 0, "Cannot start at (0, 1): f divides by zero there. Choose another start point."),
    ("exp(x^2)", "SGD", (30.0,), 1.0, 0, "Cannot start at (30): f is infinite (too large for a float). Choose another start point."),
]


@pytest.mark.parametrize(("text", "optimizer", "x0", "lr", "stop", "message"), DIVERGENCE,
                         ids=["overflow", "math-overflow", "log-domain", "sqrt-domain", "eps-zero", "bad-start", "division", "huge-start"])
def test_a_diverging_run_stops_at_the_first_non_finite_value(text, optimizer, x0, lr, stop, message):
    hyper = {"eps": 0.0} if optimizer == "Adam" else {}
    traj = descend(parse(text), optimizer, x0, lr, 1000, record_every=100, **hyper)
    assert (traj.stopped_at, traj.message, traj.ok) == (stop, message, False)
    expected_steps = sorted({*range(0, stop, 100), stop - 1}) if stop else []
    assert traj.steps.tolist() == expected_steps   # every 100th step and the last finite one
    assert traj.points.shape == (len(expected_steps), len(x0))
    assert np.isfinite(traj.points).all() and np.isfinite(traj.losses).all() and np.isfinite(traj.grads).all()


def test_diverged_starts_of_a_batch_are_marked_and_frozen_while_the_others_go_on():
    f = parse("x^4")
    traj = descend(f, "SGD", [(0.5,), (3.0,), (1.0,)], 0.1, 20)
    assert traj.diverged.tolist() == [False, True, False] and traj.diverged_at.tolist() == [-1, 6, -1]
    assert traj.stopped_at is None and traj.points.shape == (21, 3, 1)
    assert traj.message == "1 of 3 starts diverged (the first at step 6: f became infinite). Lower the learning rate (try 0.01)."
    assert np.isfinite(traj.points).all() and np.isfinite(traj.losses).all()
    assert (traj.points[6:, 1] == traj.points[5, 1]).all() and (traj.losses[6:, 1] == traj.losses[5, 1]).all()
    for b in (0, 2):
        np.testing.assert_array_equal(traj.points[:, b], descend(f, "SGD", traj.points[0, b], 0.1, 20).points)


@pytest.mark.parametrize(("text", "starts", "lr", "stop", "rows", "message"), [
    ("x^4", [(5.0,), (3.0,)], 0.1, 6, 6,
     "Every start diverged (the first at step 5: f became infinite). Lower the learning rate (try 0.01)."),
    ("log(x)", [(-1.0,), (2.0,)], 0.1, None, 11, "1 of 2 start points are unusable: f is undefined (NaN). Choose other start points."),
    ("log(x)", [(-1.0,), (-2.0,)], 0.1, 0, 0, "Every start point is unusable: f is undefined (NaN). Choose other start points."),
    ("log(x)", [(-1.0,), (1.0,), (30.0,)], 1.0, None, 11,
     "1 of 3 starts diverged (the first at step 1: f became infinite). Lower the learning rate (try 0.1). "
     "1 of 3 start points are unusable: f is undefined (NaN). Choose other start points."),
], ids=["all-diverge", "one-bad-start", "all-bad-starts", "mixed"])
def test_batch_divergence_messages(text, starts, lr, stop, rows, message):
    traj = descend(parse(text), "SGD", starts, lr, 10)
    assert (traj.stopped_at, len(traj.steps), traj.message) == (stop, rows, message)
    assert np.isfinite(traj.points).all()


def test_a_large_batch_runs_in_chunks_and_keeps_each_start_apart():
    f = parse("x^4")
    starts = np.linspace(-3, 3, 20_001)[:, None]   # |x0| > √5 diverges with lr = 0.1
    traj = descend(f, "SGD", starts, 0.1, 30, record_every=30)
    np.testing.assert_array_equal(traj.diverged, np.abs(starts[:, 0]) > 5**0.5)
    assert np.isfinite(traj.points).all() and traj.points.shape == (2, 20_001, 1)


# ---------------------------------------------------------------- progress and bad arguments

@pytest.mark.parametrize(("x0", "steps"), [((-4.0, 0.0), 1000), ((-4.0, 0.0), 250), ([(-4.0, 0.0), (0.0, 0.0)], 1000), ((-4.0, 0.0), 7)],
                         ids=["one-1000", "one-250", "batch-1000", "one-7"])
def test_progress_is_reported_through_the_callback_without_printing(formulas, capsys, x0, steps):
    calls = []
    descend(formulas["himmelblau"], "Adam", x0, 1e-3, steps, callback=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert {t for _, t in calls} == {steps} and done[-1] == steps and done == sorted(set(done))
    assert 1 <= len(calls) <= 101
    assert capsys.readouterr() == ("", "")


BAD_ARGUMENTS = [
    ({"x0": (1.0, 2.0, 3.0)}, "x0 must have shape (2,) or (B, 2), one coordinate per variable (x, y); got (3,)."),
    ({"x0": [[[1.0, 2.0]]]}, "x0 must have shape (2,) or (B, 2), one coordinate per variable (x, y); got (1, 1, 2)."),
    ({"x0": "start"}, "x0 must be numbers, one per variable (x, y), got 'start'."),
    ({"x0": (np.nan, 0.0)}, "x0 must be finite numbers."),
    ({"lr": -1.0}, "lr must be a finite number >= 0, got -1.0."),
    ({"steps": -1}, "steps must be a whole number >= 0, got -1."),
    ({"steps": 10.0}, "steps must be a whole number >= 0, got 10.0."),
    ({"record_every": 0}, "record_every must be a whole number >= 1, got 0."),
    ({"optimizer": "adamm"}, "Unknown optimizer 'adamm'. Did you mean 'Adam'? "
                             "Choose one of: SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, Adamax, NAdam, RAdam, Rprop."),
    ({"momentum": 0.9},
     "Adam has no hyperparameter 'momentum'. Its hyperparameters are: betas, eps, weight_decay, amsgrad, decoupled_weight_decay."),
    ({"x0": np.zeros((40_000, 2)), "steps": 500},
     "Recording 501 steps of 40000 starts needs about 1.6 GB: use record_every=4 or more, or fewer starts."),
    ({"steps": 10_000_000}, "Recording 10000001 steps of 1 start needs about 3.2 GB: use record_every=7 or more."),
]


@pytest.mark.parametrize(("change", "message"), BAD_ARGUMENTS, ids=[
    "x0-length", "x0-rank", "x0-text", "x0-nan", "lr", "steps-negative", "steps-float", "record-every", "optimizer", "hyper",
    "memory-batch", "memory-one-start"])
def test_bad_arguments_raise_an_exact_message(formulas, change, message):
    args = {"optimizer": "Adam", "x0": (-4.0, 0.0), "lr": 1e-3, "steps": 10, **change}
    with pytest.raises(ValueError) as err:
        descend(formulas["himmelblau"], args.pop("optimizer"), args.pop("x0"), args.pop("lr"), args.pop("steps"), **args)
    assert str(err.value) == message


# ---------------------------------------------------------------- speed (generous guards against gross regressions only)

def test_the_lecture_run_is_much_faster_than_the_torch_loop(formulas):
    start = time.perf_counter()
    descend(formulas["himmelblau"], "Adam", (-4.0, 0.0), 1e-3, 20_000)
    assert time.perf_counter() - start < 1.5   # the plain torch.optim loop takes about 3 s; bench/bench_descent.py measures


def test_a_40000_start_basin_map_runs_in_seconds(formulas):
    grid = np.linspace(-6, 6, 200)
    starts = np.stack(np.meshgrid(grid, grid), axis=-1).reshape(-1, 2)
    start = time.perf_counter()
    traj = descend(formulas["himmelblau"], "Adam", starts, 0.1, 500, record_every=500)
    assert time.perf_counter() - start < 10.0   # about 0.5 s; bench/bench_descent.py measures
    assert traj.points.shape == (2, 40_000, 2) and traj.ok
