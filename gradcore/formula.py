"""parse(): formula text -> allow-listed sympy tree -> compiled Formula.

User text never reaches eval, exec, sympify or parse_expr.  The text is
normalised, checked character by character against the grammar's alphabet,
tokenised (implicit multiplication made explicit), parsed by Python's ``ast``
(which only builds a tree, it runs nothing) and then walked node by node against
an allow-list; we build the sympy tree ourselves.  Caps on length, tree size,
depth, numbers and powers keep sympy's work within a fraction of a second.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
import unicodedata
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property

import numpy as np
import sympy as sp
import torch

from gradcore.backends import compile_exprs, load_source
from gradcore.messages import Joined, Message, msg

MAX_LENGTH = 300          # characters
MAX_NODES = 160           # ast nodes
MAX_DEPTH = 24            # ast nesting
MAX_LITERAL = 1e15        # |number| typed
MAX_CONSTANT = 1e100      # |constant subexpression|
MAX_EXPONENT = 100        # |constant power|
MAX_VARIABLE_POWERS = 4   # powers with a variable exponent, such as x^x
MAX_ROOT_DENOMINATOR = 1000  # x^(p/q) with a larger q is kept as a float power
MAX_EXACT_BITS = 2048     # numerator and denominator of an exact fraction (about 600 digits each)

VARIABLES = ("x", "y", "z") + tuple(f"x{i}" for i in range(1, 10))
CONSTANTS = {"pi": sp.pi, "e": sp.E}


class _Lattice:
    """max/min without sympy's pairwise simplification of the arguments (seconds for 6 symbolic ones).

    Still a sympy Max/Min (printing, assumptions, kink checks see one); only construction and fdiff differ.
    """

    numeric: type

    def __new__(cls, *args, **kwargs):
        flat: list[sp.Expr] = []
        for a in args:
            a = sp.Integer(a) if isinstance(a, int) else a
            flat.extend(a.args if isinstance(a, cls) else (a,))
        unique = list(dict.fromkeys(flat))
        if all(a.is_number for a in unique):
            return cls.numeric(*unique)
        if len(unique) == 1:
            return unique[0]
        return sp.Expr.__new__(cls, *unique)

    @property
    def _name(self) -> str:
        return "max" if self.numeric is sp.Max else "min"

    def _latex(self, printer, exp: str | None = None) -> str:
        tex = rf"\{self._name}\left(" + ", ".join(printer._print(a) for a in self.args) + r"\right)"
        return tex if exp is None else rf"{tex}^{{{exp}}}"

    def _sympystr(self, printer) -> str:
        return f"{self._name}(" + ", ".join(printer._print(a) for a in self.args) + ")"

    def fdiff(self, argindex: int = 1):
        """∂ max(a_1, …)/∂a_i = Heaviside(a_i − max of the others), and Heaviside(other − a_i) for min."""
        i = argindex - 1
        others = self.args[:i] + self.args[i + 1:]
        rest = others[0] if len(others) == 1 else self.func(*others)
        return sp.Heaviside(self.args[i] - rest) if self.numeric is sp.Max else sp.Heaviside(rest - self.args[i])


class Maximum(_Lattice, sp.Max):
    numeric = sp.Max


class Minimum(_Lattice, sp.Min):
    numeric = sp.Min


def _sigmoid(a):
    return 1 / (1 + sp.exp(-a))


def _softplus(a):
    return sp.log(1 + sp.exp(a))


def _relu(a):
    return Maximum(0, a)


# name -> (sympy builder, smallest and largest number of arguments)
FUNCTIONS = {
    "sin": (sp.sin, 1, 1), "cos": (sp.cos, 1, 1), "tan": (sp.tan, 1, 1),
    "asin": (sp.asin, 1, 1), "acos": (sp.acos, 1, 1), "atan": (sp.atan, 1, 1),
    "arcsin": (sp.asin, 1, 1), "arccos": (sp.acos, 1, 1), "arctan": (sp.atan, 1, 1),
    "sinh": (sp.sinh, 1, 1), "cosh": (sp.cosh, 1, 1), "tanh": (sp.tanh, 1, 1),
    "exp": (sp.exp, 1, 1), "log": (sp.log, 1, 1), "ln": (sp.log, 1, 1),
    "log10": (lambda a: sp.log(a) / sp.log(10), 1, 1),
    "log2": (lambda a: sp.log(a) / sp.log(2), 1, 1),
    "sqrt": (sp.sqrt, 1, 1), "abs": (sp.Abs, 1, 1), "sign": (sp.sign, 1, 1),
    "max": (Maximum, 2, 9), "min": (Minimum, 2, 9),
    "relu": (_relu, 1, 1), "sigmoid": (_sigmoid, 1, 1), "softplus": (_softplus, 1, 1),
}
FUNCTION_LIST = "sin cos tan asin acos atan sinh cosh tanh exp log ln log10 log2 sqrt abs sign max min relu sigmoid softplus"
HELP = msg("use numbers, the variables x, y, z, x1 … x9, + − * / ^, parentheses and functions such as sin(x)")

NOT_ALLOWED = msg("This is not allowed in a formula: {help}.", help=HELP)
OPERATOR_NOT_ALLOWED = msg("This operator is not allowed: {help}.", help=HELP)
POWER_TOO_LARGE = msg("This power is too large: keep exponents between -{limit} and {limit}.", limit=MAX_EXPONENT)
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SYMBOLS = {"−": "-", "–": "-", "×": "*", "·": "*", "⋅": "*", "∙": "*", "÷": "/", "π": "pi"}
_ALPHABET = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .+-*/^(),")
_CHAR_ADVICE = {
    "=": msg("a formula is an expression, not an equation or a comparison: type only the right-hand side, e.g. x^2 + y^2"),
    "<": msg("comparisons are not functions: type an expression such as max(x, y)"),
    ">": msg("comparisons are not functions: type an expression such as max(x, y)"),
    "!": msg("factorials are not supported"),
    "_": msg("names with underscores are not allowed: the variables are x, y, z and x1 … x9"),
    "[": msg("use parentheses ( ) for grouping; brackets and subscripts are not allowed"),
    "]": msg("use parentheses ( ) for grouping; brackets and subscripts are not allowed"),
    "{": msg("use parentheses ( ) for grouping"),
    "}": msg("use parentheses ( ) for grouping"),
    "|": msg("write abs(x) for |x|"),
    "'": msg("text in quotes is not allowed"),
    '"': msg("text in quotes is not allowed"),
    "%": msg("the % operator is not supported"),
    "&": msg("logical operators are not functions"),
    ";": msg("type a single expression"),
    ":": msg("type a single expression"),
    "@": msg("the @ operator is not supported"),
    "\\": msg("backslashes are not allowed; type plain math such as sqrt(x)"),
    "。": msg("this full stop is not a decimal point: type '.' as in 0.5, or remove it"),
    "、": msg("this comma is not allowed: commas only separate the arguments of max(…) and min(…)"),
}
_TOKEN = re.compile(
    r"(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z][A-Za-z0-9]*)|(?P<op>\*\*|[-+*/^(),])|(?P<space>\s+)"
)


class FormulaError(ValueError):
    """A formula that cannot be used, with a message that says what to change."""

    def __init__(self, message: str, position: int | None = None):
        super().__init__(message)
        self.message = message if isinstance(message, Message) else Message(message.replace("{", "{{").replace("}", "}}"))
        self.position = position

    @property
    def sentence(self) -> Message:
        """The message with the column it refers to, translatable (gradcore.messages)."""
        if self.position is None:
            return self.message
        return msg("{message} (at column {column})", message=self.message, column=self.position + 1)

    def __str__(self) -> str:
        return str(self.sentence)


@dataclass(frozen=True)
class _Token:
    kind: str   # "num", "name", "func", "op", "implicit" (a * the person did not type)
    text: str
    pos: int    # column in the text the person typed


# ---------------------------------------------------------------- text -> tokens

def _normalise(text: str) -> list[tuple[str, int]]:
    """Characters after Unicode clean-up, each with its column in `text`."""
    out: list[tuple[str, int]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺":
            j = i
            while j < len(text) and text[j] in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺":
                j += 1
            digits = text[i:j].translate(_SUPERSCRIPTS)
            out += [(c, i) for c in f"^({digits})"]
            i = j
            continue
        for c in _SYMBOLS.get(ch) or unicodedata.normalize("NFKC", ch):
            out.append((c, i))
        i += 1
    return out


def _check_alphabet(chars: list[tuple[str, int]], text: str) -> None:
    """Every character in the grammar's alphabet; the sentence names the one typed (＝ read as = is named ＝)."""
    for c, pos in chars:
        if c in _ALPHABET or c in "\t\n\r":
            continue
        advice = _CHAR_ADVICE.get(c, HELP)
        typed = repr(c) if text[pos] == c else msg("{typed} (read as {read})", typed=repr(text[pos]), read=repr(c))
        raise FormulaError(msg("The character {typed} is not allowed: {advice}.", typed=typed, advice=advice), pos)


