"""The named operations of a case's graph: a forward under any array namespace and a numpy VJP.

`forward(xp, *args, **attrs)` runs under numpy, torch or jax (array-API namespaces from array_api_compat);
`vjp(g, args, out, **attrs)` is gradcheck's own hand-written backward in numpy, one array per argument. The
oracles (fd, torch, jax) differentiate the forwards, so every VJP here is cross-checked whenever a case is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Op:
    """One operation: how many arguments, which attributes, its forward and its VJP."""

    name: str
    arity: int
    forward: Callable
    vjp: Callable
    attrs: tuple[str, ...] = ()
    says: str = ""
    nondiff: tuple[int, ...] = ()  # argument positions with no gradient (class labels): the oracles skip them


def unbroadcast(g, shape):
    """Sum g over the axes that broadcasting added or stretched, back to `shape`."""
    if np.shape(g) == tuple(shape):
        return g
    g = np.asarray(g, dtype=np.float64)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and g.shape[axis] != 1:
            g = g.sum(axis=axis, keepdims=True)
    return g.reshape(shape)


def _binary(vjp_a, vjp_b):
    def vjp(g, args, out):
        a, b = args
        full = np.broadcast_shapes(np.shape(a), np.shape(b))  # elementwise in the broadcast shape of a and b
        ga, gb = (np.broadcast_to(v(g, a, b, out), full) for v in (vjp_a, vjp_b))
        return [unbroadcast(ga, np.shape(a)), unbroadcast(gb, np.shape(b))]

    return vjp


def _sigmoid(xp, a):
    return 0.5 * (xp.tanh(0.5 * a) + 1.0)  # 1 / (1 + e^-a) without overflow


def _max_vjp(g, args, out):
    """d max(a, b): the larger input takes g; a tie splits it in halves, as torch and jax do."""
    a, b = (np.asarray(x, dtype=np.float64) for x in args)
    share_a = np.where(a > b, 1.0, np.where(a < b, 0.0, 0.5))
    return [unbroadcast(g * share_a, np.shape(a)), unbroadcast(g * (1.0 - share_a), np.shape(b))]


def _matmul_vjp(g, args, out):
    a, b = (np.asarray(x, dtype=np.float64) for x in args)
    return [g @ b.T, a.T @ g]  # d(AB) = dA B + A dB


def _transpose(xp, a):
    return xp.permute_dims(a, (1, 0)) if a.ndim == 2 else a


def _reduce_vjp(scale):
    def vjp(g, args, out, axis=None, keepdims=False):
        a = np.asarray(args[0], dtype=np.float64)
        g = np.asarray(g, dtype=np.float64)
        if axis is not None and not keepdims:
            g = np.expand_dims(g, axis)
        n = a.size if axis is None else a.shape[axis]
        return [np.broadcast_to(g * scale(n), a.shape).copy()]

    return vjp


def _softmax(xp, a, axis=-1):
    e = xp.exp(a - xp.max(a, axis=axis, keepdims=True))
    return e / xp.sum(e, axis=axis, keepdims=True)


def _softmax_vjp(g, args, out, axis=-1):
    s = np.asarray(out)
    return [s * (g - np.sum(g * s, axis=axis, keepdims=True))]  # J^T g with J = diag(s) - s s^T


def _prepend_ones(xp, a, axis=1):
    shape = list(a.shape)
    shape[axis] = 1
    return xp.concat([xp.ones(tuple(shape), dtype=a.dtype), a], axis=axis)


def _prepend_ones_vjp(g, args, out, axis=1):
    return [np.take(g, np.arange(1, g.shape[axis]), axis=axis)]


def _cross_entropy(xp, p, y):
    return -xp.sum(y * xp.log(p))  # -sum y log p


def _diag(xp, a):
    return np.diag(np.asarray(a, dtype=np.float64).reshape(-1))


def _tile(xp, a, reps=(1, 1)):
    return np.tile(np.asarray(a, dtype=np.float64), tuple(reps))


def _tile_vjp(g, args, out, reps=(1, 1)):
    shape = np.shape(args[0])
    blocks = g.reshape(tuple(r for pair in zip(reps, shape) for r in pair))
    return [blocks.sum(axis=tuple(range(0, 2 * len(shape), 2)))]


def _pow_vjp(g, args, out, exponent=2):
    a = np.asarray(args[0], dtype=np.float64)
    return [g * exponent * a ** (exponent - 1)]  # d a^p = p a^(p-1) da


def _sigmoid_grad(xp, a):
    s = _sigmoid(xp, a)
    return s * (1.0 - s)


def _sigmoid_grad_vjp(g, args, out):
    s = 1.0 / (1.0 + np.exp(-np.asarray(args[0], dtype=np.float64)))
    return [g * s * (1.0 - s) * (1.0 - 2.0 * s)]  # d[s(1-s)] = s(1-s)(1-2s) da


def _slice_index(ndim, start, stop, axis):
    index = [slice(None)] * ndim
    index[axis] = slice(start, stop)
    return tuple(index)


def _slice(xp, a, start=0, stop=None, axis=0):
    return a[_slice_index(a.ndim, start, stop, axis)]


def _slice_vjp(g, args, out, start=0, stop=None, axis=0):
    a = np.asarray(args[0], dtype=np.float64)
    grad = np.zeros_like(a)
    grad[_slice_index(a.ndim, start, stop, axis)] = g  # the sliced entries take g, the others 0
    return [grad]


def _labels(labels, classes):
    """Class indices written as numbers: whole and in [0, classes), else a ValueError naming the entry."""
    values = np.asarray(labels, dtype=np.float64) if isinstance(labels, np.ndarray | float | int) else None
    if values is not None:
        bad = np.argwhere((values != np.round(values)) | (values < 0) | (values >= classes))
        if bad.size:
            ix = tuple(int(i) for i in bad[0])
            raise ValueError(
                f"class labels must be whole numbers in [0, {classes}); entry {list(ix)} is {float(values[ix])!r}"
            )


def _one_hot(xp, labels, classes=2, axis=-1):
    _labels(labels, classes)
    codes = xp.reshape(xp.arange(classes, dtype=labels.dtype), (classes,) + (1,) * labels.ndim)
    hot = xp.astype(codes == labels[None, ...], labels.dtype)  # hot[c, ...] = 1 where label == c
    return xp.moveaxis(hot, 0, axis) if labels.ndim else hot


def _accuracy(xp, scores, labels, axis=-1):
    """The fraction of examples whose largest score is at the label (labels as indices or one-hot rows)."""
    scores, labels = np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=np.float64)
    if labels.shape == scores.shape:
        labels = np.argmax(labels, axis=axis)
    _labels(labels, scores.shape[axis])
    return np.mean(np.argmax(scores, axis=axis) == labels)


def _no_gradient(g, args, out, **attrs):
    return [np.zeros(np.shape(a)) for a in args]


_OPS = [
    Op("add", 2, lambda xp, a, b: a + b, _binary(lambda g, a, b, o: g, lambda g, a, b, o: g), says="a + b"),
    Op("sub", 2, lambda xp, a, b: a - b, _binary(lambda g, a, b, o: g, lambda g, a, b, o: -g), says="a - b"),
    Op(
        "mul",
        2,
        lambda xp, a, b: a * b,
        _binary(lambda g, a, b, o: g * b, lambda g, a, b, o: g * a),
        says="a * b (elementwise)",
    ),
    Op(
        "div",
        2,
        lambda xp, a, b: a / b,
        _binary(lambda g, a, b, o: g / b, lambda g, a, b, o: -g * a / (b * b)),
        says="a / b (elementwise)",
    ),
    Op("max", 2, lambda xp, a, b: xp.maximum(a, b), _max_vjp, says="elementwise max(a, b)"),
    Op("matmul", 2, lambda xp, a, b: xp.matmul(a, b), _matmul_vjp, says="matrix product a @ b"),
    Op(
        "cross_entropy",
        2,
        _cross_entropy,
        _binary(lambda g, p, y, o: -g * y / p, lambda g, p, y, o: -g * np.log(p)),
        says="-sum(y log p), p first",
    ),
    Op("neg", 1, lambda xp, a: -a, lambda g, args, out: [-g], says="-a"),
    Op("exp", 1, lambda xp, a: xp.exp(a), lambda g, args, out: [g * out], says="e^a"),
    Op("log", 1, lambda xp, a: xp.log(a), lambda g, args, out: [g / np.asarray(args[0])], says="natural log"),
    Op("tanh", 1, lambda xp, a: xp.tanh(a), lambda g, args, out: [g * (1.0 - out * out)], says="tanh a"),
    Op("sigmoid", 1, _sigmoid, lambda g, args, out: [g * out * (1.0 - out)], says="1 / (1 + e^-a)"),
    Op("sigmoid_grad", 1, _sigmoid_grad, _sigmoid_grad_vjp, says="sigmoid'(a) = s (1 - s)"),
    Op(
        "relu",
        1,
        lambda xp, a: xp.where(a > 0, a, xp.zeros_like(a)),
        lambda g, args, out: [g * (np.asarray(args[0]) > 0)],
        says="max(a, 0); gradient 0 at 0",
    ),
    Op("pow", 1, lambda xp, a, exponent=2: a**exponent, _pow_vjp, ("exponent",), says="a ** exponent"),
    Op("transpose", 1, _transpose, lambda g, args, out: [np.asarray(g).T], says="matrix transpose"),
    Op(
        "sum",
        1,
        lambda xp, a, axis=None, keepdims=False: xp.sum(a, axis=axis, keepdims=keepdims),
        _reduce_vjp(lambda n: 1.0),
        ("axis", "keepdims"),
        says="sum over all entries or one axis",
    ),
    Op(
        "mean",
        1,
        lambda xp, a, axis=None, keepdims=False: xp.mean(a, axis=axis, keepdims=keepdims),
        _reduce_vjp(lambda n: 1.0 / n),
        ("axis", "keepdims"),
        says="mean over all entries or one axis",
    ),
    Op("softmax", 1, _softmax, _softmax_vjp, ("axis",), says="softmax along axis"),
    Op(
        "prepend_ones",
        1,
        _prepend_ones,
        _prepend_ones_vjp,
        ("axis",),
        says="a column (axis 1) or row (axis 0) of ones in front: [1, a]",
    ),
    Op(
        "diag",
        1,
        _diag,
        lambda g, args, out: [np.diag(g).reshape(np.shape(args[0]))],
        says="diagonal matrix of a's entries (numpy only: derived values)",
    ),
    Op("tile", 1, _tile, _tile_vjp, ("reps",), says="a repeated reps times along each axis (numpy only)"),
    Op("slice", 1, _slice, _slice_vjp, ("start", "stop", "axis"), says="a[start:stop] along axis (default 0)"),
    Op(
        "one_hot",
        1,
        _one_hot,
        _no_gradient,
        ("classes", "axis"),
        says="class labels (whole numbers) as one-hot vectors along axis (default -1: one row per label)",
        nondiff=(0,),
    ),
    Op(
        "accuracy",
        2,
        _accuracy,
        _no_gradient,
        ("axis",),
        says="fraction of argmax(scores, axis) equal to the labels (indices or one-hot; numpy only)",
        nondiff=(0, 1),
    ),
]

#: Operation name -> Op.
OPS = {op.name: op for op in _OPS}
#: Ops that run under numpy only, so they may appear in `derived` but not in the model.
NUMPY_ONLY = frozenset({"diag", "tile", "accuracy"})
