"""Activations: elementwise ones with their derivatives, and softmax with its VJP two ways.

Each elementwise `f(z)` has a derivative `f_grad(z)` taken at the pre-activation z, as in
the source documents' `f'(W x)`; the backward multiplies by it (delta = g * f'(z)). Softmax is the
question of the softmax cross-entropy question (reference case softmax-cross-entropy-backprop-qa): its derivative is
a Jacobian J = diag(s) - s s^T per example, and the
backward multiplies J by the incoming gradient g; `softmax_vjp_jacobian` builds J,
`softmax_vjp` uses the fast form s * (g - <g, s>). Forwards and derivatives are array-API
generic (numpy, torch, jax); the softmax VJPs are numpy.
"""

from __future__ import annotations

from types import MappingProxyType

import array_api_compat
import numpy as np


def sigmoid(z):
    """Logistic sigmoid 1 / (1 + e^-z), computed as (1 + tanh(z/2)) / 2 so it never overflows."""
    xp = array_api_compat.array_namespace(z)
    return 0.5 * (xp.tanh(0.5 * z) + 1.0)


def sigmoid_grad(z):
    """sigmoid'(z) = s (1 - s) with s = sigmoid(z)."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent."""
    xp = array_api_compat.array_namespace(z)
    return xp.tanh(z)


def tanh_grad(z):
    """tanh'(z) = 1 - tanh(z)^2."""
    t = tanh(z)
    return 1.0 - t * t


def relu(z):
    """max(z, 0); written with `where` so it needs no scalar-array `maximum`."""
    xp = array_api_compat.array_namespace(z)
    return xp.where(z > 0, z, xp.zeros_like(z))


def relu_grad(z):
    """relu'(z) = 1 where z > 0 else 0 (the kink at 0 takes the value 0, as torch and jax do)."""
    xp = array_api_compat.array_namespace(z)
    return xp.astype(z > 0, z.dtype)


def identity(z):
    """Identity, for linear output layers (logits, regression)."""
    return z


def identity_grad(z):
    """identity'(z) = 1."""
    xp = array_api_compat.array_namespace(z)
    return xp.ones_like(z)


#: Elementwise activations by name: name -> (f, f'); read-only.
ELEMENTWISE = MappingProxyType(
    {
        "sigmoid": (sigmoid, sigmoid_grad),
        "tanh": (tanh, tanh_grad),
        "relu": (relu, relu_grad),
        "identity": (identity, identity_grad),
    }
)


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
    eye = np.eye(s_rows.shape[-1], dtype=s_rows.dtype)
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
