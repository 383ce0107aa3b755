"""The likely bug in a layer's backward pass, from how yours relates to the reference gradient.

Each test returns (kind, sentence) or None; diagnose.py wraps it. `bad` marks the entries the oracles rejected,
`zero` the entries where the reference is zero (up to its own error): a mask missing (wrong exactly where the
reference is zero), values moved to other positions or shifted by the padding, yours - reference in a
recognisable low-rank pattern (a missing term), a small systematic error (an approximated derivative), and
gradients that are not the derivative on purpose (straight-through, clipping).
"""

from __future__ import annotations

import numpy as np

MAX_SHIFT = 2  # shifts tried along each axis (padding and stride offsets are off by one or two)


def _close(a, b, rtol) -> bool:
    scale = max(float(np.max(np.abs(b), initial=0.0)), float(np.max(np.abs(a), initial=0.0)), 1e-300)
    return bool(np.all(np.abs(a - b) <= rtol * scale))


def surrogate(y, ref, bad, zero, rtol):
    """Reference zero everywhere (a piecewise-constant forward), yours not: a straight-through estimator."""
    if not zero.all() or not np.any(y):
        return None
    return (
        "surrogate",
        "the reference gradient is zero at every entry and yours is not: the forward is piecewise "
        "constant here (round, sign, floor, a threshold), so its derivative is zero; a "
        "straight-through estimator or another surrogate passes a gradient anyway, which is "
        "deliberate but not the derivative, so it fails here (check the surrogate against its "
        "own formula, e.g. with check_vjp)",
    )


def missing_mask(y, ref, bad, zero, rtol):
    """Wrong exactly where the reference is zero (and yours is not), right everywhere else."""
    wrong = bad & zero & (y != 0)
    k = int(wrong.sum())
    if k == 0 or k != int(bad.sum()) or zero.all():
        return None
    return (
        "missing_mask",
        f"yours is nonzero at {k} entries where the reference is exactly zero, and right "
        f"everywhere else ({int(zero.sum())} of {zero.size} reference entries are zero): a mask is "
        f"missing in the backward; the entries the forward zeroed or ignored (ReLU's x <= 0, "
        f"dropout's dropped units, padding, masked positions) get no gradient, so multiply by "
        f"the forward's mask",
    )


def clipped(y, ref, bad, zero, rtol):
    """Yours = reference clipped to [-m, m]: wrong entries are exactly +-m where |reference| > m."""
    n_bad = int(bad.sum())
    if n_bad == 0 or n_bad == bad.size:
        return None
    m = float(np.max(np.abs(y)))
    yb, rb = y[bad], ref[bad]
    if (
        m == 0
        or not _close(np.abs(yb), np.full(yb.shape, m), rtol)
        or np.any(np.sign(yb) != np.sign(rb))
        or np.any(np.abs(rb) <= m)
        or np.any(np.abs(ref[~bad]) > m * (1 + rtol))
    ):
        return None
    return (
        "clipped",
        f"yours = reference clipped to [-{m:.4g}, {m:.4g}] ({n_bad} entries where |reference| > "
        f"{m:.4g} are exactly +-{m:.4g}): gradient clipping inside the backward, which is deliberate "
        f"but not the derivative, so it fails here; clip in the optimiser instead",
    )


def routed(y, ref, bad, zero, rtol):
    """The reference's values at other positions: shifted along an axis, or the same values moved."""
    if int(bad.sum()) < 2 or _close(y, ref, rtol):
        return None
    shift = _shift(y, ref, rtol)
    if shift is not None:
        axis, s = shift
        return (
            "routed",
            f"yours is the reference shifted by {s} along axis {axis} (yours[i] = reference[i - {s}] "
            f"away from the border): the gradient is routed to positions off by {abs(s)}, an offset "
            f"in padding or stride; crop the padded gradient at [pad:pad + size] and send each output "
            f"position back to the input positions it read",
        )
    yb, rb = np.sort(y[bad]), np.sort(ref[bad])
    if np.any(rb) and _close(yb, rb, rtol):
        return (
            "routed",
            f"yours holds the reference's values at other positions ({int(bad.sum())} wrong entries hold "
            f"the same values as the reference there, moved): the gradient is routed to the wrong "
            f"entries; {_ROUTES}",
        )
    ours, theirs = bad & (y != 0) & zero, bad & (y == 0) & ~zero
    if ours.any() and theirs.any() and ours.sum() + theirs.sum() >= 0.8 * bad.sum():
        return (
            "routed",
            f"yours and the reference put gradient on different entries (of {int(bad.sum())} wrong "
            f"entries, {int(ours.sum())} are nonzero only in yours and {int(theirs.sum())} only in the "
            f"reference): the gradient is routed to the wrong positions; {_ROUTES}",
        )
    return None


