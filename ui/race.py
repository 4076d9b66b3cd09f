"""The Gradient descent page's race: each racer's own lr and hyperparameters, the lr schedule, Newton and L-BFGS as
references, the leaderboard and the lr curve.

Widget keys (stable; session state):
  sched                    the schedule: constant, StepLR, ExponentialLR or CosineAnnealingLR
  sched_step, sched_gamma  StepLR's step_size and gamma;  sched_gexp  ExponentialLR's gamma
  sched_tmax, sched_eta    CosineAnnealingLR's T_max and eta_min
  r_lr_<optimizer>, r_<optimizer>_<name>[_0|_1]   a compared optimizer's lr and hyperparameters
  r_newton, r_lbfgs, r_lbfgs_lr                   Newton's method and L-BFGS (with its lr) on the same map
  r_tol                    the leaderboard's tolerance: steps until f(xₜ) ≤ f* + tol
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gradcore.descent import Trajectory
from gradcore.descent_figures import RUN_COLORS
from gradcore.optimizers import OptimizerSpec, get_optimizer
from gradcore.race import leaderboard, lowest_value
from gradcore.race_figures import lr_figure
from gradcore.runs import log_grid
from gradcore.schedules import NAMES as SCHEDULES
from gradcore.schedules import Schedule, lr_sequence
from gradcore.second_order import LBFGS_LR, lbfgs, newton
from ui.chart import chart
from ui.i18n import _, tr
from ui.sidebar import load_formula
from ui.url import Param, choice, flag, flag_text, integer, level, number, number_text

KEEP = "session"
CONSTANT = "constant"
REFERENCE_COLORS = ("#2ca02c", "#ff7f0e")          # Newton, L-BFGS
TOLERANCES = log_grid(1e-12, 1e-1, (1,))


def run_color(i: int) -> str:
    """The colour of the i-th run: the page's four, then the references'."""
    colors = RUN_COLORS + REFERENCE_COLORS
    return colors[i % len(colors)]


# ---------------------------------------------------------------- the view in the URL

def racer_key(name: str, hp: str, i: int | None = None) -> str:
    """The session key of a racer's hyperparameter: r_<optimizer>_<name>[_0|_1]."""
    return f"r_{name.lower()}_{hp}" + ("" if i is None else f"_{i}")


