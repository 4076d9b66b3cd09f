"""torch's CPU kernels' rounding, reproduced on Python floats (measured bit for bit against torch 2.13).

- A fused multiply-add: torch's kernels for add(alpha=…), addcmul and lerp round a·b + c once
  (the compiler contracts them on FMA machines); ``fma`` does the same in pure Python, exactly.
- sqrt, exp, log, sin, …: torch calls MKL's vector math (vdSqrt, vdExp, …), which is not always
  the correctly rounded result (about 0.7 % of doubles' square roots differ from math.sqrt by one
  ulp); ``sqrt`` and ``torch_function`` call the same MKL functions that torch ships, and fall back
  to the math module where that library has no MKL.
- float32: every operation's float64 result is rounded to float32 (``round32``), which is exact
  for + - * / and sqrt of float32 operands (53 ≥ 2·24 + 2 bits).
"""

from __future__ import annotations

import ctypes
import math
import os
import threading
from collections.abc import Callable
from math import fsum
from typing import Any

import numpy as np
import torch

SPLIT = 134217729.0      # 2^27 + 1: Veltkamp's splitting of a float64 into two 26-bit halves
SPLIT32 = 536870913.0    # 2^29 + 1: v·S − (v·S − v) rounds a float64 v to float32's 24 bits (ties to even)


def round32(v: float) -> float:
    """v rounded to the nearest float32, as a Python float (normal range; subnormals not emulated)."""
    c = v * SPLIT32
    return c - (c - v)


def fma(a: float, b: float, c: float) -> float:
    """a·b + c rounded once: Dekker's exact product p + e = a·b, then math.fsum's correctly rounded p + e + c."""
    p = a * b
    t = SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return fsum((p, ((ah * bh - p) + ah * bl + al * bh) + al * bl, c))


def fma_by(a: float) -> Callable[[float, float], float]:
    """(b, c) -> a·b + c rounded once, for a fixed a (split once: lerp's weight, a learning rate)."""
    t = SPLIT * a
    ah = t - (t - a)
    al = a - ah

    def scaled_add(b: float, c: float) -> float:
        p = a * b
        t = SPLIT * b
        bh = t - (t - b)
        bl = b - bh
        return fsum((p, ((ah * bh - p) + ah * bl + al * bh) + al * bl, c))

    return scaled_add


def fma32(a: Any, b: Any, c: Any) -> np.float32:
    """a·b + c in float32, rounded once (the product of two float32 is exact in float64); b and c hold float32 values."""
    p = round32(float(a)) * float(b)   # a may be a Python number (lr, a weight): torch casts it to float32 first
    c = float(c)
    s = p + c
    z = s - p
    err = (p - (s - z)) + (c - z)
    if err != 0.0 and (s / math.ulp(s)) % 2.0 == 0.0:   # round to odd, so that rounding to float32 is exact
        s = math.nextafter(s, math.inf if err > 0 else -math.inf)
    return np.float32(s)


def mkl_vector(name: str) -> Callable | None:
    """MKL's vector function `name` (vdSqrt(n, a, r), …) from torch's own library; None without it."""
    if not torch.backends.mkl.is_available():
        return None
    try:
        fn = getattr(ctypes.CDLL(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")), name)
    except (OSError, AttributeError):
        return None
    fn.restype = None   # vdSqrt(n, a, r); without argtypes ctypes passes the arrays as pointers, 3x faster a call
    return fn


def _mkl(name: str, ctype: type) -> Callable[[float], float] | None:
    """One of MKL's vector math functions (vdSqrt, vsExp, …) from torch's own library, for one number; None without it."""
    fn = mkl_vector(name)
    if fn is None:
        return None
    held = threading.local()     # ctypes releases the GIL during the call: each thread (session) needs its own buffers

    def root(v: float) -> float:
        try:
            a, r = held.buffers
        except AttributeError:
            a, r = held.buffers = (ctype * 1)(), (ctype * 1)()
        a[0] = v
        fn(1, a, r)
        return r[0]

    return root


_SQRT64 = _mkl("vdSqrt", ctypes.c_double)
_SQRT32 = _mkl("vsSqrt", ctypes.c_float)
# torch's float and double kernels of these call MKL's VML (measured equal on every input tried); name -> VML's name
VML = {"exp": "Exp", "log": "Ln", "log10": "Log10", "log2": "Log2", "sin": "Sin", "cos": "Cos", "tan": "Tan",
       "asin": "Asin", "acos": "Acos", "atan": "Atan", "tanh": "Tanh"}


def torch_function(name: str, dtype: str, fallback: Callable[[float], float]) -> Callable[[float], float]:
    """torch.<name> on one number as torch's CPU kernel computes it (MKL's VML), else `fallback` (libm)."""
    fn = _mkl(("vd" if dtype == "float64" else "vs") + VML[name], ctypes.c_double if dtype == "float64" else ctypes.c_float)
    return fn or fallback
FUSED = torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")   # kernels built with -mfma


def _one_thread() -> Callable[[int], int] | None:
    """MKL_Set_Num_Threads_Local from torch's library: MKL's own threads wait badly on a loaded CPU."""
    if not torch.backends.mkl.is_available():
        return None
    try:
        fn = ctypes.CDLL(os.path.join(os.path.dirname(torch.__file__), "lib", "libtorch_cpu.so")).MKL_Set_Num_Threads_Local
    except (OSError, AttributeError):
        return None
    fn.restype = ctypes.c_int
    return fn


_VECTOR_SQRT = {np.dtype(np.float64): mkl_vector("vdSqrt"), np.dtype(np.float32): mkl_vector("vsSqrt")}
_SET_THREADS = _one_thread()


def sqrt_array(a: np.ndarray) -> np.ndarray:
    """√a elementwise as torch.sqrt computes it (MKL's vdSqrt / vsSqrt on this thread alone; NaN below 0)."""
    a = np.ascontiguousarray(a)
    fn = _VECTOR_SQRT.get(a.dtype)
    if fn is None or _SET_THREADS is None:
        return np.sqrt(a)
    out = np.empty_like(a)
    before = _SET_THREADS(1)
    try:
        fn(a.size, a.ctypes.data_as(ctypes.c_void_p), out.ctypes.data_as(ctypes.c_void_p))
    finally:
        _SET_THREADS(before)
    return out


def _checked_sqrt(v: float) -> float:
    """The correctly rounded √v, NaN below 0 (where math.sqrt would raise)."""
    return math.sqrt(v) if v >= 0.0 else math.nan


sqrt: Callable[[float], float] = _SQRT64 or _checked_sqrt   # √v as torch.sqrt computes it in float64 (MKL: NaN below 0)


def sqrt32(v: Any) -> np.float32:
    """√v as torch.sqrt computes it in float32; NaN below 0."""
    if not v >= 0.0:
        return np.float32(math.nan)
    return np.float32(_SQRT32(v) if _SQRT32 is not None else math.sqrt(v))


def unfused(a: Any, b: Any, c: Any) -> Any:
    """a·b + c with two roundings, where torch's kernels do not fuse (a CPU without FMA)."""
    return a * b + c
