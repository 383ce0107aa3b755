"""One constant factor between yours and the reference, in words: sign, 1/2, 2, N or 1/N, with N read from
the args (the batch size), so a missing 1/N says which N it is. The words fit the entry point: only a loss has a
1/2 of (y_hat - y)^2; a layer's backward (a VJP) has none, and a factor 2 that is also N = 2 names both readings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..tree import flatten


@dataclass(frozen=True)
class BatchSize:
    """The batch size N read from the args, and where it was read."""

    n: int
    source: str


def batch_size(args) -> BatchSize | None:
    """N from the arrays in args: a leading (row-batch) or last (column) dimension they share."""
    names, leaves, _ = flatten(tuple(args), "args")
    shapes = [(n, np.shape(x)) for n, x in zip(names, leaves) if isinstance(x, np.ndarray) and x.ndim >= 1]
    if not shapes:
        return None
    who = " and ".join(n for n, _ in shapes[:3])
    if len(shapes) == 1:
        s = shapes[0][1]
        if len(s) == 1 or (len(s) == 2 and 1 not in s):
            return BatchSize(s[0], f"the leading dimension of {who}") if s[0] > 1 else None
        return None
    lead, last = {s[0] for _, s in shapes}, {s[-1] for _, s in shapes}
    if len(lead) == 1 and next(iter(lead)) > 1:
        return BatchSize(next(iter(lead)), f"the leading dimension shared by {who}")
    if len(last) == 1 and next(iter(last)) > 1:
        return BatchSize(next(iter(last)), f"the last dimension shared by {who} (examples as columns)")
    return None


def shared_leading(named: dict) -> BatchSize | None:
    """N as the leading dimension (> 1) that every named array shares, such as a layer's input X and its dY."""
    arrays = {n: np.shape(x) for n, x in named.items() if isinstance(x, np.ndarray) and x.ndim >= 1}
    lead = {s[0] for s in arrays.values()}
    if len(arrays) < 2 or len(lead) != 1 or next(iter(lead)) < 2:
        return None
    return BatchSize(next(iter(lead)), f"the leading dimension shared by {' and '.join(arrays)}")


def close(a, b, rtol) -> bool:
    scale = max(float(np.max(np.abs(b), initial=0.0)), float(np.max(np.abs(a), initial=0.0)), 1e-300)
    return bool(np.all(np.abs(a - b) <= rtol * scale))


def scale_factor(yours: np.ndarray, ref: np.ndarray, rtol: float = 1e-6) -> float | None:
    """c when yours = c * ref for a single constant c (least squares, then verified), else None."""
    rr = float(np.sum(ref * ref))
    if rr == 0.0:
        return None
    c = float(np.sum(yours * ref)) / rr
    return c if close(yours, c * ref, rtol) else None


def near(x: float, k: float, rtol: float) -> bool:
    return abs(x - k) <= rtol * abs(k)


def _n_words(k: int, batch: BatchSize | None) -> str:
    if batch is not None and batch.n == k:
        return f"N = {k} (the batch size)"
    return f"N = {k}"


def _batch_source(k: int, batch: BatchSize | None) -> str:
    return f" [N read from {batch.source}]" if batch is not None and batch.n == k else ""