def race_params(names: list[str], steps: int) -> list[Param]:
    """The schedule, the references, the leaderboard's tolerance and each racer's lr in the URL (steps: the default)."""
    return [Param("sched", "sched", choice((CONSTANT, *SCHEDULES)), CONSTANT),
            Param("sched_step", "sched_step", integer(1, 10**6), max(1, steps // 5)),
            Param("sched_gamma", "sched_gamma", number(1e-6, 1.0), 0.5, number_text),
            Param("sched_gexp", "sched_gexp", number(1e-6, 1.0), 0.995, number_text),
            Param("sched_tmax", "sched_tmax", integer(1, 10**6), steps),
            Param("sched_eta", "sched_eta", number(0.0, 10.0), 0.0, number_text),
            Param("r_newton", "r_newton", flag, False, flag_text), Param("r_lbfgs", "r_lbfgs", flag, False, flag_text),
            Param("r_lbfgs_lr", "r_lbfgs_lr", number(1e-6, 10.0), LBFGS_LR, number_text),
            Param("r_tol", "r_tol", level(TOLERANCES), 1e-6, number_text),
            *[Param(f"r_lr_{n.lower()}", f"r_lr_{n.lower()}", number(0.0, 1e3), get_optimizer(n).lr, number_text)
              for n in names]]


# ---------------------------------------------------------------- the schedule

def schedule_control(steps: int) -> Schedule | None:
    """A torch.optim.lr_scheduler for every run, with its arguments; None for a constant lr."""
    st.session_state.setdefault("sched", CONSTANT)
    constant = _("constant")      # the label in this run's language (a format_func may be called outside the run)
    name = st.selectbox(_("Learning-rate schedule (torch.optim.lr_scheduler)"), (CONSTANT, *SCHEDULES), key="sched",
                        persist_state=KEEP, format_func=lambda n: constant if n == CONSTANT else n,
                        help=_("scheduler.step() after every optimizer.step(), for every run on the map."))
    if name == CONSTANT:
        return None
    left, right = st.columns(2)
    if name == "StepLR":
        return Schedule(name, step_size=int(_number(left, "step_size", "sched_step", max(1, steps // 5), 1, step=1)),
                        gamma=_number(right, _("gamma  (γ ← γ·gamma every step_size steps)"), "sched_gamma", 0.5, 1e-6, 1.0))
    if name == "ExponentialLR":
        return Schedule(name, gamma=_number(left, _("gamma  (γ ← γ·gamma every step)"), "sched_gexp", 0.995, 1e-6, 1.0))
    return Schedule(name, T_max=int(_number(left, "T_max", "sched_tmax", steps, 1, step=1)),
                    eta_min=_number(right, "eta_min", "sched_eta", 0.0, 0.0, 10.0))


def _number(where, label: str, key: str, default: float, low: float, high: float | None = None, step=None) -> float:
    """A number input with a default kept in session state."""
    st.session_state.setdefault(key, default)
    return where.number_input(label, low, high, key=key, step=step, format="%g" if step is None else "%d",
                              persist_state=KEEP)


def show_lr_curves(runs: list[tuple[str, Trajectory]], schedule: Schedule, steps: int, t: int, where) -> None:
    """γₜ of each first-order run under the schedule, beside the loss."""
    curves = [(label, run_color(i), lr_sequence(schedule, r.lr, steps)) for i, (label, r) in enumerate(runs)
              if r.optimizer not in ("Newton", "LBFGS")]
    chart(lr_figure(curves, t + 1, _("The learning rate: {schedule}", schedule=schedule.code().split('(')[0].split('.')[-1]),
                    tr), key="fig_lr", where=where)


# ---------------------------------------------------------------- the racers' own settings

def racer_controls(names: list[str]) -> dict[str, tuple[float, dict]]:
    """Each compared optimizer's lr and hyperparameters (torch's defaults at first): name -> (lr, values)."""
    settings = {}
    for name in names:
        spec = get_optimizer(name)
        st.markdown(f"**{tr(spec.display_name)}**")
        cols = st.columns(3)
        lr = _number(cols[0], "lr γ", f"r_lr_{spec.name.lower()}", spec.lr, 0.0)
        values = _hyper_inputs(spec, cols)
        try:
            settings[spec.name] = (lr, spec.resolve(values))
        except ValueError as err:
            st.warning(_("**{optimizer} runs with torch's defaults:** {reason}", optimizer=spec.name,
                         reason=tr(err.args[0]) if err.args else str(err)), icon=":material/tune:")
            settings[spec.name] = (lr, spec.defaults)
    return settings


def _hyper_inputs(spec: OptimizerSpec, cols) -> dict:
    """The spec's hyperparameters as plain inputs in the racer's row (keys r_<optimizer>_<name>)."""
    values, i = {}, 1
    for hp in spec.hypers:
        key = racer_key(spec.name, hp.name)
        if hp.type is bool:
            st.session_state.setdefault(key, bool(hp.default))
            values[hp.name] = cols[i % 3].checkbox(f"`{hp.name}`", key=key, persist_state=KEEP)
            i += 1
        elif hp.type is tuple:
            values[hp.name] = tuple(_number(cols[(i + k) % 3], f"`{hp.name}[{k}]`", f"{key}_{k}", float(hp.default[k]), None)
                                    for k in range(2))
            i += 2
        else:
            values[hp.name] = _number(cols[i % 3], f"`{hp.name}`", key, float(hp.default), None)
            i += 1
    return values


# ---------------------------------------------------------------- Newton and L-BFGS

def reference_controls() -> tuple[bool, float | None]:
    """Newton's method on or off; L-BFGS's lr, or None when it is off."""
    use_newton = st.checkbox(_("Newton's method (exact Hessian)"), key="r_newton", persist_state=KEEP,
                             help=_("x ← x − H⁻¹∇f with the exact Hessian: the reference second-order step."))
    use_lbfgs = st.checkbox("torch.optim.LBFGS", key="r_lbfgs", persist_state=KEEP,
                            help=_("One L-BFGS iteration per step (no line search), torch's history_size = 100."))
    lr = _number(st, "L-BFGS lr", "r_lbfgs_lr", LBFGS_LR, 1e-6, 10.0) if use_lbfgs else None
    return use_newton, lr


@st.cache_data(max_entries=32, show_spinner=False)
def cached_reference(text: str, kind: str, start: tuple, steps: int, lr: float) -> Trajectory:
    """Newton's or L-BFGS's run from start (keyed on plain values)."""
    f = load_formula(text)
    return newton(f, start, steps) if kind == "Newton" else lbfgs(f, start, steps, lr=lr)


def reference_runs(text: str, start: tuple, steps: int, use_newton: bool, lbfgs_lr: float | None) -> list[tuple[str, Trajectory]]:
    """The chosen references as (label, run)."""
    runs = [(_("Newton (exact Hessian)"), cached_reference(text, "Newton", start, steps, 1.0))] if use_newton else []
    if lbfgs_lr is not None:
        runs.append((f"LBFGS, γ = {lbfgs_lr:g}", cached_reference(text, "LBFGS", start, steps, float(lbfgs_lr))))
    return runs


# ---------------------------------------------------------------- the leaderboard

def show_leaderboard(runs: list[tuple[str, Trajectory]], minima_values) -> None:
    """Rank the racers by the steps they need to reach f* + tol."""
    st.session_state.setdefault("r_tol", 1e-6)
    tol = st.select_slider(_("Leaderboard tolerance: steps until f(xₜ) ≤ f* + tol"), TOLERANCES, key="r_tol",
                           format_func=lambda v: f"{v:g}", persist_state=KEEP)
    f_star = lowest_value([r for _, r in runs], minima_values)
    places = leaderboard(runs, f_star, tol)
    rows = [{_("place"): str(i + 1) if p.reached_at is not None else "—", _("run"): p.label,
             _("steps to f* + tol"): f"{p.reached_at:,}" if p.reached_at is not None else _("not reached"),
             _("final f"): f"{p.final_f:.6g}", _("status"): _("diverged") if p.diverged else _("ok")}
            for i, p in enumerate(places)]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    where = _("the lowest known minimum") if len(minima_values) else _("the lowest f any run reached")
    st.caption(_("f* = {value}, {where}. Newton and L-BFGS count one step per iteration (each uses the Hessian or its "
                 "history, so a step costs more than one gradient).", value=f"{f_star:.6g}", where=where))


def minima_values(f, minima) -> list[float]:
    """f at the preset's known minima."""
    return [float(f.value(np.array(m))) for m in minima]
