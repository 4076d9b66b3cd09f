"""The optimizer registry: torch.optim's names, hyperparameters, defaults, update rules and their LaTeX.

Every update rule is elementwise (each coordinate is updated from its own
gradient and state), so one rule serves two backends: plain Python floats, one
coordinate at a time (fast for a single start), and numpy arrays (a batch of
starts at once).  The order of floating-point operations follows torch.optim's
single-tensor code, and where torch's CPU kernels fuse a multiply-add (add with alpha, addcmul,
lerp) the scalar path does too, and its square root is the MKL one torch calls (gradcore.kernels):
a single start, fed the same gradients, reproduces torch.optim bit for bit, in float64 and (on numpy
float32 scalars) float32.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import itertools
import math
import numbers
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gradcore import kernels
from gradcore.messages import msg

Value = float | bool | tuple[float, float]
Num = Any  # a Python float (scalar path) or a numpy array (batch path)
Update = Callable[[Num, Num, tuple, Any], tuple[Num, tuple]]


# ---------------------------------------------------------------- elementwise helpers per backend

def _math_maximum(a: float, b: float) -> float:
    """max(a, b), NaN if either is NaN (as torch.maximum)."""
    return a if a >= b or a != a else b


def _math_where(cond: bool, a: float, b: float) -> float:
    """a where cond else b."""
    return a if cond else b


def _math_sign(v: float) -> float:
    """sign(v) in {-1, 0, 1}."""
    return float(v > 0.0) - float(v < 0.0)


def _math_clamp(v: float, low: float, high: float) -> float:
    """min(max(v, low), high)."""
    return min(max(v, low), high)


def _f32_clamp(v: np.float32, low: float, high: float) -> np.float32:
    """min(max(v, low), high) in float32 (the bounds cast to float32, as torch.clamp_ does)."""
    return np.float32(min(max(v, np.float32(low)), np.float32(high)))



@dataclass(frozen=True)
class Ops:
    """Elementwise helpers of one backend: math on Python floats, or numpy on arrays."""

    sqrt: Callable
    maximum: Callable
    where: Callable
    sign: Callable
    clamp: Callable
    full: Callable    # full(x, v): v with the shape of x
    fma: Callable     # fma(a, b, c) = a·b + c as torch's kernels round it
    scalar: Callable  # a Python number as the tensor's dtype sees it
    fma_by: Callable = lambda a: lambda b, c: a * b + c   # fma_by(a)(b, c) = fma(a, b, c), a fixed


MATH_OPS = Ops(kernels.sqrt, _math_maximum, _math_where, _math_sign, _math_clamp, lambda x, v: float(v),
               kernels.fma if kernels.FUSED else kernels.unfused, float, kernels.fma_by if kernels.FUSED else Ops.fma_by)
FLOAT32_OPS = Ops(kernels.sqrt32, _math_maximum, _math_where, _math_sign, _f32_clamp, lambda x, v: np.float32(v),
                  kernels.fma32 if kernels.FUSED else kernels.unfused, np.float32,   # on numpy float32 scalars
                  (lambda a: functools.partial(kernels.fma32, a)) if kernels.FUSED else Ops.fma_by)
NUMPY_OPS = Ops(np.sqrt, np.maximum, np.where, np.sign, np.clip, np.full_like, lambda a, b, c: a * b + c, float)


def _tensor(a: Any) -> torch.Tensor:
    """An array (or number) as a torch tensor sharing its memory."""
    return torch.from_numpy(np.asarray(a))


def _array_fma(a: Any, b: Any, c: Any) -> np.ndarray:
    """a·b + c elementwise, rounded once by torch's own kernels (add with alpha for a number a or b, else addcmul)."""
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray):
        number, array = (a, b) if not isinstance(a, np.ndarray) else (b, a)
        return torch.add(_tensor(c), _tensor(array), alpha=float(number)).numpy()
    return torch.addcmul(_tensor(c), _tensor(a), _tensor(b)).numpy()


# arrays of B starts as torch.optim's kernels round each element: the same bits as one start (measured)
ARRAY_OPS = dataclasses.replace(NUMPY_OPS, sqrt=kernels.sqrt_array, fma=_array_fma,
                                fma_by=lambda a: lambda b, c: _array_fma(a, b, c)) if kernels.FUSED else \
    dataclasses.replace(NUMPY_OPS, sqrt=kernels.sqrt_array)
# float32 arrays: a choice between two numbers is float32, as torch's tensor holding them
ARRAY32_OPS = dataclasses.replace(ARRAY_OPS, where=lambda cond, a, b: np.where(cond, a, b).astype(np.float32, copy=False))


@dataclass(frozen=True)
class Rule:
    """An optimizer bound to lr and hyperparameters: x_t, s_t = update(x_{t-1}, g_t, s_{t-1}, c_t)."""

    state_names: tuple[str, ...]          # torch.optim's state keys, in the order of the state tuple
    init: Callable[[Num], tuple]          # x0 -> s_0
    constants: Callable[..., Iterator]    # constants(start=1) yields c_t (per-step scalars) for t = start, start+1, …
    update: Update


