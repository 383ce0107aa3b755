"""A small additive offset: yours within the pattern closeness of the reference but judged wrong, so no factor or
pattern of yours against the reference can be read; the difference itself is read instead (constant, or a
constant times dout: an eps added to an elementwise derivative)."""

from __future__ import annotations

import numpy as np

from .scaling import close, scale_factor

# closeness at which the difference's own pattern is read (it is small, so fd's error is a larger share of it)
PATTERN = 1e-2


def offset(y: np.ndarray, ref: np.ndarray, rtol: float, dout: np.ndarray | None) -> tuple[str, str] | None:
    """yours = reference + d with |d| within rtol of the largest entry, in words with d's pattern."""
    d = y - ref
    big = float(np.max(np.abs(ref), initial=0.0))
    if not np.any(d) or big == 0 or not close(y, ref, rtol) or scale_factor(d, ref, PATTERN) is not None:
        return None  # equal, or clearly different, or a factor (1 + k) x reference, which scaled.py words
    worst = float(np.max(np.abs(d)))
    head = (
        f"yours = reference + a small offset (max |yours - reference| {worst:.1e}, {worst / big:.1e} of the "
        f"largest entry): not a factor or a pattern of the reference"
    )
    k = scale_factor(d, dout, PATTERN) if dout is not None and np.shape(dout) == d.shape else None
    if k is not None:
        return (
            "offset",
            f"{head}; yours - reference = {k:.3g} x dout at every entry: a constant {k:.3g} added to an "
            f"elementwise derivative (dx = dout x (f'(x) + {k:.3g})), such as an eps that belongs in the forward "
            f"or nowhere; differentiate exactly the formula the forward computes",
        )
    if close(d, np.full(d.shape, d.mean()), PATTERN):
        return (
            "offset",
            f"{head}; yours - reference = {d.mean():.3g} at every entry: a small constant added to the gradient "
            f"(an eps or a regulariser's term the loss does not have)",
        )
    return (
        "offset",
        f"{head}; look for a small term the forward does not have (an eps in a derivative, a rounded constant, "
        f"a float32 step inside float64 code)",
    )
