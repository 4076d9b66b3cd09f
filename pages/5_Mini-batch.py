"""Mini-batch gradient descent (lecture section 4.2): what the batch size does, with torch's DataLoader and torch.optim.

Widget keys (session keys, kept across pages):
  mb_model  model: "linear" (MSELoss) or "logistic" (BCEWithLogitsLoss)
  mb_data   data source: "Synthetic" or "Upload CSV";  mb_csv  the file uploader
  mb_n, mb_w, mb_b, mb_noise, mb_dseed   synthetic data: N, w*, b*, noise level, data seed
  mb_bs, mb_lr, mb_ep, mb_opt, mb_seed   training: batch size, learning rate, epochs, optimizer, shuffle seed
  mb_w0, mb_b0   the start point;  mb_tgt  the target fraction;  mb_at  the epoch where gradients are drawn
"""

from __future__ import annotations

import inspect

import pandas as pd
import streamlit as st

from gradcore import minibatch as mb
from gradcore.minibatch_figures import (
    gradient_figure,
    loss_by_epoch_figure,
    loss_by_iteration_figure,
    noise_figure,
    trajectory_figure,
    view_box,
)
from ui.cache import TRAINING_RUNS_BYTES, bytes_cache
from ui.chart import chart
from ui.export import csv_button
from ui.i18n import N_, _, in_language, tr
from ui.interrupt import bounded, niced, request_deadline
from ui.minibatch_cost import show_decay, show_vectorisation
from ui.outline import show_section_label
from ui.region import region
from ui.sidebar import navigation_sidebar, page_url_view
from ui.text import plain, plain_with_code
from ui.url import Param, choice, integer, level, number, number_text

st.set_page_config(page_title=_("Mini-batch · Gradient Lab"), page_icon="∇", layout="wide")

LR_OPTIONS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
TARGETS = (0.1, 0.05, 0.02, 0.01, 0.005, 0.001)
KEEP = "session"
URL_PARAMS = [
    Param("mb_model", "mb_model", choice(list(mb.MODELS)), next(iter(mb.MODELS))),
    Param("mb_n", "mb_n", integer(20, mb.MAX_ROWS), 200), Param("mb_w", "mb_w", number(-5.0, 5.0), 2.0, number_text),
    Param("mb_b", "mb_b", number(-5.0, 5.0), -1.0, number_text),
    Param("mb_noise", "mb_noise", number(0.0, 3.0), 0.5, number_text), Param("mb_dseed", "mb_dseed", integer(0, 10_000), 0),
    Param("mb_bs", "mb_bs", integer(1, mb.MAX_ROWS), 16), Param("mb_lr", "mb_lr", level(LR_OPTIONS), 0.05, number_text),
    Param("mb_ep", "mb_ep", integer(1, 50), 20), Param("mb_opt", "mb_opt", choice(list(mb.OPTIMIZERS)), next(iter(mb.OPTIMIZERS))),
    Param("mb_seed", "mb_seed", integer(0, 10_000), 0), Param("mb_w0", "mb_w0", number(-10.0, 10.0), -1.0, number_text),
    Param("mb_b0", "mb_b0", number(-10.0, 10.0), 3.0, number_text),
    Param("mb_tgt", "mb_tgt", level(TARGETS), 0.01, number_text), Param("mb_at", "mb_at", integer(0, 50), 0)]


@st.cache_data(max_entries=16, show_spinner=False)
def load_data(source: tuple) -> mb.Data:
    """("synthetic", model, n, w, b, noise, seed) or ("csv", model, raw bytes, file name) -> Data."""
    if source[0] == "csv":
        return mb.read_csv(source[2], source[1], source[3])
    return mb.synthetic(*source[1:])


@bounded(_("Ask for fewer epochs or a larger batch size B."))
@bytes_cache(TRAINING_RUNS_BYTES, show_spinner=_("Training with torch…"))
def cached_train(source: tuple, batch_size: int, lr: float, epochs: int, optimizer: str, seed: int, start: tuple,
                 label: str) -> mb.Run:
    """One run, keyed on plain values: a new batch size retrains only the mini-batch run."""
    return niced(mb.train)(load_data(source), source[1], batch_size, lr, epochs, optimizer, seed, start, label,
                           callback=request_deadline())


@st.cache_data(max_entries=32, show_spinner=False)
def cached_grid(source: tuple, box: tuple):
    return mb.loss_grid(load_data(source), source[1], box)


