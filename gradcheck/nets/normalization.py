"""Batch norm (train mode) and layer norm: normalise, then scale by gamma and shift by beta.

Both compute xhat = (x - mu) / sqrt(var + eps) and out = gamma * xhat + beta, with the biased variance;
batch norm takes mu and var per feature over the batch (axis 0 of x (N, D)), layer norm per example over its
features (the last axis). Their backward is one formula along that axis, with a term for each path x takes:
directly, through the mean and through the variance. Forwards are array-API generic (numpy, torch, jax);
backwards are numpy and never modify their inputs.
"""

from __future__ import annotations

from typing import NamedTuple

import array_api_compat
import numpy as np

from gradcheck.errors import GradcheckError


class NormCache(NamedTuple):
    """What the norm backwards need: the normalised input, 1 / sqrt(var + eps), gamma and the axis reduced."""

    xhat: np.ndarray
    inv_std: np.ndarray
    gamma: np.ndarray
    axis: int


def _normalize(x, gamma, beta, axis: int, eps: float):
    """out, cache for out = gamma * (x - mu) / sqrt(var + eps) + beta, mu and var taken along `axis`."""
    xp = array_api_compat.array_namespace(x, gamma, beta)
    if x.ndim != 2 or tuple(gamma.shape) != (x.shape[1],) or tuple(beta.shape) != (x.shape[1],):
        raise GradcheckError(
            f"Expected x (N, D) with gamma and beta (D,) but got x.shape={tuple(x.shape)}, "
            f"gamma.shape={tuple(gamma.shape)}, beta.shape={tuple(beta.shape)}"
        )
    if not eps > 0:
        raise GradcheckError(f"Expected eps > 0 but got eps={eps!r}")
    mu = xp.mean(x, axis=axis, keepdims=True)
    centered = x - mu
    var = xp.mean(centered * centered, axis=axis, keepdims=True)  # biased: divided by the count, not count - 1
    inv_std = 1.0 / xp.sqrt(var + eps)
    xhat = centered * inv_std
    return gamma * xhat + beta, NormCache(xhat, inv_std, gamma, axis)


def _normalize_backward(dout, cache: NormCache):
    """(dx, dgamma, dbeta) for _normalize along cache.axis (M entries), given dout = dE/dout."""
    dout, xhat = np.asarray(dout), np.asarray(cache.xhat)
    inv_std, gamma, axis = np.asarray(cache.inv_std), np.asarray(cache.gamma), cache.axis
    dbeta = dout.sum(axis=0)  # beta is added to every example
    dgamma = np.sum(dout * xhat, axis=0)  # out = gamma * xhat + beta
    dxhat = dout * gamma  # dE/dxhat
    # x reaches xhat three ways: directly (1/sigma), through mu (dmu/dx_i = 1/M) and through
    # var (dvar/dx_i = 2 (x_i - mu) / M), which gives dx = (dxhat - mean(dxhat) - xhat mean(dxhat xhat)) / sigma
    mean_term = np.mean(dxhat, axis=axis, keepdims=True)  # the path through the mean
    var_term = xhat * np.mean(dxhat * xhat, axis=axis, keepdims=True)  # the path through the variance
    dx = inv_std * (dxhat - mean_term - var_term)
    return dx, dgamma, dbeta


def batchnorm_forward(x, gamma, beta, *, eps: float = 1e-5):
    """out, cache for batch norm in train mode: x (N, D) normalised per feature over the batch; gamma, beta (D,).

    The batch statistics are in the cache (mean = x - xhat / inv_std); update running averages from them.
    """
    return _normalize(x, gamma, beta, 0, eps)


def batchnorm_backward(dout, cache: NormCache):
    """(dx, dgamma, dbeta) for batchnorm_forward, given dout = dE/dout (N, D)."""
    return _normalize_backward(dout, cache)


def layernorm_forward(x, gamma, beta, *, eps: float = 1e-5):
    """out, cache for layer norm: each example of x (N, D) normalised over its D features; gamma, beta (D,)."""
    return _normalize(x, gamma, beta, 1, eps)


def layernorm_backward(dout, cache: NormCache):
    """(dx, dgamma, dbeta) for layernorm_forward, given dout = dE/dout (N, D)."""
    return _normalize_backward(dout, cache)
