"""Which array dtypes carry a gradient: numpy's floats, ml_dtypes' bfloat16 (as jax uses it), and complex.

ml_dtypes registers bfloat16 with numpy as a dtype of kind "V", so `np.issubdtype(dtype, np.floating)` is False
for it; asking `np.finfo` (which ml_dtypes teaches numpy) finds it without importing ml_dtypes here.
"""

from __future__ import annotations

import numpy as np

LOW_PRECISION = ("bfloat16", "float16")  # dtypes whose own rounding is measured, not assumed (tolerance.py)


def is_real_floating(dtype) -> bool:
    """A real floating dtype: float16/32/64 (and numpy's longdouble) or bfloat16."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return False
    if dtype.kind == "f":
        return True
    return dtype.name == "bfloat16"


def is_complex(dtype) -> bool:
    """complex64 or complex128 (a leaf gradcheck checks as its real and imaginary parts)."""
    try:
        return np.dtype(dtype).kind == "c"
    except TypeError:
        return False


def name(dtype) -> str:
    """The dtype's name as reports print it (`bfloat16`, `float32`)."""
    return np.dtype(dtype).name