def _split_name(name: str) -> list[str] | None:
    """Split 'xy' or 'pix' into known variables and constants, or None."""
    if name in VARIABLES or name in CONSTANTS:
        return [name]
    for known in sorted((*VARIABLES, *CONSTANTS), key=len, reverse=True):
        if name.startswith(known):
            rest = _split_name(name[len(known):])
            if rest is not None:
                return [known, *rest]
    return None


def _name_tokens(name: str, pos: int) -> list[_Token]:
    if name in FUNCTIONS:
        return [_Token("func", name, pos)]
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise FormulaError(
            msg("'{name}' is a Python word, not math: a formula is an expression such as x^2 + y^2.", name=name), pos
        )
    parts = _split_name(name)
    if parts is None:
        raise FormulaError(_unknown_name_message(name), pos)
    tokens, offset = [], pos
    for part in parts:
        tokens.append(_Token("name", part, offset))
        offset += len(part)
    return tokens


def _unknown_name_message(name: str) -> Message:
    lower = name.lower()
    if lower in FUNCTIONS or lower in VARIABLES or lower in CONSTANTS:
        return msg("Unknown name '{name}': names are lower-case, write '{lower}'.", name=name, lower=lower)
    return msg("Unknown name '{name}': the variables are x, y, z and x1 … x9, the constants pi and e, "
               "and the functions are {functions}.", name=name, functions=FUNCTION_LIST)