def compare(source: tuple, settings: dict) -> mb.Comparison:
    """The three runs (each cached on its own)."""
    def train(_data, _model, size, lr, epochs, optimizer, seed, start, label):
        return cached_train(source, size, lr, epochs, optimizer, seed, start, label)
    return mb.compare(load_data(source), source[1], train_fn=train, **settings)


@st.cache_data(max_entries=32, show_spinner=False)
def cached_noise(source: tuple, point: tuple, batch_size: int, seed: int):
    """Per-example gradients, one epoch of batch gradients and the variance curve at `point`."""
    data, model = load_data(source), source[1]
    per_example = mb.per_example_grads(data, model, point)
    batch = mb.batch_grads(data, model, point, batch_size, seed)
    return per_example, batch, mb.noise_curve(per_example, mb.batch_sizes(data.n, batch_size), seed)


def optimizer_label(name: str) -> str:
    """An optimizer choice as shown: torch.optim's class names stay, the words around them are translated."""
    return _("SGD with momentum 0.9") if name == "SGD with momentum 0.9" else name


def batch_options(n: int) -> list[int]:
    """1, 2, 4, … below N, then N itself."""
    return [int(b) for b in mb.batch_sizes(n)] + [n]


def clamp_choice(key: str, options, default) -> None:
    """Keep a remembered choice valid when its options change (e.g. a batch size above a new N)."""
    value = st.session_state.get(key, default)
    st.session_state[key] = value if value in options else max([o for o in options if o <= value], default=options[0])


def data_controls(model: str) -> tuple[tuple, str | None]:
    """The data source as a plain tuple (the cache key), and the sentence saying why an uploaded file cannot be used."""
    labels = in_language()
    kind = st.radio(_("Data"), [N_("Synthetic"), N_("Upload CSV")], key="mb_data", horizontal=True, persist_state=KEEP,
                    format_func=labels)
    problem = None
    if kind == "Upload CSV":
        upload = st.file_uploader(_("CSV file (columns x, y)"), type=["csv", "txt"], key="mb_csv",
                                  help=_("A first line `x,y`, then one example per line; at most {most} lines. "
                                         "For logistic regression y is 0 or 1.", most=mb.MAX_ROWS))
        if upload is not None:
            source = ("csv", model, upload.getvalue(), upload.name)
            try:
                load_data(source)
                return source, None
            except mb.DataError as err:
                problem = _("**{name} cannot be used.** {why}", name=plain(upload.name), why=plain_with_code(tr(err.args[0])))
        st.caption(_("Until a file is usable the page shows the synthetic data below."))
    with st.expander(_("Synthetic data: N, w*, b*, noise, seed")):
        n = st.slider(_("N (examples)"), 20, mb.MAX_ROWS, 200, step=10, key="mb_n", persist_state=KEEP)
        c1, c2 = st.columns(2)
        w = c1.slider("w*", -5.0, 5.0, 2.0, step=0.1, key="mb_w", persist_state=KEEP)
        b = c2.slider("b*", -5.0, 5.0, -1.0, step=0.1, key="mb_b", persist_state=KEEP)
        noise = c1.slider(_("noise σ"), 0.0, 3.0, 0.5, step=0.1, key="mb_noise", persist_state=KEEP, disabled=model != "linear",
                          help=_("Linear: y = w*·x + b* + σ·ε. Logistic: y is drawn from σ(w*·x + b*), the draw is the noise."))
        dseed = c2.number_input(_("data seed"), 0, 10_000, 0, key="mb_dseed", persist_state=KEEP)
    return ("synthetic", model, int(n), float(w), float(b), float(noise), int(dseed)), problem


def training_controls(n: int) -> dict:
    """Batch size, learning rate, epochs, optimizer, shuffle seed and start point."""
    options = batch_options(n)
    clamp_choice("mb_bs", options, 16)
    bs = st.select_slider(_("Batch size B"), options, key="mb_bs", persist_state=KEEP,
                          help=_("Examples per optimizer step. B = N is full-batch gradient descent, B = 1 is stochastic."))
    lr = st.select_slider(_("Learning rate (log scale)"), LR_OPTIONS, value=0.05, key="mb_lr", persist_state=KEEP)
    epochs = st.slider(_("Epochs"), 1, 50, 20, key="mb_ep", persist_state=KEEP,
                       help=_("Passes over the data. An epoch has ⌈N/B⌉ steps."))
    c1, c2 = st.columns([3, 2])
    optimizer = c1.selectbox(_("Optimizer"), list(mb.OPTIMIZERS), key="mb_opt", persist_state=KEEP,
                             format_func=optimizer_label)
    seed = c2.number_input(_("Shuffle seed"), 0, 10_000, 0, key="mb_seed", persist_state=KEEP)
    c1, c2 = st.columns(2)
    w0 = c1.number_input(_("start w₀"), -10.0, 10.0, -1.0, step=0.5, key="mb_w0", persist_state=KEEP)
    b0 = c2.number_input(_("start b₀"), -10.0, 10.0, 3.0, step=0.5, key="mb_b0", persist_state=KEEP)
    return {"batch_size": int(bs), "lr": float(lr), "epochs": int(epochs), "optimizer": optimizer, "seed": int(seed),
            "start": (float(w0), float(b0))}


