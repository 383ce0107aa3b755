"""Elementwise activations and their derivatives, written against the array API.

Each activation `f(z)` has a derivative `f_grad(z)` taken at the pre-activation z, as in the
seeds' `f'(W x)`. Both run on numpy, torch and jax arrays; the derivative is what the
hand-written backward multiplies by (delta = g * f'(z)).
"""

from __future__ import annotations

from types import MappingProxyType

import array_api_compat


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
