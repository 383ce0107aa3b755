"""One constant factor between yours and the reference, in words: sign, 1/2, 2, N or 1/N, with N read from
the args (the batch size), so a missing 1/N says which N it is."""

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


def scale_words(c: float, batch: BatchSize | None = None, rtol: float = 1e-6) -> str:
    """The sentence for yours = c x reference: sign, 1/2, 2, N, 1/N, or another constant."""
    sign = "sign flipped and " if c < 0 else ""
    m = abs(c)
    if near(m, 1.0, rtol):
        return (
            "sign flipped (yours = -1 x reference): look for (y - y_hat) where (y_hat - y) belongs, "
            "or a step that ascends instead of descends"
        )
    is_batch = batch is not None and batch.n == 2
    if near(m, 2.0, rtol) and not is_batch:
        return (
            f"yours = {c:g} x reference ({sign}scale 2): the loss has a 1/2 that the gradient lacks; "
            "d/dy_hat of 1/2 (y_hat - y)^2 is (y_hat - y), not 2 (y_hat - y)"
        )
    if near(m, 0.5, rtol) and not is_batch:
        return (
            f"yours = {c:g} x reference ({sign}scale 1/2): look for the factor 2 from d/dy_hat of "
            "(y_hat - y)^2 when the loss has no 1/2"
        )
    k = round(m)
    if k >= 2 and near(m, k, rtol):
        return (
            f"yours = {c:g} x reference ({sign}scale {k}): a batch mean was differentiated as a sum, "
            f"missing the 1/N with {_n_words(k, batch)}; divide by N{_batch_source(k, batch)}"
        )
    k = round(1 / m) if m > 0 else 0
    if k >= 2 and near(1 / m, k, rtol):
        return (
            f"yours = {'-' if c < 0 else ''}1/{k} x reference ({sign}scale 1/{k}): a 1/N with "
            f"{_n_words(k, batch)} was applied to a loss that sums over the batch, or applied twice; "
            f"remove one division by N{_batch_source(k, batch)}"
        )
    small = f" (relative error {abs(m - 1):.1e}: a rounded or approximated constant)" if abs(m - 1) < 0.05 else ""
    return f"yours = {c:.6g} x reference: every entry is off by the same constant factor {c:.6g}{small}"
