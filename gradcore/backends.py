"""Compile sympy trees built by gradcore.formula into numpy, torch and math callables.

The code is generated from the allow-listed tree only (never from user text), so
every name in it is one of ours.  sympy's own printers are not used: its torch
printer breaks on Max/Min with a number, on Heaviside and on ``exp(2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import sympy as sp
import torch

from gradcore.messages import msg

BACKENDS = ("numpy", "torch", "math")

# sympy function class -> name of the helper in each backend's namespace
_UNARY = {
    sp.sin: "sin", sp.cos: "cos", sp.tan: "tan",
    sp.asin: "asin", sp.acos: "acos", sp.atan: "atan",
    sp.sinh: "sinh", sp.cosh: "cosh", sp.tanh: "tanh",
    sp.exp: "exp", sp.log: "log", sp.Abs: "abs_", sp.sign: "sign",
    sp.Heaviside: "heaviside", sp.DiracDelta: "dirac",
}


def _math_sign(a: float) -> float:
    return float(a > 0) - float(a < 0)


def _math_heaviside(a: float) -> float:
    return 0.5 if a == 0 else float(a > 0)


def _math_dirac(a: float) -> float:
    return math.inf if a == 0 else 0.0


def _np_dirac(a):
    return np.where(a == 0, np.inf, 0.0)


def _np_pow(a, b):
    return np.power(np.asarray(a, dtype=float), b)


def _t(a, like):
    """A float tensor of a number, with the dtype of `like`."""
    return a if torch.is_tensor(a) else torch.as_tensor(a, dtype=like.dtype)


def _torch_max(*args):
    like = next(a for a in args if torch.is_tensor(a))
    out = _t(args[0], like)
    for a in args[1:]:
        out = torch.maximum(out, _t(a, like))
    return out


def _torch_min(*args):
    like = next(a for a in args if torch.is_tensor(a))
    out = _t(args[0], like)
    for a in args[1:]:
        out = torch.minimum(out, _t(a, like))
    return out


def _torch_heaviside(a):
    return torch.heaviside(a, torch.tensor(0.5, dtype=a.dtype))


def _torch_dirac(a):
    return torch.where(a == 0, torch.inf, 0.0).to(a.dtype)


def _torch_pow(a, b):
    if torch.is_tensor(a):
        return torch.pow(a, b)
    return torch.pow(torch.as_tensor(a, dtype=b.dtype), b)


def _math_pow(a: float, b: float) -> float:
    if a < 0 and b != int(b):
        raise ValueError("negative base, fractional power")
    return a**b


_NAMESPACES: dict[str, dict[str, object]] = {
    "numpy": {
        "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos,
        "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh, "tanh": np.tanh,
        "exp": np.exp, "log": np.log, "abs_": np.abs, "sign": np.sign,
        "heaviside": lambda a: np.heaviside(a, 0.5), "dirac": _np_dirac,
        "sqrt": np.sqrt, "pow": _np_pow, "relu": lambda a: np.maximum(a, 0.0),
        "max_": lambda *a: np.maximum.reduce(np.broadcast_arrays(*a)),
        "min_": lambda *a: np.minimum.reduce(np.broadcast_arrays(*a)),
    },
    "torch": {
        "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin,
        "acos": torch.acos, "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh,
        "tanh": torch.tanh, "exp": torch.exp, "log": torch.log, "abs_": torch.abs,
        "sign": torch.sign, "heaviside": _torch_heaviside, "dirac": _torch_dirac,
        "sqrt": torch.sqrt, "pow": _torch_pow, "relu": torch.relu,
        "max_": _torch_max, "min_": _torch_min,
    },
    "math": {
        "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin,
        "acos": math.acos, "atan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
        "tanh": math.tanh, "exp": math.exp, "log": math.log, "abs_": abs,
        "sign": _math_sign, "heaviside": _math_heaviside, "dirac": _math_dirac,
        "sqrt": math.sqrt, "pow": _math_pow, "relu": lambda a: a if a > 0 else 0.0,
        "max_": max, "min_": min,
    },
}


class ConstantOutOfRange(ValueError):
    """A constant of the tree that float64 cannot hold (it would print as inf or nan)."""


def _number(value: sp.Expr) -> str:
    """A float literal that round-trips (repr of the float64 value); never inf, nan or a huge integer."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ConstantOutOfRange(msg("the constant {value} is not a real float64 number", value=sp.sstr(value)[:40])) from None
    if not math.isfinite(number):
        raise ConstantOutOfRange(msg("the constant {value} is outside the float64 range (about ±1.8e308)",
                                     value=sp.sstr(value)[:40]))
    return repr(number)