def _tokenise(chars: list[tuple[str, int]]) -> list[_Token]:
    text = "".join(c for c, _ in chars)
    cols = [p for _, p in chars]
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:  # only '.' can get here: every other character passed the alphabet
            raise FormulaError("A dot is only allowed inside a decimal number such as 0.5.", cols[i])
        kind, value = m.lastgroup, m.group()
        if kind == "num":
            if i + len(value) < len(text) and text[i + len(value)] == ".":
                raise FormulaError("A dot is only allowed inside a decimal number such as 0.5.", cols[i + len(value)])
            tokens.append(_Token("num", value, cols[i]))
        elif kind == "name":
            tokens += _name_tokens(value, cols[i])
        elif kind == "op":
            tokens.append(_Token("op", "^" if value == "**" else value, cols[i]))
        i = m.end()
    return tokens


def _implicit_products(tokens: list[_Token]) -> list[_Token]:
    """Make '2x', '3(x+1)', '(x+1)(x-1)' and '2 sin(x)' explicit products."""
    out: list[_Token] = []
    for tok in tokens:
        if out:
            prev = out[-1]
            ends_operand = prev.kind in ("num", "name") or prev.text == ")"
            starts_operand = tok.kind in ("num", "name", "func") or tok.text == "("
            if prev.kind == "num" and tok.kind == "num":
                raise FormulaError(
                    msg("Two numbers in a row ({first} {second}): put an operator between them.", first=prev.text,
                        second=tok.text), tok.pos
                )
            if prev.kind == "func" and tok.text != "(":
                raise FormulaError(msg("Write {name}(…) with parentheses, e.g. {name}(x).", name=prev.text), tok.pos)
            if ends_operand and starts_operand:
                out.append(_Token("implicit", "*", tok.pos))
        out.append(tok)
    if out and out[-1].kind == "func":
        raise FormulaError(msg("Write {name}(…) with parentheses, e.g. {name}(x).", name=out[-1].text), out[-1].pos)
    return out