def _lerp(w: float, ops: Ops) -> Callable[[Num, Num], Num]:
    """a + w (b - a), computed as torch.lerp does: fused, and from the far end when w ≥ 0.5."""
    w, fma = ops.scalar(w), ops.fma
    if abs(w) < 0.5:
        scaled_add = ops.fma_by(w)
        return lambda a, b: scaled_add(b - a, a)
    rest = ops.scalar(1) - w
    return lambda a, b: fma(-(b - a), rest, b)


def _no_constants(start: int = 1) -> Iterator[None]:
    """No per-step scalars."""
    return itertools.repeat(None)


def _counted(fn: Callable[[int], Any]) -> Callable[..., Iterator]:
    """c_t = fn(t) for t = start, start+1, … (start = 1 by default)"""
    return lambda start=1: map(fn, itertools.count(start))


# ---------------------------------------------------------------- the update rules (torch.optim's single-tensor code)

def _sgd(lr: float, h: Mapping, ops: Ops) -> Rule:
    """b_t = μ b_{t-1} + (1-τ) g_t (b_1 = g_1);  x_t = x_{t-1} - γ (g_t + μ b_t if nesterov else b_t)."""
    mom, damp, wd, nesterov, fma = h["momentum"], h["dampening"], h["weight_decay"], h["nesterov"], ops.fma

    def update(x, g, s, first):
        if wd:
            g = fma(wd, x, g)
        if not mom:
            return fma(-lr, g, x), s
        b = g if first else fma(1 - damp, g, s[0] * mom)
        return fma(-lr, fma(mom, b, g) if nesterov else b, x), (b,)

    names = ("momentum_buffer",) if mom else ()
    first_step = lambda start=1: itertools.chain([True] * (start == 1), itertools.repeat(False))  # noqa: E731  b_1 = g_1
    return Rule(names, lambda x: tuple(ops.full(x, 0.0) for _ in names), first_step, update)


def _adagrad(lr: float, h: Mapping, ops: Ops) -> Rule:
    """s_t = s_{t-1} + g_t²;  x_t = x_{t-1} - γ/(1 + (t-1)η) · g_t / (√s_t + ε)."""
    decay, wd, eps, sqrt, fma = h["lr_decay"], h["weight_decay"], h["eps"], ops.sqrt, ops.fma

    def update(x, g, s, clr):
        if wd:
            g = fma(wd, x, g)
        total = fma(g, g, s[0])
        return x + (-clr * g) / (sqrt(total) + eps), (total,)

    init_value = h["initial_accumulator_value"]
    return Rule(("sum",), lambda x: (ops.full(x, init_value),), _counted(lambda t: lr / (1 + (t - 1) * decay)), update)


def _rmsprop(lr: float, h: Mapping, ops: Ops) -> Rule:
    """v_t = α v_{t-1} + (1-α) g_t²;  x_t = x_{t-1} - γ g_t / (√(v_t - ḡ_t²) + ε), optionally with momentum."""
    alpha, eps, wd, mom, centered, sqrt = h["alpha"], h["eps"], h["weight_decay"], h["momentum"], h["centered"], ops.sqrt
    lerp, fma, one_minus = _lerp(1 - alpha, ops), ops.fma, ops.scalar(1 - alpha)

    def update(x, g, s, _):
        if wd:
            g = fma(wd, x, g)
        sq = fma(one_minus * g, g, s[0] * alpha)
        g_avg = lerp(s[-1], g) if centered else None        # ḡ_t, the running mean of g
        avg = (sqrt(fma(-g_avg, g_avg, sq)) if centered else sqrt(sq)) + eps
        if mom > 0:
            b = s[1] * mom + g / avg
            return fma(-lr, b, x), (sq, b, g_avg) if centered else (sq, b)
        return x + (-lr * g) / avg, (sq, g_avg) if centered else (sq,)

    names = ("square_avg",) + ("momentum_buffer",) * (mom > 0) + ("grad_avg",) * bool(centered)
    return Rule(names, lambda x: tuple(ops.full(x, 0.0) for _ in names), _no_constants, update)


def _adadelta(lr: float, h: Mapping, ops: Ops) -> Rule:
    """v_t = ρ v_{t-1} + (1-ρ) g_t²;  Δ_t = √(u_{t-1}+ε)/√(v_t+ε) · g_t;  u_t = ρ u_{t-1} + (1-ρ) Δ_t²;  x_t = x_{t-1} - γ Δ_t."""
    rho, eps, wd, sqrt, fma, one_minus = h["rho"], h["eps"], h["weight_decay"], ops.sqrt, ops.fma, ops.scalar(1 - h["rho"])

    def update(x, g, s, _):
        if wd:
            g = fma(wd, x, g)
        sq = fma(one_minus * g, g, s[0] * rho)
        delta = sqrt(s[1] + eps) / sqrt(sq + eps) * g
        acc = fma(one_minus * delta, delta, s[1] * rho)
        return fma(-lr, delta, x), (sq, acc)

    return Rule(("square_avg", "acc_delta"), lambda x: (ops.full(x, 0.0), ops.full(x, 0.0)), _no_constants, update)


