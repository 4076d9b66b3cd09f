"""f and ∇f in autograd's order: the forward and backward pass torch records for the formula as typed.

sympy reorders what it stores (x^2+y-11 becomes -11 + x**2 + y), which rounds differently from
Python's left-to-right evaluation of the typed text.  Here the typed tree (Python's ``ast`` of the
validated text, as gradcore.formula builds it) becomes a tape of torch operations in the order
Python runs them: ``x, y = p`` unbinds the parameter, every +, -, *, /, ** and function call is one
operation, constant subexpressions fold to one float64 number.  The backward pass follows
torch's engine: the operation recorded last runs first, each with torch's own local derivative
formula (pow's ``grad * (n * x.pow(n - 1))``, div's ``-grad * ((a / b) / b)``, …), and the
contributions to a variable used several times are summed in the order they arrive.  The tape is
turned into Python source on floats, like gradcore.backends' forward functions; float32 rounds
every operation's result to float32 (Veltkamp's splitting, exact for these operations).
"""

from __future__ import annotations

import ast
import heapq
import math
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sympy as sp

from gradcore import formula as _formula
from gradcore import kernels

DTYPES = ("float64", "float32")
POWER_KERNELS = {0.5: "root({a})", 2.0: "{a} * {a}", -0.5: "1.0 / root({a})", -1.0: "1.0 / {a}"}   # pow's own kernel


@dataclass(frozen=True)
class Op:
    """One recorded operation: kind, the tape indices of its tensor inputs, a folded number (or None)."""

    kind: str                  # var, add, sub, rsub, mul, div, rdiv, neg, pow, rpow, powt, or a function name
    args: tuple[int, ...]      # inputs on the tape
    number: float | None = None   # the constant operand (exponent, scalar, variable index for var)
    right: bool = False        # the constant stands on the left of the tensor (c - x, c * x)


@dataclass(frozen=True)
class Tape:
    """The typed formula as torch records it: ops in creation order, the root last."""

    ops: tuple[Op, ...]
    n: int                     # variables of the formula (x, y, … in the formula's order)

    def source(self, dtype: str = "float64") -> str:
        """Python source of _f(a0, a1, …) -> [f, ∂f/∂a0, …] in torch's order of operations."""
        return _Writer(self, dtype).write()

    def torch_source(self, names: Sequence[str]) -> str:
        """The typed formula as a torch expression over the names x, y, … (the page's script)."""
        return _torch_expr(self, len(self.ops) - 1, names)


# ---------------------------------------------------------------- text -> tape

def typed_tape(text: str, symbols: Sequence[sp.Symbol]) -> Tape | None:
    """The tape of a formula parse() accepted; None when the typed text uses a variable sympy cancelled (x - x + y)."""
    chars = _formula._normalise(text)
    source, cols, numbers = _formula._to_python(_formula._implicit_products(_formula._tokenise(chars)))
    tree = ast.parse(source, mode="eval").body
    builder, index = _formula._Builder(cols, numbers), {s.name: i for i, s in enumerate(symbols)}
    ops: list[Op] = [Op("var", (), float(i)) for i in range(len(symbols))]
    try:
        root = _Recorder(builder, index, ops).record(tree)
    except KeyError:
        return None
    if isinstance(root, float):
        return None
    return Tape(tuple(ops), len(symbols))


class _Recorder:
    """Walk the typed ast in Python's evaluation order, appending one Op per torch operation."""

    def __init__(self, builder, index: dict[str, int], ops: list[Op]):
        self.builder, self.index, self.ops = builder, index, ops

    def add(self, op: Op) -> int:
        self.ops.append(op)
        return len(self.ops) - 1

    def record(self, node: ast.AST) -> int | float:
        """The tape index of node's value, or its folded float when it holds no variable."""
        if not any(isinstance(n, ast.Name) and n.id in _formula.VARIABLES for n in ast.walk(node)):
            return float(sp.N(self.builder.build(node), 17))
        if isinstance(node, ast.Name):
            return self.index[node.id]
        if isinstance(node, ast.UnaryOp):
            a = self.record(node.operand)
            return a if isinstance(node.op, ast.UAdd) else self.add(Op("neg", (a,)))
        if isinstance(node, ast.BinOp):
            return self.binary(type(node.op).__name__, self.record(node.left), self.record(node.right))
        return self.call(node.func.id, [self.record(a) for a in node.args])

    def binary(self, name: str, a: int | float, b: int | float) -> int:
        """x op y with tensors and numbers on either side, as Python dispatches it to torch."""
        kind = {"Add": "add", "Sub": "sub", "Mult": "mul", "Div": "div", "Pow": "pow"}[name]
        if isinstance(a, float):   # c op x: __radd__, __rsub__, __rmul__, __rtruediv__, __rpow__
            kind = {"add": "add", "sub": "rsub", "mul": "mul", "div": "rdiv", "pow": "rpow"}[kind]
            return self.add(Op(kind, (b,), a, right=True))
        if isinstance(b, float):
            return self.add(Op(kind, (a,), b))
        return self.add(Op("powt" if kind == "pow" else kind, (a, b)))

    def call(self, name: str, args: list[int | float]) -> int:
        """A function call; max/min of several arguments is a chain of torch.maximum/minimum."""
        name = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan"}.get(name, name)
        if name not in ("max", "min"):
            return self.add(Op(name, (args[0],)))
        out = args[0]
        for a in args[1:]:
            pair = [v for v in (out, a) if not isinstance(v, float)]
            number = next((v for v in (out, a) if isinstance(v, float)), None)
            out = self.add(Op(name, tuple(pair), number, right=isinstance(out, float)))
        return out