def _check_brackets(tokens: list[_Token]) -> None:
    stack: list[_Token] = []
    for tok in tokens:
        if tok.text == "(":
            stack.append(tok)
            if len(stack) > MAX_DEPTH:
                raise FormulaError(msg("Parentheses are nested more than {depth} deep: simplify the formula.", depth=MAX_DEPTH),
                                   tok.pos)
        elif tok.text == ")":
            if not stack:
                raise FormulaError("This ')' has no matching '('.", tok.pos)
            stack.pop()
    if stack:
        raise FormulaError("This '(' is never closed: add a ')'.", stack[-1].pos)


def _to_python(tokens: list[_Token]) -> tuple[str, list[int], dict[int, str]]:
    """Python source for the ast parser, each character's column, and number texts."""
    source, cols, numbers = [], [], {}
    for tok in tokens:
        piece = "**" if tok.text == "^" else tok.text
        if tok.kind == "num":
            numbers[len(cols)] = tok.text
            piece = "1"  # a placeholder: the exact number is built from the text
        source.append(piece + " ")
        cols += [tok.pos] * (len(piece) + 1)
    return "".join(source), cols, numbers


# ---------------------------------------------------------------- ast -> sympy

class _Builder:
    """Walk an ast against the allow-list and build the sympy tree."""

    def __init__(self, cols: list[int], numbers: dict[int, str]):
        self.cols = cols
        self.numbers = numbers
        self.symbols = {name: sp.Symbol(name, real=True) for name in VARIABLES}
        self.variable_powers = 0

    def col(self, node: ast.AST) -> int | None:
        offset = getattr(node, "col_offset", None)
        return self.cols[offset] if offset is not None and offset < len(self.cols) else None

    def build(self, node: ast.AST, depth: int = 0) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise FormulaError(msg("The formula is nested more than {depth} levels deep: simplify it.", depth=MAX_DEPTH),
                               self.col(node))
        handler = getattr(self, "_" + type(node).__name__, None)
        if handler is None:
            raise FormulaError(NOT_ALLOWED, self.col(node))
        expr = handler(node, depth + 1)
        self.check_numbers(expr, node)
        if not expr.free_symbols:
            self.check_constant(expr, node)
        return expr

    def check_numbers(self, expr: sp.Expr, node: ast.AST) -> None:
        """Exact numbers in this node (a coefficient such as the 1e315 of x·1e15·…·1e15 included) fit float64."""
        col = self.col(node.right if isinstance(node, ast.BinOp) else node)   # the factor that made it too large
        for a in (expr, *expr.args):
            if a.is_Rational:
                _check_exact_bits(max(a.p.bit_length(), a.q.bit_length()), col)
                if abs(a) > MAX_CONSTANT:
                    raise FormulaError("This number is too large: keep constants below 1e100.", col)

    def check_constant(self, expr: sp.Expr, node: ast.AST) -> None:
        if expr.has(sp.zoo, sp.oo, sp.nan) or expr == -sp.oo:
            raise FormulaError("This part is infinite or undefined (a division by zero or log(0)): change it.", self.col(node))
        try:
            value = complex(sp.N(expr, 17))
        except (TypeError, ValueError, OverflowError):
            raise FormulaError("This part is not a real number that float64 can hold: change it.", self.col(node)) from None
        if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
            raise FormulaError("This part is not a real number (e.g. sqrt or log of a negative number): change it.", self.col(node))
        if not math.isfinite(value.real) or abs(value.real) > MAX_CONSTANT:
            raise FormulaError("This number is too large: keep constants below 1e100.", self.col(node))

    def _Constant(self, node: ast.Constant, depth: int) -> sp.Expr:
        text = self.numbers.get(node.col_offset)
        if text is None or isinstance(node.value, bool) or not isinstance(node.value, int):
            raise FormulaError(NOT_ALLOWED, self.col(node))
        if len(text) > 24:
            raise FormulaError("This number has too many digits: use at most 24 characters.", self.col(node))
        exponent = text.lower().partition("e")[2]
        if exponent and abs(int(exponent)) > 30:
            raise FormulaError("This number is too large or too small: keep exponents between e-30 and e30.", self.col(node))
        value = Fraction(text)
        if abs(value) > MAX_LITERAL:
            raise FormulaError("This number is too large: keep numbers below 1e15.", self.col(node))
        return sp.Rational(value.numerator, value.denominator)

    def _Name(self, node: ast.Name, depth: int) -> sp.Expr:
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in self.symbols:
            return self.symbols[node.id]
        raise FormulaError(_unknown_name_message(node.id), self.col(node))

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> sp.Expr:
        operand = self.build(node.operand, depth)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise FormulaError(OPERATOR_NOT_ALLOWED, self.col(node))

    def _BinOp(self, node: ast.BinOp, depth: int) -> sp.Expr:
        left = self.build(node.left, depth)
        right = self.build(node.right, depth)
        op = type(node.op)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            if right == 0:
                raise FormulaError("Division by zero: the denominator here is 0.", self.col(node.right))
            return left / right
        if op is ast.Pow:
            return self.power(left, right, node)
        raise FormulaError(OPERATOR_NOT_ALLOWED, self.col(node))

    def power(self, base: sp.Expr, exponent: sp.Expr, node: ast.BinOp) -> sp.Expr:
        if exponent.free_symbols and not base.free_symbols:
            _check_constant_base(base, self.col(node))
        if exponent.free_symbols:
            self.variable_powers += 1
            if self.variable_powers > MAX_VARIABLE_POWERS:
                raise FormulaError(
                    msg("At most {count} powers with a variable exponent (like x^x) are supported.",
                        count=MAX_VARIABLE_POWERS),
                    self.col(node.right),
                )
            return base**exponent
        exp_value = float(sp.N(exponent))
        if abs(exp_value) > MAX_EXPONENT:
            raise FormulaError(POWER_TOO_LARGE, self.col(node.right))
        if base.is_Rational and exponent.is_Integer:  # predict the digits before sympy computes them
            _check_exact_bits(abs(int(exponent)) * max(base.p.bit_length(), base.q.bit_length()), self.col(node))
        if not base.free_symbols and base.is_negative and not exponent.is_integer:
            raise FormulaError("A negative number to a fractional power is not a real number: change the base or "
                               "the power.", self.col(node))
        if not base.free_symbols:
            base_value = abs(complex(sp.N(base)))
            if base_value == 0 and exp_value < 0:
                raise FormulaError("Division by zero: 0 to a negative power.", self.col(node))
            if base_value > 0 and abs(exp_value * math.log10(base_value)) > 100:
                raise FormulaError("This power is too large: keep constants below 1e100.", self.col(node))
        if exponent.is_Rational and exponent.q > MAX_ROOT_DENOMINATOR:
            exponent = sp.Float(exponent, 17)  # x^(10000001/10000000), 3^(1/10^9): exact roots of that order never finish
        result = base**exponent
        if result.is_Pow and result.exp.is_number and abs(float(result.exp)) > MAX_EXPONENT:  # (x^99)^99 = x^9801
            raise FormulaError(POWER_TOO_LARGE, self.col(node))
        return result

    def _Tuple(self, node: ast.Tuple, depth: int) -> sp.Expr:
        raise FormulaError("Commas only separate the arguments of max(…) and min(…): type one expression.", self.col(node))

    def _Call(self, node: ast.Call, depth: int) -> sp.Expr:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS or node.keywords:
            raise FormulaError(msg("Only these functions are allowed: {functions}.", functions=FUNCTION_LIST),
                               self.col(node))
        builder, least, most = FUNCTIONS[name]
        if not least <= len(node.args) <= most:
            raise FormulaError(msg("{name}() takes one argument, not {count}.", name=name, count=len(node.args))
                               if least == most == 1 else
                               msg("{name}() takes {least} to {most} arguments, e.g. {name}(x, 0), not {count}.",
                                   name=name, least=least, most=most, count=len(node.args)), self.col(node))
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise FormulaError(NOT_ALLOWED, self.col(node))
        args = [self.build(a, depth) for a in node.args]
        return builder(*args)


