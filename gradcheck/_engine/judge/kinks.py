"""Rule 3 of the judge: kinks judged by the interval of fd's one-sided slopes.

An entry is a kink only on fd's evidence (finite_diff.py: one-sided slopes that differ by more than their errors
at several steps). There yours passes when it lies in the interval of the one-sided slopes, widened only by their
error, and fails otherwise, whatever an AD framework chose: AD disagreeing with fd at a kink is no evidence
against you. Where fd re-examined an entry one at a time (judge.to_reexamine) and found it smooth, agreeing with
yours and not with AD, AD's disagreement there is not held against you either. A second look whose error spans
both values (a loss in quanta, a kink too small for fd to resolve) cannot tell them apart: that entry is
undecided (`undecided`), judged neither way, and the parameter gets no verdict unless another entry fails.
"""

from __future__ import annotations

import numpy as np

from ..compare.entries import Comparison, interval_check, largest_outside
from ..compare.tolerance import Tolerance
from ..oracles import EntryFD
from .evidence import Evidence, KinkEntry


def evidence(ev: Evidence, b: int, shape) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(one-sided slopes (..., 2), NaN where no kink; their errors) for block b from fd's entries or its
    re-examination of chosen entries, or (None, None) when fd saw no kink there."""
    fd = ev.results.get("fd")
    sided, err = None, None
    if fd is not None and fd.one_sided is not None:
        sided, err = fd.one_sided[b], fd.errors[b]
    again = [e for e in ev.reexamined.get(b, ()) if e.one_sided is not None]
    if again:
        sided = np.full(tuple(shape) + (2,), np.nan) if sided is None else sided.copy()
        err = np.zeros(tuple(shape)) if err is None else err.copy()
        for e in again:
            sided[e.index], err[e.index] = e.one_sided, e.error
    if sided is None or np.all(np.isnan(sided[..., 0])):
        return None, None
    return sided, err


def ad_at_kinks(c: Comparison, yours, ref, sided, sided_err, tol, atol, again) -> Comparison:
    """Rule 3 for an AD oracle: at fd's kinks the interval decides; where fd re-examined an entry, found it
    smooth and agreeing with yours, AD's disagreement there is not held against you."""
    if c.bad_mask is None or (sided is None and not again):
        return c
    bad, kinks, excused = c.bad_mask.copy(), 0, np.zeros(c.bad_mask.shape, bool)
    if sided is not None:
        at_kink, inside = interval_check(yours, sided, sided_err, tol, atol)
        bad = np.where(at_kink, ~inside, bad)
        kinks, excused = int(np.count_nonzero(inside)), inside
    for e in again:  # where fd agrees with AD as well, the judge withholds the verdict (undecided)
        if e.one_sided is None and fd_agrees(float(np.asarray(yours)[e.index]), e, tol, atol):
            bad[e.index], excused[e.index] = False, True
    n_bad = int(np.count_nonzero(bad))
    if not excused.any():
        return Comparison(
            c.reference, c.mode, n_bad == 0, c.n_total, n_bad, c.max_abs, c.max_rel, c.worst_index, bad, kinks, c.detail
        )
    top_abs, top_rel, at = largest_outside(yours, ref, excused, atol)
    return Comparison(
        c.reference,
        c.mode,
        n_bad == 0,
        c.n_total,
        n_bad,
        top_abs,
        top_rel,
        tuple(int(i) for i in np.unravel_index(at, bad.shape)),
        bad,
        kinks,
        c.detail,
    )


def undecided(ev: Evidence, b: int, yours, others, tol: Tolerance, atol: float) -> np.ndarray | None:
    """Mask of the entries fd re-examined smooth whose error spans both yours and AD's value (`others`, the first AD
    oracle's gradient), which differ: fd cannot tell which is right there. None where there are none."""
    again = [e for e in ev.reexamined.get(b, ()) if e.one_sided is None]
    if not again or others is None or others[b] is None:
        return None
    mask = np.zeros(np.shape(yours), bool)
    for e in again:
        mine, theirs = float(np.asarray(yours)[e.index]), float(np.asarray(others[b])[e.index])
        mask[e.index] = mine != theirs and fd_agrees(mine, e, tol, atol) and fd_agrees(theirs, e, tol, atol)
    return mask if mask.any() else None


def fd_agrees(value: float, e: EntryFD, tol: Tolerance, atol: float) -> bool:
    """Your value within rule 1's tolerance of fd's re-examined, smooth entry."""
    return abs(value - e.value) <= atol + tol.rtol * abs(e.value) + tol.k_fd * e.error


def notes(kinks: list[KinkEntry], again, beside_ad: bool) -> list[str]:
    """The report's words: which subgradient yours is at the kinks it sits on, and (beside AD) the entries fd
    re-examined and found smooth (alone, a smooth second look only confirms a failure: nothing to add)."""
    out, inside = [], [k for k in kinks if k.inside]
    if inside:
        out.append(
            f"{len(inside)} entr{'y sits' if len(inside) == 1 else 'ies sit'} on a kink (fd's left and "
            f"right slopes differ); yours is {_positions(inside)} there, a valid subgradient, so "
            f"{'it counts' if len(inside) == 1 else 'they count'} as right whatever AD chose"
        )
    smooth = [e for e in again if e.one_sided is None]
    if smooth and beside_ad:
        where = ", ".join(str(e.index) for e in smooth[:4]) + (" ..." if len(smooth) > 4 else "")
        out.append(
            f"fd re-examined {len(smooth)} entr{'y' if len(smooth) == 1 else 'ies'} where yours and AD differ "
            f"({where}), one entry at a time"
        )
    return out


def entries(yours, sided, err, tol, atol) -> list[KinkEntry]:
    """Every entry fd found at a kink, with its one-sided slopes and whether yours lies between them."""
    if sided is None:
        return []
    at_kink, inside = interval_check(yours, sided, err, tol, atol)
    y = np.asarray(yours, dtype=np.float64)
    return [
        KinkEntry(
            tuple(int(i) for i in idx),
            float(sided[tuple(idx)][0]),
            float(sided[tuple(idx)][1]),
            float(y[tuple(idx)]),
            bool(inside[tuple(idx)]),
        )
        for idx in np.argwhere(at_kink)
    ]


def _positions(kinks: list[KinkEntry]) -> str:
    words = list(dict.fromkeys(k.position() for k in kinks))
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
