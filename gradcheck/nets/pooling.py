"""Max and average pooling over KH x KW windows with stride and padding, on the im2col windows of `conv`.

Layout NCHW: x (N, C, H, W) -> out (N, C, H', W'), H' = (H + 2 pad - KH) // stride + 1; one stride serves
both axes, by default a square kernel's side (non-overlapping windows). As in torch, max pooling pads with -inf
(a padded cell never wins) and needs pad <= kernel // 2 so every window holds a real input; average pooling
pads with zeros and divides by the full window (count_include_pad=True, torch's default) or by the number of
real inputs in it (False).
Forwards are array-API generic (numpy, torch, jax); backwards are numpy and never modify their inputs.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import array_api_compat
import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.nets.conv import col2im, im2col


class PoolCache(NamedTuple):
    """What the pooling backwards need: the input's shape, the geometry, and per window what it routes to."""

    x_shape: tuple
    kernel: tuple  # (KH, KW)
    stride: int
    pad: int
    weights: np.ndarray  # max: the windows (N, C, KH KW, H', W'); average: 1 / count per output (1, 1, H', W')


def _geometry(kernel, stride, pad):
    """(KH, KW), stride, pad from an int or pair kernel; stride None -> the kernel; pad <= kernel // 2."""
    kh, kw = (int(kernel),) * 2 if np.ndim(kernel) == 0 else (int(k) for k in kernel)
    if stride is None and kh != kw:
        raise GradcheckError(f"Expected stride= for the rectangular kernel={kernel!r} (one stride serves both axes)")
    stride = kh if stride is None else stride
    if min(kh, kw) < 1 or pad < 0 or pad > min(kh, kw) // 2:
        raise GradcheckError(
            f"Expected kernel >= 1 and 0 <= pad <= kernel // 2 (every window must hold an "
            f"input) but got kernel={kernel!r}, pad={pad}"
        )
    return (kh, kw), stride, pad


def max_pool_forward(x, *, kernel=2, stride=None, pad: int = 0):
    """out, cache for out[n, c, p, q] = max of x_pad over window (p, q); x (N, C, H, W), -inf padding."""
    xp = array_api_compat.array_namespace(x)
    (kh, kw), stride, pad = _geometry(kernel, stride, pad)
    windows = im2col(x, kh, kw, stride, pad, value=-math.inf)  # (N, C, KH KW, H', W')
    out = xp.max(windows, axis=2)
    return out, PoolCache(tuple(x.shape), (kh, kw), stride, pad, windows)


def max_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    """dx for max_pool_forward: each window's dout goes to the one input that was its max (first on ties)."""
    dout, windows = np.asarray(dout), np.asarray(cache.weights)
    winner = np.argmax(windows, axis=2)  # index k of the max within each window, (N, C, H', W')
    # d max(v)/dv_k = [k = argmax v]: a one-hot mask over the window's KH KW entries
    route = np.arange(windows.shape[2])[None, None, :, None, None] == winner[:, :, None]
    dwindows = np.where(route, dout[:, :, None], 0.0).astype(dout.dtype)
    # overlapping windows add their gradients; the -inf padding never wins, so the crop drops only zeros
    return col2im(dwindows, cache.x_shape, *cache.kernel, cache.stride, cache.pad)


def avg_pool_forward(x, *, kernel=2, stride=None, pad: int = 0, count_include_pad: bool = True):
    """out, cache for out = sum of x_pad over each window / count, zero padding; x (N, C, H, W).

    count is KH KW (count_include_pad=True) or the number of real inputs in the window (False).
    """
    xp = array_api_compat.array_namespace(x)
    (kh, kw), stride, pad = _geometry(kernel, stride, pad)
    windows = im2col(x, kh, kw, stride, pad)  # (N, C, KH KW, H', W'), padding = 0
    if count_include_pad:
        inv_count = np.full((1, 1) + tuple(windows.shape[-2:]), 1.0 / (kh * kw))
    else:  # real inputs per window: the window sums of an all-ones image padded with zeros
        ones = np.ones((1, 1) + tuple(x.shape[2:]))
        inv_count = 1.0 / np.sum(im2col(ones, kh, kw, stride, pad), axis=2)
    scale = xp.asarray(inv_count, dtype=x.dtype, device=array_api_compat.device(x))
    out = xp.sum(windows, axis=2) * scale
    return out, PoolCache(tuple(x.shape), (kh, kw), stride, pad, inv_count)


def avg_pool_backward(dout, cache: PoolCache) -> np.ndarray:
    """dx for avg_pool_forward: each window's dout / count goes to every entry of the window."""
    dout = np.asarray(dout)
    kh, kw = cache.kernel
    # d(sum_k v_k / count)/dv_k = 1 / count for every k in the window (padded cells included, then cropped)
    dwindows = np.broadcast_to(
        (dout * cache.weights.astype(dout.dtype))[:, :, None], dout.shape[:2] + (kh * kw,) + dout.shape[2:]
    )
    return col2im(dwindows, cache.x_shape, kh, kw, cache.stride, cache.pad)