def _check_exact_bits(bits: int, col: int | None) -> None:
    """An exact fraction whose numerator and denominator have `bits` bits fits MAX_EXACT_BITS (sympy stays instant)."""
    if bits > MAX_EXACT_BITS:
        raise FormulaError(msg("This number has too many exact digits (more than {digits}): use a smaller power or "
                               "fewer decimals.", digits=int(MAX_EXACT_BITS * 0.30103)), col)


def _check_constant_base(base: sp.Expr, col: int | None) -> None:
    """b^x needs b > 0: 0^x and (−1)^x are not real functions of x."""
    if base.is_zero:
        raise FormulaError("0 to a variable power (0^x) is 0 for x > 0 and undefined otherwise: "
                           "use 0, or a positive base such as 2^x.", col)
    if not base.is_positive:
        raise FormulaError("A negative base to a variable power, such as (−1)^x, is not a real number for most x: "
                           "use a positive base such as 2^x.", col)


def _syntax_error(err: SyntaxError, cols: list[int], tokens: list[_Token]) -> FormulaError:
    offset = (err.offset or 1) - 1
    pos = cols[min(offset, len(cols) - 1)] if cols else None
    last = tokens[-1]
    if last.kind == "op" and last.text not in ")":
        return FormulaError(msg("The formula ends with '{op}': add what comes after it.", op=last.text), last.pos)
    if tokens[0].text in "*/^),":
        return FormulaError(msg("The formula cannot start with '{op}'.", op=tokens[0].text), tokens[0].pos)
    if any(t.text == "," for t in tokens) and not any(t.kind == "func" for t in tokens):
        return FormulaError("Commas only separate the arguments of max(…) and min(…).", pos)
    return FormulaError("Something is missing or misplaced here: check the operators and parentheses.", pos)


