"""gradcore.autograd_graph: the graph torch records, node gradients against sympy, and the lecture's autograd demos.

Himmelblau f = (x²+y−11)² + (x+y²−7)² at P = (1, 1): u = x²+y−11 = −9 and v = x+y²−7 = −5, so ∂f/∂u = 2u = −18,
∂f/∂v = 2v = −10, ∂f/∂x = 2u·2x + 2v = −46, ∂f/∂y = 2u + 2v·2y = −38; the Hessian is
[[12x²+4y−42, 4x+4y], [4x+4y, 4x+12y²−26]] = [[−26, 8], [8, −10]].
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import sympy as sp
import torch

from gradcore import parse
from gradcore.autograd_graph import (
    ARGS,
    MAX_DRAWN_OPS,
    accumulate,
    autograd_hessian,
    backward_rows,
    check_hessian,
    compile_program,
    describe_step,
    dot_product_example,
    graph_dot,
    leaf_tensors,
    pytorch_snippet,
    record_graph,
    run_gradcheck,
    vector_gradient,
)
from gradcore.formula import Formula
from gradcore.presets import PRESETS

HIMMELBLAU = PRESETS["Himmelblau"].formula
x, y = sp.symbols("x y", real=True)

# Formulas that exercise every kind of node the compiler writes: n-ary sums and products, subtraction,
# division, negative and fractional powers, shared subexpressions, max/min/relu, variable exponents.
EXTRA = {
    "shared sin": "sin(x)^2 + sin(x) y",
    "division": "2/x + x/y - x/2",
    "negation first": "-x - y + 3",
    "activations": "sigmoid(x) + softplus(y) + log10(x^2 + 1)",
    "powers": "x^y + 2^x + x^(-1/3) + sqrt(x^2 + y^2)",
    "max min relu": "max(x, y, 2) + min(x, 0.5) + relu(x - 1)",
    "abs sign": "abs(x - y) + sign(y) x",
    "trig": "tan(x/3) + asin(y/2) + acos(x/2) + atan(x y) + sinh(x) cosh(y) tanh(x - y)",
    "three variables": "x y z + exp(-z^2) x",
    "nine variables": "x1 x2 + x3^2 - x4/x5 + x6 x7 x8 x9",
}
FORMULAS = {**{name: p.formula for name, p in PRESETS.items()}, **EXTRA}
POINTS = (0.37, -1.25, 0.81, 1.3, -0.6, 0.45, 1.1, -0.9, 0.7)   # no kinks, ties or poles for the formulas above


def point_for(formula: Formula) -> np.ndarray:
    return np.array(POINTS[: formula.n])


def recorded(text: str, point=None):
    formula = parse(text)
    program = compile_program(formula)
    p = point_for(formula) if point is None else np.asarray(point, dtype=float)
    return formula, program, record_graph(program, p)


def compose(graph, node_id: int, replaced: int | None = None, u: sp.Symbol | None = None) -> sp.Expr:
    """f rebuilt from the recorded graph alone: each node's operation applied to what its torch inputs compute.

    With `replaced`, that node becomes the symbol u wherever the graph uses it (a positional substitution).
    """
    node = graph.nodes[node_id]
    if node_id == replaced:
        return u
    if node.is_leaf:
        return sp.Symbol(node.variable, real=True)
    inputs = {ARGS[k]: compose(graph, i, replaced, u) for k, i in enumerate(node.inputs)}
    return node.template.xreplace(inputs)


# ---------------------------------------------------------------- the graph is torch's own

def test_himmelblau_graph_has_the_expected_operations():
    formula, _, graph = recorded(HIMMELBLAU, (1.0, 1.0))
    assert Counter(n.name for n in graph.nodes) == {
        "AddBackward0": 3,      # the outer sum, and x² + y, x + y²
        "PowBackward0": 4,      # the two squares, x², y²
        "SubBackward0": 2,      # … − 11, … − 7
        "AccumulateGrad": 2,    # the leaves x and y
    }
    root = graph.nodes[0]
    assert root.name == "AddBackward0" and root.expr == formula.expr
    exprs = {n.expr for n in graph.nodes}
    assert exprs == {formula.expr, (x**2 + y - 11)**2, (x + y**2 - 7)**2, x**2 + y - 11, x + y**2 - 7,
                     x**2 + y, x + y**2, x**2, y**2, x, y}
    assert sorted(n.variable for n in graph.nodes if n.is_leaf) == ["x", "y"]
    assert graph.value == 106.0 and graph.gradient == (-46.0, -38.0)


def test_graph_is_read_from_grad_fn_and_next_functions():
    """The node names and edges are exactly what walking out.grad_fn.next_functions gives, breadth first."""
    formula, program, graph = recorded(HIMMELBLAU)
    out = program(*leaf_tensors(point_for(formula)))
    fns, queue = [], [out.grad_fn]
    while queue:
        fn = queue.pop(0)
        if fn not in fns:
            fns.append(fn)
            queue += [nxt for nxt, _ in fn.next_functions if nxt is not None and nxt not in fns]
    assert [type(fn).__name__ for fn in fns] == [n.name for n in graph.nodes]
    for fn, node in zip(fns, graph.nodes, strict=True):
        assert [type(nxt).__name__ for nxt, _ in fn.next_functions if nxt is not None] == \
               [graph.nodes[i].name for i in node.inputs]


@pytest.mark.parametrize("text", FORMULAS.values(), ids=FORMULAS.keys())
def test_graph_recomposes_to_the_formula(text):
    """Applying each node's operation along torch's edges gives back f exactly: the nodes are f's subexpressions."""
    formula, _, graph = recorded(text)
    assert compose(graph, 0) == formula.expr
    for node in graph.nodes:
        assert compose(graph, node.id) == node.expr


