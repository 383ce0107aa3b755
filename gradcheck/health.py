"""Health checks on the user's functions: writes into inputs, different answers for the same input."""

from __future__ import annotations

import numpy as np

from .inputs import changed_arrays
from .report import HealthCheck


def mutation(names, leaves, args, calls) -> list[HealthCheck]:
    """Report params or args that loss/grad wrote into (they ran on copies; the caller's are intact)."""
    found = []
    for f, g, p_copy, a_copy in calls[:1]:
        hit = [n for n, x, y in zip(names, leaves, p_copy) if not np.array_equal(x, y, equal_nan=True)]
        hit += changed_arrays(args, a_copy)
        if hit:
            found.append(HealthCheck(
                "mutated_input",
                f"loss or grad wrote into its inputs ({', '.join(hit)}); gradcheck ran them on copies so your "
                f"arrays are unchanged, but in-place updates of inputs corrupt training: copy before modifying",
                fails=True))
    return found


def determinism(calls) -> list[HealthCheck]:
    """Report loss or grad giving different results on two calls at the same point."""
    (f1, g1, *_), (f2, g2, *_) = calls
    found = []
    if f1 != f2:
        found.append(HealthCheck(
            "nondeterministic",
            f"loss returned {f1!r} then {f2!r} for the same params (|d| = {abs(f1 - f2):.1e}): fix the random "
            f"seed or remove randomness (dropout, sampling) before checking; no gradient verdict is possible",
            fails=True))
    if not _same_tree(g1, g2):
        found.append(HealthCheck(
            "nondeterministic",
            "grad returned different values for the same params on two calls: fix the random seed or "
            "remove randomness before checking; no gradient verdict is possible", fails=True))
    return found


def _same_tree(a, b) -> bool:
    from .tree import flatten

    try:
        na, la, _ = flatten(a)
        nb, lb, _ = flatten(b)
    except Exception:
        return False
    if na != nb:
        return False
    for x, y in zip(la, lb):
        try:
            ax, ay = np.asarray(x), np.asarray(y)
            if ax.shape != ay.shape or not np.array_equal(ax, ay, equal_nan=ax.dtype.kind == "f"):
                return False
        except Exception:
            return False
    return True