def _top_level_comma(tokens: list[_Token]) -> _Token:
    """The first comma outside every parenthesis."""
    depth = 0
    for tok in tokens:
        depth += (tok.text == "(") - (tok.text == ")")
        if tok.text == "," and depth == 0:
            return tok
    raise AssertionError("a tuple without a top-level comma")


def _count_nodes(tree: ast.AST) -> int:
    return sum(1 for _ in ast.walk(tree))


def build_expr(text: str) -> sp.Expr:
    """The allow-listed sympy expression of `text`, or FormulaError."""
    if not isinstance(text, str):
        raise FormulaError("The formula must be text.")
    if len(text) > MAX_LENGTH:
        raise FormulaError(msg("The formula is too long: use at most {limit} characters.", limit=MAX_LENGTH), MAX_LENGTH)
    chars = _normalise(text)
    _check_alphabet(chars, text)
    tokens = _implicit_products(_tokenise(chars))
    if not tokens:
        raise FormulaError("Type a formula, for example (x^2+y-11)^2+(x+y^2-7)^2.")
    _check_brackets(tokens)
    source, cols, numbers = _to_python(tokens)
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise _syntax_error(err, cols, tokens) from None
    except (MemoryError, RecursionError):
        raise FormulaError("The formula is nested too deeply: simplify it.") from None
    if isinstance(tree.body, ast.Tuple):
        comma = _top_level_comma(tokens)
        typed = repr(text[comma.pos])
        raise FormulaError(msg("Commas only separate the arguments of max(…) and min(…): remove this {typed}.", typed=typed)
                           if text[comma.pos] == "," else
                           msg("Commas only separate the arguments of max(…) and min(…): remove this {typed} (a "
                               "full-width comma).", typed=typed), comma.pos)
    if _count_nodes(tree) > MAX_NODES:
        raise FormulaError("The formula is too large: split it or simplify it.")
    try:
        expr = _Builder(cols, numbers).build(tree.body)
    except FormulaError:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError) as err:  # sympy's own limits
        raise FormulaError(msg("This formula cannot be worked out exactly ({error}): simplify it, e.g. fewer digits or "
                               "smaller powers.", error=type(err).__name__)) from None
    if expr.has(sp.zoo, sp.oo, sp.nan, sp.I):
        raise FormulaError("The formula is not a real-valued function: remove divisions by zero and complex values.")
    if not expr.free_symbols:
        raise FormulaError(msg("The formula does not depend on any variable (it equals {value}): use x, y, z or "
                               "x1 … x9.", value=str(expr)))
    return expr


def _operand_text(tok: _Token) -> str:
    return f"{tok.text}(…)" if tok.kind == "func" else ("(…)" if tok.text == "(" else tok.text)


