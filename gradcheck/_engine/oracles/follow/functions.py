"""Which numpy function maps to what when numpy code is followed: operators, methods, and the functions that
only rearrange entries (computed on the shadow of flat indices, so numpy itself decides views and copies).

Every other numpy function is looked up by its own name in the backend's numpy-semantics namespace
(torch._numpy or jax.numpy, and their linalg/fft); one with no counterpart there is an escape that names it.
"""

from __future__ import annotations

import numpy as np
from numpy.lib import stride_tricks

OPERATORS = {  # x <op> y, y <op> x and x <op>= y
    "add": np.add,
    "sub": np.subtract,
    "mul": np.multiply,
    "truediv": np.true_divide,
    "floordiv": np.floor_divide,
    "mod": np.remainder,
    "pow": np.power,
    "matmul": np.matmul,
    "and": np.bitwise_and,
    "or": np.bitwise_or,
    "xor": np.bitwise_xor,
    "lshift": np.left_shift,
    "rshift": np.right_shift,
}
COMPARISONS = {
    "lt": np.less,
    "le": np.less_equal,
    "gt": np.greater,
    "ge": np.greater_equal,
    "eq": np.equal,
    "ne": np.not_equal,
}

# methods of ndarray that are the numpy function of the same name applied to the array
METHODS = {
    name: getattr(np, name)
    for name in (
        "sum",
        "mean",
        "max",
        "min",
        "argmax",
        "argmin",
        "std",
        "var",
        "prod",
        "cumsum",
        "cumprod",
        "any",
        "all",
        "clip",
        "round",
        "dot",
        "ravel",
        "squeeze",
        "swapaxes",
        "repeat",
        "take",
        "diagonal",
        "trace",
        "conj",
        "conjugate",
        "nonzero",
        "argsort",
        "ptp",
        "searchsorted",
    )
}
METHODS["flatten"] = np.ravel  # ravel's entries; flatten copies, so the method copies the result (array.py)

# functions of one array that only pick or rearrange its entries: run on the shadow of flat indices
STRUCTURAL = {
    np.reshape,
    np.transpose,
    np.permute_dims,
    np.matrix_transpose,
    np.ravel,
    np.squeeze,
    np.expand_dims,
    np.moveaxis,
    np.swapaxes,
    np.rollaxis,
    np.broadcast_to,
    np.diagonal,
    np.flip,
    np.fliplr,
    np.flipud,
    np.rot90,
    np.roll,
    np.tile,
    np.repeat,
    np.take,
    np.take_along_axis,
    np.atleast_1d,
    np.atleast_2d,
    np.atleast_3d,
    np.split,
    np.array_split,
    np.hsplit,
    np.vsplit,
    np.dsplit,
    np.copy,
    stride_tricks.sliding_window_view,
}
AS_STRIDED = stride_tricks.as_strided

LIKE = {np.zeros_like: "zeros_like", np.ones_like: "ones_like", np.empty_like: "zeros_like", np.full_like: "full_like"}

REDUCE = {
    "add": "sum",
    "multiply": "prod",
    "maximum": "max",
    "minimum": "min",
    "fmax": "max",
    "fmin": "min",
    "logical_and": "all",
    "logical_or": "any",
}
ACCUMULATE = {"add": "cumsum", "multiply": "cumprod"}

# functions answered from shapes and dtypes alone
SHAPES = {
    np.shape: lambda a: a.shape,
    np.ndim: lambda a: a.ndim,
    np.size: lambda a, axis=None: a.size if axis is None else a.shape[axis],
}