# ---------------------------------------------------------------- the backward order of torch's engine

def backward_order(tape: Tape) -> list[int]:
    """Ops in the order torch's engine runs their backward: the ready op recorded last first."""
    consumers = [0] * len(tape.ops)
    for op in tape.ops:
        for a in op.args:
            consumers[a] += 1
    ready, order = [-(len(tape.ops) - 1)], []
    while ready:
        k = -heapq.heappop(ready)
        order.append(k)
        for a in dict.fromkeys(tape.ops[k].args):
            consumers[a] -= tape.ops[k].args.count(a)
            if consumers[a] == 0 and tape.ops[a].kind != "var":
                heapq.heappush(ready, -a)
    return order


# ---------------------------------------------------------------- tape -> Python source

_UNARY_FORWARD = {
    "sin": "sin({a})", "cos": "cos({a})", "tan": "tan({a})", "asin": "asin({a})", "acos": "acos({a})",
    "atan": "atan({a})", "sinh": "sinh({a})", "cosh": "cosh({a})", "tanh": "tanh({a})", "exp": "exp({a})",
    "log": "log({a})", "log10": "log10({a})", "log2": "log2({a})", "sqrt": "sqrt({a})", "abs": "abs({a})",
    "sign": "sign({a})", "relu": "({a} if {a} > 0.0 else 0.0)", "sigmoid": "sigmoid({a})", "softplus": "softplus({a})",
}
# local derivative: grad_in = <formula> with {g} the incoming gradient, {a} the input, {v} the output
_UNARY_BACKWARD = {
    "sin": "{g} * cos({a})", "cos": "{g} * -sin({a})", "tan": "{g} * (1.0 + {v} * {v})",
    "asin": "{g} * (1.0 / root(-{a} * {a} + 1.0))", "acos": "{g} * -(1.0 / root(-{a} * {a} + 1.0))",
    "atan": "{g} / ({a} * {a} + 1.0)", "sinh": "{g} * cosh({a})", "cosh": "{g} * sinh({a})",
    "tanh": "{g} * fma(-{v}, {v}, 1.0)", "exp": "{g} * {v}", "log": "{g} / {a}",
    "log10": "{g} / ({a} * 2.302585092994046)", "log2": "{g} / ({a} * 0.6931471805599453)",
    "sqrt": "{g} / (2.0 * {v})", "abs": "{g} * sign({a})", "sign": "0.0 * {g}",
    "relu": "({g} if {v} > 0.0 else 0.0)", "sigmoid": "{g} * (1.0 - {v}) * {v}", "softplus": "{g} * softplus_grad({a})",
}


def _sign(a: float) -> float:
    return float(a > 0) - float(a < 0)


def _sigmoid(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))


def _softplus(a: float) -> float:
    """torch.nn.functional.softplus: log(1 + e^a), a itself above 20."""
    return a if a > 20.0 else math.log1p(math.exp(a))


def _softplus_grad(a: float) -> float:
    return 1.0 if a > 20.0 else _sigmoid(a)


def _pow(a: float, b: float) -> float:
    """a^b (std::pow); a negative base with a fractional power is outside f's domain."""
    if a < 0 and b != int(b):
        raise ValueError("negative base, fractional power")
    return math.pow(a, b)


