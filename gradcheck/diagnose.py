"""The likely bug, in words, from how a wrong gradient relates to the reference.

Each test looks for one classic mistake of hand-derived matrix backprop: a transpose, a constant factor
(sign, 1/2, 2, N, 1/N), a shape that was not reduced over the batch, rows or columns collapsed to one
value (an inner product where an elementwise product belongs), a few rows/columns/entries wrong.
"""

from __future__ import annotations

import numpy as np

from .report import ParamReport

_SCALE_WORDS = {
    -1.0: "sign flipped (yours = -1 x reference): look for (y - y_hat) where (y_hat - y) belongs, or a step "
          "that ascends instead of descends",
    2.0: "yours = 2 x reference (scale 2): the loss has a 1/2 that the gradient lacks; "
         "d/dy_hat of 1/2 (y_hat - y)^2 is (y_hat - y), not 2 (y_hat - y)",
    0.5: "yours = 0.5 x reference (scale 1/2): look for the factor 2 from d/dy_hat of (y_hat - y)^2 "
         "when the loss has no 1/2",
    -2.0: "yours = -2 x reference: a sign flip and a factor 2 (the 1/2 of the loss) together",
    -0.5: "yours = -0.5 x reference: a sign flip and a missing factor 2 together",
}


def _close(a, b, rtol=1e-6) -> bool:
    scale = max(float(np.max(np.abs(b))), 1e-300)
    return bool(np.all(np.abs(a - b) <= rtol * scale + 1e-12 * scale))


def scale_factor(yours: np.ndarray, ref: np.ndarray) -> float | None:
    """c when yours = c * ref for a single constant c (least squares, then verified), else None."""
    rr = float(np.sum(ref * ref))
    if rr == 0.0:
        return None
    c = float(np.sum(yours * ref)) / rr
    return c if _close(yours, c * ref) else None


def _scale_words(c: float) -> str:
    for k, words in _SCALE_WORDS.items():
        if abs(c - k) <= 1e-6 * abs(k):
            return words
    for k in range(3, 100_001):
        if abs(c - k) <= 1e-6 * k:
            return (f"yours = {k} x reference (scale {k}): a batch mean was differentiated as a sum, "
                    f"missing the 1/N with N = {k}")
        if abs(c * k - 1) <= 1e-6:
            return (f"yours = 1/{k} x reference (scale 1/{k}): a 1/N with N = {k} was applied to a loss "
                    f"that sums over the batch, or applied twice")
        if k > 1000 and abs(c) > 1e-3 and abs(1 / c) > 1e-3:
            break
    return f"yours = {c:.6g} x reference: every entry is off by the same constant factor {c:.6g}"


def diagnose(p: ParamReport) -> str:
    """One sentence: the likely bug in parameter p, with its evidence."""
    ref = p.refs[next(o for o in p.trusted if o in p.refs)] if any(o in p.refs for o in p.trusted) else None
    if ref is None or p.yours is None:
        return "no per-entry reference ran (fd probes only): run with torch or jax installed to localise"
    y = np.asarray(p.yours, dtype=np.float64)
    for test in (_zeros, _transposed, _scaled, _collapsed, _partial):
        words = test(y, ref, p)
        if words:
            return words
    corr = float(np.corrcoef(y.ravel(), ref.ravel())[0, 1]) if y.size > 1 and np.std(y) > 0 and np.std(ref) > 0 else float("nan")
    return f"no simple pattern (not a transpose, constant factor or single row/column); correlation with the reference {corr:.2f}"


def _zeros(y, ref, p):
    if not np.any(y) and np.any(ref):
        return f"all entries of yours are zero: the gradient never reaches {p.name} (a missing backward step)"
    return None


def _transposed(y, ref, p):
    if y.ndim == 2 and y.shape[0] == y.shape[1] and y.shape[0] > 1 and _close(y, ref.T) and not _close(y, ref):
        return (f"{p.name} is transposed (yours = reference^T): for z = W a, dW = delta a^T; "
                f"for Z = X W, dW = X^T dZ")
    return None


def _scaled(y, ref, p):
    c = scale_factor(y, ref)
    if c is None or abs(c - 1) < 1e-9:
        return None
    return _scale_words(c)


def _collapsed(y, ref, p):
    if y.ndim != 2:
        return None
    for axis, what in ((0, "row"), (1, "column")):
        if y.shape[axis] > 1 and _close(y, np.take(y, [0], axis=axis)) and not _close(ref, np.take(ref, [0], axis=axis)):
            return (f"every {what} of yours is the same while the reference's differ: an inner product "
                    f"(a scalar) was used where an elementwise (Hadamard) product belongs, so a per-unit "
                    f"factor such as sigma'(z_i) or delta_i was collapsed to one number")
    return None


def _partial(y, ref, p):
    bad = np.zeros(y.shape, bool)
    for o in p.trusted:
        c = p.comparisons.get(o)
        if c is not None and c.bad_mask is not None:
            bad |= c.bad_mask
    n_bad = int(bad.sum())
    if n_bad == 0 or n_bad == bad.size:
        return None
    if n_bad <= 3:
        where = ", ".join(str(tuple(int(i) for i in ix)) for ix in np.argwhere(bad))
        return f"only {n_bad} of {bad.size} entries wrong, at {where}; the rest agree"
    if bad.ndim == 2:
        rows, cols = np.flatnonzero(bad.any(axis=1)), np.flatnonzero(bad.any(axis=0))
        if len(rows) < bad.shape[0]:
            extra = " (the bias row in the ones-column convention)" if list(rows) == [0] else ""
            return f"only row(s) {_span(rows)} of {bad.shape[0]} wrong{extra}; the other rows agree"
        if len(cols) < bad.shape[1]:
            return f"only column(s) {_span(cols)} of {bad.shape[1]} wrong; the other columns agree"
    return None


def _span(ix) -> str:
    ix = [int(i) for i in ix]
    return ", ".join(map(str, ix)) if len(ix) <= 6 else f"{ix[0]}..{ix[-1]} ({len(ix)})"


def shape_hint(arr: np.ndarray, shape: tuple) -> str:
    """The likely fix for a gradient of the wrong shape."""
    if arr.shape == shape[::-1]:
        return "it is the transpose of the expected shape: for z = W a, dW = delta a^T; for Z = X W, dW = X^T dZ"
    if arr.ndim == len(shape) + 1 and arr.shape[1:] == shape:
        return f"it has an extra leading batch axis of {arr.shape[0]}: sum over axis 0 (not summed over the batch)"
    if arr.ndim == len(shape) and arr.ndim >= 1 and arr.shape[1:] == shape[1:] and arr.shape[0] != shape[0] and shape[0] == 1:
        return f"it has {arr.shape[0]} rows where one is expected: sum over the batch rows (axis 0, keepdims)"
    if arr.size == int(np.prod(shape)):
        return f"same number of entries: reshape to {shape} ((n,) against (n, 1) is the usual cause)"
    return "the shapes are unrelated: check which layer's delta and activations were multiplied"
