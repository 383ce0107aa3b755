"""numpy idioms of course and library code, each a scalar loss of one array `x` (shape (4, 6)) with data `a`:
run plain and followed under torch and jax, they must give the same value and fd's gradient."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def softmax_keepdims(x, a):
    s = x - np.max(x, axis=1, keepdims=True)
    e = np.exp(s)
    probs = e / np.sum(e, axis=1, keepdims=True)
    return -np.sum(np.log(probs[np.arange(4), a.astype(int)[:4] % 6]))


def inplace_on_saved(x, a):
    e = np.exp(x)
    e /= e.sum(axis=0)  # exp saved its output; numpy overwrites it
    return np.sum(e**2)


def relu_masks(x, a):
    h = x.copy()
    h[h < 0] = 0
    h[h > 1] *= 2
    return np.sum(h * a.T)


def svm_margins(x, a):
    y = np.arange(4) % 6
    correct = x[np.arange(4), y].reshape(-1, 1)
    margins = np.maximum(0, x - correct + 1)
    margins[np.arange(4), y] = 0
    return margins.sum() / 4


def view_written_through(x, a):
    y = x * 1.0
    row = y[1]  # a view: writing it writes y
    row *= 3
    col = y.T[:, 2]
    col += 1
    return np.sum(y * a.T)


def add_at(x, a):
    out = np.zeros((3, 6))
    np.add.at(out, [0, 2, 0, 1], x)
    return np.sum(out**2)


def buffer_filled_in_loops(x, a):
    out = np.zeros((2, 5))
    for i in range(2):
        for j in range(5):
            out[i, j] = np.sum(x[i : i + 2, j : j + 2] * a[:2, :2])
    return np.sum(out**2)


def pad_and_windows(x, a):
    xp = np.pad(x, ((1, 1), (1, 1)), mode="constant")
    w = sliding_window_view(xp, (3, 3))
    return np.sum(w.max(axis=(2, 3)) ** 2)


def strided(x, a):
    s = x.strides
    v = np.lib.stride_tricks.as_strided(x, shape=(3, 5, 2, 2), strides=(s[0], s[1], s[0], s[1]))
    return np.sum(v * v.sum(axis=(2, 3), keepdims=True))


def transposes_and_reshapes(x, a):
    z = x.T.reshape(3, 8) @ a.reshape(8, 3)
    return np.tanh(z).ravel().sum() + np.mean(x.flatten() ** 3)


def where_and_dtypes(x, a):
    z = np.where(x > 0, x, 0.1 * x).astype(np.float64)
    k = (x > 0).astype(int)
    return np.sum(z**2 * k, dtype=np.float64) + np.abs(x).sum()


def dropout_mask(x, a):
    rng = np.random.RandomState(0)
    mask = (rng.rand(*x.shape) < 0.5) / 0.5
    return np.sum((x * mask) ** 2)


def several_outputs_and_cache(x, a):
    def layer(x):
        out = np.maximum(x @ a, 0)
        return out, (x, out)

    out, cache = layer(x)
    return np.sum(out * cache[1]) + np.sum(cache[0])


def asarray_and_lists(x, a):
    x = np.asarray(x)
    parts = np.array([np.sum(x[0]), np.sum(x[1] ** 2)])
    return np.dot(parts, parts) + np.linalg.norm(x, axis=1).sum()


IDIOMS = [
    softmax_keepdims,
    inplace_on_saved,
    relu_masks,
    svm_margins,
    view_written_through,
    add_at,
    buffer_filled_in_loops,
    pad_and_windows,
    strided,
    transposes_and_reshapes,
    where_and_dtypes,
    dropout_mask,
    several_outputs_and_cache,
    asarray_and_lists,
]
