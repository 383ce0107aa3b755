"""Losses on 2-D outputs with their gradients w.r.t. the output (or logits).

`batch_axis` says where the examples are: 0 for row-batch (N, K), 1 for the column
convention (K, N); the other axis holds the outputs/classes. reduction "sum" adds over
examples, "mean" divides that sum by N. Values are array-API generic; gradients are numpy.
"""

from __future__ import annotations

import array_api_compat
import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.nets.activations import log_softmax, softmax

REDUCTIONS = ("sum", "mean")


def _scale(y_hat, batch_axis, reduction):
    """1 for "sum", 1/N for "mean" (N = size of the batch axis)."""
    if reduction not in REDUCTIONS:
        raise GradcheckError(f"Expected reduction in {REDUCTIONS} but got reduction={reduction!r}")
    return 1.0 if reduction == "sum" else 1.0 / y_hat.shape[batch_axis]


def squared_error(y_hat, y, *, batch_axis=0, reduction="sum"):
    """E = 1/2 ||y_hat - y||^2 summed over all entries (divided by N for "mean")."""
    xp = array_api_compat.array_namespace(y_hat, y)
    r = y_hat - y
    return 0.5 * xp.sum(r * r) * _scale(y_hat, batch_axis, reduction)


def squared_error_grad(y_hat, y, *, batch_axis=0, reduction="sum"):
    """dE/dy_hat = (y_hat - y) (divided by N for "mean"); the 1/2 cancels the square's 2."""
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    return (y_hat - y) * _scale(y_hat, batch_axis, reduction)  # dE/dy_hat = y_hat - y


def cross_entropy(y_hat, y, *, batch_axis=0, reduction="sum"):
    """E = -sum y log y_hat over all entries (divided by N for "mean"); y_hat must be > 0."""
    xp = array_api_compat.array_namespace(y_hat, y)
    return -xp.sum(y * xp.log(y_hat)) * _scale(y_hat, batch_axis, reduction)


def cross_entropy_grad(y_hat, y, *, batch_axis=0, reduction="sum"):
    """dE/dy_hat = -y / y_hat (divided by N for "mean")."""
    y_hat, y = np.asarray(y_hat), np.asarray(y)
    return -(y / y_hat) * _scale(y_hat, batch_axis, reduction)  # dE/dy_hat = -y / y_hat


def softmax_cross_entropy(logits, y, *, batch_axis=0, reduction="sum"):
    """Fused E = -sum y log softmax(logits), softmax over the class axis, via log-sum-exp."""
    xp = array_api_compat.array_namespace(logits, y)
    log_p = log_softmax(logits, axis=1 - batch_axis)
    return -xp.sum(y * log_p) * _scale(logits, batch_axis, reduction)


def softmax_cross_entropy_grad(logits, y, *, batch_axis=0, reduction="sum"):
    """dE/dlogits = y_hat - y when each example's y sums to 1 (y_hat sum(y) - y in general)."""
    logits, y = np.asarray(logits), np.asarray(y)
    class_axis = 1 - batch_axis
    y_hat = softmax(logits, axis=class_axis)
    # dZ = Y_hat - Y, exactly: dZ = Y_hat * (Y 1) - Y (the row sums of Y are 1 for labels)
    dz = y_hat * np.sum(y, axis=class_axis, keepdims=True) - y
    return dz * _scale(logits, batch_axis, reduction)
