"""Open autograd's box: the graph torch records for f at P, its backward pass step by step, and the lecture's demos.

`compile_program` turns the sympy tree of a Formula into straight-line torch code, one operation per
node, each remembering the subexpression of f it computes.  `record_graph` runs that code on leaf
tensors, reads back the graph torch itself recorded (``grad_fn`` and ``next_functions``) and hooks
every node, so the backward pass can be replayed one node at a time.  `graph_dot` draws the record
as a Graphviz DOT string; `pytorch_snippet` writes the PyTorch script that prints the same numbers.
"""

from __future__ import annotations

import operator
import re
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import sympy as sp
import torch
from torch.autograd.gradcheck import GradcheckError

from gradcore.backends import float_value
from gradcore.formula import Formula, Maximum, Minimum
from gradcore.messages import Message, msg

DTYPE = torch.float64
MAX_DRAWN_OPS = 24          # more operations than this and the drawing folds deep subexpressions ...
MAX_BREADTH = 6             # ... until at most this many boxes share a level (readable at 1280 px)
GRAD_COLOR = "#d62728"      # gradients, in the drawing
ARGS = (sp.Dummy("a0"), sp.Dummy("a1"))   # an operation's inputs, in its template

ATOM, POW, NEG, MUL, ADD = 5, 4, 3, 2, 1  # Python's operator precedence, for writing source


@dataclass(frozen=True)
class Op:
    """One torch operation: how to run it, its sympy meaning, and how to write it in Python."""

    torch: Callable
    sympy: Callable
    write: Callable[..., tuple[str, int]]   # (operand sources with precedences) -> (source, precedence)
    tensor_constants: bool = False          # constants must be written as tensors (torch.maximum, torch.minimum)


def _paren(operand: tuple[str, int], wrap: bool) -> str:
    return f"({operand[0]})" if wrap else operand[0]


def _infix(symbol: str, prec: int) -> Callable[..., tuple[str, int]]:
    def write(a, b):
        return f"{_paren(a, a[1] < prec)} {symbol} {_paren(b, b[1] <= prec)}", prec
    return write


def _write_pow(a, b):
    return f"{_paren(a, a[1] <= POW)}**{_paren(b, b[1] < NEG)}", POW


def _call(name: str) -> Callable[..., tuple[str, int]]:
    def write(*operands):
        return f"torch.{name}({', '.join(s for s, _ in operands)})", ATOM
    return write


def _tensor_like(c, like: torch.Tensor) -> torch.Tensor:
    return c if torch.is_tensor(c) else torch.tensor(c, dtype=like.dtype)


def _unary(name: str, sympy_fn: Callable) -> Op:
    return Op(getattr(torch, name), sympy_fn, _call(name))


def _extremum(name: str, sympy_fn: Callable) -> Op:
    torch_fn = getattr(torch, name)
    return Op(lambda a, b: torch_fn(a, _tensor_like(b, a)), sympy_fn, _call(name), tensor_constants=True)


_SAME_NAME = (sp.sin, sp.cos, sp.tan, sp.asin, sp.acos, sp.atan, sp.sinh, sp.cosh, sp.tanh, sp.exp, sp.log)

OPS: dict[str, Op] = {
    "add": Op(operator.add, operator.add, _infix("+", ADD)),
    "sub": Op(operator.sub, operator.sub, _infix("-", ADD)),
    "mul": Op(operator.mul, operator.mul, _infix("*", MUL)),
    "div": Op(operator.truediv, operator.truediv, _infix("/", MUL)),
    "pow": Op(operator.pow, operator.pow, _write_pow),
    "neg": Op(operator.neg, operator.neg, lambda a: (f"-{_paren(a, a[1] <= NEG)}", NEG)),
    "maximum": _extremum("maximum", Maximum),
    "minimum": _extremum("minimum", Minimum),
    "relu": _unary("relu", lambda a: Maximum(0, a)),
    "sqrt": _unary("sqrt", sp.sqrt),
    "abs": _unary("abs", sp.Abs),
    "sign": _unary("sign", sp.sign),
    **{f.__name__: _unary(f.__name__, f) for f in _SAME_NAME},      # torch.sin for sympy's sin, …
}
_FUNCTION_OPS = {sp.Abs: "abs", sp.sign: "sign", **{f: f.__name__ for f in _SAME_NAME}}


# ---------------------------------------------------------------- sympy tree -> straight-line torch code

