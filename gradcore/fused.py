"""One generated update per (optimizer, settings, dtype, n): every coordinate's step in one Python function.

The update rules of gradcore.optimizers are written once, for floats and for arrays.  Run once on
placeholder values (_Value), a rule records its operations in order; they become straight-line
Python source over floats: the same operations in the same order, torch's fused multiply-add
written out (Dekker's exact product, then math.fsum's single rounding) and, in float32, every
operation's result rounded to float32 (Veltkamp's splitting).  A single start's loop then makes
one call per step instead of one per coordinate and per operation.  What a trace cannot capture
(a branch on a value rather than on a hyperparameter or the step's constants) leaves the rule to
the generic per-coordinate path.  A float32 step with a result outside float32's normal range
(subnormal, overflowing, NaN), where splitting does not round as float32 does, is redone by a second
generated update that rounds every result exactly (round32_exact), and one that divides by zero
(quietly inf in float32) by the generic path on numpy scalars.
"""

from __future__ import annotations

import ctypes
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from gradcore import kernels
from gradcore.optimizers import Ops, get_optimizer

F32_TINY, F32_MAX = 2.0**-126, 3.4028234663852886e38   # float32's normal range: there splitting rounds exactly


SQRT = "sqrt "        # a line 'sqrt t5_{i} t4_{i}': one MKL call for every coordinate's square root
ROUND = "round32 "    # a line 'round32 t3_{i}': float32 rounding, written by _source for the variant it generates


class Untraceable(Exception):
    """The rule branches on a value: it runs through the generic per-coordinate path."""


class _Trace:
    """The lines of one coordinate's update, with {i} standing for the coordinate's index."""

    def __init__(self, f32: bool):
        self.f32, self.lines, self.count = f32, [], 0
        self.rounded: list[str] = []    # float32 results, each checked to lie in the normal range (or be 0)

    def emit(self, expr: str, kind: str) -> _Value:
        """A new temporary holding expr; float32 values are rounded to float32 after the operation."""
        self.count += 1
        name = f"t{self.count}_{{i}}"
        self.lines.append(f"{name} = {expr}")
        if self.f32 and kind == "t":
            self.lines.append(ROUND + name)
            self.rounded.append(name)
        return _Value(self, name, kind)

    def operand(self, v: Any, kind: str) -> str:
        """v as an operand of an operation whose result has `kind`: a number cast to float32 for a float32 result."""
        if isinstance(v, _Value):
            if self.f32 and kind == "t" and v.kind == "s":   # a Python scalar meets a float32 tensor: cast it
                return self.emit(v.name, "t").name
            return v.name
        number = float(v)
        return repr(_literal32(number) if self.f32 and kind == "t" else number)


class _Value:
    """A placeholder: kind 't' a tensor value (rounded to dtype), 's' a Python scalar (float64), 'b' a bool."""

    __slots__ = ("kind", "name", "trace", "value")

    def __init__(self, trace: _Trace, name: str, kind: str, value: float | None = None):
        self.trace, self.name, self.kind, self.value = trace, name, kind, value   # value: a float32 constant's

    def _binary(self, other: Any, sym: str, reverse: bool = False, result: str | None = None) -> Any:
        if self.value is not None and (not isinstance(other, _Value) or other.value is not None):
            return _fold(self.trace, self.value, other.value if isinstance(other, _Value) else other, sym, reverse)
        kinds = {self.kind, other.kind if isinstance(other, _Value) else "n"}
        kind = "t" if "t" in kinds else "s"
        a, b = (other, self) if reverse else (self, other)
        expr = f"{self.trace.operand(a, kind)} {sym} {self.trace.operand(b, kind)}"
        return self.trace.emit(expr, result or kind)

    def __add__(self, o): return self._binary(o, "+")
    def __radd__(self, o): return self._binary(o, "+", True)
    def __sub__(self, o): return self._binary(o, "-")
    def __rsub__(self, o): return self._binary(o, "-", True)
    def __mul__(self, o): return self._binary(o, "*")
    def __rmul__(self, o): return self._binary(o, "*", True)
    def __truediv__(self, o): return self._binary(o, "/")
    def __rtruediv__(self, o): return self._binary(o, "/", True)
    def __gt__(self, o): return self._binary(o, ">", result="b")
    def __lt__(self, o): return self._binary(o, "<", result="b")
    def __eq__(self, o): return self._binary(o, "==", result="b")   # type: ignore[override]
    __hash__ = None   # type: ignore[assignment]

    def __neg__(self) -> _Value:
        if self.value is not None:
            return _constant32(self.trace, -self.value)
        return self.trace.emit(f"-{self.name}", self.kind)

    def __abs__(self) -> _Value:
        if self.value is not None:
            return _constant32(self.trace, abs(self.value))
        return self.trace.emit(f"abs({self.name})", self.kind)

    def __bool__(self) -> bool:
        raise Untraceable("the rule branches on a value")


