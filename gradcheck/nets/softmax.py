"""Softmax along one axis (stable), its log-sum-exp variants, and its VJP two ways.

The VJP is the question of seed 001: the softmax derivative is a Jacobian
J = diag(s) - s s^T per example, and the backward pass multiplies it by the incoming
gradient g; `softmax_vjp_jacobian` builds J, `softmax_vjp` uses the fast form s * (g - <g, s>).
Forward functions are array-API generic; the VJPs are numpy.
"""

from __future__ import annotations

import array_api_compat
import numpy as np


def softmax(z, axis=-1):
    """exp(z) / sum exp(z) along `axis`, subtracting the max first so exp never overflows."""
    xp = array_api_compat.array_namespace(z)
    e = xp.exp(z - xp.max(z, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def logsumexp(z, axis=-1):
    """log sum exp(z) along `axis` (kept as a size-1 axis), stable: m + log sum exp(z - m)."""
    xp = array_api_compat.array_namespace(z)
    m = xp.max(z, axis=axis, keepdims=True)
    return m + xp.log(xp.sum(xp.exp(z - m), axis=axis, keepdims=True))


def log_softmax(z, axis=-1):
    """log softmax(z) = z - logsumexp(z); finite even where softmax underflows to 0."""
    return z - logsumexp(z, axis=axis)


def softmax_lse(z, axis=-1):
    """Softmax via the log-sum-exp form exp(z - logsumexp(z)); equals `softmax` to rounding."""
    xp = array_api_compat.array_namespace(z)
    return xp.exp(log_softmax(z, axis=axis))


def softmax_jacobian(s):
    """Jacobian of softmax at one example with output s (1-D): J = diag(s) - s s^T."""
    s = np.asarray(s)
    if s.ndim != 1:
        raise ValueError(f"Expected a 1-D softmax output but got s.shape={s.shape}")
    return np.diag(s) - np.outer(s, s)  # J_ij = s_i delta_ij - s_i s_j


def softmax_vjp_jacobian(s, g, axis=-1):
    """VJP g -> J^T g of softmax (output s) along `axis`, building J per example (slow, explicit)."""
    s_rows = np.moveaxis(np.asarray(s), axis, -1)
    g_rows = np.moveaxis(np.asarray(g), axis, -1)
    eye = np.eye(s_rows.shape[-1])
    # J = diag(s) - s s^T for every example: shape (..., K, K)
    jac = s_rows[..., :, None] * eye - s_rows[..., :, None] * s_rows[..., None, :]
    # dz = J^T g (J is symmetric, the transpose is kept to show the VJP)
    dz_rows = np.einsum("...ji,...j->...i", jac, g_rows)
    return np.moveaxis(dz_rows, -1, axis)


def softmax_vjp(s, g, axis=-1):
    """VJP g -> J^T g of softmax (output s) along `axis`, fast form s * (g - <g, s>)."""
    s = np.asarray(s)
    g = np.asarray(g)
    # dz = (diag(s) - s s^T) g = s * g - s <s, g> = s * (g - <g, s>)
    return s * (g - np.sum(g * s, axis=axis, keepdims=True))
