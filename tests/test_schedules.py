"""Learning-rate schedules: torch.optim.lr_scheduler is the oracle, for the lr sequence and the run, bit for bit."""

import numpy as np
import pytest
import torch

from gradcore.descent import descend
from gradcore.formula import parse
from gradcore.schedules import Schedule, lr_sequence
from gradcore.typed import autograd_value_and_gradient

HIMMELBLAU = "(x^2+y-11)^2+(x+y^2-7)^2"
SCHEDULES = [   # (id, Schedule)
    ("step", Schedule("StepLR", step_size=7, gamma=0.5)),
    ("step-default-gamma", Schedule("StepLR", step_size=30)),
    ("exponential", Schedule("ExponentialLR", gamma=0.97)),
    ("cosine", Schedule("CosineAnnealingLR", T_max=50)),
    ("cosine-eta-min-restarts", Schedule("CosineAnnealingLR", T_max=13, eta_min=1e-4)),   # past T_max it rises again
]
STEPS = 150


def torch_scheduler(schedule, optimizer):
    """The torch.optim.lr_scheduler object a Schedule names."""
    kwargs = {"StepLR": {"step_size": schedule.step_size, "gamma": schedule.gamma},
              "ExponentialLR": {"gamma": schedule.gamma},
              "CosineAnnealingLR": {"T_max": schedule.T_max, "eta_min": schedule.eta_min}}[schedule.name]
    return getattr(torch.optim.lr_scheduler, schedule.name)(optimizer, **kwargs)


def torch_scheduled_run(f, optimizer, x0, lr, steps, schedule, **hyper):
    """torch's loop with a scheduler: points x_0 … x_steps and the lr each step used."""
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, optimizer)([x], lr=lr, **hyper)
    scheduler, value_and_grad = torch_scheduler(schedule, opt), autograd_value_and_gradient(f)
    points, lrs = [x.detach().numpy().copy()], []
    for _ in range(steps):
        opt.zero_grad()
        x.grad = torch.tensor(value_and_grad(*x.tolist())[1:], dtype=torch.float64)   # the engine's ∇f: isolates the update
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
        points.append(x.detach().numpy().copy())
    return np.array(points), lrs


@pytest.mark.parametrize("schedule", [s[1] for s in SCHEDULES], ids=[s[0] for s in SCHEDULES])
def test_lr_sequence_is_torch_schedulers_bit_for_bit(schedule):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.3)
    scheduler, theirs = torch_scheduler(schedule, opt), []
    for _ in range(STEPS):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    assert lr_sequence(schedule, 0.3, STEPS) == theirs


def test_lr_sequence_of_textbook_cases():
    assert lr_sequence(Schedule("StepLR", step_size=2, gamma=0.1), 1.0, 5) == [1.0, 1.0, 0.1, 0.1, 0.1 * 0.1]
    assert lr_sequence(Schedule("ExponentialLR", gamma=0.5), 1.0, 4) == [1.0, 0.5, 0.25, 0.125]
    cosine = lr_sequence(Schedule("CosineAnnealingLR", T_max=4), 1.0, 9)   # ½(1 + cos(πt/4)), up again after T_max
    assert np.allclose(cosine, [0.5 * (1 + np.cos(np.pi * t / 4)) for t in range(9)], atol=1e-15)
    assert lr_sequence(None, 0.1, 3) == [0.1, 0.1, 0.1]


RUNS = [   # (id, optimizer, lr, hyper, schedule)
    ("sgd-momentum-step", "SGD", 1e-3, {"momentum": 0.9}, SCHEDULES[0][1]),
    ("adam-cosine", "Adam", 0.1, {}, SCHEDULES[4][1]),
    ("adamw-exponential", "AdamW", 0.1, {"weight_decay": 0.1}, SCHEDULES[2][1]),
    ("adagrad-decay-step", "Adagrad", 0.5, {"lr_decay": 0.01}, SCHEDULES[0][1]),
    ("nadam-cosine", "NAdam", 0.05, {}, SCHEDULES[3][1]),
    ("rmsprop-exponential", "RMSprop", 1e-2, {"momentum": 0.5}, SCHEDULES[2][1]),
    ("rprop-step", "Rprop", 1e-2, {}, SCHEDULES[0][1]),   # lr only seeds Rprop's step sizes: the schedule changes nothing
]