# ---------------------------------------------------------------- node gradients against sympy

def test_himmelblau_node_gradients_by_hand():
    _, _, graph = recorded(HIMMELBLAU, (1.0, 1.0))
    grad = {n.expr: n.grad for n in graph.nodes}
    assert grad == {
        (x**2 + y - 11)**2 + (x + y**2 - 7)**2: 1.0,
        (x**2 + y - 11)**2: 1.0, (x + y**2 - 7)**2: 1.0,
        x**2 + y - 11: -18.0, x**2 + y: -18.0, x**2: -18.0,          # ∂f/∂u = 2u = −18
        x + y**2 - 7: -10.0, x + y**2: -10.0, y**2: -10.0,           # ∂f/∂v = 2v = −10
        x: -46.0, y: -38.0,
    }
    x2 = next(n for n in graph.nodes if n.expr == x**2)
    assert x2.grad_inputs == (-36.0,)                                 # −18 · ∂(x²)/∂x = −18 · 2x


def test_himmelblau_node_gradients_match_sympy_substitution():
    """∂f/∂s for each subexpression s: replace s by a symbol u in sympy's f and differentiate (an oracle without the graph)."""
    formula, _, graph = recorded(HIMMELBLAU)
    u = sp.Symbol("u")
    at = dict(zip(formula.symbols, point_for(formula), strict=True))
    for node in graph.nodes:
        f_u = formula.expr.subs(node.expr, u)
        expected = float(sp.diff(f_u, u).subs(u, node.expr).subs(at))
        assert node.grad == pytest.approx(expected, rel=1e-12, abs=1e-12), sp.sstr(node.expr)


