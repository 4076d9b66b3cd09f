"""Learning-rate schedules as torch.optim.lr_scheduler computes them, and an optimizer rule that follows one.

torch calls scheduler.step() after optimizer.step(), so optimizer step t (counted from 1) uses the
learning rate after t - 1 scheduler steps.  The schedulers update group["lr"] recursively (each value
from the previous one, not from a closed form); lrs() repeats that arithmetic, so the sequence is
torch's bit for bit, and descend() run under a schedule is torch.optim's loop with the scheduler in it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gradcore.optimizers import Ops, OptimizerSpec, Rule

NAMES = ("StepLR", "ExponentialLR", "CosineAnnealingLR")


@dataclass(frozen=True)
class Schedule:
    """A torch.optim.lr_scheduler class and its arguments (torch's names: step_size, gamma, T_max, eta_min)."""

    name: str
    step_size: int = 30
    gamma: float = 0.1
    T_max: int = 100
    eta_min: float = 0.0

    def __post_init__(self) -> None:
        if self.name not in NAMES:
            raise ValueError(f"Unknown schedule {self.name!r}: choose one of {', '.join(NAMES)}.")
        if self.name == "StepLR" and (not isinstance(self.step_size, int) or self.step_size < 1):
            raise ValueError(f"StepLR's step_size must be a whole number >= 1, got {self.step_size!r}.")
        if self.name != "CosineAnnealingLR" and not (math.isfinite(self.gamma) and self.gamma > 0):
            raise ValueError(f"{self.name}'s gamma must be a number > 0, got {self.gamma!r}.")
        if self.name == "CosineAnnealingLR" and (not isinstance(self.T_max, int) or self.T_max < 1):
            raise ValueError(f"CosineAnnealingLR's T_max must be a whole number >= 1, got {self.T_max!r}.")
        if self.name == "CosineAnnealingLR" and not (math.isfinite(self.eta_min) and self.eta_min >= 0):
            raise ValueError(f"CosineAnnealingLR's eta_min must be a number >= 0, got {self.eta_min!r}.")

    def lrs(self, lr: float) -> Iterator[float]:
        """γ_1, γ_2, …: the learning rate optimizer step t uses (γ_1 = lr)."""
        base = lr
        for k in itertools.count(1):
            yield lr
            lr = self.next_lr(lr, base, k)

    def next_lr(self, lr: float, base: float, k: int) -> float:
        """group["lr"] after the k-th scheduler.step(), from the value before it (torch's get_lr())."""
        if self.name == "StepLR":
            return lr * self.gamma if k % self.step_size == 0 else lr
        if self.name == "ExponentialLR":
            return lr * self.gamma
        T, eta = self.T_max, self.eta_min
        if (k - 1 - T) % (2 * T) == 0:
            return lr + (base - eta) * (1 - math.cos(math.pi / T)) / 2
        return (1 + math.cos(math.pi * k / T)) / (1 + math.cos(math.pi * (k - 1) / T)) * (lr - eta) + eta

    def code(self) -> str:
        """The torch line that builds this scheduler on `optimizer`."""
        args = {"StepLR": f"step_size={self.step_size}, gamma={self.gamma!r}", "ExponentialLR": f"gamma={self.gamma!r}",
                "CosineAnnealingLR": f"T_max={self.T_max}, eta_min={self.eta_min!r}"}[self.name]
        return f"torch.optim.lr_scheduler.{self.name}(optimizer, {args})"


def lr_sequence(schedule: Schedule | None, lr: float, steps: int) -> list[float]:
    """[γ_1 … γ_steps], the learning rate of each optimizer step (all lr without a schedule)."""
    if schedule is None:
        return [float(lr)] * steps
    return list(itertools.islice(schedule.lrs(lr), steps))


def scheduled_rule(spec: OptimizerSpec, lr: float, hyper: Mapping[str, Any], ops: Ops, schedule: Schedule) -> Rule:
    """spec's rule with step t's update and constants taken from the rule bound to γ_t (state starts from lr, as torch's)."""
    first = spec.rule(lr, hyper, ops)

    def constants(start: int = 1) -> Iterator[tuple]:
        bound_lr, rule = lr, first
        for t, lr_t in enumerate(itertools.islice(schedule.lrs(lr), start - 1, None), start):
            if lr_t != bound_lr:
                bound_lr, rule = lr_t, spec.rule(lr_t, hyper, ops)
            yield rule.update, next(rule.constants(t))

    return Rule(first.state_names, first.init, constants, _update_with)


def _update_with(x: Any, g: Any, s: tuple, c: tuple) -> tuple:
    """Apply the update the step's constants carry: c = (update of the rule bound to γ_t, its c_t)."""
    return c[0](x, g, s, c[1])


def scheduled_script(script: str, schedule: Schedule) -> str:
    """gradcore.codegen.descent_script's script with the scheduler built after the optimizer and stepped after it."""
    lines = script.splitlines(keepends=True)
    out = []
    for line in lines:
        out.append(line)
        if line.startswith("optimizer = torch.optim."):
            out.append(f"scheduler = {schedule.code()}\n")
        elif line == "    optimizer.step()\n":
            out.append("    scheduler.step()\n")
    return "".join(out)
