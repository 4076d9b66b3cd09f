"""Mini-batch gradient descent with torch's own pieces: TensorDataset, a seeded DataLoader, nn.Linear(1, 1), a loss, torch.optim.

Calculation only: every function returns arrays or frozen dataclasses; the figures live in gradcore.minibatch_figures.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, grad, vmap
from torch.utils.data import DataLoader, TensorDataset

from gradcore.messages import Joined, msg

X_RANGE = (-1.0, 3.0)   # synthetic inputs: x ~ Uniform(X_RANGE); off-centre, so w and b are coupled
MAX_ROWS = 1000         # rows of an uploaded CSV (and the largest synthetic N)
MAX_BYTES = 1_000_000   # size of an uploaded CSV
MAX_ABS = 1e6           # |x|, |y| in an uploaded CSV
BLOWUP = 1e6            # |w| or |b| beyond this counts as diverged
PROGRESS_STEPS = 100    # optimizer steps between calls of train()'s progress callback
LISTED = 5              # column names a message lists before "and N more"

# ---------------------------------------------------------------- registries


@dataclass(frozen=True)
class Model:
    """A model choice: nn.Linear(1, 1) followed by the loss `loss_name` of torch.nn."""

    name: str
    label: str
    loss_name: str
    formula: str        # the loss in LaTeX, z = w x + b

    def make_loss(self) -> nn.Module:
        return getattr(nn, self.loss_name)()

    def per_example(self, z: np.ndarray, y: np.ndarray) -> np.ndarray:
        """ℓ(z, y): (z − y)² for MSE; log(1 + eᶻ) − y z for BCE with logits."""
        return (z - y) ** 2 if self.name == "linear" else np.logaddexp(0.0, z) - y * z


MODELS: dict[str, Model] = {m.name: m for m in (
    Model("linear", msg("Linear regression (MSE)"), "MSELoss", r"L(w, b) = \frac{1}{N}\sum_i (w x_i + b - y_i)^2"),
    Model("logistic", msg("Logistic regression (BCE)"), "BCEWithLogitsLoss",
          r"L(w, b) = \frac{1}{N}\sum_i \log(1 + e^{z_i}) - y_i z_i,\quad z_i = w x_i + b"),
)}


@dataclass(frozen=True)
class OptimizerChoice:
    """A torch.optim class and the hyperparameters it is run with (besides lr)."""

    label: str
    cls: type[torch.optim.Optimizer]
    hyper: tuple[tuple[str, float], ...] = ()

    def make(self, params, lr: float) -> torch.optim.Optimizer:
        return self.cls(params, lr=lr, **dict(self.hyper))


OPTIMIZERS: dict[str, OptimizerChoice] = {o.label: o for o in (
    OptimizerChoice("SGD", torch.optim.SGD),
    OptimizerChoice("SGD with momentum 0.9", torch.optim.SGD, (("momentum", 0.9),)),
    OptimizerChoice("Adam", torch.optim.Adam),
)}

# ---------------------------------------------------------------- data


class DataError(ValueError):
    """A data set that cannot be used; the message says what to change."""


@dataclass(frozen=True, eq=False)
class Data:
    """N examples (x_i, y_i) as float64 arrays, and where they came from."""

    x: np.ndarray
    y: np.ndarray
    source: str

    @property
    def n(self) -> int:
        return len(self.x)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def synthetic(model: str = "linear", n: int = 200, w: float = 2.0, b: float = -1.0, noise: float = 0.5,
              seed: int = 0) -> Data:
    """x ~ U(X_RANGE); y = w x + b + noise·ε (linear) or y ~ Bernoulli(σ(w x + b)) (logistic)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(*X_RANGE, n)
    if model == "linear":
        y = w * x + b + noise * rng.standard_normal(n)
        return Data(x, y, msg("y = {line} + {noise:g}·ε with x ~ U{range}, N = {n}", line=_line(w, b), noise=noise,
                              range=str(X_RANGE), n=n))
    y = (rng.random(n) < sigmoid(w * x + b)).astype(np.float64)
    return Data(x, y, msg("y ~ Bernoulli(σ({line})) with x ~ U{range}, N = {n}", line=_line(w, b), range=str(X_RANGE), n=n))