def _literal32(v: float) -> float:
    """v cast to float32; a constant outside float32's normal range leaves the rule to the generic path."""
    r = kernels.round32(v)
    if not (F32_TINY <= abs(r) <= F32_MAX or r == 0.0):
        raise Untraceable("a constant outside float32's normal range")
    return r


def _constant32(trace: _Trace, v: float) -> _Value:
    """A float32 constant (np.float32 in the generic path): known now, written as its literal."""
    v = _literal32(float(v))
    return _Value(trace, repr(v), "t", v)


_FOLD = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b,
         ">": lambda a, b: a > b, "<": lambda a, b: a < b, "==": lambda a, b: a == b}


def _fold(trace: _Trace, a: float, b: float, sym: str, reverse: bool) -> Any:
    """a op b for a float32 constant a and a number b (cast to float32): a float32 constant, or a bool."""
    b = kernels.round32(float(b))
    out = _FOLD[sym](b, a) if reverse else _FOLD[sym](a, b)
    return out if isinstance(out, bool) else _constant32(trace, out)


def _kind(*values: Any) -> str:
    """The kind of an operation's result: a tensor if any operand is one."""
    return "t" if any(isinstance(v, _Value) and v.kind == "t" for v in values) else "s"


def _trace_ops(trace: _Trace) -> Ops:
    """The elementwise helpers of gradcore.optimizers, recording into trace."""
    def call(template: str, *args: Any, kind: str | None = None) -> _Value:
        k = kind or _kind(*args)
        return trace.emit(template.format(*(trace.operand(a, k) for a in args)), k)

    def fma(a: Any, b: Any, c: Any) -> _Value:
        if not kernels.FUSED:
            return a * b + c if isinstance(a, _Value) or isinstance(b, _Value) else c + a * b
        a, b, c = (trace.operand(v, "t") for v in (a, b, c))
        return _fma32(trace, a, b, c) if trace.f32 else _fma64(trace, a, b, c)

    def scalar(v: Any) -> Any:
        return _constant32(trace, v) if trace.f32 else float(v)

    def sqrt(a: Any) -> _Value:
        trace.count += 1
        name = f"t{trace.count}_{{i}}"
        trace.lines.append(f"{SQRT}{name} {trace.operand(a, 't')}")
        if trace.f32:
            trace.rounded.append(name)
        return _Value(trace, name, "t")

    return Ops(
        sqrt=sqrt,
        maximum=lambda a, b: call("({0} if {0} >= {1} or {0} != {0} else {1})", a, b),
        where=lambda cond, a, b: call("({1} if {0} else {2})", cond, a, b),
        sign=lambda a: call("(float({0} > 0.0) - float({0} < 0.0))", a, kind="s"),
        clamp=lambda v, low, high: call("min(max({}, {}), {})", v, low, high),
        full=lambda x, v: float(v), fma=fma, scalar=scalar,
        fma_by=lambda a: lambda b, c: fma(a, b, c))


def _split(trace: _Trace, a: str, name: str) -> tuple[str, str]:
    """Veltkamp's halves of a (literals when a is a number): a = hi + lo, each 26 bits."""
    if _is_number(a):
        t = kernels.SPLIT * float(a)
        hi = t - (t - float(a))
        return repr(hi), repr(float(a) - hi)
    trace.lines.append(f"_s = {kernels.SPLIT!r} * {a}; {name}h = _s - (_s - {a}); {name}l = {a} - {name}h")
    return f"{name}h", f"{name}l"