def _division_notes(tokens: list[_Token]) -> list[str]:
    """a/bc is read as (a/b)·c: a note for every / whose divisor is followed by an implicit product."""
    notes = []
    for i, tok in enumerate(tokens[:-3]):
        divisor, implicit, after = tokens[i + 1:i + 4]
        if tok.text == "/" and divisor.kind in ("num", "name") and implicit.kind == "implicit":
            b, c = divisor.text, _operand_text(after)
            notes.append(msg("/{b}{c} is read as (…/{b})·{c}: the / divides only by {b}. Type /({b}{c}) to divide by "
                             "the product.", b=b, c=c))
    return notes


def reading_notes(text: str) -> tuple[str, ...]:
    """One-line "read as …" notes where an implicit product or a name reads two ways (text must parse)."""
    tokens = _implicit_products(_tokenise(_normalise(text)))
    notes = _division_notes(tokens)
    names = {t.text for t in tokens if t.kind == "name"}
    indexed = sorted(names & set(VARIABLES[3:]))
    if indexed and names & {"x", "y", "z"}:
        subscripts = Joined((msg("{name} is the variable {indexed}", name=v, indexed=f"{v[0]}{chr(0x2080 + int(v[1:]))}")
                             for v in indexed), sep=", ")
        notes.append(msg("{names}, not a product with a number: type 2x or x*2 for that.", names=subscripts))
    return tuple(notes)


# ---------------------------------------------------------------- the compiled formula

