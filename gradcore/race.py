"""The race: runs from one start ranked by the steps each needs to come within tol of the lowest known value f*."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradcore.descent import Trajectory


@dataclass(frozen=True)
class Place:
    """One racer's result: the first step t with f(x_t) ≤ f* + tol (None if never), and where it ended."""

    label: str
    reached_at: int | None
    final_f: float
    diverged: bool


def lowest_value(runs: Sequence[Trajectory], minima_values: Sequence[float] = ()) -> float:
    """f*: the lowest known minimum value, else the lowest finite f any run reached."""
    if len(minima_values):
        return float(min(minima_values))
    finite = [r.losses[np.isfinite(r.losses)] for r in runs]
    return float(min((v.min() for v in finite if v.size), default=np.nan))


def steps_to_reach(run: Trajectory, target: float) -> int | None:
    """The first recorded step t with f(x_t) ≤ target, or None."""
    hits = np.flatnonzero(run.losses <= target)
    return int(run.steps[hits[0]]) if hits.size else None


def leaderboard(runs: Sequence[tuple[str, Trajectory]], f_star: float, tol: float) -> list[Place]:
    """The racers in order of the steps they need to reach f* + tol; those that never reach it last, lowest f first."""
    places = [Place(label, steps_to_reach(r, f_star + tol), float(r.losses[-1]) if len(r.losses) else np.nan, not r.ok)
              for label, r in runs]
    never = float("inf")
    return sorted(places, key=lambda p: (p.reached_at if p.reached_at is not None else never,
                                         p.diverged, p.final_f if np.isfinite(p.final_f) else never))