def _fma64(trace: _Trace, a: str, b: str, c: str) -> _Value:
    """a·b + c rounded once, written out: Dekker's exact product p + e, then fsum(p, e, c) (as kernels.fma)."""
    out = trace.emit(f"{a} * {b}", "t")
    p = out.name
    ah, al = _split(trace, a, p + "a")
    bh, bl = _split(trace, b, p + "b")
    trace.lines.append(f"{p} = fsum(({p}, (({ah} * {bh} - {p}) + {ah} * {bl} + {al} * {bh}) + {al} * {bl}, {c}))")
    return out


def _fma32(trace: _Trace, a: str, b: str, c: str) -> _Value:
    """a·b + c rounded once to float32, written out as kernels.fma32: the exact product, p + c rounded to odd."""
    trace.count += 1
    s = f"t{trace.count}_{{i}}"
    p, z, e = "_p{i}", "_z{i}", "_e{i}"      # one per coordinate: the coordinates' lines interleave
    trace.lines += [f"{p} = {a} * {b}; {s} = {p} + {c}; {z} = {s} - {p}; {e} = ({p} - ({s} - {z})) + ({c} - {z})",
                    f"if {e} != 0.0 and ({s} / ulp({s})) % 2.0 == 0.0: {s} = nextafter({s}, inf if {e} > 0 else -inf)",
                    ROUND + s]
    trace.rounded.append(s)
    return _Value(trace, s, "t")


def _is_number(text: str) -> bool:
    """A literal such as 0.1 or -1e-08."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _constant_names(c: Any, trace: _Trace) -> tuple[Any, list[str]]:
    """The step's constants with every float replaced by a scalar placeholder; None and bools stay."""
    if c is None or isinstance(c, bool):
        return c, []
    if isinstance(c, tuple):
        if any(isinstance(v, (bool, np.bool_)) for v in c):
            raise Untraceable("a flag among the step's constants")
        names = [f"c{k}" for k in range(len(c))]
        return tuple(None if v is None else _Value(trace, n, "s") for v, n in zip(c, names, strict=True)), names
    return _Value(trace, "c0", "s"), ["c0"]


def constants_key(c: Any) -> Any:
    """What a generated update depends on among the step's constants: which are None, which flags are set."""
    if c is None or c is True or c is False:
        return c
    return None in c if type(c) is tuple else 0.0


def _parts(build: Callable, lr: float, hyper: dict, dtype: str, n: int, c: Any, exact: bool = False,
           roots: Callable[[str, int], str] | None = None) -> tuple:
    """The update for all n coordinates: (constants line or None, body lines, x' names, s' names, float32 check or None)."""
    trace = _Trace(dtype == "float32")
    rule = build(lr, hyper, _trace_ops(trace))
    c_traced, c_names = _constant_names(c, trace)
    k = len(rule.state_names)
    x, g = _Value(trace, "x{i}", "t"), _Value(trace, "g{i}", "t")
    s = tuple(_Value(trace, f"s{{i}}_{j}", "t") for j in range(k))
    new_x, new_s = rule.update(x, g, s, c_traced)
    names = [trace.operand(v, "t") if not isinstance(v, _Value) else v.name for v in [new_x, *new_s]]
    body = [(roots or _roots)(line, n) if line.startswith(SQRT) else _rounding(line, exact).replace("{i}", str(i))
            for line in trace.lines for i in range(1 if line.startswith(SQRT) else n)]
    unpack = (f"{', '.join(c_names)}, = c" if isinstance(c, tuple) else "c0 = c") if c_names else None
    coords = range(n)
    xs = [names[0].replace("{i}", str(i)) for i in coords]
    ss = [name.replace("{i}", str(i)) for i in coords for name in names[1:]]
    check = None
    if dtype == "float32" and trace.rounded and not exact:
        checked = [name.replace("{i}", str(i)) for name in trace.rounded for i in coords]
        check = " and ".join(_in_range(v) for v in dict.fromkeys(checked))
    return unpack, body, xs, ss, check


