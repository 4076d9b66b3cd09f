"""gradcore.typed: f and ∇f as torch's forward and backward pass compute them for the formula as typed (autograd is the oracle)."""

import functools

import numpy as np
import pytest
import torch

from gradcore import kernels, parse
from gradcore.codegen import torch_source
from gradcore.descent import descend
from gradcore.typed import autograd_value_and_gradient, backward_order

POLYNOMIALS = [   # + - * / and integer powers: every value and gradient is autograd's, bit for bit
    "(x^2+y-11)^2+(x+y^2-7)^2",
    "(1-x)^2+100(y-x^2)^2",
    "(x-1)^2 + 2(y+2)^2 + 3(z-0.5)^2 + x*y*z/10",
    "x*y*z + x*x*x - 3/x + y/z + x^4 - z^5 + x^-2 + y^3*x - (x*y + x*z + y*z)^2/(1+x^2)",   # z used 6 times
    "-x^2 + 2x - x*y/3 - 2/(y+5) + 11 - (x - y)",
]


@functools.cache
def formula(text):
    """parse(text), once per formula (parsing runs sympy in a worker process: 200 parses cost a minute)."""
    return parse(text)


@functools.cache
def torch_f(text):
    """f as the page's script writes it, a torch function of the point p, built once per formula."""
    f = formula(text)
    namespace = {"torch": torch}
    exec(f"def f(p):\n    {', '.join(f.variables)}, = p\n    return {torch_source(f)}", namespace)
    return namespace["f"]


def autograd(text, point, dtype):
    """f and ∇f by torch autograd, f written as the page's script writes it."""
    p = torch.tensor(point, dtype=dtype, requires_grad=True)
    value = torch_f(text)(p)
    value.backward()
    return [value.item(), *p.grad.tolist()]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("text", POLYNOMIALS)
def test_polynomials_are_autograd_bit_for_bit(text, dtype):
    f = formula(text)
    fn = autograd_value_and_gradient(f, dtype)
    rng = np.random.default_rng(0)
    for point in rng.uniform(0.2, 3.0, size=(200, f.n)).astype(dtype).tolist():
        assert fn(*point) == autograd(text, point, getattr(torch, dtype))


@pytest.mark.parametrize("text", ["sin(x) exp(y/3) + log(x^2+1) + sqrt(y^2+1) - tanh(x y)",
                                  "sigmoid(x) + softplus(y) + atan(x/y) + cosh(y/4) + log10(x) + 2^x + x^y"])
def test_transcendental_functions_agree_with_autograd_to_rounding(text):
    f = formula(text)
    fn = autograd_value_and_gradient(f)
    for point in np.random.default_rng(1).uniform(0.2, 3.0, size=(200, f.n)).tolist():
        np.testing.assert_allclose(fn(*point), autograd(text, point, torch.float64), rtol=1e-14, atol=1e-15)


def test_sympy_reorders_the_sum_but_the_typed_order_is_kept():
    f = parse("x^2+y-11")
    assert str(f.expr) == "x**2 + y - 11" and f.expr.args[0] == -11        # sympy stores -11 + x**2 + y
    assert torch_source(f) == "x ** 2 + y - 11"                            # the typed order: (x**2 + y) - 11
    x, y = 3.0000000000000004, 1.9999999999999998
    assert autograd_value_and_gradient(f)(x, y)[0] == (x**2 + y) - 11 != -11 + x**2 + y


def test_the_backward_pass_runs_the_last_recorded_ready_op_first():
    f = parse("(x + y) * (x - y)")
    tape = f.typed
    assert [op.kind for op in tape.ops] == ["var", "var", "add", "sub", "mul"]
    assert backward_order(tape) == [4, 3, 2]     # mul, then sub (recorded after add), then add


def test_a_variable_sympy_cancelled_falls_back_to_sympys_gradient():
    f = parse("x - x + y^2")
    assert f.variables == ("y",) and f.typed is None
    assert autograd_value_and_gradient(f)(3.0) == [9.0, 6.0]
    assert descend(f, "SGD", (1.0,), 0.1, 2).points[-1, 0] == pytest.approx(0.64)


def test_outside_the_domain_is_a_sentence_not_a_traceback():
    traj = descend(parse("x^0.5"), "SGD", (1.0,), 1.0, 5)     # x: 1, 0.5, then below 0
    assert traj.message == "Diverged at step 2: f is undefined there (outside its domain). Lower the learning rate (try 0.1)."


def test_a_bad_dtype_is_a_sentence():
    with pytest.raises(ValueError, match=r"^dtype must be 'float64' or 'float32', got 'float16'\.$"):
        descend(parse("x^2"), "SGD", (1.0,), 0.1, 2, dtype="float16")


def test_float32_rounding_is_numpys_float32_ties_to_even():
    rng = np.random.default_rng(2)
    a, b = rng.uniform(-4, 4, 100_000).astype(np.float32), rng.uniform(-4, 4, 100_000).astype(np.float32)
    exact = (a.astype(np.float64) + b.astype(np.float64)).tolist()        # sums of float32: half of them are ties
    assert [kernels.round32(v) for v in exact] == (a + b).astype(np.float64).tolist()


@pytest.mark.skipif(not torch.backends.mkl.is_available(), reason="torch without MKL computes exp, log, sin … elsewhere")
@pytest.mark.parametrize("text", ["sin(x) exp(y/3) + log(x^2+1) + sqrt(y^2+1) - tanh(x y)",
                                  "asin(x/4) + acos(y/4) + atan(x y) + tan(x/2) + cos(y) + 2^x + x^y"])
def test_with_mkl_the_functions_torch_takes_from_it_are_bit_for_bit_in_float64(text):
    f = formula(text)
    fn = autograd_value_and_gradient(f)
    for point in np.random.default_rng(3).uniform(0.2, 3.0, size=(300, f.n)).tolist():
        assert fn(*point) == autograd(text, point, torch.float64)