def _domain(fn: Callable[[float], float], low: float = 0.0, high: float = math.inf, open_low: bool = False) -> Callable:
    """fn raising outside [low, high] (or (low, high]) like the math module, so that descend() says f is undefined there."""
    def checked(v: float) -> float:
        if not (low < v if open_low else low <= v) or v > high:
            raise ValueError("math domain error")
        return fn(v)
    return checked


_DOMAINS = {"log": (0.0, math.inf, True), "log10": (0.0, math.inf, True), "log2": (0.0, math.inf, True),
            "asin": (-1.0, 1.0, False), "acos": (-1.0, 1.0, False)}


def _overflow(fn: Callable[[float], float]) -> Callable[[float], float]:
    """fn raising OverflowError where a finite input gives an infinite result, like math.exp."""
    def checked(v: float) -> float:
        r = fn(v)
        if r == math.inf and v != math.inf:
            raise OverflowError("math range error")
        return r
    return checked


def _torch_functions(dtype: str) -> dict[str, Callable[[float], float]]:
    """exp, log, sin, … as torch's kernels compute them in dtype (MKL), raising outside their domain or range."""
    out = {}
    for name in kernels.VML:
        fn = kernels.torch_function(name, dtype, getattr(math, name))
        out[name] = _domain(fn, *_DOMAINS[name]) if name in _DOMAINS else _overflow(fn) if name == "exp" else fn
    return out


NAMESPACE = {
    **{name: getattr(math, name) for name in ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
                                              "exp", "log", "log10", "log2", "sqrt")},
    "sign": _sign, "sigmoid": _sigmoid, "softplus": _softplus, "softplus_grad": _softplus_grad, "pow": _pow,
    "nan": math.nan, "S32": kernels.SPLIT32,
}
SQRT = {"float64": _domain(kernels.sqrt), "float32": _domain(lambda v: float(kernels.sqrt32(v)))}   # torch.sqrt: MKL's
FUNCTIONS = {dtype: _torch_functions(dtype) for dtype in DTYPES}
FMA = {"float64": kernels.fma, "float32": lambda a, b, c: float(kernels.fma32(a, b, c))} if kernels.FUSED else \
    {"float64": kernels.unfused, "float32": lambda a, b, c: kernels.round32(kernels.round32(a * b) + c)}   # tanh_backward
ROOT = {"float64": math.sqrt, "float32": lambda v: kernels.round32(math.sqrt(v))}    # pow(x, 0.5): the exact root