def _source(build: Callable, lr: float, hyper: dict, dtype: str, n: int, c: Any, exact: bool = False) -> str:
    """Python source of _u(c, x, g, s) -> (x', s'), s flat in coordinate-major order.

    float32 rounds by splitting and returns None when a result left the normal range; exact=True
    rounds every result with round32_exact (subnormals, overflow to inf) instead.
    """
    unpack, body, xs, ss, check = _parts(build, lr, hyper, dtype, n, c, exact)
    coords = range(n)
    head = [unpack] if unpack else []
    head += [f"{', '.join(f'x{i}' for i in coords)}, = x", f"{', '.join(f'g{i}' for i in coords)}, = g"]
    if ss:
        head.append(", ".join(f"s{i}_{j}" for i in coords for j in range(len(ss) // n)) + ", = s")
    tail = [f"if not ({check}):", "    return None"] if check else []
    lines = ["def _u(c, x, g, s):", *("    " + line for line in head + body + tail)]
    lines.append(f"    return [{', '.join(xs)}], [{', '.join(ss)}]")
    return "\n".join(lines)


def _key_test(c: Any) -> str:
    """A condition true when a step's constants need another generated update than one like c (constants_key)."""
    if c is None or c is True or c is False:
        return f"c is not {c}"
    if type(c) is tuple:
        return f"type(c) is not tuple or {'None not in c' if None in c else 'None in c'}"
    return "type(c) is not float"


def _block_source(parts: tuple, forward: str, n: int, c: Any, dtype: str) -> str:
    """Python source of _b(t, x, s, cs, record, every) -> (t, x, s, row): steps t, t+1, … while each is ordinary.

    Step t evaluates f and ∇f (forward: the source of typed's _f), updates with the constants cs[t - t0]
    and records its row (t, x, f, ∇f, s) if t % every == 0; row is the last step's (None if none ran).
    It stops, without doing the step, before one that needs anything else (other constants, a value
    that is not finite, an exception): descend's ordinary step takes over there.  A float32 value outside
    the normal range is rounded again exactly (exact32, the exact update), as the ordinary step does.
    """
    unpack, body, xs, ss, check = parts
    coords = range(n)
    x_names, s_names = [f"x{i}" for i in coords], [f"s{i}_{j}" for i in coords for j in range(len(ss) // n)]
    f_lines = forward.splitlines()
    values = f_lines[-1].strip()[len("return ["):-1]
    step = [f"a{i} = x{i}" for i in coords] + [line.strip() for line in f_lines[1:-1]]
    step.append(f"f, {', '.join(f'g{i}' for i in coords)}, = {values}")
    if dtype == "float32":     # a value outside float32's normal range: round all exactly (descend's _exact32)
        outs = ", ".join(["f", *(f"g{i}" for i in coords)])
        step.append(f"if not ({' and '.join(_in_range(v) for v in outs.split(', '))}): {outs}, = exact32({outs})")
    step.append(f"if not isfinite(f + {' + '.join(f'g{i}' for i in coords)} + {' + '.join(x_names)}): break")
    step += ([unpack] if unpack else []) + body
    if check:      # a result outside float32's normal range: the update again, rounding every result exactly
        news = f"[{', '.join(xs)}], [{', '.join(ss)}]"
        step.append(f"if not ({check}): {news} = exact_update(c, [{', '.join(x_names)}], "
                    f"[{', '.join(f'g{i}' for i in coords)}], [{', '.join(s_names)}])")
    lines = ["def _b(t, x, s, cs, record, every):", "    row, _a, _r = None, buffer(), buffer()", f"    {', '.join(x_names)}, = x"]
    if s_names:
        lines.append(f"    {', '.join(s_names)}, = s")
    lines += ["    for c in cs:", f"        if {_key_test(c)}: break", "        try:"]
    lines += ["            " + line for line in step]
    lines += ["        except (ArithmeticError, ValueError):", "            break",
              f"        row = {', '.join(['t', *x_names, 'f', *(f'g{i}' for i in coords), *s_names])},",
              "        if t % every == 0:",
              "            record(row)",
              f"        {', '.join(x_names + s_names)}, = {', '.join(xs + ss)},",
              "        t += 1",
              f"    return t, [{', '.join(x_names)}], [{', '.join(s_names)}], row"]
    return "\n".join(lines)


def _roots(line: str, n: int) -> str:
    """'sqrt out_{i} in_{i}' for every coordinate at once: out_0, out_1, = sqrtn(in_0, in_1)."""
    out, arg = line[len(SQRT):].split(" ")
    return f"{', '.join(out.replace('{i}', str(i)) for i in range(n))}, = sqrtn({', '.join(arg.replace('{i}', str(i)) for i in range(n))})"


def _sqrt_n(dtype: str, n: int) -> Callable[..., list[float]]:
    """(*v) -> [√v_i] as torch.sqrt computes them (MKL's vdSqrt / vsSqrt, NaN below 0), one call for all n."""
    fn = kernels.mkl_vector("vdSqrt" if dtype == "float64" else "vsSqrt")
    if fn is None:
        one = kernels.sqrt if dtype == "float64" else lambda v: kernels.round32(math.sqrt(v)) if v >= 0.0 else math.nan
        return lambda *v: [one(a) for a in v]
    ctype, local = ctypes.c_double if dtype == "float64" else ctypes.c_float, threading.local()

    def sqrtn(*v: float) -> list[float]:
        try:
            a, r = local.buffers      # per thread: ctypes lets go of the GIL during the call
        except AttributeError:
            a, r = local.buffers = (ctype * n)(), (ctype * n)()
        a[:] = v
        fn(n, a, r)
        return r[:]

    return sqrtn


def _rounding(line: str, exact: bool) -> str:
    """A 'round32 name' line written out: splitting, or the exact rounding; other lines as they are."""
    if not line.startswith(ROUND):
        return line
    name = line[len(ROUND):]
    return f"{name} = round32_exact({name})" if exact else f"_c = {name} * S32; {name} = _c - (_c - {name})"


def round32_exact(v: float) -> float:
    """v rounded to float32 over its whole range: subnormals on the 2^-149 grid, overflow to ±inf."""
    a = abs(v)
    if a < F32_TINY:
        return (v + SUBNORMAL_SHIFT) - SUBNORMAL_SHIFT
    if a == math.inf or a != a:
        return v
    c = v * kernels.SPLIT32
    r = c - (c - v)
    return r if abs(r) <= F32_MAX else math.copysign(math.inf, v)


SUBNORMAL_SHIFT = 1.5 * 2.0**-97   # v + this, for |v| < 2^-126, rounds v to a multiple of 2^-149 (ties to even)


def _in_range(name: str) -> str:
    """name is 0 or a normal float32 (not NaN, not beyond float32's largest)."""
    return f"({F32_TINY!r} <= {name} <= {F32_MAX!r} or -{F32_MAX!r} <= {name} <= -{F32_TINY!r} or {name} == 0.0)"   # no call of abs


NAMESPACE = {
    "float64": {"fsum": math.fsum},
    "float32": {"S32": kernels.SPLIT32, "round32_exact": round32_exact,
                "ulp": math.ulp, "nextafter": math.nextafter, "inf": math.inf},
}
_COMPILED: dict[tuple, tuple[Callable, ...] | None] = {}
MAX_COMPILED = 512      # generated updates kept (settings × constants keys)


def _compiled(name: str, lr: float, hyper: tuple, dtype: str, n: int, key: Any, c: Any) -> tuple[Callable, ...] | None:
    """The generated update for one constants key (c: that step's constants); None if the rule cannot be traced."""
    cache_key = (name, lr, hyper, dtype, n, key)
    if cache_key in _COMPILED:
        return _COMPILED[cache_key]
    updates = _generate(name, lr, hyper, dtype, n, c)
    if len(_COMPILED) >= MAX_COMPILED:    # another session's thread may read meanwhile: it only recompiles
        _COMPILED.clear()
    _COMPILED[cache_key] = updates
    return updates


def _generate(name: str, lr: float, hyper: tuple, dtype: str, n: int, c: Any) -> tuple[Callable, ...] | None:
    """Trace the rule and compile it: (fast,) in float64, (fast, exact) in float32; None if it cannot be traced."""
    spec = get_optimizer(name)
    try:
        sources = [_source(spec.build, lr, dict(hyper), dtype, n, c, exact) for exact in (False, True)[:1 + (dtype == "float32")]]
    except Untraceable:
        return None
    out = []
    for source in sources:
        namespace = {**NAMESPACE[dtype], "sqrtn": _sqrt_n(dtype, n)}
        exec(compile(source, f"<gradcore.fused {name}>", "exec"), namespace)
        out.append(namespace["_u"])
    return tuple(out)


def fused_update(name: str, lr: float, hyper: dict, dtype: str, n: int) -> Callable[[Any], tuple[Callable, ...] | None]:
    """c -> the generated updates for a step with constants c: (fast,) or (fast, exact); None: the generic path runs."""
    frozen = tuple(sorted(hyper.items()))
    cache: dict = {}

    def for_constants(c: Any) -> tuple[Callable, ...] | None:
        key = constants_key(c)
        if key not in cache:
            cache[key] = _compiled(name, lr, frozen, dtype, n, key, c)
        return cache[key]

    return for_constants


_MISSING = object()


def _generate_block(name: str, lr: float, hyper: tuple, dtype: str, n: int, c: Any, forward: tuple[str, dict]) -> Callable | None:
    """Trace the rule and compile the loop of ordinary steps (_block_source) around it; None if it cannot be traced."""
    updates = _generate(name, lr, hyper, dtype, n, c)
    if updates is None:
        return None
    vector = kernels.mkl_vector("vdSqrt" if dtype == "float64" else "vsSqrt")
    parts = _parts(get_optimizer(name).build, lr, dict(hyper), dtype, n, c, roots=_roots_inline if vector else None)
    if parts[4] and not all(v.startswith("t") and v.isidentifier() for v in parts[2] + parts[3]):
        return None   # a result that is not a temporary of its own cannot take the exact update's value
    source, names = forward
    ctype = ctypes.c_double if dtype == "float64" else ctypes.c_float
    namespace = {**names, **NAMESPACE[dtype], "sqrtn": _sqrt_n(dtype, n), "vector_sqrt": vector, "isfinite": math.isfinite,
                 "buffer": ctype * n, "exact_update": updates[-1], "exact32": _exact32}
    exec(compile(_block_source(parts, source, n, c, dtype), f"<gradcore.fused {name} loop>", "exec"), namespace)
    return namespace["_b"]


def _roots_inline(line: str, n: int) -> str:
    """'sqrt out_{i} in_{i}' as one MKL call on the loop's own buffers _a, _r (ctypes lets go of the GIL: one pair per call)."""
    out, arg = line[len(SQRT):].split(" ")
    coords = range(n)
    return "; ".join([*(f"_a[{i}] = {arg.replace('{i}', str(i))}" for i in coords), f"vector_sqrt({n}, _a, _r)",
                      *(f"{out.replace('{i}', str(i))} = _r[{i}]" for i in coords)])


def _exact32(*values: float) -> list[float]:
    """Values rounded to float32 exactly (subnormals, overflow to inf), as numpy's float32 does."""
    return [float(np.float32(v)) for v in values]


def fused_block(name: str, lr: float, hyper: dict, dtype: str, n: int,
                forward: tuple[str, dict] | None) -> Callable[[Any], Callable | None]:
    """c -> the generated loop (f, ∇f from forward's source, then the update) for steps with constants like c; None: step by step."""
    frozen, cache = tuple(sorted(hyper.items())), {}

    def for_constants(c: Any) -> Callable | None:
        key = constants_key(c)
        if forward is None:
            return None
        if key not in cache:
            cache_key = ("loop", name, lr, frozen, dtype, n, key, forward[0])
            block = _COMPILED.get(cache_key, _MISSING)
            if block is _MISSING:
                block = _generate_block(name, lr, frozen, dtype, n, c, forward)
                if len(_COMPILED) >= MAX_COMPILED:
                    _COMPILED.clear()
                _COMPILED[cache_key] = block
            cache[key] = block
        return cache[key]

    return for_constants