@pytest.mark.parametrize("text", FORMULAS.values(), ids=FORMULAS.keys())
def test_node_gradients_match_sympy(text):
    """Every node's gradient is ∂f/∂(that node) by sympy, with the node replaced by a symbol where the graph uses it."""
    formula, _, graph = recorded(text)
    u = sp.Dummy("u", real=True)
    at = {s: sp.Float(v, 30) for s, v in zip(formula.symbols, point_for(formula), strict=True)}
    for node in graph.nodes:
        d = sp.diff(compose(graph, 0, node.id, u), u).subs(u, node.expr)
        expected = float(sp.N(d.subs(at), 20))
        assert node.step > 0, "backward ran every node"
        assert node.grad == pytest.approx(expected, rel=1e-9, abs=1e-12), f"∂f/∂({sp.sstr(node.expr)})"
    assert graph.gradient == pytest.approx(tuple(formula.gradient(point_for(formula))), rel=1e-9, abs=1e-12)


def test_what_a_node_sends_is_its_gradient_times_the_local_derivative():
    formula, _, graph = recorded(FORMULAS["Beale"])
    at = {s: sp.Float(v, 30) for s, v in zip(formula.symbols, point_for(formula), strict=True)}
    for node in graph.nodes:
        if node.is_leaf:
            continue
        for k, sent in enumerate(node.grad_inputs):
            local = sp.diff(node.template, ARGS[k]).xreplace({ARGS[j]: graph.nodes[m].expr for j, m in enumerate(node.inputs)})
            assert sent == pytest.approx(node.grad * float(sp.N(local.subs(at), 20)), rel=1e-9, abs=1e-12)
        assert sum(s for n in graph.nodes for i, s in zip(n.inputs, n.grad_inputs, strict=True) if i == node.id) \
            == pytest.approx(node.grad if node.id else 0.0, rel=1e-12, abs=1e-12)


def test_backward_order_is_the_engines_and_starts_at_the_root():
    _, _, graph = recorded(HIMMELBLAU, (1.0, 1.0))
    assert graph.order[0] == 0
    assert sorted(graph.order) == list(range(len(graph.nodes)))
    position = {k: i for i, k in enumerate(graph.order)}
    for node in graph.nodes:                     # a node runs only after every node that sends to it
        for i in node.inputs:
            assert position[i] > position[node.id]


def test_steps_are_described_with_the_chain_rule():
    _, _, graph = recorded(HIMMELBLAU, (1.0, 1.0))
    assert "After the forward pass" in describe_step(graph, 0)
    square_u = graph.order.index(next(n.id for n in graph.nodes if n.expr == (x**2 + y - 11)**2)) + 1
    text = describe_step(graph, square_u)
    assert "PowBackward0" in text and "2·a" in text and "**-18**" in text
    leaf_x = graph.order.index(next(n.id for n in graph.nodes if n.variable == "x")) + 1
    assert "x.grad" in describe_step(graph, leaf_x) and "-46" in describe_step(graph, leaf_x)
    rows = backward_rows(graph, 3)
    assert [r["step"] for r in rows] == ["1", "2", "3"] and rows[0]["∂f/∂output"] == "1"
    assert len(backward_rows(graph)) == len(graph.nodes)


def test_a_formula_that_is_a_leaf():
    _, _, graph = recorded("x", (2.5,))
    assert [n.name for n in graph.nodes] == ["AccumulateGrad"]
    assert graph.value == 2.5 and graph.gradient == (1.0,) and graph.order == (0,)


# ---------------------------------------------------------------- drawing

def test_dot_shows_values_and_gradients_up_to_the_step():
    _, _, graph = recorded(HIMMELBLAU, (1.0, 1.0))
    done = graph_dot(graph).dot
    assert done.startswith("digraph") and done.count("->") == sum(len(n.inputs) for n in graph.nodes)
    assert "PowBackward0" in done and "x.grad -46" in done and "y.grad -38" in done and 'label="-36"' in done
    before = graph_dot(graph, 0).dot
    assert "x.grad ?" in before and "grad 1<" not in before and 'label="-36"' not in before
    one = graph_dot(graph, 1).dot
    assert "grad 1<" in one and "penwidth=4" in one and "x.grad ?" in one