def _pow_source(base: sp.Expr, exp: sp.Expr, to_src: Callable) -> str:
    b = to_src(base)
    if exp == sp.Rational(1, 2):
        return f"sqrt({b})"
    if exp == -sp.Rational(1, 2):
        return f"(1.0 / sqrt({b}))"
    if exp.is_Integer and abs(int(exp)) <= 4 and exp != 0:
        k = int(exp)
        prod = " * ".join([f"({b})"] * abs(k))
        return f"({prod})" if k > 0 else f"(1.0 / ({prod}))"
    return f"pow({b}, {to_src(exp)})"


def to_source(expr: sp.Expr, names: dict[sp.Symbol, str]) -> str:
    """Python source for `expr` over the helper names of a backend namespace."""

    def src(e: sp.Expr) -> str:
        if e in names:
            return names[e]
        if not e.free_symbols:  # constants, exp(2) included, fold to one float
            return _number(e)
        if e.is_Add:
            return "(" + " + ".join(src(a) for a in e.args) + ")"
        if e.is_Mul:
            return "(" + " * ".join(src(a) for a in e.args) + ")"
        if e.is_Pow:
            return _pow_source(e.base, e.exp, src)
        if isinstance(e, sp.Max):
            if len(e.args) == 2 and sp.S.Zero in e.args:
                other = e.args[1] if e.args[0] == 0 else e.args[0]
                return f"relu({src(other)})"
            return "max_(" + ", ".join(src(a) for a in e.args) + ")"
        if isinstance(e, sp.Min):
            return "min_(" + ", ".join(src(a) for a in e.args) + ")"
        if isinstance(e, sp.Heaviside):
            return f"heaviside({src(e.args[0])})"
        for cls, name in _UNARY.items():
            if isinstance(e, cls) and len(e.args) == 1:
                return f"{name}({src(e.args[0])})"
        if isinstance(e, sp.DiracDelta):  # derivatives of DiracDelta: zero away from 0
            return f"(0.0 * dirac({src(e.args[0])}))"
        raise ValueError(f"cannot compile {type(e).__name__}")

    return src(expr)


def generate_source(exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol]) -> str:
    """Python source of `def _f(a0, …)` returning [expr, …], shared subexpressions computed once (sp.cse)."""
    args = [f"a{i}" for i in range(len(symbols))]
    replacements, reduced = sp.cse(list(exprs), symbols=sp.numbered_symbols("c"), optimizations=None)
    names = {s: a for s, a in zip(symbols, args, strict=True)}
    lines = [f"def _f({', '.join(args)}):"]
    constants: dict[sp.Symbol, sp.Expr] = {}   # cse names of constants such as sin(10): put back, folded to a float
    for sym, sub in replacements:
        sub = sub.xreplace(constants)
        if not sub.free_symbols:
            constants[sym] = sub
            continue
        names[sym] = str(sym)
        lines.append(f"    {sym} = {to_source(sub, names)}")
    lines.append("    return [" + ", ".join(to_source(e.xreplace(constants), names) for e in reduced) + "]")
    return "\n".join(lines)


def load_source(source: str, backend: str) -> Callable[..., list]:
    """The function `_f` of a generate_source() text, over a backend's namespace."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    namespace = dict(_NAMESPACES[backend])
    # The source is generated from an allow-listed sympy tree, never from user text.
    exec(compile(source, "<gradcore>", "exec"), namespace)
    return namespace["_f"]


def compile_exprs(
    exprs: Sequence[sp.Expr], symbols: Sequence[sp.Symbol], backend: str
) -> Callable[..., list]:
    """Compile exprs to one function of the coordinates returning a list of values."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    return load_source(generate_source(exprs, symbols), backend)


@lru_cache(maxsize=4096)
def _float_function(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> Callable[..., float]:
    names = {s: f"a{i}" for i, s in enumerate(symbols)}
    source = f"def _f({', '.join(names.values())}):\n    return {to_source(expr, names)}"
    return load_source(source, "math")


def float_value(expr: sp.Expr, values: dict[sp.Symbol, float]) -> float:
    """expr at a point in float64 (nan where undefined or out of range): never sympy's arbitrary-precision evalf."""
    symbols = tuple(sorted(expr.free_symbols, key=lambda s: s.name))
    try:
        return float(_float_function(expr, symbols)(*(values[s] for s in symbols)))
    except (ArithmeticError, ValueError, TypeError, KeyError):
        return math.nan
