"""The PyTorch script that reproduces a descent run, in the lecture's style.

The formula is printed from the allow-listed sympy tree (never from the text typed), with torch
functions for every allowed function; numeric subexpressions such as exp(2) become float literals.
The text typed appears once, in a comment, on one line and quoted (repr): a newline in ?f= cannot add a line of code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

from gradcore.formula import Formula
from gradcore.messages import Message, msg

_TORCH_FUNCTIONS = {
    sp.sin: "torch.sin", sp.cos: "torch.cos", sp.tan: "torch.tan", sp.asin: "torch.asin", sp.acos: "torch.acos",
    sp.atan: "torch.atan", sp.sinh: "torch.sinh", sp.cosh: "torch.cosh", sp.tanh: "torch.tanh",
    sp.exp: "torch.exp", sp.log: "torch.log", sp.Abs: "torch.abs", sp.sign: "torch.sign",
}


class TorchPrinter(StrPrinter):
    """Python source of f with torch functions; x, y, … stay plain names bound from the parameter tensor."""

    printmethod = "_torchstr"   # not "_sympystr": gradcore's max/min print themselves as plain max(…) there

    def _print_Function(self, expr):
        for cls, name in _TORCH_FUNCTIONS.items():
            if isinstance(expr, cls):
                return f"{name}({self._print(expr.args[0])})"
        raise ValueError(f"cannot print {type(expr).__name__} for torch")

    _print_Abs = _print_sign = _print_exp = _print_log = _print_Function

    def _print_MinMax(self, expr, torch_name: str, clamp: str):
        numbers = [a for a in expr.args if not a.free_symbols]
        tensors = [self._print(a) for a in expr.args if a.free_symbols]
        out = tensors[0]
        for t in tensors[1:]:
            out = f"torch.{torch_name}({out}, {t})"
        if numbers:
            bound = self._number(numbers[0])
            if torch_name == "maximum" and bound == "0.0":
                return f"torch.relu({out})"
            return f"torch.clamp({out}, {clamp}={bound})"
        return out

    def _print_Max(self, expr):
        return self._print_MinMax(expr, "maximum", "min")

    def _print_Min(self, expr):
        return self._print_MinMax(expr, "minimum", "max")

    def _print_Pow(self, expr, rational=False):
        if expr.exp == sp.Rational(1, 2) and expr.base.free_symbols:
            return f"torch.sqrt({self._print(expr.base)})"
        if expr.exp == -sp.Rational(1, 2) and expr.base.free_symbols:
            return f"1 / torch.sqrt({self._print(expr.base)})"
        return super()._print_Pow(expr, rational)

    def _number(self, expr) -> str:
        return repr(float(expr))

    def _print(self, expr, **kwargs):
        if isinstance(expr, sp.Basic) and not expr.free_symbols and not expr.is_Rational:
            return self._number(expr)            # exp(2), pi, log(10): one float, as torch needs
        return super()._print(expr, **kwargs)


def torch_source(formula: Formula) -> str:
    """f as a Python expression over the names x, y, … with torch functions, in the typed order (gradcore.typed)."""
    if formula.typed is not None:
        return formula.typed.torch_source(formula.variables)
    return TorchPrinter({"full_prec": True}).doprint(formula.expr)


def one_line(text: str) -> str:
    """The text with every run of whitespace (newlines included) as one space: what a generated file may quote."""
    return " ".join(text.split())


def _hyper_args(hyper: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
    return "".join(f", {name}={value!r}" for name, value in hyper.items() if value != defaults.get(name))


def descent_script(formula: Formula, optimizer: str, x0, lr: float, steps: int, hyper: Mapping[str, Any] | None = None,
                   defaults: Mapping[str, Any] | None = None, print_every: int | None = None,
                   dtype: str = "float64", tr: Callable[[Message], str] = str) -> str:
    """A stand-alone script: torch.tensor(x0, requires_grad=True), torch.optim.<optimizer>, zero_grad/backward/step.

    `tr` renders its comment in the reader's language (gradcore.messages; English by default)."""
    names = ", ".join(formula.variables)
    unpack = f"    {names}{',' if formula.n == 1 else ''} = p\n"
    every = print_every or max(1, steps // 10)
    start = ", ".join(repr(float(v)) for v in x0)
    extra = _hyper_args(hyper or {}, defaults or {})
    header = tr(msg("Gradient Lab: gradient descent on f({names}), typed as {typed}", names=names,
                    typed=repr(one_line(formula.text))))
    return (
        f"# {header}\n"
        "import torch\n\n\n"
        "def f(p):\n"
        f"{unpack}"
        f"    return {torch_source(formula)}\n\n\n"
        f"p = torch.tensor([{start}], dtype=torch.{dtype}, requires_grad=True)\n"
        f"optimizer = torch.optim.{optimizer}([p], lr={lr!r}{extra})\n\n"
        f"for step in range({steps + 1}):\n"
        "    optimizer.zero_grad()\n"
        "    loss = f(p)\n"
        f"    if step % {every} == 0 or step == {steps}:\n"
        "        print(f\"step {step:6d}  x = {p.tolist()}  f = {loss.item()!r}\")\n"
        f"    if step == {steps}:\n"
        "        break\n"
        "    loss.backward()\n"
        "    optimizer.step()\n"
    )