def _decay(lr: float, h: Mapping, ops: Ops) -> Callable[[Num, Num], tuple[Num, Num]] | None:
    """(x, g) -> weight decay applied: x ← (1 - γλ) x if decoupled, else g ← g + λ x; None without decay."""
    wd, decoupled = h["weight_decay"], h.get("decoupled_weight_decay", False)
    if not wd:
        return None
    if decoupled:
        return lambda x, g: (x * (1 - lr * wd), g)
    return lambda x, g: (x, ops.fma(wd, x, g))


def _adam(lr: float, h: Mapping, ops: Ops) -> Rule:
    """m_t = β₁ m + (1-β₁) g;  v_t = β₂ v + (1-β₂) g²;  x_t = x - γ m̂_t / (√v̂_t + ε)."""
    (b1, b2), eps, amsgrad, sqrt, maximum = h["betas"], h["eps"], h["amsgrad"], ops.sqrt, ops.maximum
    decay, lerp, fma, one_minus = _decay(lr, h, ops), _lerp(1 - b1, ops), ops.fma, ops.scalar(1 - b2)

    def constants(t):
        return lr / (1 - b1**t), (1 - b2**t) ** 0.5

    def update(x, g, s, c):
        step_size, bc2_sqrt = c
        if decay is not None:
            x, g = decay(x, g)
        m, v = lerp(s[0], g), fma(one_minus * g, g, s[1] * b2)
        if amsgrad:
            vmax = maximum(s[2], v)
            return x + (-step_size * m) / (sqrt(vmax) / bc2_sqrt + eps), (m, v, vmax)
        return x + (-step_size * m) / (sqrt(v) / bc2_sqrt + eps), (m, v)

    names = ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * bool(amsgrad)
    return Rule(names, lambda x: tuple(ops.full(x, 0.0) for _ in names), _counted(constants), update)


def _adamw(lr: float, h: Mapping, ops: Ops) -> Rule:
    """Adam with decoupled weight decay: x ← (1 - γλ) x before the Adam step."""
    return _adam(lr, {**h, "decoupled_weight_decay": True}, ops)


def _adamax(lr: float, h: Mapping, ops: Ops) -> Rule:
    """m_t = β₁ m + (1-β₁) g;  u_t = max(β₂ u, |g| + ε);  x_t = x - γ/(1-β₁ᵗ) · m_t / u_t."""
    (b1, b2), eps, wd, maximum = h["betas"], h["eps"], h["weight_decay"], ops.maximum
    lerp = _lerp(1 - b1, ops)

    def update(x, g, s, clr):
        if wd:
            g = ops.fma(wd, x, g)
        m, u = lerp(s[0], g), maximum(s[1] * b2, abs(g) + eps)
        return x + (-clr * m) / u, (m, u)

    return Rule(("exp_avg", "exp_inf"), lambda x: (ops.full(x, 0.0), ops.full(x, 0.0)), _counted(lambda t: lr / (1 - b1**t)), update)


@functools.cache
def _nadam_mu_products(b1: float, psi: float) -> list[float]:
    """Πμ_{≤t} at index t as torch's float32 state holds it, grown on demand by _nadam_mu_product."""
    return [1.0]


def _nadam_mu_product(b1: float, psi: float, t: int) -> float:
    """Πμ_{≤t}, multiplied in float32 as torch does (remembered, so a scheduled run starts at any t at once)."""
    products = _nadam_mu_products(b1, psi)
    while len(products) <= t:
        mu = b1 * (1.0 - 0.5 * (0.96 ** (len(products) * psi)))
        products.append(float(np.float32(products[-1]) * np.float32(mu)))
    return products[t]


def _nadam_constants(lr: float, h: Mapping, start: int = 1) -> Iterator[tuple[float, float, float]]:
    """(1-β₂ᵗ, -γ(1-μ_t)/(1-Πμ_{≤t}), -γμ_{t+1}/(1-Πμ_{≤t+1})), with μ_t = β₁(1 - ½·0.96^{tψ}), from t = start."""
    (b1, b2), psi = h["betas"], h["momentum_decay"]
    mu_product = 1.0 if start == 1 else _nadam_mu_product(b1, psi, start - 1)
    for t in itertools.count(start):
        mu = b1 * (1.0 - 0.5 * (0.96 ** (t * psi)))
        mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((t + 1) * psi)))
        mu_product = float(np.float32(mu_product) * np.float32(mu))  # torch keeps Πμ in a float32 tensor
        yield 1 - b2**t, -lr * (1.0 - mu) / (1.0 - mu_product), (-lr * mu_next) / (1.0 - mu_product * mu_next)


def _nadam(lr: float, h: Mapping, ops: Ops) -> Rule:
    """Adam with Nesterov momentum: x_t = x - γ[(1-μ_t) g/(1-Πμ) + μ_{t+1} m_t/(1-Πμ')] / (√v̂_t + ε)."""
    (b1, b2), eps, sqrt = h["betas"], h["eps"], ops.sqrt
    decay, lerp, fma, one_minus = _decay(lr, h, ops), _lerp(1 - b1, ops), ops.fma, ops.scalar(1 - b2)

    def update(x, g, s, c):
        bc2, coef_g, coef_m = c
        if decay is not None:
            x, g = decay(x, g)
        m, v = lerp(s[0], g), fma(one_minus * g, g, s[1] * b2)
        denom = sqrt(v / bc2) + eps
        return x + (coef_g * g) / denom + (coef_m * m) / denom, (m, v)

    constants = functools.partial(_nadam_constants, lr, h)    # constants(start=1)
    return Rule(("exp_avg", "exp_avg_sq"), lambda x: (ops.full(x, 0.0), ops.full(x, 0.0)), constants, update)