def test_large_formula_is_drawn_folded_with_a_note():
    """f = Σ_{k=1..100} exp(x − k)·y^k has about 500 nodes: the drawing keeps the top of the graph and folds the rest."""
    expr = sp.Add(*(sp.exp(x - k) * y**k for k in range(1, 101)))
    graph = record_graph(compile_program(Formula("big", expr, (x, y), ())), (0.3, -0.2))
    assert graph.n_ops > 400
    drawing = graph_dot(graph)
    assert drawing.total_ops == graph.n_ops and drawing.drawn_ops < MAX_DRAWN_OPS
    assert drawing.boxes <= MAX_DRAWN_OPS + 2
    assert drawing.dot.count("[label=<") == drawing.boxes
    assert f"torch recorded {graph.n_ops} operations" in drawing.note and "⋯" in drawing.dot
    df_dy = sum(k * math.exp(0.3 - k) * (-0.2) ** (k - 1) for k in range(1, 101))
    assert graph.gradient == pytest.approx((graph.value, df_dy), rel=1e-12)     # ∂f/∂x = f
    assert graph_dot(recorded(HIMMELBLAU)[2]).note == ""


# ---------------------------------------------------------------- the lecture's demos

def test_arange_example_gives_4x():
    x0, grad = dot_product_example()
    assert x0.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert grad.tolist() == [0.0, 4.0, 8.0, 12.0]


def test_vector_input_from_the_formula_box_gives_4x():
    formula = parse(PRESETS["Dot product (4 variables)"].formula)
    assert formula.variables == ("x1", "x2", "x3", "x4")
    assert vector_gradient(compile_program(formula), [0, 1, 2, 3]).tolist() == [0.0, 4.0, 8.0, 12.0]


@pytest.mark.parametrize("text", FORMULAS.values(), ids=FORMULAS.keys())
def test_vector_input_matches_sympy(text):
    formula = parse(text)
    p = point_for(formula)
    assert vector_gradient(compile_program(formula), p) == pytest.approx(formula.gradient(p), rel=1e-9, abs=1e-12)


def test_backward_twice_without_zero_grad_doubles():
    program = compile_program(parse(HIMMELBLAU))
    twice = accumulate(program, (1.0, 1.0), 2)
    assert twice.grads.tolist() == [[-46.0, -38.0], [-92.0, -76.0]]
    assert twice.multiples == (1.0, 2.0)
    assert accumulate(program, (1.0, 1.0), 5).multiples == (1.0, 2.0, 3.0, 4.0, 5.0)
    zeroed = accumulate(program, (1.0, 1.0), 3, zero_grad=True)
    assert zeroed.grads.tolist() == [[-46.0, -38.0]] * 3 and zeroed.multiples == (1.0, 1.0, 1.0)


def test_accumulation_at_a_critical_point_has_no_multiple():
    acc = accumulate(compile_program(parse(HIMMELBLAU)), (3.0, 2.0), 2)
    assert acc.grads.tolist() == [[0.0, 0.0], [0.0, 0.0]] and all(math.isnan(m) for m in acc.multiples)


def test_hessian_by_grad_of_grad_himmelblau():
    program = compile_program(parse(HIMMELBLAU))
    assert autograd_hessian(program, (1.0, 1.0)).tolist() == [[-26.0, 8.0], [8.0, -10.0]]


@pytest.mark.parametrize("text", FORMULAS.values(), ids=FORMULAS.keys())
def test_hessian_matches_sympy(text):
    formula = parse(text)
    check = check_hessian(formula, compile_program(formula), point_for(formula))
    assert check.ok, (check.autograd, check.sympy)
    assert check.autograd == pytest.approx(formula.hessian(point_for(formula)), rel=1e-9, abs=1e-9)


def test_hessian_of_a_linear_function_is_zero():
    formula = parse("3x - 2y")
    assert autograd_hessian(compile_program(formula), (1.0, 2.0)).tolist() == [[0.0, 0.0], [0.0, 0.0]]


