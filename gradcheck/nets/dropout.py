"""Inverted dropout with an explicit seed or mask: out = x * mask / (1 - p), never numpy's global RNG.

mask is True where an entry is kept (probability 1 - p); dividing by 1 - p keeps E[out] = x, so inference is
the identity. The mask comes from `dropout_mask(shape, p, seed)` (a fresh Generator per call: the same seed
gives the same mask in every run and every framework) or is passed in. The forward is array-API generic
(numpy, torch, jax; the mask may stay numpy); the backward is numpy and never modifies its inputs.
"""

from __future__ import annotations

from typing import NamedTuple

import array_api_compat
import numpy as np

from gradcheck.errors import GradcheckError


class DropoutCache(NamedTuple):
    """What dropout_backward needs: the keep-mask and the scale 1 / (1 - p)."""

    mask: np.ndarray
    scale: float


def dropout_mask(shape, p: float, seed: int) -> np.ndarray:
    """Boolean keep-mask of `shape`: each entry True with probability 1 - p, from default_rng(seed)."""
    _check_p(p)
    return np.random.default_rng(seed).random(shape) >= p


def _check_p(p):
    if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p < 1:
        raise GradcheckError(f"Expected a drop probability 0 <= p < 1 but got p={p!r}")


def dropout_forward(x, p: float, *, seed=None, mask=None):
    """out, cache for out = x * mask / (1 - p); pass seed= (an int, the mask is drawn) or mask= (bool, x's shape)."""
    _check_p(p)
    if (seed is None) == (mask is None):
        raise GradcheckError(
            f"Expected exactly one of seed= and mask= but got seed={seed!r}, "
            f"mask={'None' if mask is None else 'an array'}"
        )
    xp = array_api_compat.array_namespace(x)
    if mask is None:
        mask = dropout_mask(tuple(x.shape), p, seed)
    if tuple(mask.shape) != tuple(x.shape):
        raise GradcheckError(f"Expected mask of x's shape {tuple(x.shape)} but got mask.shape={tuple(mask.shape)}")
    scale = 1.0 / (1.0 - p)
    keep = xp.astype(xp.asarray(mask, device=array_api_compat.device(x)), x.dtype)
    return x * keep * scale, DropoutCache(mask, scale)


def dropout_backward(dout, cache: DropoutCache) -> np.ndarray:
    """dx for dropout_forward: dout where the entry was kept, times 1 / (1 - p); 0 where it was dropped."""
    dout = np.asarray(dout)
    keep = np.asarray(cache.mask).astype(dout.dtype)
    return dout * keep * cache.scale  # dx = dout * mask / (1 - p): the mask of the forward, again