def _radam_constants(b1: float, b2: float, t: int) -> tuple[float, float | None, float | None]:
    """(1-β₁ᵗ, √(1-β₂ᵗ), r_t) with the rectification r_t, or None while ρ_t ≤ 5."""
    bc1, bc2 = 1 - b1**t, 1 - b2**t
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * (b2**t) / bc2
    if rho_t <= 5.0:
        return bc1, None, None
    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
    return bc1, bc2**0.5, rect


def _radam(lr: float, h: Mapping, ops: Ops) -> Rule:
    """Rectified Adam: x_t = x - γ m̂_t r_t √(1-β₂ᵗ)/(√v_t + ε) once ρ_t > 5, else x - γ m̂_t."""
    (b1, b2), eps, sqrt = h["betas"], h["eps"], ops.sqrt
    decay, lerp, fma, one_minus, one = _decay(lr, h, ops), _lerp(1 - b1, ops), ops.fma, ops.scalar(1 - b2), ops.scalar(1)

    def update(x, g, s, c):
        bc1, bc2_sqrt, rect = c
        if decay is not None:
            x, g = decay(x, g)
        m, v = lerp(s[0], g), fma(one_minus * g, g, s[1] * b2)
        if rect is None:
            return x - m / bc1 * lr, (m, v)
        return x - m / bc1 * lr * (one / (sqrt(v) + eps) * bc2_sqrt) * rect, (m, v)   # c / t is t.reciprocal() * c

    constants = _counted(lambda t: _radam_constants(b1, b2, t))
    return Rule(("exp_avg", "exp_avg_sq"), lambda x: (ops.full(x, 0.0), ops.full(x, 0.0)), constants, update)


def _rprop(lr: float, h: Mapping, ops: Ops) -> Rule:
    """Γ_t = clip(η± Γ_{t-1}) by the sign of g_t g_{t-1};  x_t = x - Γ_t sign(g_t) (g_t ← 0 after a sign change)."""
    (eta_minus, eta_plus), (size_min, size_max), where = h["etas"], h["step_sizes"], ops.where

    def update(x, g, s, _):
        prev, size = s
        p = g * prev
        factor = where(p > 0, eta_plus, where(p < 0, eta_minus, 1.0))
        size = ops.clamp(size * factor, size_min, size_max)
        g = where(factor == eta_minus, 0.0, g)
        return x + (-1.0 * ops.sign(g)) * size, (g, size)

    return Rule(("prev", "step_size"), lambda x: (ops.full(x, 0.0), ops.full(x, lr)), _no_constants, update)


# ---------------------------------------------------------------- hyperparameters and their checks

@dataclass(frozen=True)
class Domain:
    """The valid values of a hyperparameter: low ≤ v ≤ high, with either end open."""

    low: float = 0.0
    high: float = math.inf
    low_open: bool = False
    high_open: bool = False

    def __contains__(self, v: float) -> bool:
        above = v > self.low if self.low_open else v >= self.low
        below = v < self.high if self.high_open else v <= self.high
        return above and below

    def __str__(self) -> str:
        low = f"{self.low:g}"
        if self.high == math.inf:
            return f"{'>' if self.low_open else '>='} {low}"
        return f"in {'(' if self.low_open else '['}{low}, {self.high:g}{')' if self.high_open else ']'}"


NON_NEGATIVE = Domain()
UNIT = Domain(0.0, 1.0)
UNIT_OPEN = Domain(0.0, 1.0, high_open=True)


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter: torch.optim's name and default, its type, valid values, a slider range and a symbol."""

    name: str
    default: Value
    type: type                       # float, bool or tuple (a pair of floats)
    ui_range: tuple = ()             # (low, high) for a slider; for a pair, one (low, high) per element
    domain: Domain | tuple[Domain, Domain] = NON_NEGATIVE
    symbol: str | tuple[str, str] = ""
    log_scale: bool = False          # a slider over powers of ten suits it better (eps, lr)
    help: str = ""


def _hp(name: str, default: float, ui_range: tuple, symbol: str, help: str, domain: Domain = NON_NEGATIVE, log: bool = False) -> Hyper:
    """A float hyperparameter."""
    return Hyper(name, default, float, ui_range, domain, symbol, log, help)


def _flag(name: str, help: str) -> Hyper:
    """A boolean hyperparameter (default False)."""
    return Hyper(name, False, bool, (), NON_NEGATIVE, "", False, help)


def _pair(name: str, default: tuple[float, float], ui_range: tuple, domain: tuple, symbol: tuple[str, str], help: str) -> Hyper:
    """A pair of floats, such as betas."""
    return Hyper(name, default, tuple, ui_range, domain, symbol, False, help)