@dataclass(frozen=True)
class Instruction:
    """One line of the program: `op` applied to earlier lines (int indices) or sympy numbers."""

    op: str                                   # a key of OPS, or "leaf"
    args: tuple[int | sp.Expr, ...]
    expr: sp.Expr                             # the subexpression of f this line computes


def _number(c: sp.Expr) -> int | float:
    """The Python number torch is given for the constant c."""
    return int(c) if c.is_Integer and abs(c) < 2**53 else float(c)   # torch refuses Python ints of 64 bits or more


def _literal(c: sp.Expr, as_tensor: bool = False) -> tuple[str, int]:
    """Python source for the constant c that evaluates to _number(c), with its precedence."""
    if as_tensor:
        return f"torch.tensor({_literal(c)[0]}, dtype=torch.float64)", ATOM
    if c.is_Integer and abs(c) < 2**53:
        text = str(int(c))
    elif c.is_Rational and len(repr(float(c))) > 8:
        text = f"{c.p}/{c.q}"
    else:
        text = repr(float(c))
    return text, (MUL if "/" in text else NEG if text.startswith("-") else ATOM)


@dataclass(frozen=True, eq=False)
class TorchProgram:
    """f as straight-line torch code: the leaves (one per variable) first, then one operation per line."""

    variables: tuple[str, ...]
    instructions: tuple[Instruction, ...]
    root: int

    def run(self, leaves: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        """Every line's tensor, computed from the leaf tensors (one per variable)."""
        values = list(leaves)
        for ins in self.instructions[len(values):]:
            args = [values[a] if isinstance(a, int) else _number(a) for a in ins.args]
            values.append(OPS[ins.op].torch(*args))
        return values

    def __call__(self, *leaves: torch.Tensor) -> torch.Tensor:
        """f(x, y, …) as a torch tensor."""
        return self.run(leaves)[self.root]

    def template(self, index: int) -> sp.Expr | None:
        """Line `index` as an expression of its tensor inputs ARGS[0], ARGS[1] (None for a leaf)."""
        ins = self.instructions[index]
        if ins.op == "leaf":
            return None
        dummies = iter(ARGS)
        return OPS[ins.op].sympy(*(next(dummies) if isinstance(a, int) else a for a in ins.args))

    def source(self, name: str = "f") -> str:
        """`def f(x, y): return …`: Python that runs the same torch operations, in the same order."""
        uses = Counter(a for ins in self.instructions for a in ins.args if isinstance(a, int))
        code: list[tuple[str, int]] = [(v, ATOM) for v in self.variables]
        lines = []
        for i, ins in enumerate(self.instructions[len(self.variables):], start=len(self.variables)):
            op = OPS[ins.op]
            text = op.write(*(code[a] if isinstance(a, int) else _literal(a, op.tensor_constants) for a in ins.args))
            if uses[i] > 1 and i != self.root:          # a shared subexpression is computed once
                local = f"s{len(lines) + 1}"
                lines.append(f"    {local} = {text[0]}")
                text = (local, ATOM)
            code.append(text)
        lines.append(f"    return {code[self.root][0]}")
        return f"def {name}({', '.join(self.variables)}):\n" + "\n".join(lines)


class _Compiler:
    """Walk a sympy tree and emit one instruction per torch operation (shared subexpressions once)."""

    def __init__(self, symbols: Sequence[sp.Symbol]):
        self.instructions = [Instruction("leaf", (), s) for s in symbols]
        self.index: dict[sp.Expr, int] = {s: i for i, s in enumerate(symbols)}

    def expr(self, arg: int | sp.Expr) -> sp.Expr:
        return self.instructions[arg].expr if isinstance(arg, int) else arg

    def emit(self, op: str, *args: int | sp.Expr) -> int:
        expr = OPS[op].sympy(*(self.expr(a) for a in args))
        if expr not in self.index:
            self.index[expr] = len(self.instructions)
            self.instructions.append(Instruction(op, args, expr))
        return self.index[expr]

    def build(self, e: sp.Expr) -> int | sp.Expr:
        """The instruction computing e, or e itself when it is a constant."""
        if not e.free_symbols:
            return e
        if e in self.index:
            return self.index[e]
        if e.is_Add:
            return self.add(e)
        if e.is_Mul:
            return self.mul(e)
        if e.is_Pow:
            return self.pow(e)
        if isinstance(e, (sp.Max, sp.Min)):
            return self.extremum(e)
        if type(e) in _FUNCTION_OPS and len(e.args) == 1:
            return self.emit(_FUNCTION_OPS[type(e)], self.build(e.args[0]))
        raise ValueError(f"no torch operation for {type(e).__name__}")

    def add(self, e: sp.Expr) -> int:
        """a + b - c + k in sympy's printing order, left to right; the constant last (or first in k - a)."""
        terms = [t for t in e.as_ordered_terms() if t.free_symbols]
        c = sp.Add(*(t for t in e.args if not t.free_symbols))
        positive = [t for t in terms if not t.could_extract_minus_sign()]
        if positive:                                              # y - x², not -x² + y
            terms.remove(positive[0])
            terms.insert(0, positive[0])
        if c != 0 and not positive:
            acc, rest = c, terms                                  # 1 - x, not -x + 1
        else:
            acc, rest = self.build(terms[0]), terms[1:] + ([c] if c != 0 else [])
        for t in rest:
            acc = self.emit("sub", acc, self.build(-t)) if t.could_extract_minus_sign() else self.emit("add", acc, self.build(t))
        return acc

    def mul(self, e: sp.Expr) -> int:
        """c * a * b / d: numerator factors left to right, then the denominators."""
        c = sp.Mul(*(f for f in e.args if not f.free_symbols))
        factors = [f for f in e.as_ordered_factors() if f.free_symbols]
        num = [f for f in factors if not (f.is_Pow and f.exp.is_number and f.exp < 0)]
        den = [f.base ** -f.exp for f in factors if f not in num]
        first = self.build(num[0]) if num else self.emit("pow", self.build(den[0]), sp.Integer(-1))
        num, den = num[1:], (den if num else den[1:])
        divisor = c.q if c.is_Rational and abs(c.p) == 1 and c.q > 1 else None
        if c == -1 or (divisor and c < 0):
            acc = self.emit("neg", first)
        elif c == 1 or divisor:
            acc = first
        else:
            acc = self.emit("mul", c, first)
        for f in num:
            acc = self.emit("mul", acc, self.build(f))
        for d in den:
            acc = self.emit("div", acc, self.build(d))
        return self.emit("div", acc, sp.Integer(divisor)) if divisor else acc

    def pow(self, e: sp.Expr) -> int:
        if e.exp == sp.S.Half:
            return self.emit("sqrt", self.build(e.base))
        return self.emit("pow", self.build(e.base), self.build(e.exp))

    def extremum(self, e: sp.Expr) -> int:
        if isinstance(e, sp.Max) and len(e.args) == 2 and sp.S.Zero in e.args:
            return self.emit("relu", self.build(next(a for a in e.args if a != 0)))
        op = "maximum" if isinstance(e, sp.Max) else "minimum"
        variable = [a for a in e.args if a.free_symbols]
        constant = [a for a in e.args if not a.free_symbols]
        acc = self.build(variable[0])
        for a in variable[1:] + constant:
            acc = self.emit(op, acc, self.build(a))
        return acc


def compile_program(formula: Formula) -> TorchProgram:
    """f as straight-line torch code: one torch operation per node of its sympy tree."""
    compiler = _Compiler(formula.symbols)
    root = compiler.build(formula.expr)
    return TorchProgram(formula.variables, tuple(compiler.instructions), root)


# ---------------------------------------------------------------- the graph torch records

@dataclass(frozen=True)
class GraphNode:
    """One node of torch's backward graph, with what flowed through it."""

    id: int
    name: str                       # torch's class name: "PowBackward0", "AddBackward0", "AccumulateGrad"
    inputs: tuple[int, ...]         # the nodes its gradient flows on to (next_functions, Nones left out)
    expr: sp.Expr | None            # the subexpression of f this node's output is
    template: sp.Expr | None        # the operation, as an expression of its inputs ARGS[0], ARGS[1]
    value: float                    # the forward value of its output
    grad: float                     # ∂f/∂(its output): what flows in during backward
    grad_inputs: tuple[float, ...]  # what it sends to each input: grad · ∂(output)/∂(input)
    step: int                       # when backward ran it: 1 = first; 0 = never
    variable: str | None = None     # for a leaf: the name of its variable

    @property
    def is_leaf(self) -> bool:
        return self.variable is not None


@dataclass(frozen=True)
class AutogradGraph:
    """The graph torch recorded for f at P (root first), and the order backward() ran its nodes."""

    variables: tuple[str, ...]
    point: tuple[float, ...]
    nodes: tuple[GraphNode, ...]
    order: tuple[int, ...]          # node ids in the order torch's engine ran them
    value: float                    # f(P)
    gradient: tuple[float, ...]     # x.grad, y.grad, … after backward()

    @property
    def n_ops(self) -> int:
        return sum(not n.is_leaf for n in self.nodes)


def leaf_tensors(point) -> list[torch.Tensor]:
    """One float64 leaf tensor with requires_grad=True per coordinate of P."""
    return [torch.tensor(float(v), dtype=DTYPE, requires_grad=True) for v in np.asarray(point, dtype=np.float64)]


def _walk(root_fn) -> list:
    """torch's backward nodes reachable from root_fn, breadth first (root first)."""
    seen, queue, order = {root_fn}, deque([root_fn]), []
    while queue:
        fn = queue.popleft()
        order.append(fn)
        for nxt, _ in fn.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order


def _scalar(t) -> float:
    return float("nan") if t is None else t.item()


def _leaf_grads(leaves: Sequence[torch.Tensor]) -> tuple[float, ...]:
    """x.grad, y.grad, … (0 for a leaf no gradient reached)."""
    return tuple(0.0 if t.grad is None else t.grad.item() for t in leaves)


def record_graph(program: TorchProgram, point) -> AutogradGraph:
    """Run f at P on leaf tensors, read the graph torch recorded, run backward() with a hook on every node."""
    leaves = leaf_tensors(point)
    values = program.run(leaves)
    root = values[program.root]
    if root.grad_fn is None:                                   # f = x: the output is the leaf itself
        root.backward()
        i = program.root
        node = GraphNode(0, "AccumulateGrad", (), program.instructions[i].expr, None, root.item(), 1.0, (), 1,
                         program.variables[i])
        return AutogradGraph(program.variables, tuple(map(float, point)), (node,), (0,), root.item(), _leaf_grads(leaves))
    line_of = {t.grad_fn: i for i, t in enumerate(values) if t.grad_fn is not None}
    leaf_line = {id(leaf): i for i, leaf in enumerate(leaves)}
    fns = _walk(root.grad_fn)
    ids = {fn: k for k, fn in enumerate(fns)}
    ran: dict[int, tuple] = {}

    def hook(k: int):
        def seen(grad_in, grad_out) -> None:       # returns None: the gradients pass through unchanged
            ran.setdefault(k, (len(ran) + 1, grad_in, grad_out))
        return seen

    for fn in fns:
        fn.register_hook(hook(ids[fn]))
    root.backward()
    nodes = tuple(_node(k, fn, ids, line_of, leaf_line, program, values, ran.get(k)) for k, fn in enumerate(fns))
    order = tuple(sorted(ran, key=lambda k: ran[k][0]))
    return AutogradGraph(program.variables, tuple(map(float, point)), nodes, order, root.item(), _leaf_grads(leaves))


def _node(k: int, fn, ids: dict, line_of: dict, leaf_line: dict, program: TorchProgram, values: list, ran) -> GraphNode:
    step, grad_in, grad_out = ran if ran is not None else (0, (), (None,))
    leaf = getattr(fn, "variable", None)
    line = leaf_line.get(id(leaf)) if leaf is not None else line_of.get(fn)
    kept = [j for j, (nxt, _) in enumerate(fn.next_functions) if nxt is not None]
    inputs = tuple(ids[fn.next_functions[j][0]] for j in kept)
    sent = tuple(_scalar(grad_in[j]) if j < len(grad_in) else float("nan") for j in kept)
    if line is None:                                           # a node torch added that f's tree does not name
        return GraphNode(k, type(fn).__name__, inputs, None, None, float("nan"), _scalar(grad_out[0]), sent, step)
    variable = program.variables[line] if leaf is not None else None
    return GraphNode(k, type(fn).__name__, inputs, program.instructions[line].expr, program.template(line),
                     values[line].item(), _scalar(grad_out[0]), sent, step, variable)


def local_derivatives(graph: AutogradGraph, node: GraphNode) -> tuple[sp.Expr, ...]:
    """∂(output)/∂(input k) of one node, as sympy expressions of the variables."""
    if node.template is None:
        return ()
    subs = {ARGS[k]: graph.nodes[i].expr for k, i in enumerate(node.inputs)}
    return tuple(sp.diff(node.template, ARGS[k]).xreplace(subs) for k in range(len(node.inputs)))


# ---------------------------------------------------------------- the backward pass, step by step

_SQUARE_CUBE = re.compile(r"\*\*([23])(?![\d.])")


def pretty(expr: sp.Expr | None, width: int = 34) -> str:
    """A short plain-text form of a subexpression: x² for x**2, x^5 for x**5, · for *, cut to `width` characters."""
    if expr is None:
        return "?"
    text = _SQUARE_CUBE.sub(lambda m: "²" if m.group(1) == "2" else "³", sp.sstr(expr))
    text = text.replace("**", "^").replace("*", "·")
    return text if len(text) <= width else text[: width - 1] + "…"


def fmt(v: float, digits: int = 6) -> str:
    """A number as shown on the page: 6 significant digits unless asked for more."""
    return f"{v:.{digits}g}"


def fmt_vector(v, digits: int = 10) -> str:
    """[a, b, …] with `digits` significant digits."""
    return "[" + ", ".join(fmt(float(c), digits) for c in np.ravel(v)) + "]"


BACKWARD_COLUMNS = ("step", "node", "output", "value", "∂f/∂output", "sends back")


def backward_rows(graph: AutogradGraph, step: int | None = None, tr=str) -> list[dict[str, str]]:
    """One row per node backward() ran, up to `step`: what came in and what went out to each input (names in tr's
    language)."""
    names = {n.id: tr(_short_name(n)) for n in graph.nodes}
    rows = []
    for k, node_id in enumerate(graph.order[: step], start=1):
        node = graph.nodes[node_id]
        sent = ", ".join(f"{fmt(g)} → {names[i]}" for i, g in zip(node.inputs, node.grad_inputs, strict=True))
        rows.append({"step": str(k), "node": names[node_id], "output": pretty(node.expr, 40),
                     "value": fmt(node.value), "∂f/∂output": fmt(node.grad),
                     "sends back": sent or f"{node.variable}.grad += {fmt(node.grad)}"})
    return rows


def _short_name(node: GraphNode) -> str:
    return msg("{variable} (leaf)", variable=node.variable) if node.is_leaf else node.name


def describe_step(graph: AutogradGraph, step: int) -> str:
    """A sentence (markdown) on what backward() does at `step`; step 0 is the moment after the forward pass."""
    if step <= 0:
        return msg("**After the forward pass.** torch has recorded {count} operations; no gradient has flowed yet. "
                   "`f.backward()` starts at the root with ∂f/∂f = 1.", count=graph.n_ops)
    node = graph.nodes[graph.order[step - 1]]
    head = msg("**Step {step} of {total}: `{node}`**", step=step, total=len(graph.order), node=_short_name(node))
    if node.is_leaf:
        return msg("{head} adds the gradient that reached the leaf `{variable}` into `{variable}.grad`: "
                   "∂f/∂{variable} = {grad}.", head=head, variable=node.variable, grad=fmt(node.grad))
    if node.template is None:
        return msg("{head} receives ∂f/∂out = {grad} and passes it on.", head=head, grad=fmt(node.grad))
    names = dict(zip(ARGS, (sp.Symbol("a"), sp.Symbol("b")), strict=True))
    inputs = [f"{names[ARGS[k]]} = {pretty(graph.nodes[i].expr)}" for k, i in enumerate(node.inputs)]
    parts = []
    for k, (sent, local) in enumerate(zip(node.grad_inputs, local_derivatives(graph, node), strict=True)):
        rule = pretty(sp.diff(node.template, ARGS[k]).xreplace(names))
        parts.append(f"∂f/∂{names[ARGS[k]]} = {fmt(node.grad)} × ({rule}) = {fmt(node.grad)} × "
                     f"{_signed(_evaluate(local, graph))} = **{fmt(sent)}**")
    return msg("{head} computed out = `{out}` = {value} with {inputs}. Backward receives ∂f/∂out = {grad} and applies "
               "the chain rule: {rules}.", head=head, out=pretty(node.template.xreplace(names)), value=fmt(node.value),
               inputs=", ".join(f"`{a}`" for a in inputs), grad=fmt(node.grad), rules="; ".join(parts))


def _signed(v: float) -> str:
    return f"({fmt(v)})" if v < 0 else fmt(v)


def _evaluate(expr: sp.Expr, graph: AutogradGraph) -> float:
    values = {sp.Symbol(v, real=True): float(p) for v, p in zip(graph.variables, graph.point, strict=True)}
    return float_value(expr, values)   # float64, never sympy's arbitrary precision (exp(x + 1e15) would not end)


# ---------------------------------------------------------------- drawing: a DOT string for st.graphviz_chart

@dataclass(frozen=True)
class GraphDrawing:
    """A DOT string, and how much of the graph it shows."""

    dot: str
    drawn_ops: int
    total_ops: int
    boxes: int            # boxes drawn: operations, folded boxes and leaves
    note: str


def _depths(graph: AutogradGraph) -> dict[int, int]:
    """Each node's distance from the root (fewest edges)."""
    depth, queue = {0: 0}, deque([0])
    while queue:
        k = queue.popleft()
        for i in graph.nodes[k].inputs:
            if i not in depth:
                depth[i] = depth[k] + 1
                queue.append(i)
    return depth


def _breadth(depth: dict[int, int], drawn: set[int]) -> int:
    """The most drawn nodes on one level (levels by distance from the root)."""
    return max(Counter(depth[k] for k in drawn).values(), default=1)


def _visible(graph: AutogradGraph, max_ops: int, max_breadth: int) -> tuple[set[int], set[int]]:
    """The operations drawn in full and those drawn folded (each standing for its subgraph)."""
    ops = {n.id for n in graph.nodes if not n.is_leaf}
    depth = _depths(graph)
    if len(ops) <= max_ops:
        return ops, set()
    for limit in range(max(depth.values()), 0, -1):
        shown = {k for k in ops if depth[k] <= limit}
        folded = {i for k in shown for i in graph.nodes[k].inputs if i in ops and i not in shown}
        if len(shown) + len(folded) <= max_ops and _breadth(depth, shown | folded) <= max_breadth:
            single = {k for k in folded if all(graph.nodes[i].is_leaf for i in graph.nodes[k].inputs)}
            return shown | single, folded - single         # folding one operation would hide nothing
    return {0}, set(graph.nodes[0].inputs) & ops


def _below(graph: AutogradGraph, k: int) -> set[int]:
    """Every node reachable from k (k included)."""
    seen, stack = {k}, [k]
    while stack:
        for i in graph.nodes[stack.pop()].inputs:
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return seen


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _compact(expr: sp.Expr | None, width: int = 14) -> str:
    """The subexpression without spaces, cut to `width` characters: boxes stay narrow, text stays large."""
    text = pretty(expr, 10 * width).replace(" ", "")
    return text if len(text) <= width else text[: width - 1] + "…"


def _box_label(title: str, expr: str, value: float, grad_line: str) -> str:
    """An HTML-like DOT label: the operation in bold, the subexpression, its value, the gradient in red."""
    lines = [f"<b>{_html(title)}</b>", *([_html(expr)] if expr else []), f"= {fmt(value)}",
             f'<font color="{GRAD_COLOR}">{_html(grad_line)}</font>']
    return "<" + "<br/>".join(lines) + ">"


def _node_line(graph: AutogradGraph, node: GraphNode, step: int, tr=str) -> str:
    """The DOT statement of a node drawn in full, at `step` of the backward pass."""
    done = 0 < node.step <= step
    grad = fmt(node.grad) if done else "?"
    if node.is_leaf:
        label = _box_label(tr(_short_name(node)), "", node.value, f"{node.variable}.grad {grad}")
        fill, shape = ("#cfe8ff" if done else "#eef6ff"), "box"
    else:
        title = node.name
        label = _box_label(title, _compact(node.expr), node.value, f"grad {grad}")
        fill, shape = ("#ffe2bf" if done else "#ffffff"), "box"
    current = step > 0 and graph.order[step - 1] == node.id
    border = f'color="{GRAD_COLOR}", penwidth=4' if current else 'color="#555555", penwidth=1.5'
    return f'n{node.id} [label={label}, shape={shape}, style="rounded,filled", fillcolor="{fill}", {border}];'


def _folded_line(graph: AutogradGraph, node: GraphNode, step: int, tr=str) -> str:
    """The DOT statement of a dashed box standing for node and everything below it."""
    hidden = sum(not graph.nodes[i].is_leaf for i in _below(graph, node.id))
    grad = fmt(node.grad) if 0 < node.step <= step else "?"
    label = _box_label(tr(msg("⋯ {count} operations", count=hidden)), _compact(node.expr), node.value, f"grad {grad}")
    return f'n{node.id} [label={label}, shape=box, style="dashed,rounded", color="#555555"];'


def graph_dot(graph: AutogradGraph, step: int | None = None, max_ops: int = MAX_DRAWN_OPS,
              max_breadth: int = MAX_BREADTH, tr=str) -> GraphDrawing:
    """The recorded graph as DOT: leaves at the bottom, f at the top, gradients in red once backward reached them
    (box labels in tr's language)."""
    step = len(graph.order) if step is None else max(0, min(step, len(graph.order)))
    shown, folded = _visible(graph, max_ops, max_breadth)
    lines = ["digraph autograd {", 'rankdir=BT; nodesep=0.2; ranksep=0.3; bgcolor="transparent";',
             'node [fontname="Helvetica", fontsize=14, margin="0.14,0.05"];',
             'edge [fontname="Helvetica", fontsize=14, color="#555555", arrowsize=0.7];']
    for node in graph.nodes:
        if node.id in shown or node.is_leaf:
            lines.append(_node_line(graph, node, step, tr))
        elif node.id in folded:
            lines.append(_folded_line(graph, node, step, tr))
    for node in graph.nodes:
        if node.id in shown:
            for i, sent in zip(node.inputs, node.grad_inputs, strict=True):
                label = f'label="{fmt(sent)}", fontcolor="{GRAD_COLOR}"' if 0 < node.step <= step else 'label=""'
                lines.append(f"n{i} -> n{node.id} [{label}];")
        elif node.id in folded:
            for leaf in sorted(i for i in _below(graph, node.id) if graph.nodes[i].is_leaf):
                lines.append(f"n{leaf} -> n{node.id} [style=dashed, arrowhead=none];")
    lines.append("}")
    note = "" if not folded else msg(
        "torch recorded {count} operations, too many to read at once: the {shown} nearest the output are drawn in full, "
        "and {folded} dashed boxes (⋯) each fold a deeper subexpression into one node that keeps its value and gradient. "
        "The table below lists every step.", count=graph.n_ops, shown=len(shown), folded=len(folded))
    boxes = len(shown) + len(folded) + len(graph.nodes) - graph.n_ops
    return GraphDrawing("\n".join(lines), len(shown), graph.n_ops, boxes, note)


# ---------------------------------------------------------------- the lecture's demos

def vector_tensor(point) -> torch.Tensor:
    """x as one float64 tensor of n components, with requires_grad=True."""
    return torch.tensor(np.asarray(point, dtype=np.float64), dtype=DTYPE, requires_grad=True)


def vector_gradient(program: TorchProgram, point) -> np.ndarray:
    """x = tensor(P); y = f(x); y.backward(); x.grad."""
    x = vector_tensor(point)
    program(*x.unbind()).backward()
    return x.grad.numpy().copy()


def dot_product_example(n: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's example: x = arange(n), y = 2 x·x, y.backward(); returns x and x.grad (= 4x)."""
    x = torch.arange(float(n), requires_grad=True)
    y = 2 * torch.dot(x, x)
    y.backward()
    return x.detach().numpy().copy(), x.grad.numpy().copy()


@dataclass(frozen=True)
class Accumulation:
    """x.grad after each backward() call, and which multiple of ∇f it is."""

    grads: np.ndarray               # (calls, n)
    multiples: tuple[float, ...]    # k with x.grad = k ∇f (nan when ∇f = 0)


def accumulate(program: TorchProgram, point, calls: int, zero_grad: bool = False) -> Accumulation:
    """`calls` rounds of y = f(x); y.backward(), with optimizer.zero_grad() first when asked."""
    x = vector_tensor(point)
    optimizer = torch.optim.SGD([x], lr=0.0)        # only for its zero_grad()
    rows = []
    for _ in range(calls):
        if zero_grad:
            optimizer.zero_grad()
        program(*x.unbind()).backward()
        rows.append(x.grad.numpy().copy())
    grads = np.array(rows)
    once = grads[0]                                  # the first call starts from x.grad = None: it is ∇f
    norm2 = float(once @ once)
    multiples = tuple(float(g @ once) / norm2 if norm2 > 0 else float("nan") for g in grads)
    return Accumulation(grads, multiples)


@dataclass(frozen=True)
class HessianCheck:
    """The Hessian by grad of grad (create_graph=True) against sympy's exact second derivatives."""

    autograd: np.ndarray
    sympy: np.ndarray
    max_abs_error: float
    ok: bool


def autograd_hessian(program: TorchProgram, point) -> np.ndarray:
    """The Hessian row by row: g = grad(f, x, create_graph=True), then row i = grad(g[i], x)."""
    x = vector_tensor(point)
    (g,) = torch.autograd.grad(program(*x.unbind()), x, create_graph=True)
    if not g.requires_grad:                                   # f is linear: g does not depend on x
        return np.zeros((x.numel(), x.numel()))
    rows = [torch.autograd.grad(g[i], x, retain_graph=True, materialize_grads=True)[0] for i in range(x.numel())]
    return torch.stack(rows).detach().numpy().copy()


def check_hessian(formula: Formula, program: TorchProgram, point) -> HessianCheck:
    """Compare autograd's Hessian with formula.hessian (sympy), to float64 rounding."""
    by_autograd, by_sympy = autograd_hessian(program, point), formula.hessian(point)
    with np.errstate(invalid="ignore"):
        error = float(np.max(np.abs(by_autograd - by_sympy)))
        ok = bool(np.allclose(by_autograd, by_sympy, rtol=1e-9, atol=1e-9))
    return HessianCheck(by_autograd, by_sympy, error, ok)


@dataclass(frozen=True)
class GradcheckResult:
    """torch.autograd.gradcheck's verdict in float64, and its first line of complaint."""

    ok: bool
    message: str


def run_gradcheck(program: TorchProgram, point) -> GradcheckResult:
    """gradcheck(f, x): autograd's Jacobian against its own finite differences, in float64."""
    x = vector_tensor(point)
    try:
        ok = torch.autograd.gradcheck(lambda t: program(*t.unbind()), (x,))
    except GradcheckError as err:
        return GradcheckResult(False, str(err).strip().splitlines()[0])
    return GradcheckResult(bool(ok), msg("analytical and numerical Jacobians agree") if ok else msg("gradcheck failed"))


# ---------------------------------------------------------------- "show the code"

def vector_name(variables: Sequence[str]) -> str:
    """The name of the one-tensor input in the code: x, unless a variable is already called x."""
    return "p" if "x" in variables else "x"


def pytorch_snippet(program: TorchProgram, point, calls: int = 2, zero_grad: bool = False,
                    tr: Callable[[Message], str] = str) -> str:
    """A PyTorch script that prints the numbers the Autograd page shows for f at P.

    `tr` renders its comments in the reader's language (gradcore.messages; English by default)."""
    names, n = program.variables, len(program.variables)
    coords = ", ".join(repr(float(v)) for v in np.asarray(point, dtype=np.float64))
    v = vector_name(names)
    leaves = "\n".join(f"{name} = torch.tensor({float(c)!r}, dtype=torch.float64, requires_grad=True)"
                       for name, c in zip(names, np.asarray(point, dtype=np.float64), strict=True))
    forget = tr(msg("forget the previous gradient"))
    zero = f"    optimizer.zero_grad()                  # {forget}\n" if zero_grad else ""
    show_doc = tr(msg("Print the graph torch recorded, from the output down to the leaves."))
    comments = [tr(msg("The graph: each input a leaf tensor that records what is done with it")),
                tr(msg("The same with {v} as one tensor of {n} components", v=v, n=n)),
                tr(msg("Gradients accumulate: every backward() adds to .grad")),
                tr(msg("Higher order: differentiate the gradient again (create_graph=True)")),
                tr(msg("torch's own check of the gradient, in float64"))]
    title = tr(msg("Gradient Lab, Autograd page: f = {f} at P = ({point}).",
                   f=sp.sstr(program.instructions[program.root].expr), point=coords))
    return f'''"""{title}"""
import torch
from torch.autograd.gradcheck import GradcheckError

{program.source("f")}


def show(node, depth=0):
    """{show_doc}"""
    if node is None:
        print("(f is a leaf itself: no operation was recorded)")
        return
    print("  " * depth + type(node).__name__)
    for child, _ in node.next_functions:
        if child is not None:
            show(child, depth + 1)


# 1. {comments[0]}
{leaves}
out = f({", ".join(names)})
print("f(P) =", out.item())
show(out.grad_fn)
out.backward()
{chr(10).join(f'print("{name}.grad =", {name}.grad.item())' for name in names)}

# 2. {comments[1]}
{v} = torch.tensor([{coords}], dtype=torch.float64, requires_grad=True)
out = f(*{v}.unbind())
out.backward()
print("{v}.grad =", {v}.grad.tolist())

# 3. {comments[2]}
{v}.grad = None
optimizer = torch.optim.SGD([{v}], lr=0.0)
for call in range(1, {calls + 1}):
{zero}    f(*{v}.unbind()).backward()
    print(f"after call {{call}}: {v}.grad =", {v}.grad.tolist())

# 4. {comments[3]}
{v}.grad = None
(g,) = torch.autograd.grad(f(*{v}.unbind()), {v}, create_graph=True)
H = [torch.autograd.grad(g[i], {v}, retain_graph=True, materialize_grads=True)[0].tolist()
     if g.requires_grad else [0.0] * {n} for i in range({n})]
print("Hessian =", H)

# 5. {comments[4]}
try:
    x64 = {v}.detach().clone().requires_grad_()
    ok = torch.autograd.gradcheck(lambda t: f(*t.unbind()), (x64,))
except GradcheckError:
    ok = False
print("gradcheck =", ok)
'''
