"""The mini-batch page's two additions (issue 19): the cost in seconds (vectorisation, measured live) and the decaying
learning rate that removes the noise floor.

Widget keys (session state):  mb_decay  decay the learning rate;  mb_k0  the step k₀ by which γ has halved
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gradcore import minibatch as mb
from gradcore.minibatch_cost import epoch_seconds, noise_floor
from gradcore.minibatch_cost_figures import epoch_time_figure, floor_figure, loss_by_seconds_figure
from ui.chart import chart
from ui.i18n import _, language, tr

KEEP = "session"


@st.cache_data(max_entries=8, show_spinner=False)
def cached_epoch_seconds(source: tuple, _data: mb.Data, optimizer: str) -> tuple[list[int], list[float]]:
    """Batch sizes 1, 2, 4, … N and one epoch's seconds for each, measured once per data set and optimizer."""
    sizes = [int(b) for b in mb.batch_sizes(_data.n)] + [_data.n]
    return sizes, [float(s) for s in epoch_seconds(_data, source[1], sizes, optimizer)]


@st.cache_data(max_entries=16, show_spinner=False)
def cached_decayed(source: tuple, _data: mb.Data, settings: tuple, batch_size: int, k0: int, label: str) -> mb.Run:
    """train() with γₖ = γ / (1 + k / k₀); settings are the page's sorted (name, value) items."""
    s = dict(settings)
    return mb.train(_data, source[1], batch_size, s["lr"], s["epochs"], s["optimizer"], s["seed"], s["start"], label,
                    decay_steps=k0)


@st.cache_resource(max_entries=16, show_spinner=False)
def cached_cost_figures(source: tuple, settings: tuple, target: float, _comparison: mb.Comparison, sizes: tuple,
                        seconds: tuple, lang: str) -> tuple:
    """The two figures, built once per data set, settings, target and language (a rerun that changes none reuses them)."""
    return (epoch_time_figure(sizes, seconds, _("One epoch's wall-clock time, measured now with torch"), tr),
            loss_by_seconds_figure(_comparison, sizes, seconds, target, _("Loss against seconds"), tr))


def show_vectorisation(source: tuple, data: mb.Data, comparison: mb.Comparison, settings: dict, target: float) -> None:
    """Seconds per epoch against B, and the loss against seconds: per second, not per example, small batches lose."""
    with st.spinner(_("Timing one epoch per batch size with torch…"), show_time=False):
        sizes, seconds = cached_epoch_seconds(source, data, settings["optimizer"])
    st.subheader(_("Why mini-batches: one step on B examples costs about as much as a step on one"))
    left, right = st.columns(2, gap="medium")
    times, losses = cached_cost_figures(source, tuple(sorted(settings.items())), target, comparison, tuple(sizes),
                                        tuple(seconds), language())
    chart(times, key="mb_fig_time", where=left)
    chart(losses, key="mb_fig_secs", where=right)
    st.caption(_("One epoch of N = {n:,}: B = 1 takes {one:.3g} ms ({steps:,} steps), B = N takes {all:.3g} ms (one step): "
                 "torch processes a batch as one vectorised operation, so the cost of a step hardly grows with B while B is "
                 "small. Per example B = 1 looks cheapest; per second it is the slowest. Measured on the machine that runs "
                 "this app (the fastest of two timings).", n=data.n, one=seconds[0] * 1000, steps=sizes[-1],
                 all=seconds[-1] * 1000))


def show_decay(source: tuple, data: mb.Data, comparison: mb.Comparison, settings: dict) -> None:
    """A decaying learning rate for the mini-batch and B = 1 runs, and the noise floor before and after."""
    st.subheader(_("The noise floor, and a decaying learning rate that removes it"))
    c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
    decay = c1.toggle(_("Decay the learning rate"), key="mb_decay", persist_state=KEEP,
                      help=_("torch.optim.lr_scheduler.LambdaLR with γₖ = γ / (1 + k / k₀), stepped "
                             "after every optimizer step."))
    if not decay:          # k₀ only with the decay: a disabled slider's grey text is unreadable on a projector
        st.caption(_("With a constant γ the mini-batch and B = 1 runs stop improving at a floor set by the gradient noise "
                     "(below): switch the decay on to see the floor before and after."))
        return
    st.session_state.setdefault("mb_k0", 200)
    k0 = c2.select_slider(_("k₀ (optimizer steps until γ has halved)"), (50, 100, 200, 500, 1000), key="mb_k0",
                          persist_state=KEEP)
    items = tuple(sorted(settings.items()))
    constant = [r for r in (comparison.mini, comparison.sgd) if r.batch_size < data.n]
    with st.spinner(_("Training with a decaying learning rate…"), show_time=False):
        pairs = [(r, cached_decayed(source, data, items, r.batch_size, int(k0), r.label)) for r in constant]
    best = comparison.optimum.loss
    rows = [{_("run"): tr(c.label), _("floor, constant γ"): f"{noise_floor(c, best):.3g}",
             _("floor, decaying γ"): f"{noise_floor(d, best):.3g}"} for c, d in pairs]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    chart(floor_figure(pairs, best, data.n, _("L − L* with a constant and a decaying learning rate"), tr), key="mb_fig_floor")
    st.caption(_("The floor is the mean of L − L* over the last epoch. With a constant γ every step adds noise of size "
                 "about γ·σ/√B, so the loss bounces at a level proportional to γ; as γₖ shrinks the bounce shrinks with it."))