WEIGHT_DECAY = _hp("weight_decay", 0.0, (0.0, 0.1), r"\lambda", msg("L2 penalty λ: adds λx to the gradient."))
EPS = _hp("eps", 1e-8, (1e-10, 1e-2), r"\epsilon", msg("Added to the denominator so it is never zero."), log=True)
BETAS = _pair("betas", (0.9, 0.999), ((0.0, 0.999), (0.0, 0.9999)), (UNIT_OPEN, UNIT_OPEN), (r"\beta_1", r"\beta_2"),
              msg("Decay rates of the running averages of g and g²."))
DECOUPLED = _flag("decoupled_weight_decay", msg("Shrink x by (1 - γλ) each step instead of adding λx to the gradient (as AdamW)."))


# ---------------------------------------------------------------- LaTeX of the update rules

GRAD = r"g_t = \nabla f(x_{t-1})"
L2 = ("weight_decay & !decoupled_weight_decay", r"g_t \leftarrow g_t + <<weight_decay>>\, x_{t-1}")
SHRINK = ("weight_decay & decoupled_weight_decay", r"x_{t-1} \leftarrow (1 - <<lr>> \cdot <<weight_decay>>)\, x_{t-1}")
FIRST_MOMENT = r"m_t = <<betas[0]>>\, m_{t-1} + (1 - <<betas[0]>>)\, g_t"
SECOND_MOMENT = r"v_t = <<betas[1]>>\, v_{t-1} + (1 - <<betas[1]>>)\, g_t^2"

LATEX: dict[str, tuple[tuple[str, str], ...]] = {
    "SGD": (
        ("", GRAD), L2,
        ("momentum", r"b_t = <<momentum>>\, b_{t-1} + (1 - <<dampening>>)\, g_t \quad (b_1 = g_1)"),
        ("momentum & nesterov", r"x_t = x_{t-1} - <<lr>> \left(g_t + <<momentum>>\, b_t\right)"),
        ("momentum & !nesterov", r"x_t = x_{t-1} - <<lr>>\, b_t"),
        ("!momentum", r"x_t = x_{t-1} - <<lr>>\, g_t"),
    ),
    "Adagrad": (
        ("", GRAD), L2,
        ("", r"s_t = s_{t-1} + g_t^2 \quad (s_0 = <<initial_accumulator_value>>)"),
        ("", r"x_t = x_{t-1} - \frac{<<lr>>}{1 + (t-1)\, <<lr_decay>>}\, \frac{g_t}{\sqrt{s_t} + <<eps>>}"),
    ),
    "RMSprop": (
        ("", GRAD), L2,
        ("", r"v_t = <<alpha>>\, v_{t-1} + (1 - <<alpha>>)\, g_t^2"),
        ("centered", r"\bar g_t = <<alpha>>\, \bar g_{t-1} + (1 - <<alpha>>)\, g_t, \quad \tilde v_t = v_t - \bar g_t^2"),
        ("!centered", r"\tilde v_t = v_t"),
        ("momentum", r"b_t = <<momentum>>\, b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + <<eps>>}, \quad x_t = x_{t-1} - <<lr>>\, b_t"),
        ("!momentum", r"x_t = x_{t-1} - <<lr>>\, \frac{g_t}{\sqrt{\tilde v_t} + <<eps>>}"),
    ),
    "Adadelta": (
        ("", GRAD), L2,
        ("", r"v_t = <<rho>>\, v_{t-1} + (1 - <<rho>>)\, g_t^2"),
        ("", r"\Delta x_t = \frac{\sqrt{u_{t-1} + <<eps>>}}{\sqrt{v_t + <<eps>>}}\, g_t"),
        ("", r"u_t = <<rho>>\, u_{t-1} + (1 - <<rho>>)\, \Delta x_t^2"),
        ("", r"x_t = x_{t-1} - <<lr>>\, \Delta x_t"),
    ),
    "Adam": (
        ("", GRAD), L2, SHRINK, ("", FIRST_MOMENT), ("", SECOND_MOMENT),
        ("amsgrad", r"\hat v_t = \max(\hat v_{t-1}, v_t)"),
        ("amsgrad", r"x_t = x_{t-1} - <<lr>> \frac{m_t / (1 - <<betas[0]>>^t)}{\sqrt{\hat v_t / (1 - <<betas[1]>>^t)} + <<eps>>}"),
        ("!amsgrad", r"x_t = x_{t-1} - <<lr>> \frac{m_t / (1 - <<betas[0]>>^t)}{\sqrt{v_t / (1 - <<betas[1]>>^t)} + <<eps>>}"),
    ),
    "Adamax": (
        ("", GRAD), L2, ("", FIRST_MOMENT),
        ("", r"u_t = \max\left(<<betas[1]>>\, u_{t-1},\ |g_t| + <<eps>>\right)"),
        ("", r"x_t = x_{t-1} - \frac{<<lr>>}{1 - <<betas[0]>>^t}\, \frac{m_t}{u_t}"),
    ),
    "NAdam": (
        ("", GRAD), L2, SHRINK,
        ("", r"\mu_t = <<betas[0]>> \left(1 - \tfrac12\, 0.96^{t\, <<momentum_decay>>}\right)"),
        ("", FIRST_MOMENT), ("", SECOND_MOMENT),
        ("", r"x_t = x_{t-1} - <<lr>> \left[\frac{(1 - \mu_t)\, g_t}{1 - \prod_{i \le t} \mu_i}"
             r" + \frac{\mu_{t+1}\, m_t}{1 - \prod_{i \le t+1} \mu_i}\right]"
             r" \Big/ \left(\sqrt{\frac{v_t}{1 - <<betas[1]>>^t}} + <<eps>>\right)"),
    ),
    "RAdam": (
        ("", GRAD), L2, SHRINK, ("", FIRST_MOMENT), ("", SECOND_MOMENT),
        ("", r"\rho_\infty = \frac{2}{1 - <<betas[1]>>} - 1, \quad \rho_t = \rho_\infty - \frac{2t\, <<betas[1]>>^t}{1 - <<betas[1]>>^t}"),
        ("", r"r_t = \sqrt{\frac{(\rho_t - 4)(\rho_t - 2)\rho_\infty}{(\rho_\infty - 4)(\rho_\infty - 2)\rho_t}}"),
        ("", r"x_t = \begin{cases} x_{t-1} - <<lr>> \frac{m_t}{1 - <<betas[0]>>^t}\, r_t"
             r" \frac{\sqrt{1 - <<betas[1]>>^t}}{\sqrt{v_t} + <<eps>>} & \rho_t > 5 \\"
             r" x_{t-1} - <<lr>> \frac{m_t}{1 - <<betas[0]>>^t} & \text{otherwise} \end{cases}"),
    ),
    "Rprop": (
        ("", GRAD),
        ("", r"\Gamma_t = \operatorname{clip}\left(\eta_t \Gamma_{t-1},\ <<step_sizes[0]>>,\ <<step_sizes[1]>>\right), \quad "
             r"\eta_t = \begin{cases} <<etas[1]>> & g_t g_{t-1} > 0 \\ <<etas[0]>> & g_t g_{t-1} < 0 \\ 1 & \text{otherwise} \end{cases}"
             r", \quad \Gamma_0 = <<lr>>"),
        ("", r"g_t \leftarrow 0 \ \text{ if } g_t g_{t-1} < 0"),
        ("", r"x_t = x_{t-1} - \Gamma_t\, \operatorname{sign}(g_t)"),
    ),
}
LATEX["AdamW"] = tuple(("weight_decay", SHRINK[1]) if line == SHRINK else line for line in LATEX["Adam"] if line != L2)


