"""Embedding lookup: out[..., :] = W[ids[...], :], with integer ids; the backward scatters with repeats.

ids (any shape, integers in [0, V)), W (V, D) -> out (*ids.shape, D). An id that occurs twice reads the same
row twice, so its gradient is the sum of both rows of dout: a scatter-add (np.add.at), not an assignment
(dW[ids] = dout keeps only the last occurrence). The forward is array-API generic (numpy, torch, jax; ids may
stay numpy); the backward is numpy and never modifies its inputs.
"""

from __future__ import annotations

from typing import NamedTuple

import array_api_compat
import numpy as np

from gradcheck.errors import GradcheckError


class EmbeddingCache(NamedTuple):
    """What embedding_backward needs: the ids and the table's shape."""

    ids: np.ndarray
    w_shape: tuple


def embedding_forward(ids, W):
    """out, cache for out = W[ids]: ids integer (any shape) in [0, V), W (V, D) -> (*ids.shape, D)."""
    xp = array_api_compat.array_namespace(W)
    ids_np = np.asarray(ids) if isinstance(ids, (np.ndarray, list, tuple)) else None
    if ids_np is not None and (
        not np.issubdtype(ids_np.dtype, np.integer) or ids_np.size and (ids_np.min() < 0 or ids_np.max() >= W.shape[0])
    ):
        raise GradcheckError(
            f"Expected integer ids in [0, {W.shape[0]}) (rows of W) but got ids of dtype "
            f"{ids_np.dtype} with values {ids_np.ravel()[:8].tolist()}"
        )
    flat = xp.reshape(xp.asarray(ids, device=array_api_compat.device(W)), (-1,))
    rows = xp.take(W, flat, axis=0)  # one row of W per id
    out = xp.reshape(rows, tuple((ids if ids_np is None else ids_np).shape) + (W.shape[1],))
    return out, EmbeddingCache(ids_np if ids_np is not None else ids, tuple(W.shape))


def embedding_backward(dout, cache: EmbeddingCache) -> np.ndarray:
    """dW for embedding_forward (ids get no gradient), given dout = dE/dout (*ids.shape, D)."""
    dout, ids = np.asarray(dout), np.asarray(cache.ids)
    dW = np.zeros(cache.w_shape, dtype=dout.dtype)
    # dW_v = sum over positions t with ids_t = v of dout_t: repeated ids add up (unbuffered scatter-add)
    np.add.at(dW, ids.reshape(-1), dout.reshape(-1, cache.w_shape[1]))
    return dW