def cost_table(comparison: mb.Comparison, target: float) -> pd.DataFrame:
    """Per run: steps and examples to reach the target, and where it ended."""
    rows = []
    for run in comparison.runs:
        hit = run.first_below(target)
        rows.append({_("run"): tr(run.label), _("steps per epoch"): run.steps_per_epoch,
                     _("steps to target"): "—" if hit is None else f"{hit:,}",
                     _("examples to target"): "—" if hit is None else f"{int(run.examples[hit]):,}",
                     _("final loss"): _("diverged") if run.diverged else f"{run.losses[-1]:.4g}"})
    return pd.DataFrame(rows)


def examples_sentence(run: mb.Run, hit: int) -> str:
    """How `hit` steps add up to the examples counted: whole epochs of N, the last batch of each epoch smaller when B ∤ N."""
    per_epoch, n, b = run.steps_per_epoch, int(run.examples[run.epoch_ends[1]]), run.batch_size
    epochs, extra = divmod(hit, per_epoch)
    last = n - (per_epoch - 1) * b
    if last == b or epochs == 0:
        return (_("{steps:,} optimizer steps × 1 example each.", steps=hit) if b == 1 else
                _("{steps:,} optimizer steps × {b} examples each.", steps=hit, b=b))
    whole = (_("1 epoch of N = {n:,} ({batches} batches of {b} and a last one of {last})", n=n, batches=per_epoch - 1, b=b,
               last=last) if epochs == 1 else
             _("{epochs} epochs of N = {n:,} ({batches} batches of {b} and a last one of {last})", epochs=epochs, n=n,
               batches=per_epoch - 1, b=b, last=last))
    if not extra:
        return _("{steps:,} optimizer steps, {examples:,} examples: {whole}.", steps=hit, examples=int(run.examples[hit]),
                 whole=whole)
    more = (_("1 more batch of {b}", b=b) if extra == 1 else _("{extra} more batches of {b}", extra=extra, b=b))
    return _("{steps:,} optimizer steps, {examples:,} examples: {whole} and {more}.", steps=hit,
             examples=int(run.examples[hit]), whole=whole, more=more)


def show_cost(comparison: mb.Comparison, target: float) -> None:
    """One metric per run: examples processed (gradient evaluations) until L first reached the target."""
    names = (_("Full batch"), _("Mini-batch"), _("Stochastic (B = 1)"))
    for col, run, name in zip(st.columns(3), comparison.runs, names, strict=True):
        hit = run.first_below(target)
        value = _("not reached") if hit is None else f"{int(run.examples[hit]):,}"
        col.metric(name, value, border=True,
                   help=f"{tr(run.label)}: " + (_("did not reach the target within the epochs run.") if hit is None
                                                 else examples_sentence(run, hit)))
    st.dataframe(cost_table(comparison, target), hide_index=True, width="stretch")
    st.caption(_("Each step costs B gradient evaluations. Small batches take many cheap, noisy steps: per example processed "
                 "they get close soonest, but with a fixed learning rate they keep bouncing (compare the final losses). "
                 "Full batch pays N evaluations for every careful step."))


navigation_sidebar()   # this page's model does not use the formula: no formula box, no ranges
page_url_view(URL_PARAMS)

show_section_label(__file__)
st.title(_("Mini-batch gradient descent"))
st.caption(_("nn.Linear(1, 1) trained three times from the same start: on all N examples per step "
             "(full batch), on B (mini-batch) and on 1 (stochastic)."))

controls, picture = st.columns([1, 2.6], gap="medium")
with controls:
    model_label = in_language()
    model = st.radio(_("Model"), list(mb.MODELS), format_func=lambda m: model_label(mb.MODELS[m].label), key="mb_model",
                     persist_state=KEEP)
    training_box = st.container()       # drawn above the data controls, filled once N is known
    source, problem = data_controls(model)
    data = load_data(source)
    with training_box:
        settings = training_controls(data.n)