_ROUTES = (
    "in max pooling the argmax within each window (with padding: the window must be read from the padded "
    "input), in a gather or an embedding the index it is scattered back to"
)


def _shift(y, ref, rtol):
    """(axis, s) when yours[i] = ref[i - s] along one axis on the overlap (at least half the entries)."""
    for axis in range(y.ndim):
        n = y.shape[axis]
        for s in [d for k in range(1, MAX_SHIFT + 1) for d in (k, -k)]:
            if abs(s) * 2 > n:
                continue
            mine = np.take(y, range(max(s, 0), n + min(s, 0)), axis=axis)
            theirs = np.take(ref, range(max(-s, 0), n - max(s, 0)), axis=axis)
            if np.any(theirs) and _close(mine, theirs, rtol):
                return axis, s
    return None


def missing_term(y, ref, bad, zero, rtol, batch_axis: bool):
    """yours - reference constant along an axis (a path through a mean or sum), or an outer product."""
    d = y - ref
    if d.size < 3 or not np.any(d):
        return None
    if _close(d, np.full(d.shape, d.mean()), rtol):
        return (
            "missing_term",
            f"yours - reference = {d.mean():.4g} at every entry: an additive term that is the "
            f"same for every entry is missing (or extra), a path through a sum or mean of all "
            f"entries",
        )
    for axis in range(d.ndim):
        if d.shape[axis] > 1 and _close(d, np.broadcast_to(d.mean(axis=axis, keepdims=True), d.shape), rtol):
            return (
                "missing_term",
                f"yours - reference is the same at every index along axis {axis}"
                f"{_axis_words(axis, d.ndim, batch_axis)}",
            )
    if d.ndim == 2 and min(d.shape) > 1:
        s = np.linalg.svd(d, compute_uv=False)
        if s[1] <= rtol * s[0]:
            return (
                "missing_term",
                "yours - reference is an outer product u v^T (rank one): a whole term of the "
                "chain rule is missing or extra, a path through a quantity every entry depends "
                "on (a sum, a mean, a norm)",
            )
    return None


def _axis_words(axis: int, ndim: int, batch_axis: bool) -> str:
    if axis == 0 and batch_axis:
        return (
            " (the batch axis): a term that is constant over the batch is missing (or extra), a path through "
            "a statistic of the batch such as batch norm's mean (-mean(dxhat) per feature); differentiate "
            "through every use of the batch statistic"
        )
    if axis == ndim - 1:
        return (
            " (within each example): a term constant over the last axis is missing (or extra), a path through "
            "a per-example statistic such as layer norm's mean or softmax's normaliser (-<g, s>)"
        )
    return f": a term that does not vary along axis {axis} is missing (or extra), a path through a sum over it"


def approximation(y, ref, rtol):
    """Correlation ~1 and a small error at most entries: an approximated derivative (or forward)."""
    if y.size < 4 or np.std(y) == 0 or np.std(ref) == 0:
        return None
    corr = float(np.corrcoef(y.ravel(), ref.ravel())[0, 1])
    big = float(np.max(np.abs(ref)))
    worst = float(np.max(np.abs(y - ref))) / big
    if corr < 0.999 or worst > 0.05:
        return None
    return (
        "approximation",
        f"yours is close to the reference but off by a small systematic amount (correlation "
        f"{corr:.4f}, largest difference {worst:.1e} of the largest entry): the backward "
        f"differentiates an approximation the forward does not use, or the reverse (the tanh "
        f"approximation of GELU against the exact erf forward, a fast exp or sigmoid, a rounded "
        f"constant, eps placed differently); differentiate exactly the formula the forward "
        f"computes",
    )
