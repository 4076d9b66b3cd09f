"""The generated PyTorch script reproduces gradcore.descend's numbers when it is run."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest
import torch

from gradcore import parse
from gradcore.codegen import descent_script, torch_source
from gradcore.descent import descend
from gradcore.optimizers import get_optimizer
from gradcore.runs import log_every, log_lines

LINE = re.compile(r"step\s+(\d+)\s+x = \[([^\]]*)\]\s+f = (\S+)")


def run_script(source: str) -> list[tuple[int, list[float], float]]:
    result = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = []
    for m in LINE.finditer(result.stdout):
        rows.append((int(m.group(1)), [float(v) for v in m.group(2).split(",")], float(m.group(3))))
    return rows


@pytest.mark.parametrize(("text", "optimizer", "x0", "lr", "hyper"), [
    ("(x^2+y-11)^2+(x+y^2-7)^2", "Adam", (-4.0, 0.0), 1e-2, {}),
    ("(1-x)^2+100(y-x^2)^2", "SGD", (-1.0, 1.5), 1e-3, {"momentum": 0.9, "nesterov": True}),
    ("max(x, 2) + min(y, -1) + relu(x - 0.5) * y + exp(2) * x^2 + sqrt(y^2 + 1)", "RMSprop", (1.0, 0.5), 1e-2,
     {"centered": True}),
    ("x^3 - 3x", "Adagrad", (2.0,), 0.1, {}),
    ("x^2 + y^2 + z^2 + sigmoid(x) + log10(1 + y^2)", "AdamW", (1.0, -2.0, 0.5), 5e-2, {"amsgrad": True}),
], ids=["himmelblau-adam", "rosenbrock-nesterov", "max-min-relu-exp2-rmsprop", "cubic-adagrad", "3d-adamw"])
def test_script_prints_what_descend_computes(text, optimizer, x0, lr, hyper):
    f = parse(text)
    steps = 300
    spec = get_optimizer(optimizer)
    script = descent_script(f, spec.name, x0, lr, steps, spec.resolve(hyper), spec.defaults, print_every=50)
    rows = run_script(script)
    assert [r[0] for r in rows] == [0, 50, 100, 150, 200, 250, 300]
    run = descend(f, optimizer, x0, lr, steps, **hyper)
    for step, point, loss in rows:
        np.testing.assert_allclose(point, run.points[step], rtol=1e-9, atol=1e-10)
        assert loss == pytest.approx(float(run.losses[step]), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("text", ["exp(2) x + log(3) y", "max(x, y, 1)", "abs(x) + sign(y) + tanh(x y)",
                                  "asin(x/4) + acos(y/4) + atan(x)", "x^(1/3) + 1/sqrt(y^2+1)"])
def test_torch_source_evaluates_to_f(text):
    f = parse(text)
    p = torch.tensor([0.7, 1.3], dtype=torch.float64)
    namespace = {"torch": torch, **dict(zip(f.variables, p.unbind(), strict=True))}
    value = eval(torch_source(f), namespace)
    assert float(value) == pytest.approx(float(f.value(p.numpy())), rel=1e-14)


@pytest.mark.parametrize(("text", "optimizer", "x0", "lr", "steps", "hyper", "dtype"), [
    ("(x^2+y-11)^2+(x+y^2-7)^2", "Adam", (-4.0, 0.0), 1e-3, 20_000, {}, "float64"),
    ("(1-x)^2+100(y-x^2)^2", "SGD", (-1.5, 2.0), 1e-3, 2_000, {"momentum": 0.9, "nesterov": True}, "float64"),
    ("(x-1)^2 + 2(y+2)^2 + 3(z-0.5)^2 + x*y*z/10", "RMSprop", (2.0, 1.0, -1.0), 1e-2, 2_000, {"centered": True}, "float64"),
    ("(x^2+y-11)^2+(x+y^2-7)^2", "NAdam", (-4.0, 0.0), 1e-2, 2_000, {"weight_decay": 0.1}, "float32"),
], ids=["worked-example-adam", "rosenbrock-sgd-nesterov", "3d-rmsprop-centered", "himmelblau-nadam-float32"])
def test_the_script_prints_exactly_the_pages_log(text, optimizer, x0, lr, steps, hyper, dtype):
    f, spec = parse(text), get_optimizer(optimizer)
    every = log_every(steps)
    script = descent_script(f, spec.name, x0, lr, steps, spec.resolve(hyper), spec.defaults, print_every=every, dtype=dtype)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    run = descend(f, optimizer, x0, lr, steps, dtype=dtype, **hyper)
    assert result.stdout.splitlines() == log_lines(run, every)   # every printed line, as text


def test_the_script_writes_f_as_typed():
    assert torch_source(parse("(x^2+y-11)^2+(x+y^2-7)^2")) == "(x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2"
    assert torch_source(parse("2/x - (y - 3)/4 - -x^2")) == "2 / x - (y - 3) / 4 - -x ** 2"
    assert torch_source(parse("x^-2 + (2x)^3 + 2^x")) == "x ** (-2) + (2 * x) ** 3 + 2 ** x"
@pytest.mark.parametrize(("text", "clean"), [("x\n+y", "x +y"), ("x\n-1", "x -1"), ("x\r\n-1\t+ y", "x -1 + y")],
                         ids=["newline-plus-y", "newline-minus-1", "crlf-tab"])
def test_formula_text_is_one_quoted_comment_line(text, clean):
    """`/Gradient_descent?f=x%0A%2By`: the newline reached the script, whose second line `+y` failed (`-1` ran).
    Now the text is one line, quoted, in the comment; the code is the same as for the clean text and built from the tree."""
    f, g = parse(text), parse(clean)
    script = descent_script(f, "SGD", (1.0,) * f.n, 0.1, 10)
    assert script.splitlines()[0] == f"# Gradient Lab: gradient descent on f({', '.join(f.variables)}), typed as {clean!r}"
    assert script == descent_script(g, "SGD", (1.0,) * g.n, 0.1, 10)
    assert [line for line in script.splitlines() if line.strip() in ("+y", "-1", "+ y")] == []
    compile(script, "gradient_descent.py", "exec")     # the clean text's script runs in the tests above