@pytest.mark.parametrize(("optimizer", "lr", "hyper", "schedule"), [r[1:] for r in RUNS], ids=[r[0] for r in RUNS])
def test_a_scheduled_run_is_torch_optim_with_its_scheduler_bit_for_bit(optimizer, lr, hyper, schedule):
    f = parse(HIMMELBLAU)
    points, lrs = torch_scheduled_run(f, optimizer, (-4.0, 0.0), lr, STEPS, schedule, **hyper)
    traj = descend(f, optimizer, (-4.0, 0.0), lr, STEPS, schedule=schedule, **hyper)
    first_difference = np.flatnonzero((traj.points != points).any(axis=1))
    assert first_difference.size == 0, f"x differs from step {first_difference[0]}"
    assert lr_sequence(schedule, lr, STEPS) == lrs


def test_a_schedule_changes_the_run_and_a_batch_follows_it():
    f, schedule = parse(HIMMELBLAU), Schedule("StepLR", step_size=5, gamma=0.1)
    plain = descend(f, "SGD", (-4.0, 0.0), 1e-3, 40)
    scheduled = descend(f, "SGD", (-4.0, 0.0), 1e-3, 40, schedule=schedule)
    assert (plain.points[:6] == scheduled.points[:6]).all() and (plain.points[6] != scheduled.points[6]).any()
    batch = descend(f, "SGD", [(-4.0, 0.0), (1.0, 1.0)], 1e-3, 40, schedule=schedule)
    assert np.allclose(batch.points[:, 0], scheduled.points, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "OneCycleLR"}, "Unknown schedule 'OneCycleLR': choose one of StepLR, ExponentialLR, CosineAnnealingLR."),
    ({"name": "StepLR", "step_size": 0}, "StepLR's step_size must be a whole number >= 1, got 0."),
    ({"name": "ExponentialLR", "gamma": -1.0}, "ExponentialLR's gamma must be a number > 0, got -1.0."),
    ({"name": "CosineAnnealingLR", "T_max": 0}, "CosineAnnealingLR's T_max must be a whole number >= 1, got 0."),
])
def test_bad_schedules_say_what_to_change(kwargs, message):
    with pytest.raises(ValueError) as err:
        Schedule(**kwargs)
    assert str(err.value) == message


def test_the_pytorch_script_with_its_scheduler_prints_the_scheduled_run():
    import contextlib
    import io
    import re

    from gradcore.codegen import descent_script
    from gradcore.schedules import scheduled_script

    f, schedule = parse(HIMMELBLAU), Schedule("StepLR", step_size=10, gamma=0.5)
    script = scheduled_script(descent_script(f, "SGD", (-4.0, 0.0), 1e-3, 40, {"momentum": 0.9}, print_every=10), schedule)
    assert "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)\n" in script
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(script, "gradient_descent.py", "exec"), {})
    xs = [[float(v) for v in m.split(",")] for m in re.findall(r"x = \[([^\]]*)\]", printed.getvalue())]
    traj = descend(f, "SGD", (-4.0, 0.0), 1e-3, 40, schedule=schedule, momentum=0.9)
    assert xs == traj.points[::10].tolist()


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "RMSprop", "Adagrad"])
def test_the_step_up_close_uses_the_scheduled_lr_of_that_step(optimizer):
    """Under a schedule, −γ·gₜ and the per-coordinate step size use γₜ (torch's group lr at that step), not the start lr."""
    from gradcore.runs import step_view
    schedule = Schedule("StepLR", step_size=5, gamma=0.5)
    run = descend(parse("(x^2+y-11)^2+(x+y^2-7)^2"), optimizer, (-4.0, 0.0), 0.01, 30, schedule=schedule)
    lrs = lr_sequence(schedule, 0.01, 30)
    for t in (0, 4, 5, 17):
        view = step_view(run, t, lr=lrs[t])
        assert np.array_equal(view.sgd_step, -lrs[t] * view.grad + 0.0)
        if optimizer == "SGD":      # plain SGD's step is exactly −γₜ gₜ (torch: p.add_(g, alpha=-lr))
            assert np.allclose(view.step, -lrs[t] * view.grad, rtol=1e-12, atol=0)
        elif optimizer == "Adam":   # Δx = −(γₜ/(√v̂+ε))·m̂, m̂ = m/(1 − β₁^k) at update k = t + 1
            m_hat = view.momentum / (1 - 0.9 ** (t + 1))
            assert np.allclose(view.adaptive_rate * -m_hat, view.step, rtol=1e-9, atol=1e-15)
        else:                        # RMSprop, Adagrad: the adaptive step size times −g is the step taken
            assert np.allclose(view.adaptive_rate * -view.grad, view.step, rtol=1e-9, atol=1e-15)
