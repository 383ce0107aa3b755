"""2-D convolution with stride and zero padding, by im2col; the window helpers pooling shares.

Layout NCHW: x (N, C, H, W), w (F, C, KH, KW), b (F,), out (N, F, H', W') with
H' = (H + 2 pad - KH) // stride + 1 (likewise W'). As in deep learning, "convolution" is cross-correlation:
out[n, f, p, q] = sum_{c,i,j} w[f, c, i, j] x_pad[n, c, p stride + i, q stride + j] + b[f].
im2col lays every receptive field out as a column, so the layer is one matrix product per example,
out_n = W_row cols_n + b with W_row = w reshaped (F, C KH KW), and its backward is the dense layer's.
Forwards are array-API generic (numpy, torch, jax); backwards are numpy and never modify their inputs.
"""

from __future__ import annotations

from itertools import product
from typing import NamedTuple

import array_api_compat
import numpy as np

from gradcheck.errors import GradcheckError


def output_size(size: int, kernel: int, stride: int, pad: int, *, name: str = "x") -> int:
    """Number of window positions along one axis: (size + 2 pad - kernel) // stride + 1, validated."""
    if stride < 1 or pad < 0:
        raise GradcheckError(f"Expected stride >= 1 and pad >= 0 but got stride={stride}, pad={pad}")
    if size + 2 * pad < kernel:
        raise GradcheckError(
            f"Expected the kernel ({kernel}) to fit in the padded input ({size} + 2*{pad}) "
            f"but got {name} of size {size} along that axis"
        )
    return (size + 2 * pad - kernel) // stride + 1


def pad2d(x, pad: int, value: float = 0.0):
    """x (N, C, H, W) with `pad` rows and columns of `value` on each side of H and W (array-API generic)."""
    if pad == 0:
        return x
    xp = array_api_compat.array_namespace(x)
    n, c, h, w = x.shape
    dev = array_api_compat.device(x)
    rows = xp.full((n, c, pad, w), value, dtype=x.dtype, device=dev)
    x = xp.concat([rows, x, rows], axis=2)
    cols = xp.full((n, c, h + 2 * pad, pad), value, dtype=x.dtype, device=dev)
    return xp.concat([cols, x, cols], axis=3)


def im2col(x, kh: int, kw: int, stride: int, pad: int, value: float = 0.0):
    """Receptive fields of x (N, C, H, W) as (N, C, KH KW, H', W'): entry [:, :, i KW + j, p, q] is
    x_pad[:, :, p stride + i, q stride + j], x padded with `value` (0 for conv, -inf for max pooling)."""
    xp = array_api_compat.array_namespace(x)
    ho = output_size(x.shape[2], kh, stride, pad)
    wo = output_size(x.shape[3], kw, stride, pad)
    x_pad = pad2d(x, pad, value)
    fields = [
        x_pad[:, :, i : i + stride * (ho - 1) + 1 : stride, j : j + stride * (wo - 1) + 1 : stride]
        for i, j in product(range(kh), range(kw))
    ]
    return xp.stack(fields, axis=2)


def col2im(dcols, x_shape, kh: int, kw: int, stride: int, pad: int) -> np.ndarray:
    """The adjoint of im2col (numpy): every column entry is added back where it was read from.

    Overlapping fields (stride < kernel) read an input twice, so their gradients add up; the padding is a
    constant, so its rows and columns are cropped away.
    """
    dcols = np.asarray(dcols)
    n, c, h, w = x_shape
    ho, wo = dcols.shape[-2:]
    dx_pad = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=dcols.dtype)
    for k, (i, j) in enumerate(product(range(kh), range(kw))):
        # dx_pad[p s + i, q s + j] += dcols[k, p, q]: one field offset at a time, no repeats within it
        dx_pad[:, :, i : i + stride * (ho - 1) + 1 : stride, j : j + stride * (wo - 1) + 1 : stride] += dcols[:, :, k]
    return dx_pad[:, :, pad : pad + h, pad : pad + w]


class ConvCache(NamedTuple):
    """What conv2d_backward needs: the input's shape, the weights, the im2col columns and the geometry."""

    x_shape: tuple
    w: np.ndarray
    cols: np.ndarray  # (N, C KH KW, H' W')
    stride: int
    pad: int


def conv2d_forward(x, w, b, *, stride: int = 1, pad: int = 0):
    """out, cache for out = conv(x, w) + b: x (N, C, H, W), w (F, C, KH, KW), b (F,) -> (N, F, H', W')."""
    xp = array_api_compat.array_namespace(x, w, b)
    n, c = x.shape[:2]
    f, cw, kh, kw = w.shape
    if cw != c or tuple(b.shape) != (f,):
        raise GradcheckError(
            f"Expected w (F, {c}, KH, KW) and b (F,) for x with {c} channels but got "
            f"w.shape={tuple(w.shape)}, b.shape={tuple(b.shape)}"
        )
    fields = im2col(x, kh, kw, stride, pad)  # (N, C, KH KW, H', W')
    ho, wo = fields.shape[-2:]
    cols = xp.reshape(fields, (n, c * kh * kw, ho * wo))
    w_row = xp.reshape(w, (f, c * kh * kw))
    out = w_row @ cols + xp.reshape(b, (f, 1))  # out_n = W_row cols_n + b 1^T, one matrix product per example
    return xp.reshape(out, (n, f, ho, wo)), ConvCache(tuple(x.shape), w, cols, stride, pad)


def conv2d_backward(dout, cache: ConvCache):
    """(dx, dw, db) for conv2d_forward, given dout = dE/dout (N, F, H', W')."""
    dout, w, cols = np.asarray(dout), np.asarray(cache.w), np.asarray(cache.cols)
    n, f, ho, wo = dout.shape
    _, c, kh, kw = w.shape
    dout_rows = dout.reshape(n, f, ho * wo)
    db = dout_rows.sum(axis=(0, 2))  # db = sum over examples and positions of dout (b is added everywhere)
    dw = np.sum(dout_rows @ cols.transpose(0, 2, 1), axis=0)  # dW_row = sum_n dOut_n cols_n^T
    dcols = w.reshape(f, c * kh * kw).T @ dout_rows  # dcols_n = W_row^T dOut_n
    dx = col2im(dcols.reshape(n, c, kh * kw, ho, wo), cache.x_shape, kh, kw, cache.stride, cache.pad)
    return dx, dw.reshape(w.shape), db
