"""Scaled dot-product attention with an optional boolean mask: out = softmax(Q K^T / sqrt(d) + mask) V.

q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv) -> out (..., Tq, dv); leading axes (batch, heads) broadcast.
mask (Tq, Tk) or broadcastable to the scores: True where query i may attend to key j (torch's boolean attn_mask);
a masked score becomes -inf, so its weight is exactly 0. Every query needs at least one key it may attend to.
The forward is array-API generic (numpy, torch, jax; the mask may stay numpy); the backward is numpy and never
modifies its inputs.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import array_api_compat
import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.nets.activations import softmax, softmax_vjp


class AttentionCache(NamedTuple):
    """What attention_backward needs: the inputs and the attention weights A = softmax(scores)."""

    q: np.ndarray
    k: np.ndarray
    v: np.ndarray
    weights: np.ndarray  # A (..., Tq, Tk), rows sum to 1, 0 where masked


def attention_forward(q, k, v, mask=None):
    """out, cache for out = A v with A = softmax(q k^T / sqrt(d)) over the keys, masked where mask is False."""
    xp = array_api_compat.array_namespace(q, k, v)
    d = q.shape[-1]
    if k.shape[-1] != d or k.shape[-2] != v.shape[-2]:
        raise GradcheckError(
            f"Expected q (..., Tq, d), k (..., Tk, d), v (..., Tk, dv) but got q.shape="
            f"{tuple(q.shape)}, k.shape={tuple(k.shape)}, v.shape={tuple(v.shape)}"
        )
    scores = (q @ xp.matrix_transpose(k)) / math.sqrt(d)  # S = Q K^T / sqrt(d), (..., Tq, Tk)
    if mask is not None:
        _check_mask(mask, tuple(scores.shape))
        allowed = xp.asarray(mask, device=array_api_compat.device(q))
        scores = xp.where(allowed, scores, xp.full_like(scores, -math.inf))
    weights = softmax(scores, axis=-1)
    return weights @ v, AttentionCache(q, k, v, weights)


def _check_mask(mask, scores_shape):
    """A numpy mask must be boolean, broadcast to the scores, and leave every query a key (else 0/0 = nan)."""
    if not isinstance(mask, np.ndarray):
        return  # a framework's array (the oracles' conversion): checked when it was numpy
    if mask.dtype != np.bool_:
        raise GradcheckError(f"Expected a boolean mask (True = may attend) but got mask.dtype={mask.dtype}")
    try:
        full = np.broadcast_to(mask, scores_shape)
    except ValueError:
        raise GradcheckError(
            f"Expected a mask broadcastable to the scores {scores_shape} (..., Tq, Tk) but got mask.shape={mask.shape}"
        ) from None
    if not full.any(axis=-1).all():
        raise GradcheckError(
            "Expected every query to have at least one key it may attend to, but a row of mask "
            "is all False (its softmax would be 0/0)"
        )


def attention_backward(dout, cache: AttentionCache):
    """(dq, dk, dv) for attention_forward, given dout = dE/dout (..., Tq, dv); the mask gets no gradient."""
    dout = np.asarray(dout)
    q, k, v, a = (np.asarray(t) for t in cache)
    scale = 1.0 / math.sqrt(q.shape[-1])
    dv = np.swapaxes(a, -1, -2) @ dout  # out = A V -> dV = A^T dOut
    da = dout @ np.swapaxes(v, -1, -2)  # dA = dOut V^T
    ds = softmax_vjp(a, da, axis=-1)  # dS = A * (dA - rowsum(dA * A)); 0 where masked, since A = 0 there
    dq = (ds @ k) * scale  # S = Q K^T / sqrt(d) -> dQ = dS K / sqrt(d)
    dk = (np.swapaxes(ds, -1, -2) @ q) * scale  # dK = dS^T Q / sqrt(d)
    return dq.astype(dout.dtype), dk.astype(dout.dtype), dv