def latex_number(v: float) -> str:
    """A number in LaTeX: 0.9, 10^{-8}, 2.5 \\cdot 10^{-5}."""
    if v == 0 or 1e-3 <= abs(v) < 1e4:
        return f"{v:g}"
    mantissa, exponent = f"{v:.3g}".split("e") if "e" in f"{v:.3g}" else (f"{v:.3g}", "0")
    power = f"10^{{{int(exponent)}}}"
    return power if float(mantissa) == 1 else f"{mantissa} \\cdot {power}"


# ---------------------------------------------------------------- the registry

@dataclass(frozen=True)
class OptimizerSpec:
    """A torch.optim optimizer: its name, default lr, hyperparameters, update rule and that rule in LaTeX."""

    name: str                        # torch.optim's class name
    display_name: str
    lr: float                        # torch.optim's default learning rate
    lr_range: tuple[float, float]    # a sensible slider range for lr (log scale)
    hypers: tuple[Hyper, ...]
    latex_lines: tuple[tuple[str, str], ...]   # (condition, line with <<name>> placeholders)
    build: Callable[[float, Mapping, Ops], Rule]
    check: Callable[[Mapping], str | None] = lambda h: None   # a rule across hyperparameters

    @property
    def defaults(self) -> dict[str, Value]:
        """{name: torch.optim's default}."""
        return {hp.name: hp.default for hp in self.hypers}

    def hyper(self, name: str) -> Hyper:
        """The hyperparameter called `name`."""
        return next(hp for hp in self.hypers if hp.name == name)

    def resolve(self, hyper: Mapping[str, Any] | None = None) -> dict[str, Value]:
        """All hyperparameters, defaults filled in, checked; ValueError says what is wrong."""
        return resolve_hyper(self, hyper or {})

    def rule(self, lr: float, hyper: Mapping[str, Value], ops: Ops = NUMPY_OPS) -> Rule:
        """The update rule bound to lr and resolved hyperparameters, for one backend."""
        return self.build(lr, hyper, ops)

    def latex(self, values: Mapping[str, Any] | None = None, *, symbolic: bool = False) -> str:
        """The update rule in LaTeX (aligned lines) for these values (defaults where missing)."""
        values = {"lr": self.lr, **self.defaults, **(values or {})}
        lines = [line for cond, line in self.latex_lines if _holds(cond, values)]
        body = " \\\\\n".join(_fill(line, self, values, symbolic) for line in lines)
        return "\\begin{aligned}\n" + body + "\n\\end{aligned}"


def _holds(condition: str, values: Mapping[str, Any]) -> bool:
    """'a & !b' holds when values[a] is truthy and values[b] is falsy (missing names are falsy)."""
    terms = [t.strip() for t in condition.split("&") if t.strip()]
    return all(bool(values.get(t[1:])) is False if t.startswith("!") else bool(values.get(t)) for t in terms)