def scale_words(
    c: float, batch: BatchSize | None = None, rtol: float = 1e-6, loss: bool = True, batch_axis: bool = False
) -> str:
    """The sentence for yours = c x reference: sign, 1/2, 2, N, 1/N, or another constant. `loss`: the entry point
    differentiates a loss (which may carry a 1/2 or a mean); `batch_axis`: the parameter carries the batch axis
    itself (a layer's input X), so a 1/N is not the likely reading."""
    sign = "sign flipped and " if c < 0 else ""
    m = abs(c)
    if near(c, -1.0, rtol):
        return (
            "sign flipped (yours = -1 x reference): look for (y - y_hat) where (y_hat - y) belongs, "
            "or a step that ascends instead of descends"
        )
    if near(m, 1.0, rtol):
        return f"yours = {c:.9g} x reference: every entry is off by the same factor, {abs(m - 1):.1e} from 1"
    head = f"yours = {c:g} x reference ({sign}scale {'2' if near(m, 2.0, rtol) else '1/2'})"
    is_batch = batch is not None and batch.n == 2
    if (near(m, 2.0, rtol) or near(m, 0.5, rtol)) and not (is_batch and loss and not batch_axis):
        half = _HALF_LOSS[near(m, 2.0, rtol)] if loss else _HALF_LAYER[near(m, 2.0, rtol)]
        if not is_batch:
            return f"{head}: {half}"
        if not loss and not batch_axis:
            return _batch_words(c, m, batch, loss, rtol)
        also = "a missing 1/N" if near(m, 2.0, rtol) else "a 1/N"
        return (
            f"{head}: {half}; {also} with N = 2 (the batch size) fits the number too, but this input carries the "
            f"batch axis, so a 1/N would scale each example's gradient only where the forward averages over the "
            f"batch [N read from {batch.source}]"
        )
    if near(m, 2.0, rtol) or near(m, 0.5, rtol):  # a loss at N = 2: both readings, the batch first
        return f"{_batch_words(c, m, batch, loss, rtol)}; or, {_HALF_OR[near(m, 2.0, rtol)]}"
    return _batch_words(c, m, batch, loss, rtol)


_HALF_LOSS = {
    True: "the loss has a 1/2 that the gradient lacks; d/dy_hat of 1/2 (y_hat - y)^2 is (y_hat - y), not 2 (y_hat - y)",
    False: "look for the factor 2 from d/dy_hat of (y_hat - y)^2 when the loss has no 1/2",
}
_HALF_OR = {
    True: "if the loss has a 1/2, the gradient lacks it: d/dy_hat of 1/2 (y_hat - y)^2 is (y_hat - y)",
    False: "if the loss has no 1/2, the factor 2 from d/dy_hat of (y_hat - y)^2 is missing",
}
_HALF_LAYER = {
    True: (
        "the backward doubles every entry (a term counted twice, or a factor 2 the forward does not have); "
        "a layer's backward has no loss, so no 1/2 of a loss explains it"
    ),
    False: (
        "the backward halves every entry (a derivative's factor 2 missing, as in d(x^2)/dx = 2x, or a 0.5 in a "
        "derivative that the forward does not have); a layer's backward has no loss, so no 1/2 of a loss explains it"
    ),
}


def _batch_words(c: float, m: float, batch: BatchSize | None, loss: bool, rtol: float) -> str:
    """N or 1/N (or, failing both, the constant itself) in words."""
    sign = "sign flipped and " if c < 0 else ""
    k = round(m)
    if k >= 2 and near(m, k, rtol):
        what = "a batch mean was differentiated as a sum" if loss else "a sum over the batch where the forward averages"
        return (
            f"yours = {c:g} x reference ({sign}scale {k}): {what}, missing the 1/N with {_n_words(k, batch)}; "
            f"divide by N{_batch_source(k, batch)}"
        )
    k = round(1 / m) if m > 0 else 0
    if k >= 2 and near(1 / m, k, rtol):
        what = (
            "was applied to a loss that sums over the batch, or applied twice"
            if loss
            else (
                "that the forward does not have: a layer's gradient sums over the batch (the 1/N of a mean belongs "
                "to the loss, not the layer), or a 1/N is applied twice"
            )
        )
        return (
            f"yours = {'-' if c < 0 else ''}1/{k} x reference ({sign}scale 1/{k}): a 1/N with "
            f"{_n_words(k, batch)} {what}; remove one division by N{_batch_source(k, batch)}"
        )
    small = f" (relative error {abs(m - 1):.1e}: a rounded or approximated constant)" if abs(m - 1) < 0.05 else ""
    return f"yours = {c:.6g} x reference: every entry is off by the same constant factor {c:.6g}{small}"