comparison = compare(source, settings)
ws, bs, Z = cached_grid(source, view_box(comparison))
mini = comparison.mini
runs_memo = (source, tuple(sorted(settings.items())))     # every input of the runs (ui.chart builds each figure once)
with picture:
    if problem:
        st.error(" ".join([problem, _("The page shows the synthetic data until then.")]), icon=":material/description:")
    st.latex(mb.MODELS[model].formula)
    paths_title = _("Paths of (w, b) on the loss surface · {optimizer}, lr = {lr:g}, {epochs} epochs",
                    optimizer=optimizer_label(settings["optimizer"]), lr=settings["lr"], epochs=settings["epochs"])
    chart(lambda: trajectory_figure(ws, bs, Z, comparison, paths_title, tr), key="mb_fig_paths", memo=runs_memo)
    csv_button(_("Paths as CSV"), lambda: mb.paths_csv(comparison.runs), _("minibatch_paths"), "mb_paths_csv")
    st.caption(_("Data: {data}. Full batch takes {full} smooth steps, the mini-batch run {mini:,} wobbling ones, B = 1 "
                 "{sgd:,} zig-zagging ones: the same number of epochs.", data=plain(tr(data.source)),
                 full=comparison.full.steps, mini=mini.steps, sgd=comparison.sgd.steps))
    for run in comparison.distinct_runs:
        if run.diverged:
            st.warning(_("{run} diverged after {epochs} epoch(s): lower the learning rate.", run=tr(run.label),
                         epochs=run.epochs), icon=":material/warning:")
    if not comparison.optimum.exists:
        st.info(_("A threshold on x splits the classes (or there is only one class): the loss keeps falling as |w| or |b| "
                  "grows and has no minimum, so the target is measured from L = 0."))

@region
def cost_section() -> None:
    """The target slider and everything it changes: the cost metrics and table, the loss charts, the seconds."""
    st.subheader(_("Cost: examples processed until the loss reaches the target"))
    fraction = st.select_slider(_("Target: L ≤ L* + fraction × (L(start) − L*)"), TARGETS, value=0.01, key="mb_tgt",
                                format_func=lambda f: f"{f:.1%}", persist_state=KEEP)
    target = comparison.target(fraction)
    show_cost(comparison, target)
    left, right = st.columns(2, gap="medium")
    chart(lambda: loss_by_iteration_figure(comparison, target, _("Loss against iteration"), tr), key="mb_fig_iter", where=left,
          memo=(runs_memo, fraction))
    chart(lambda: loss_by_epoch_figure(comparison, target, _("Loss against epoch"), tr), key="mb_fig_epoch", where=right,
          memo=(runs_memo, fraction))
    show_vectorisation(source, data, comparison, settings, target)


@region
def noise_section() -> None:
    """The epoch slider and the gradients it shows: one batch's gradients and the spread against B."""
    st.subheader(_("Gradient noise: why the paths wobble"))
    epochs_run = mini.epochs
    clamp_choice("mb_at", list(range(epochs_run + 1)), 0)
    at = st.slider(_("Look at the gradients at the end of epoch (of the mini-batch run)"), 0, max(epochs_run, 1),
                   key="mb_at", disabled=epochs_run == 0)
    point = mini.at_epoch(at)
    per_example, batch, curve = cached_noise(source, point, mini.batch_size, settings["seed"])
    left, right = st.columns(2, gap="medium")
    grads_title = _("Gradients at (w, b) = ({w:.2f}, {b:.2f}), B = {size}", w=point[0], b=point[1], size=mini.batch_size)
    chart(lambda: gradient_figure(batch, curve.full_gradient, per_example, curve.spread(mini.batch_size), grads_title, tr),
          key="mb_fig_grads", where=left, memo=(runs_memo, at))
    chart(lambda: noise_figure(curve, mini.batch_size, _("Spread of the batch gradient against B"), tr), key="mb_fig_noise",
          where=right, memo=(runs_memo, at))
    st.caption(_("σ² = {sigma2:.4g} is the spread of single-example gradients around ∇L. A batch of B examples drawn "
                 "without replacement averages them: its variance is σ²/B · (N − B)/(N − 1), so 4× the batch halves the "
                 "wobble.", sigma2=curve.sigma2))


cost_section()
region(show_decay)(source, data, comparison, settings)
noise_section()

with st.expander(_("The PyTorch loop that ran (gradcore.minibatch.train)")):
    st.code(inspect.getsource(mb.make_loader) + "\n\n" + inspect.getsource(mb.train), language="python")