class _Writer:
    """Lines of the generated function: one assignment per torch operation, rounded to float32 if asked."""

    def __init__(self, tape: Tape, dtype: str):
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}.")
        self.tape, self.f32, self.lines = tape, dtype == "float32", []

    def num(self, v: float) -> str:
        """A constant as torch uses it: the float64 literal, cast to float32 for a float32 tensor."""
        return repr(kernels.round32(v) if self.f32 else float(v))

    def let(self, name: str, expr: str) -> str:
        """name = expr (then rounded to float32); returns name, or expr itself when it is a name or a number."""
        if expr.isidentifier() or _is_literal(expr):
            return expr
        self.lines.append(f"    {name} = {expr}")
        if self.f32:
            self.lines.append(f"    _c = {name} * S32; {name} = _c - (_c - {name})")
        return name

    def write(self) -> str:
        args = [f"a{i}" for i in range(self.tape.n)]
        self.lines = [f"def _f({', '.join(args)}):"]
        for k, op in enumerate(self.tape.ops):
            if op.kind == "var":
                self.lines.append(f"    v{k} = a{int(op.number)}")
            else:
                self.forward(k, op)
        grads = self.backward()
        root = len(self.tape.ops) - 1
        self.lines.append(f"    return [v{root}, " + ", ".join(grads) + "]")
        return "\n".join(self.lines)

    def power(self, name: str, a: str, c: float) -> str:
        """x.pow(c) as torch's kernel computes it: 1, x, x*x, x*x*x, sqrt, 1/x, 1/(x*x) or std::pow."""
        if c == 0:
            return self.let(name, self.num(1.0))
        if c == 1:
            return self.let(name, a)
        if c == 3:
            return self.let(name, f"{self.let(name + '_2', f'{a} * {a}')} * {a}")
        if c == -2:
            return self.let(name, f"1.0 / {self.let(name + '_2', f'{a} * {a}')}")
        template = POWER_KERNELS.get(c)
        return self.let(name, template.format(a=a) if template else f"pow({a}, {self.num(c)})")

    def forward(self, k: int, op: Op) -> None:
        a, b, c, v = f"v{op.args[0]}", f"v{op.args[-1]}", op.number, f"v{k}"
        if op.kind in ("add", "sub", "mul", "div"):
            sym = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[op.kind]
            rhs = f"{a} {sym} {self.num(c)}" if c is not None and not op.right else \
                f"{self.num(c)} {sym} {a}" if c is not None else f"{a} {sym} {b}"
            self.let(v, rhs)
        elif op.kind == "rsub":
            self.let(v, f"{self.num(c)} - {a}")
        elif op.kind == "rdiv":             # c / x is x.reciprocal() * c in torch
            self.let(v, f"{self.let(f'r{k}', f'1.0 / {a}')} * {self.num(c)}")
        elif op.kind == "neg":
            self.let(v, f"-{a}")
        elif op.kind == "pow":
            self.power(v, a, c)
        elif op.kind == "rpow":
            self.let(v, f"pow({self.num(c)}, {a})")
        elif op.kind == "powt":
            self.let(v, f"pow({a}, {b})")
        elif op.kind in ("max", "min"):
            self.let(v, f"{op.kind}({a}, {self.num(c) if c is not None else b})")
        else:
            self.let(v, _UNARY_FORWARD[op.kind].format(a=a))

    def backward(self) -> list[str]:
        """Run the engine's order; return the names of the variables' accumulated gradients."""
        tape, acc = self.tape, [None] * self.tape.n
        self.grad = {len(tape.ops) - 1: self.num(1.0)}
        for k in backward_order(tape):
            op = tape.ops[k]
            for j, (i, expr) in enumerate(self.local(k, op)):
                name = self.let(f"d{k}_{j}", expr)
                if tape.ops[i].kind == "var":
                    var = int(tape.ops[i].number)
                    acc[var] = name if acc[var] is None else self.let(f"s{var}_{k}_{j}", f"{acc[var]} + {name}")
                else:
                    self.grad[i] = name
        return [name or self.num(0.0) for name in acc]

    def local(self, k: int, op: Op) -> list[tuple[int, str]]:
        """(input, its gradient) for each tensor input of op k, torch's derivative formulas."""
        g, v, c, args = self.grad[k], f"v{k}", op.number, op.args
        a = f"v{args[0]}"
        if op.kind == "add":
            return [(i, g) for i in args]
        if op.kind == "sub":
            return [(args[0], g), (args[1], f"-{g}")] if c is None else [(args[0], g)]
        if op.kind == "rsub" or op.kind == "neg":
            return [(args[0], f"-{g}")]
        if op.kind == "mul":
            return [(args[0], f"{g} * {self.num(c)}")] if c is not None else \
                [(args[0], f"{g} * v{args[1]}"), (args[1], f"{g} * {a}")]
        if op.kind == "div":
            if c is not None:
                return [(args[0], f"{g} / {self.num(c)}")]
            b = f"v{args[1]}"
            q = self.let(f"q{k}", f"{self.let(f'q{k}_1', f'{a} / {b}')} / {b}")
            return [(args[0], f"{g} / {b}"), (args[1], f"-{g} * {q}")]
        if op.kind == "rdiv":
            gr = self.let(f"gr{k}", f"{g} * {self.num(c)}")
            return [(args[0], f"-{gr} * {self.let(f'rr{k}', f'r{k} * r{k}')}")]
        if op.kind == "pow":
            if c == 0:
                return [(args[0], f"0.0 * {g}")]
            p = self.power(f"p{k}", a, c - 1)
            return [(args[0], f"{g} * {self.let(f'n{k}', f'{self.num(c)} * {p}')}")]
        if op.kind == "rpow":
            return [(args[0], f"{g} * ({v} * {self.num(math.log(c)) if c > 0 else 'nan'})")]
        if op.kind == "powt":
            b = f"v{args[1]}"
            return [(args[0], f"{g} * ({b} * pow({a}, {b} - 1.0))"), (args[1], f"{g} * ({v} * log({a}))")]
        if op.kind in ("max", "min"):
            return self.lattice(k, op)
        return [(args[0], _UNARY_BACKWARD[op.kind].format(g=g, a=a, v=v))]

    def lattice(self, k: int, op: Op) -> list[tuple[int, str]]:
        """torch.maximum/minimum: the larger (smaller) input gets the gradient, half each on a tie; clamp: all of it on a tie."""
        g, a, win = self.grad[k], f"v{op.args[0]}", ">" if op.kind == "max" else "<"
        if op.number is not None:
            return [(op.args[0], f"({g} if {a} {win}= {self.num(op.number)} else 0.0)")]
        b = f"v{op.args[1]}"
        return [(op.args[0], f"({g} if {a} {win} {b} else {g} / 2.0 if {a} == {b} else 0.0)"),
                (op.args[1], f"({g} if {b} {win} {a} else {g} / 2.0 if {a} == {b} else 0.0)")]


