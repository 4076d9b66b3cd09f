"""gradcore.kernels: torch's CPU kernels are the oracle, compared bit for bit on thousands of random inputs."""

from fractions import Fraction

import numpy as np
import pytest
import torch

from gradcore import kernels

RNG = np.random.default_rng(7)
A, B, C = (RNG.uniform(-2, 2, 5000) * 10.0 ** RNG.integers(-8, 8, 5000) for _ in range(3))


def test_fma_rounds_once_exactly():
    c = np.where(RNG.random(5000) < 0.3, -A * B, C)     # cancellation: the product's rounding error decides
    exact = [float(Fraction(a) * Fraction(b) + Fraction(z)) for a, b, z in zip(A, B, c, strict=True)]
    assert [kernels.fma(a, b, z) for a, b, z in zip(A, B, c, strict=True)] == exact
    assert [kernels.fma_by(A[0])(b, z) for b, z in zip(B, c, strict=True)] == [kernels.fma(A[0], b, z) for b, z in zip(B, c, strict=True)]


@pytest.mark.skipif(not kernels.FUSED, reason="torch's kernels fuse a·b + c only on AVX2/AVX-512 machines")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fma_is_torchs_addcmul_and_add_with_alpha(dtype):
    a, b, c = (torch.tensor(v, dtype=getattr(torch, dtype)) for v in (A, B, C))
    fma = kernels.fma if dtype == "float64" else kernels.fma32
    expected = c.clone().addcmul_(a, b).tolist()
    assert [float(fma(x, y, z)) for x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), strict=True)] == expected
    alpha = 0.1 if dtype == "float64" else kernels.round32(0.1)
    expected = c.clone().add_(b, alpha=0.1).tolist()
    assert [float(fma(alpha, y, z)) for y, z in zip(b.tolist(), c.tolist(), strict=True)] == expected


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_sqrt_is_torchs_sqrt(dtype):
    v = torch.tensor(np.abs(A), dtype=getattr(torch, dtype))
    root = kernels.sqrt if dtype == "float64" else kernels.sqrt32
    assert [float(root(x)) for x in v.tolist()] == v.sqrt().tolist()


@pytest.mark.skipif(not torch.backends.mkl.is_available(), reason="torch without MKL")
@pytest.mark.parametrize("name", sorted(kernels.VML))
def test_vml_functions_are_torchs(name):
    x = torch.tensor(RNG.uniform(0.05, 0.95, 2000), dtype=torch.float64)
    fn = kernels.torch_function(name, "float64", None)
    assert [fn(v) for v in x.tolist()] == getattr(torch, name)(x).tolist()