def _fill(line: str, spec: OptimizerSpec, values: Mapping[str, Any], symbolic: bool) -> str:
    """Replace each <<name>> or <<name[i]>> by its value or its symbol."""
    out, rest = [], line
    while "<<" in rest:
        head, _, tail = rest.partition("<<")
        key, _, rest = tail.partition(">>")
        name, _, index = key.partition("[")
        out += [head, _placeholder(spec, name, int(index[:-1]) if index else None, values, symbolic)]
    return "".join([*out, rest])


def _placeholder(spec: OptimizerSpec, name: str, index: int | None, values: Mapping[str, Any], symbolic: bool) -> str:
    """The LaTeX of one placeholder: a symbol such as \\beta_1, or a number."""
    if symbolic:
        symbol = r"\gamma" if name == "lr" else spec.hyper(name).symbol
        return f"{{{symbol[index] if index is not None else symbol}}}"
    v = values[name] if index is None else values[name][index]
    return f"{{{latex_number(float(v))}}}"


def _sgd_check(h: Mapping) -> str | None:
    """torch.optim.SGD: Nesterov momentum needs momentum > 0 and dampening = 0."""
    if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
        return msg("SGD: nesterov=True needs momentum > 0 and dampening = 0.")
    return None


def _rprop_check(h: Mapping) -> str | None:
    """Rprop: the smallest step size cannot exceed the largest."""
    if h["step_sizes"][0] > h["step_sizes"][1]:
        return msg("Rprop: step_sizes must be (smallest, largest), got {value}.", value=str(h["step_sizes"]))
    return None


_SGD_HYPERS = (
    _hp("momentum", 0.0, (0.0, 0.99), r"\mu", msg("Fraction of the previous step carried into this one.")),
    _hp("dampening", 0.0, (0.0, 1.0), r"\tau", msg("Scales the new gradient in the momentum buffer by (1 - τ)."), UNIT),
    WEIGHT_DECAY,
    _flag("nesterov", msg("Nesterov momentum: look ahead along the momentum before stepping.")),
)

OPTIMIZERS: dict[str, OptimizerSpec] = {spec.name.lower(): spec for spec in (
    OptimizerSpec("SGD", msg("SGD (gradient descent, optional momentum)"), 1e-3, (1e-5, 1.0), _SGD_HYPERS, LATEX["SGD"], _sgd, _sgd_check),
    OptimizerSpec("Adagrad", msg("Adagrad (per-coordinate learning rates)"), 1e-2, (1e-4, 10.0), (
        _hp("lr_decay", 0.0, (0.0, 0.1), r"\eta", msg("Learning rate decay: γ / (1 + (t-1) η).")),
        WEIGHT_DECAY,
        _hp("initial_accumulator_value", 0.0, (0.0, 1.0), r"\tau", msg("Starting value of the sum of squared gradients.")),
        _hp("eps", 1e-10, (1e-12, 1e-2), r"\epsilon", EPS.help, log=True),
    ), LATEX["Adagrad"], _adagrad),
    OptimizerSpec("RMSprop", msg("RMSprop (running average of g²)"), 1e-2, (1e-5, 1.0), (
        _hp("alpha", 0.99, (0.0, 0.999), r"\alpha", msg("Decay rate of the running average of g².")),
        EPS, WEIGHT_DECAY,
        _hp("momentum", 0.0, (0.0, 0.99), r"\mu", msg("Momentum on the normalised step.")),
        _flag("centered", msg("Divide by the variance of g (subtract the running mean of g squared).")),
    ), LATEX["RMSprop"], _rmsprop),
    OptimizerSpec("Adadelta", msg("Adadelta (unit-corrected steps)"), 1.0, (1e-2, 100.0), (
        _hp("rho", 0.9, (0.0, 0.999), r"\rho", msg("Decay rate of the running averages."), UNIT),
        _hp("eps", 1e-6, (1e-10, 1e-2), r"\epsilon", EPS.help, log=True),
        WEIGHT_DECAY,
    ), LATEX["Adadelta"], _adadelta),
    OptimizerSpec("Adam", msg("Adam (adaptive moments)"), 1e-3, (1e-5, 1.0), (
        BETAS, EPS, WEIGHT_DECAY, _flag("amsgrad", msg("Divide by the largest v̂ so far (AMSGrad).")), DECOUPLED,
    ), LATEX["Adam"], _adam),
    OptimizerSpec("AdamW", msg("AdamW (Adam, decoupled weight decay)"), 1e-3, (1e-5, 1.0), (
        BETAS, EPS, _hp("weight_decay", 1e-2, (0.0, 0.1), r"\lambda", msg("Decoupled decay: x shrinks by (1 - γλ) each step.")),
        _flag("amsgrad", msg("Divide by the largest v̂ so far (AMSGrad).")),
    ), LATEX["AdamW"], _adamw),
    OptimizerSpec("Adamax", msg("Adamax (Adam with the infinity norm)"), 2e-3, (1e-5, 1.0), (
        BETAS, EPS, WEIGHT_DECAY,
    ), LATEX["Adamax"], _adamax),
    OptimizerSpec("NAdam", msg("NAdam (Adam with Nesterov momentum)"), 2e-3, (1e-5, 1.0), (
        BETAS, EPS, WEIGHT_DECAY,
        _hp("momentum_decay", 4e-3, (0.0, 0.1), r"\psi", msg("How fast the momentum schedule μ_t approaches β₁.")),
        DECOUPLED,
    ), LATEX["NAdam"], _nadam),
    OptimizerSpec("RAdam", msg("RAdam (rectified Adam)"), 1e-3, (1e-5, 1.0), (
        BETAS, EPS, WEIGHT_DECAY, DECOUPLED,
    ), LATEX["RAdam"], _radam),
    OptimizerSpec("Rprop", msg("Rprop (sign-based steps)"), 1e-2, (1e-4, 1.0), (
        _pair("etas", (0.5, 1.2), ((0.05, 0.95), (1.05, 3.0)), (Domain(0.0, 1.0, True, True), Domain(1.0, math.inf, True)),
              (r"\eta_-", r"\eta_+"), msg("Step-size factors after a sign change (η₋) and after no change (η₊).")),
        _pair("step_sizes", (1e-6, 50.0), ((0.0, 1e-2), (0.1, 100.0)), (NON_NEGATIVE, NON_NEGATIVE),
              (r"\Gamma_{\min}", r"\Gamma_{\max}"), msg("The smallest and largest step size.")),
    ), LATEX["Rprop"], _rprop, _rprop_check),
)}