def _is_literal(text: str) -> bool:
    """A float literal such as 1.0 or -2.5e-05."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def tape_namespace(dtype: str) -> dict:
    """The names a tape's generated source uses (torch's functions in dtype)."""
    return {**NAMESPACE, **FUNCTIONS[dtype], "sqrt": SQRT[dtype], "root": ROOT[dtype], "fma": FMA[dtype]}


def compile_tape(tape: Tape, dtype: str = "float64") -> Callable[..., list]:
    """The generated function _f(*coords) -> [f, ∂f/∂x1, …]; its source comes from the allow-listed tape only."""
    namespace = tape_namespace(dtype)
    exec(compile(tape.source(dtype), "<gradcore.typed>", "exec"), namespace)
    return namespace["_f"]


# ---------------------------------------------------------------- tape -> the script's torch expression

_TORCH_NAMES = {"softplus": "torch.nn.functional.softplus", "max": "torch.maximum", "min": "torch.minimum"}
_PRECEDENCE = {"add": 1, "sub": 1, "rsub": 1, "mul": 2, "div": 2, "rdiv": 2, "neg": 3, "pow": 4, "rpow": 4, "powt": 4}


def _literal(v: float) -> str:
    """A number as the script writes it: 2 for 2.0, the float64 repr otherwise."""
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)


def _torch_expr(tape: Tape, k: int, names: Sequence[str], parent: int = 0, side: str = "") -> str:
    """Source of op k with the parentheses Python needs to rebuild the same tree."""
    op = tape.ops[k]
    if op.kind == "var":
        return names[int(op.number)]
    level = _PRECEDENCE.get(op.kind, 5)
    if op.kind in ("max", "min"):
        parts = [_torch_expr(tape, i, names) for i in op.args]
        if op.number is not None:   # max(x, c) is torch.clamp(x, min=c)
            return f"torch.clamp({parts[0]}, {'min' if op.kind == 'max' else 'max'}={float(op.number)!r})"
        return f"{_TORCH_NAMES[op.kind]}({parts[0]}, {parts[1]})"
    if level == 5:
        return f"{_TORCH_NAMES.get(op.kind, 'torch.' + op.kind)}({_torch_expr(tape, op.args[0], names)})"
    if op.kind == "neg":
        text = f"-{_torch_expr(tape, op.args[0], names, level, 'right')}"
    else:
        sym = {"add": "+", "sub": "-", "rsub": "-", "mul": "*", "div": "/", "rdiv": "/"}.get(op.kind, "**")
        number = _literal(op.number) if op.number is not None else None
        left = number if op.right else _torch_expr(tape, op.args[0], names, level, "left")
        right = _torch_expr(tape, op.args[-1], names, level, "right") if (op.right or number is None) else number
        if number is not None and float(op.number) < 0:
            left, right = (f"({left})", right) if op.right else (left, f"({right})")
        text = f"{left} {sym} {right}"
    power = level == 4
    needs = level < parent or (level == parent and (side == "right") != power) or (power and parent == 4 and side == "left")
    return f"({text})" if needs else text


_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def autograd_value_and_gradient(formula, dtype: str = "float64") -> Callable[..., list]:
    """(*coords) -> [f, ∂f/∂x1, …] as torch's forward and backward compute them for the typed formula, cached.

    A formula whose typed text uses a variable sympy cancelled (x - x + y) falls back to sympy's gradient.
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}.")
    cache = _COMPILED.setdefault(formula, {})
    if dtype not in cache:
        tape = formula.typed
        cache[dtype] = compile_tape(tape, dtype) if tape is not None else _rounded(formula.scalar_value_and_gradient, dtype)
    return cache[dtype]


def autograd_source(formula, dtype: str = "float64") -> tuple[str, dict] | None:
    """(source of _f, the names it uses) behind autograd_value_and_gradient, cached; None without a typed tape."""
    cache = _COMPILED.setdefault(formula, {})
    if ("source", dtype) not in cache:
        tape = formula.typed
        cache["source", dtype] = (tape.source(dtype), tape_namespace(dtype)) if tape is not None else None
    return cache["source", dtype]


def _rounded(fn: Callable[..., list], dtype: str) -> Callable[..., list]:
    """fn with its results rounded to float32 when dtype is float32."""
    if dtype == "float64":
        return fn
    return lambda *x: [kernels.round32(v) for v in fn(*x)]