@pytest.mark.parametrize(("text", "point", "ok"), [
    (HIMMELBLAU, (1.0, 1.0), True),
    ("relu(x) + y^2", (0.0, 1.0), False),          # torch: relu'(0) = 0; numerically (relu(h) − relu(−h))/2h = 1/2
    ("sqrt(x^2 + y^2)", (0.0, 0.0), False),        # the cone's tip: the gradient is nan
], ids=["himmelblau", "relu kink", "cone tip"])
def test_gradcheck_verdict(text, point, ok):
    assert run_gradcheck(compile_program(parse(text)), point).ok is ok


# ---------------------------------------------------------------- the code the page shows

@pytest.mark.parametrize("text", FORMULAS.values(), ids=FORMULAS.keys())
def test_source_runs_the_same_torch_operations(text):
    """exec(program.source()) computes f with the very operations of the recorded graph."""
    formula, program, graph = recorded(text)
    namespace = {"torch": torch}
    exec(program.source("f"), namespace)
    leaves = leaf_tensors(point_for(formula))
    out = namespace["f"](*leaves)
    assert out.item() == pytest.approx(formula.value(point_for(formula)), rel=1e-12)
    names, queue, seen = [], [out.grad_fn], set()
    while queue:
        fn = queue.pop(0)
        if fn not in seen:
            seen.add(fn)
            names.append(type(fn).__name__)
            queue += [nxt for nxt, _ in fn.next_functions if nxt is not None]
    assert names == [n.name for n in graph.nodes]


def test_source_reads_like_the_formula():
    assert compile_program(parse(HIMMELBLAU)).source().splitlines()[-1] == "    return (x + y**2 - 7)**2 + (x**2 + y - 11)**2"
    assert compile_program(parse("(1-x)^2+100(y-x^2)^2")).source().splitlines()[-1] == \
        "    return (1 - x)**2 + 100 * (y - x**2)**2"
    assert compile_program(parse("sin(x)^2 + sin(x) y")).source() == \
        "def f(x, y):\n    s1 = torch.sin(x)\n    return y * s1 + s1**2"


SNIPPET_RUNNER = """
import contextlib, io, json, sys
out = []
for code in json.load(sys.stdin):
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__main__"})
    out.append(buffer.getvalue())
print(json.dumps(out))
"""


def run_snippets(*codes: str) -> list[dict[str, str]]:
    """Run each generated script in one fresh interpreter (torch is imported once); its printed `name = value` lines."""
    result = subprocess.run([sys.executable, "-c", SNIPPET_RUNNER], input=json.dumps(codes), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [dict(line.split(" = ", 1) for line in out.splitlines() if " = " in line) for out in json.loads(result.stdout)]


def test_snippets_print_the_numbers_of_the_page():
    formula = parse(HIMMELBLAU)
    program, p = compile_program(formula), (0.37, -1.25)
    printed, zeroed, leaf = run_snippets(
        pytorch_snippet(program, p, calls=3),
        pytorch_snippet(compile_program(parse("x1^2 + x2")), (1.5, 2.0), calls=2, zero_grad=True),
        pytorch_snippet(compile_program(parse("x")), (2.0,), calls=2))
    graph = record_graph(program, p)
    assert float(printed["f(P)"]) == graph.value
    assert (float(printed["x.grad"]), float(printed["y.grad"])) == graph.gradient
    assert eval(printed["p.grad"]) == list(graph.gradient)
    acc = accumulate(program, p, 3)
    for k in range(3):
        assert eval(printed[f"after call {k + 1}: p.grad"]) == acc.grads[k].tolist()
    assert eval(printed["Hessian"]) == autograd_hessian(program, p).tolist()
    assert printed["gradcheck"] == "True"
    assert eval(zeroed["after call 2: x.grad"]) == [3.0, 1.0]          # zero_grad: ∇f = (2·x1, 1), not doubled
    assert leaf["f(P)"] == "2.0" and eval(leaf["after call 2: p.grad"]) == [2.0]