NAMES: tuple[str, ...] = tuple(spec.name for spec in OPTIMIZERS.values())


def get_optimizer(name: str) -> OptimizerSpec:
    """The registry entry for a torch.optim class name (case-insensitive); ValueError if unknown."""
    spec = OPTIMIZERS.get(name.lower()) if isinstance(name, str) else None
    if spec is not None:
        return spec
    close = difflib.get_close_matches(str(name).lower(), list(OPTIMIZERS), n=1, cutoff=0.6)
    hint = f" Did you mean '{OPTIMIZERS[close[0]].name}'?" if close else ""
    raise ValueError(f"Unknown optimizer {name!r}.{hint} Choose one of: {', '.join(NAMES)}.")


# ---------------------------------------------------------------- checking hyperparameters

def _is_number(v: Any) -> bool:
    """A real number that is not a bool."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _check_float(spec: OptimizerSpec, label: str, v: Any, domain: Domain) -> float:
    """v as a float inside domain, or ValueError."""
    if not _is_number(v) or not math.isfinite(float(v)):
        raise ValueError(msg("{optimizer}: {name} must be a finite number, got {value}.", optimizer=spec.name, name=label,
                             value=repr(v)))
    if float(v) not in domain:
        raise ValueError(_outside(spec, label, float(v), domain))
    return float(v)


def _outside(spec: OptimizerSpec, label: str, v: float, domain: Domain) -> str:
    """'Adam: betas[0] must be in [0, 1), got -1.' as a translatable sentence."""
    if domain.high == math.inf:
        return msg("{optimizer}: {name} must be {op} {low:g}, got {value:g}.", optimizer=spec.name, name=label,
                   op=">" if domain.low_open else ">=", low=domain.low, value=v)
    interval = f"{'(' if domain.low_open else '['}{domain.low:g}, {domain.high:g}{')' if domain.high_open else ']'}"
    return msg("{optimizer}: {name} must be in {interval}, got {value:g}.", optimizer=spec.name, name=label,
               interval=interval, value=v)


def _check_value(spec: OptimizerSpec, hp: Hyper, v: Any) -> Value:
    """One hyperparameter value, converted and checked."""
    if hp.type is bool:
        if not isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{spec.name}: {hp.name} must be True or False, got {v!r}.")
        return bool(v)
    if hp.type is tuple:
        if isinstance(v, (str, bytes)) or not hasattr(v, "__len__") or len(v) != 2:
            raise ValueError(f"{spec.name}: {hp.name} must be a pair of numbers such as {hp.default}, got {v!r}.")
        return tuple(_check_float(spec, f"{hp.name}[{i}]", v[i], hp.domain[i]) for i in range(2))
    return _check_float(spec, hp.name, v, hp.domain)


def resolve_hyper(spec: OptimizerSpec, hyper: Mapping[str, Any]) -> dict[str, Value]:
    """Defaults overridden by `hyper`, every value checked; ValueError names the culprit."""
    known = [hp.name for hp in spec.hypers]
    for name in hyper:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise ValueError(f"{spec.name} has no hyperparameter {name!r}.{hint} Its hyperparameters are: {', '.join(known)}.")
    values = {hp.name: _check_value(spec, hp, hyper.get(hp.name, hp.default)) for hp in spec.hypers}
    problem = spec.check(values)
    if problem:
        raise ValueError(problem)
    return values


def check_lr(lr: Any) -> float:
    """The learning rate as a float ≥ 0, or ValueError."""
    if not _is_number(lr) or not math.isfinite(float(lr)) or lr < 0:
        raise ValueError(f"lr must be a finite number >= 0, got {lr!r}.")
    return float(lr)