@dataclass(frozen=True, eq=False)
class Formula:
    """A parsed formula f(x, y, …): exact derivatives and float64 callables.

    parse() fills the optional fields from a worker's Analysis (derivatives, LaTeX and generated code done
    once, under budgets); a Formula built by hand computes them here on first use."""

    text: str
    expr: sp.Expr
    symbols: tuple[sp.Symbol, ...]
    gradient_exprs: tuple[sp.Expr, ...] = field(repr=False)
    second_partial_exprs: tuple[tuple[sp.Expr, ...], ...] | None = field(default=None, repr=False)
    latex_text: str | None = field(default=None, repr=False)
    gradient_latex_texts: tuple[str, ...] | None = field(default=None, repr=False)
    second_latex_texts: tuple[tuple[str, ...], ...] | None = field(default=None, repr=False)
    sources: dict = field(default_factory=dict, repr=False)
    notes: tuple[str, ...] = ()
    mixed_identical: tuple[tuple[bool | None, ...], ...] | None = field(default=None, repr=False)

    @property
    def variables(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.symbols)

    @property
    def n(self) -> int:
        return len(self.symbols)

    def latex(self) -> str:
        """LaTeX of f, rendered from the same sympy tree the numbers come from."""
        return self.latex_text if self.latex_text is not None else sp.latex(self.expr)

    def gradient_latex(self) -> tuple[str, ...]:
        """LaTeX of each ∂f/∂x_i (printed once, in the worker, for a parsed formula)."""
        if self.gradient_latex_texts is not None:
            return self.gradient_latex_texts
        return tuple(sp.latex(d) for d in self.gradient_exprs)

    def second_latex(self, i: int, j: int) -> str:
        """LaTeX of ∂/∂x_j (∂f/∂x_i)."""
        if self.second_latex_texts is not None:
            return self.second_latex_texts[i][j]
        return sp.latex(self.second_partials[i][j])

    @cached_property
    def second_partials(self) -> tuple[tuple[sp.Expr, ...], ...]:
        """M_ij = ∂/∂x_j (∂f/∂x_i), both orders differentiated (they differ where f_xy ≠ f_yx)."""
        if self.second_partial_exprs is not None:
            return self.second_partial_exprs
        return tuple(tuple(sp.diff(d, s) for s in self.symbols) for d in self.gradient_exprs)

    @cached_property
    def hessian_exprs(self) -> tuple[tuple[sp.Expr, ...], ...]:
        """H_ij = ∂²f/∂x_i∂x_j (the upper triangle is differentiated, the lower mirrored)."""
        if self.second_partial_exprs is not None:
            m = self.second_partial_exprs
            return tuple(tuple(m[min(i, j)][max(i, j)] for j in range(self.n)) for i in range(self.n))
        n = self.n
        rows = [[sp.S.Zero] * n for _ in range(n)]
        for i in range(n):
            for j in range(i, n):
                rows[i][j] = rows[j][i] = sp.diff(self.gradient_exprs[i], self.symbols[j])
        return tuple(tuple(r) for r in rows)

    @cached_property
    def typed(self):
        """The formula as typed, as torch records it (a gradcore.typed.Tape); None if sympy cancelled a variable."""
        from gradcore.typed import typed_tape

        return typed_tape(self.text, self.symbols)

    def compile(self, exprs, backend: str):
        """One callable of the coordinates returning a list, one value per expression (code made once, by parse)."""
        exprs = tuple(exprs)
        source = self.sources.get(exprs)
        if source is None:
            return compile_exprs(list(exprs), self.symbols, backend)
        return load_source(source, backend)

    @cached_property
    def _numpy(self):
        return self.compile([self.expr], "numpy"), self.compile(self.gradient_exprs, "numpy"), self._hessian_numpy()

    def _hessian_numpy(self):
        """H as a callable: the upper triangle of the compiled second partials, mirrored (one code for both)."""
        n = self.n
        if self.second_partial_exprs is None:
            return self.compile([e for row in self.hessian_exprs for e in row], "numpy")
        second = self.compile([e for row in self.second_partial_exprs for e in row], "numpy")
        upper = [min(i, j) * n + max(i, j) for i in range(n) for j in range(n)]

        def hessian(*coords):
            m = second(*coords)
            return [m[k] for k in upper]
        return hessian

    @cached_property
    def _torch(self):
        return self.compile([self.expr], "torch")

    @cached_property
    def scalar_value_and_gradient(self):
        """(*coords: float) -> [f, ∂f/∂x1, …] in plain Python floats (math module)."""
        return self.compile([self.expr, *self.gradient_exprs], "math")

    def _evaluate(self, fn, p, shape_tail: tuple[int, ...]) -> np.ndarray:
        p = np.asarray(p, dtype=np.float64)
        if p.shape[-1:] != (self.n,):
            raise ValueError(f"a point of {self.n} coordinates ({', '.join(self.variables)}) is needed, got shape {p.shape}")
        with np.errstate(all="ignore"):
            outs = fn(*(p[..., i] for i in range(self.n)))
            outs = [np.broadcast_to(np.asarray(o, dtype=np.float64), p.shape[:-1]) for o in outs]
        stacked = np.stack(outs, axis=-1) if outs else np.zeros(p.shape[:-1] + (0,))
        return stacked.reshape(p.shape[:-1] + shape_tail)

    def value(self, p) -> np.ndarray:
        """f(p) for p of shape (n,) or (..., n)."""
        return self._evaluate(self._numpy[0], p, ())

    def gradient(self, p) -> np.ndarray:
        """∇f(p) from the symbolic partial derivatives."""
        return self._evaluate(self._numpy[1], p, (self.n,))

    def hessian(self, p) -> np.ndarray:
        """The Hessian matrix of f at p from the symbolic second derivatives."""
        return self._evaluate(self._numpy[2], p, (self.n, self.n))

    def torch_value(self, t: torch.Tensor) -> torch.Tensor:
        """f(t) built from torch operations (differentiable), t of shape (..., n)."""
        (out,) = self._torch(*t.unbind(-1))
        if not torch.is_tensor(out):
            out = torch.full(t.shape[:-1], float(out), dtype=t.dtype)
        return out

    def autograd_gradient(self, p) -> np.ndarray:
        """∇f(p) by torch autograd in float64."""
        t = torch.tensor(np.asarray(p, dtype=np.float64), requires_grad=True)
        self.torch_value(t).sum().backward()
        return t.grad.numpy().copy()


def parse(text: str) -> Formula:
    """Parse a formula typed by a person; FormulaError says what to change.

    The symbolic work (derivatives, LaTeX, code) runs in a worker process with a time and memory budget
    (gradcore.symbolic), so no formula can keep this process busy."""
    from gradcore.symbolic import symbolic_work

    a = symbolic_work(text)
    return Formula(text=text, expr=a.expr, symbols=a.symbols, gradient_exprs=a.gradient, second_partial_exprs=a.second,
                   latex_text=a.latex, gradient_latex_texts=a.gradient_latex, second_latex_texts=a.second_latex,
                   sources=a.sources, notes=a.notes, mixed_identical=a.identical)