def _line(w: float, b: float) -> str:
    return f"{w:g}·x {'−' if b < 0 else '+'} {abs(b):g}"


def _decode(raw: bytes) -> str:
    if raw[:4] == b"PK\x03\x04":
        raise DataError(msg("This is a zip or Excel (.xlsx) file, not text: in your spreadsheet use "
                            "File → Save as → “CSV UTF-8 (comma delimited)”."))
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise DataError(msg("This file is UTF-16 or binary, not plain text: save it as “CSV UTF-8”."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise DataError(msg("Line {line} holds a byte (0x{byte:02X}) that is not UTF-8 text: save the file "
                            "as “CSV UTF-8”, or remove accented letters and symbols from it.", line=line,
                            byte=raw[err.start])) from None


def _delimiter(first_line: str) -> str:
    """';' or tab when the first line uses one (European CSVs), else ','."""
    return ";" if ";" in first_line else "\t" if "\t" in first_line else ","


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _columns(header: list[str]) -> tuple[int, int]:
    """The positions of x and y: columns named x and y, or the only two columns."""
    names = [h.strip().lower() for h in header]
    if "x" in names and "y" in names:
        return names.index("x"), names.index("y")
    if len(names) == 2:
        return 0, 1
    shown = _listed([h.strip() for h in header]) or msg("none")
    if len(names) < 2:
        raise DataError(msg("Found one column ({shown}); the file needs two: x (the input) and y (the target), "
                            "separated by commas, e.g. a first line `x,y`.", shown=shown))
    raise DataError(msg("Found {count:,} columns ({shown}): name the input column `x` and the target column `y` "
                        "in the first line, or keep only two columns.", count=len(names), shown=shown))


def _shown(cell: str, most: int = 20) -> str:
    """A cell for a message: at most `most` characters."""
    return cell if len(cell) <= most else cell[:most - 3] + "…"


def _listed(names: Sequence[str], most: int = LISTED) -> str:
    """The first `most` names, quoted and shortened, and how many more there are: a message stays a sentence."""
    shown = ", ".join(f"“{_shown(n)}”" for n in names[:most])
    return msg("{names} and {count:,} more", names=shown, count=len(names) - most) if len(names) > most else shown


def _cell_error(line: int, name: str, cell: str, delimiter: str) -> str:
    shown = _shown(cell)
    if not cell.strip():
        return msg("Line {line}: the {name} cell is empty; fill it in or delete the line.", line=line, name=name)
    if delimiter != "," and _is_number(cell.replace(",", ".", 1)):
        return msg("Line {line}, column {name}: “{cell}” uses a decimal comma; write decimals with a dot (1.5, not 1,5).",
                   line=line, name=name, cell=shown)
    if _is_number(cell):
        return msg("Line {line}, column {name}: “{cell}” is not a finite number (or larger than {most:g}); fix or remove "
                   "it.", line=line, name=name, cell=shown, most=MAX_ABS)
    return msg("Line {line}, column {name}: “{cell}” is not a number; use plain numbers like 1.5 or -2e-3.", line=line,
               name=name, cell=shown)


def _parse_rows(rows: list[tuple[int, list[str]]], ix: int, iy: int, delimiter: str) -> np.ndarray:
    """(rows, 2) floats; DataError naming the first bad cell and how many more there are."""
    errors, values = [], np.empty((len(rows), 2))
    for r, (line, cells) in enumerate(rows):
        if len(cells) <= max(ix, iy):
            errors.append(msg("Line {line} has {count} value(s); every line needs x and y, separated by “{delimiter}”.",
                              line=line, count=len(cells), delimiter=delimiter))
            continue
        for c, (i, name) in enumerate(((ix, "x"), (iy, "y"))):
            try:
                values[r, c] = v = float(cells[i])
                if not math.isfinite(v) or abs(v) > MAX_ABS:
                    raise ValueError
            except ValueError:
                errors.append(_cell_error(line, name, cells[i], delimiter))
    if errors:
        more = [msg("({count} more problem(s) like it further down.)", count=len(errors) - 1)] if len(errors) > 1 else []
        raise DataError(Joined([errors[0], *more]))
    return values


def _check_examples(x: np.ndarray, y: np.ndarray, model: str) -> None:
    if len(x) < 2:
        raise DataError(msg("The file has {count} data line(s); it needs at least 2 examples (x, y).", count=len(x)))
    if np.ptp(x) == 0:
        raise DataError(msg("Every x is {x:g}: w cannot be learned from one x value; the file needs at least two different "
                            "x.", x=x[0]))
    if model == "logistic":
        bad = np.flatnonzero((y != 0) & (y != 1))
        if bad.size:
            raise DataError(msg("For logistic regression y must be 0 or 1, but data line {line} has y = {y:g}: "
                                "use 0/1 class labels, or switch the model to linear regression.", line=bad[0] + 1,
                                y=y[bad[0]]))
        if np.ptp(y) == 0:
            raise DataError(msg("Every y is {y:g}: logistic regression needs examples of both classes (0 and 1).", y=y[0]))


def _split(line: int, text: str, delimiter: str) -> list[str]:
    """The cells of one line; DataError for what the csv module refuses (a field over its 131,072-character limit)."""
    try:
        return next(csv.reader([text], delimiter=delimiter))
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            raise DataError(msg("Line {line} holds one value of {count:,} characters (a quote that is never closed, or "
                                "not a data file?): every cell should be a short number; fix or remove that line.",
                                line=line, count=len(text))) from None
        raise DataError(msg("Line {line} cannot be read as CSV ({error}): save the file as “CSV UTF-8” from a "
                            "spreadsheet.", line=line, error=str(err))) from None


def read_csv(raw: bytes, model: str = "linear", name: str = "upload.csv") -> Data:
    """An uploaded CSV of two numeric columns (x, y) as Data; DataError with a sentence saying what to change."""
    if len(raw) > MAX_BYTES:
        raise DataError(msg("The file is {size:.1f} MB; the limit is {most:g} MB ({rows} rows): upload a sample of it.",
                            size=len(raw) / 1e6, most=MAX_BYTES / 1e6, rows=MAX_ROWS))
    text = _decode(raw)
    lines = [(i + 1, line) for i, line in enumerate(text.splitlines()) if line.strip()]
    if not lines:
        raise DataError(msg("The file is empty: it needs a first line `x,y` and then one line per example, e.g. "
                            "`0.5,1.2`."))
    delimiter = _delimiter(lines[0][1])
    rows = [(i, _split(i, line, delimiter)) for i, line in lines]
    has_header = not all(_is_number(c) for c in rows[0][1])
    ix, iy = _columns(rows[0][1] if has_header else ["x", "y"] if len(rows[0][1]) == 2 else rows[0][1])
    body = rows[1:] if has_header else rows
    if len(body) > MAX_ROWS:
        raise DataError(msg("The file has {count:,} data lines; the limit is {most:,}: upload a random sample of them.",
                            count=len(body), most=MAX_ROWS))
    values = _parse_rows(body, ix, iy, delimiter)
    _check_examples(values[:, 0], values[:, 1], model)
    return Data(values[:, 0].copy(), values[:, 1].copy(), f"{name}, N = {len(body)}")

# ---------------------------------------------------------------- the exact answer


@dataclass(frozen=True)
class Optimum:
    """The minimiser (w*, b*) of the full-data loss and L* there; exists=False when the loss has no minimum."""

    w: float
    b: float
    loss: float
    exists: bool = True


def _design(data: Data) -> np.ndarray:
    return np.column_stack([data.x, np.ones_like(data.x)])


def separable(data: Data) -> bool:
    """True when a threshold on x splits the classes (or there is one class): then the BCE loss has no minimum."""
    x0, x1 = data.x[data.y == 0], data.x[data.y == 1]
    return not (x0.size and x1.size) or x0.max() <= x1.min() or x1.max() <= x0.min()


def _newton_logistic(data: Data, iterations: int = 100) -> np.ndarray:
    """Newton's method on the convex BCE loss, halving a step that would raise the loss."""
    A, theta = _design(data), np.zeros(2)
    loss = float(full_loss(data, "logistic", theta[None])[0])
    for _ in range(iterations):
        p = sigmoid(A @ theta)
        H = (A * (p * (1 - p))[:, None]).T @ A / data.n + 1e-12 * np.eye(2)
        step = np.linalg.solve(H, A.T @ (p - data.y) / data.n)
        for _ in range(40):
            new_loss = float(full_loss(data, "logistic", (theta - step)[None])[0])
            if new_loss <= loss:
                break
            step = step / 2
        theta, loss = theta - step, new_loss
        if np.abs(step).max() < 1e-13:
            break
    return theta


def optimum(data: Data, model: str = "linear") -> Optimum:
    """Least squares (numpy.linalg.lstsq) for MSE; Newton's method for BCE, whose minimum exists unless x separates the classes."""
    if model == "logistic" and separable(data):
        return Optimum(float("nan"), float("nan"), 0.0, exists=False)
    if model == "linear":
        theta = np.linalg.lstsq(_design(data), data.y, rcond=None)[0]
    else:
        theta = _newton_logistic(data)
    return Optimum(float(theta[0]), float(theta[1]), float(full_loss(data, model, theta[None])[0]))


def full_loss(data: Data, model: str, params: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """L(w, b) = (1/N) Σ ℓ(w x_i + b, y_i) at each row (w, b) of params (..., 2)."""
    flat = np.asarray(params, dtype=np.float64).reshape(-1, 2)
    out = np.empty(len(flat))
    with np.errstate(over="ignore", invalid="ignore"):
        for s in range(0, len(flat), chunk):
            w, b = flat[s:s + chunk, :1], flat[s:s + chunk, 1:]
            out[s:s + chunk] = MODELS[model].per_example(w * data.x + b, data.y).mean(axis=1)
    return out.reshape(np.shape(params)[:-1])


def loss_grid(data: Data, model: str, box: tuple[float, float, float, float], resolution: int = 101):
    """ws (m,), bs (m,), Z (m, m) with Z[j, i] = L(ws[i], bs[j])."""
    ws, bs = np.linspace(box[0], box[1], resolution), np.linspace(box[2], box[3], resolution)
    W, B = np.meshgrid(ws, bs)
    return ws, bs, full_loss(data, model, np.stack([W, B], axis=-1))

# ---------------------------------------------------------------- training


@dataclass(frozen=True, eq=False)
class Run:
    """One training run: (w, b) before the first step and after every step, with the full-data loss there."""

    label: str
    batch_size: int
    params: np.ndarray       # (T+1, 2)
    losses: np.ndarray       # (T+1,) full-data loss L(w, b) at each row of params
    examples: np.ndarray     # (T+1,) examples processed so far = gradient evaluations
    epoch_ends: np.ndarray   # (E+1,) index into params at the end of each epoch (0: the start)
    diverged: bool

    @property
    def steps(self) -> int:
        return len(self.params) - 1

    @property
    def epochs(self) -> int:
        """Epochs completed (fewer than asked for when the run diverged)."""
        return len(self.epoch_ends) - 1

    @property
    def steps_per_epoch(self) -> int:
        return int(self.epoch_ends[1]) if self.epochs else 0

    def at_epoch(self, epoch: int) -> tuple[float, float]:
        """(w, b) at the end of `epoch` (0: the start), clamped to the epochs completed."""
        w, b = self.params[self.epoch_ends[min(max(epoch, 0), self.epochs)]]
        return float(w), float(b)

    def first_below(self, target: float) -> int | None:
        """The first step at which L ≤ target, or None."""
        hits = np.flatnonzero(self.losses <= target)
        return int(hits[0]) if hits.size else None


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch on one CPU thread: tensors of a few hundred numbers gain nothing from more, and on a busy
    machine the threads' hand-offs made BCEWithLogitsLoss 25× slower (2.6 ms instead of 0.1 ms a call)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def tensors(data: Data) -> TensorDataset:
    """The examples as a TensorDataset of float64 columns (N, 1)."""
    return TensorDataset(torch.from_numpy(data.x).reshape(-1, 1), torch.from_numpy(data.y).reshape(-1, 1))


def make_loader(data: Data, batch_size: int, seed: int) -> DataLoader:
    """A DataLoader that reshuffles every epoch, reproducibly: its own torch.Generator seeded with `seed`."""
    return DataLoader(tensors(data), batch_size=batch_size, shuffle=True, generator=torch.Generator().manual_seed(seed))


def make_net(start: Sequence[float]) -> nn.Linear:
    """nn.Linear(1, 1) in float64 with weight w₀ and bias b₀."""
    net = nn.Linear(1, 1, dtype=torch.float64)
    with torch.no_grad():
        net.weight.fill_(start[0])
        net.bias.fill_(start[1])
    return net


def _wb(net: nn.Linear) -> torch.Tensor:
    return torch.cat((net.weight.detach().view(1), net.bias.detach()))


def train(data: Data, model: str = "linear", batch_size: int = 16, lr: float = 0.05, epochs: int = 20,
          optimizer: str = "SGD", seed: int = 0, start: Sequence[float] = (0.0, 0.0), label: str = "",
          callback: Callable[[int, int], None] | None = None, decay_steps: float = 0.0) -> Run:
    """Mini-batch gradient descent: for each epoch, for each shuffled batch: zero_grad, loss, backward, step.

    decay_steps = k₀ > 0 decays the learning rate after every step k: γₖ = γ / (1 + k / k₀) (γ halves by step k₀).
    callback(step, steps) every PROGRESS_STEPS steps (a progress bar, or a stop when the page's session ends)."""
    net, loss_fn = make_net(start), MODELS[model].make_loss()
    opt, loader = OPTIMIZERS[optimizer].make(net.parameters(), lr), make_loader(data, batch_size, seed)
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1 / (1 + k / decay_steps)) if decay_steps else None
    trail, sizes, ends, diverged = [_wb(net)], [0], [0], False
    with one_thread():
        for _ in range(epochs):
            for xb, yb in loader:
                opt.zero_grad()
                loss_fn(net(xb), yb).backward()
                opt.step()
                if decay is not None:
                    decay.step()
                trail.append(_wb(net))
                sizes.append(len(xb))
                if callback is not None and (len(sizes) - 1) % PROGRESS_STEPS == 0:
                    callback(len(sizes) - 1, epochs * len(loader))
            ends.append(len(trail) - 1)
            if not bool(torch.isfinite(trail[-1]).all()) or float(trail[-1].abs().max()) > BLOWUP:
                diverged = True
                break
    params = torch.stack(trail).numpy()
    return Run(label or f"B = {batch_size}", batch_size, params, full_loss(data, model, params),
               np.cumsum(sizes), np.array(ends), diverged)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Full batch, the chosen mini-batch and batch size 1, trained from the same start with the same settings."""

    full: Run
    mini: Run
    sgd: Run
    optimum: Optimum
    start_loss: float

    @property
    def runs(self) -> tuple[Run, Run, Run]:
        return self.full, self.mini, self.sgd

    @property
    def distinct_runs(self) -> list[Run]:
        """The runs without repeats (B = N or B = 1 makes the mini-batch run one of the others)."""
        return list({id(r): r for r in self.runs}.values())

    def target(self, fraction: float) -> float:
        """The loss that closes all but `fraction` of the gap: L* + fraction·(L(start) − L*)."""
        return self.optimum.loss + fraction * (self.start_loss - self.optimum.loss)


def compare(data: Data, model: str = "linear", batch_size: int = 16, lr: float = 0.05, epochs: int = 20,
            optimizer: str = "SGD", seed: int = 0, start: Sequence[float] = (0.0, 0.0),
            train_fn: Callable[..., Run] = train) -> Comparison:
    """train() with batch sizes N, batch_size and 1 (a run is reused when two sizes coincide).

    train_fn takes train()'s arguments; a caller may pass a cached version of it.
    """
    runs: dict[int, Run] = {}
    for size, label in ((data.n, msg("Full batch (B = {size})", size=data.n)), (1, msg("Stochastic (B = {size})", size=1)),
                        (batch_size, msg("Mini-batch (B = {size})", size=batch_size))):
        if size not in runs:
            runs[size] = train_fn(data, model, size, lr, epochs, optimizer, seed, tuple(start), label)
    start_loss = float(full_loss(data, model, np.asarray(start, dtype=np.float64)[None])[0])
    return Comparison(runs[data.n], runs[batch_size], runs[1], optimum(data, model), start_loss)

# ---------------------------------------------------------------- gradient noise


def per_example_grads(data: Data, model: str, point: Sequence[float]) -> np.ndarray:
    """∇ℓ_i(w, b) for every example i, shape (N, 2), with torch.func.vmap(torch.func.grad(ℓ_i))."""
    net, loss_fn = make_net(point), MODELS[model].make_loss()
    params = {name: p.detach() for name, p in net.named_parameters()}

    def loss_one(p, xi, yi):                      # ℓ_i as a function of the parameters
        return loss_fn(functional_call(net, p, (xi.view(1, 1),)), yi.view(1, 1))

    X, Y = tensors(data).tensors
    with one_thread():
        g = vmap(grad(loss_one), in_dims=(None, 0, 0))(params, X, Y)
    return torch.cat((g["weight"].reshape(-1, 1), g["bias"].reshape(-1, 1)), dim=1).numpy()


def batch_grads(data: Data, model: str, point: Sequence[float], batch_size: int, seed: int = 0) -> np.ndarray:
    """The gradient of each batch's loss at a fixed (w, b), for one epoch of the seeded DataLoader: (batches, 2)."""
    net, loss_fn, out = make_net(point), MODELS[model].make_loss(), []
    with one_thread():
        for xb, yb in make_loader(data, batch_size, seed):
            net.zero_grad()
            loss_fn(net(xb), yb).backward()
            out.append((float(net.weight.grad), float(net.bias.grad)))
    return np.array(out)


@dataclass(frozen=True, eq=False)
class NoiseCurve:
    """E‖g_B − ∇L‖² measured over random batches against the theory σ²/B · (N − B)/(N − 1)."""

    batch_sizes: np.ndarray
    measured: np.ndarray
    sigma2: float            # σ² = (1/N) Σ ‖∇ℓ_i − ∇L‖², the spread of single-example gradients
    n: int
    full_gradient: np.ndarray = field(default_factory=lambda: np.zeros(2))

    def spread(self, batch_size: int) -> float:
        """√(σ²/B · (N − B)/(N − 1)): the expected distance of a batch gradient from ∇L (0 for B ≥ N)."""
        return float(np.sqrt(self.theory([batch_size])[0])) if batch_size < self.n else 0.0

    def theory(self, batch_sizes: np.ndarray | None = None, finite: bool = True) -> np.ndarray:
        """σ²/B, times the finite-population correction (N − B)/(N − 1) for batches drawn without replacement."""
        B = self.batch_sizes if batch_sizes is None else np.asarray(batch_sizes, dtype=np.float64)
        return self.sigma2 / B * ((self.n - B) / (self.n - 1) if finite else 1.0)


def batch_sizes(n: int, chosen: int | None = None) -> np.ndarray:
    """1, 2, 4, … below N, plus the chosen size when it is below N (B = N has no spread to plot)."""
    sizes = {2 ** k for k in range(int(math.log2(max(n - 1, 1))) + 1) if 2 ** k < n}
    if chosen is not None and chosen < n:
        sizes.add(chosen)
    return np.array(sorted(sizes))


def noise_curve(grads: np.ndarray, batch_sizes: Sequence[int], seed: int = 0, min_batches: int = 600) -> NoiseCurve:
    """Measure E‖g_B − ∇L‖² from per-example gradients: batches of each size cut from random permutations."""
    rng, n = np.random.default_rng(seed), len(grads)
    full, measured = grads.mean(axis=0), []
    for B in batch_sizes:
        k = n // B                                          # full batches per epoch; the remainder is left out
        perms = rng.permuted(np.broadcast_to(np.arange(n), (max(1, -(-min_batches // k)), n)), axis=1)
        g_B = grads[perms[:, :k * B]].reshape(-1, k, B, 2).mean(axis=2)
        measured.append(float(((g_B - full) ** 2).sum(axis=-1).mean()))
    sigma2 = float(((grads - full) ** 2).sum(axis=1).mean())
    return NoiseCurve(np.asarray(batch_sizes, dtype=np.float64), np.array(measured), sigma2, n, full)


def paths_csv(runs: Sequence[Run]) -> str:
    """Every run's path as CSV text: run, step, examples processed, w, b, full-data loss (floats in full precision)."""
    lines = ["run,step,examples,w,b,loss"]
    for run in runs:
        lines += [f"{run.label},{t},{int(run.examples[t])},{w!r},{b!r},{loss!r}"
                  for t, ((w, b), loss) in enumerate(zip(run.params.tolist(), run.losses.tolist(), strict=True))]
    return "\n".join(lines) + "\n"
