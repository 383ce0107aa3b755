"""Whether finite differences can resolve the loss at all (rule 7 of the judge), and the round-off a loss computed
by cancellation gives every gradient of it (rule 1's allowance between yours and an AD oracle).

A loss that moves in quanta q far above eps |loss| (roundoff.py; a softmax cross-entropy of a confident
prediction) limits fd to about q over its step, and its gradients, yours and AD's alike, carry round-off of about
q per unit of the parameter or q / |loss| of themselves. Where that leaves no comparison able to tell yours from
zero, the verdict is withheld with the reason rather than given on no evidence.
"""

from __future__ import annotations

import numpy as np

from ..compare.entries import absmax, entries_agree
from ..compare.tolerance import Tolerance, resolve_tolerance
from ..oracles import OracleResult
from .evidence import Claim, Evidence, Status, Verdict

CANCELLATION = 4.0  # allowance per unit of the round-off a loss computed by cancellation implies (yours and AD's)
COARSE = 0.01  # a detection bound above this share of yours, from fd alone on a loss in quanta, is said in a note


FLAT = (
    "fd never saw the loss move (every value it computed equalled the loss at the point): the loss moves in "
    "steps coarser than fd's, so fd's zero is no evidence"
)


def unresolved(ev: Evidence, claim: Claim, v: Verdict, atol: float) -> str:
    """Rule 7: why the oracles cannot judge this gradient, or "". (a) fd alone: the loss never changed along the
    parameter at any step fd took, and either never changed anywhere fd looked (its resolution is unknown) or yours
    passes only thanks to fd's error there: fd's zero says only that the loss moves in steps coarser than fd's.
    Where the loss moved elsewhere with fine resolution, a flat parameter is a resolved zero, and a gradient for it
    fails (an unused parameter). (b) fd alone: the loss moves in quanta and fd's own error (k_fd err, not the
    tolerance) lets a gradient of zeros pass as well as yours: the pass would say nothing. (c) Beside AD: the
    round-off a loss that few quanta deep puts into yours and AD's (rule 1's allowance) lets a gradient of zeros
    pass as well. A pass only is withheld: yours beyond the allowance still fails. A pass whose resolution is
    coarser than COARSE of your largest entry, but not empty, says so in a note (`coarse`)."""
    fd = ev.results.get("fd")
    tol = resolve_tolerance(claim.dtype, ev.rtol, ev.atol)
    top = claim.largest
    if fd is None or top <= atol:
        return ""
    if set(v.trusted) != {"fd"}:
        return _beside_ad(ev, claim, v, tol, atol)
    b = claim.block
    still = flat(fd, b) and (v.status == Status.OK or all(fd.flat))
    deep = bool(fd.cancellation) and fd.cancellation[b] > 0 and v.status == Status.OK and fd.errors is not None
    deep = deep and zero_passes(fd.grads[b], tol.k_fd * fd.errors[b], tol, atol)
    if not (still or deep):
        return ""
    seen = (
        f"the loss did not change at any step fd took along it (every value equal to its value at the point, "
        f"{ev.f0:.3g})"
        if still
        else f"fd's error here ({tol.k_fd * float(np.max(fd.errors[b])):.2g}) would pass a gradient of zeros too"
    )
    return (
        f"not judged: {seen}, while yours is not zero (largest |entry| {top:.2g}): the loss moves in steps coarser "
        f"than fd's (computed by cancellation or underflow, as the cross-entropy of a very confident prediction "
        f'is, or piecewise constant); add an AD oracle (oracles=("fd", "torch") or ("fd", "jax")) to judge it'
    )


def _beside_ad(ev: Evidence, claim: Claim, v: Verdict, tol: Tolerance, atol: float) -> str:
    """Rule 7 (c): beside AD, yours and AD's are both round-off of a loss a few quanta deep, so deep that the
    allowance for it would pass a gradient of zeros too (or one ten times AD's, or of the other sign), and yours
    needed it: yours agreeing with AD to the ordinary tolerance is a verdict."""
    fd = ev.results["fd"]
    cancel = cancellation(fd, claim, ev.f0)
    ad = [o for o in v.trusted if o != "fd" and ev.results[o].grads is not None]
    if cancel is None or v.status != Status.OK or not ad:
        return ""
    refs = [ev.results[o].grads[claim.block] for o in ad]
    if all(entries_agree(claim.yours, r, tol, atol) for r in refs):  # no allowance needed: AD's own round-off,
        return ""  # matched to rtol, is evidence of the same computation, which a planted error would break
    # the loss's round-off alone: lower-precision code's own is excused only where your code at float64 agrees
    # with the reference within this allowance (judge.Own.against), a logic check as empty as this one if zeros pass
    allowance = CANCELLATION * cancel
    if not all(zero_passes(r, allowance, tol, atol) for r in refs):
        return ""
    depth = (
        f"the loss is 0.0 and moves in quanta of {fd.quantum:.2g}"
        if ev.f0 == 0
        else f"the loss is {abs(ev.f0) / fd.quantum:.0f} quanta of {fd.quantum:.2g}"
    )
    return (
        f"not judged: {depth} (computed by cancellation, as the cross-entropy of a very confident prediction is), "
        f"so yours and {' and '.join(ad)} are both round-off here, so much that a gradient of zeros would pass as "
        f"well (largest |entry| of {ad[0]}: {absmax(ev.results[ad[0]].grads[claim.block]):.2g}); check at a less "
        f"confident point"
    )


def zero_passes(ref: np.ndarray, allowance, tol: Tolerance, atol: float) -> bool:
    """A gradient of zeros would pass against `ref` with this allowance per entry: a pass would say nothing (yours
    might as well be ten times the reference, or of the other sign)."""
    size = np.abs(ref)
    return bool(np.all(size <= atol + tol.rtol * size + allowance))


def coarse(claim: Claim, fd: OracleResult | None, trusted, bound: float) -> list[str]:
    """On a loss fd found moving in quanta, a pass resolves yours only coarsely (fd's error alone, or beside AD the
    round-off that loss puts into yours and AD's): say how coarsely, so an error below it is not taken as caught."""
    if fd is None or not fd.cancellation or fd.cancellation[claim.block] == 0:
        return []
    top = claim.largest
    if not (top > 0 and bound > COARSE * top):
        return []
    share = f"{bound / top:.0%}" if bound < 10 * top else f"{bound / top:.2g} times"
    if set(trusted) == {"fd"}:
        return [
            f"fd resolves {claim.name} only to {share} of its largest entry: the loss moves in quanta "
            f"(computed by cancellation, as the cross-entropy of a confident prediction is); add an AD oracle for a "
            f"sharper check"
        ]
    return [
        f"{claim.name} is resolved only to {share} of its largest entry: the loss moves in quanta "
        f"(computed by cancellation, as the cross-entropy of a confident prediction is), and yours and "
        f"{' and '.join(o for o in trusted if o != 'fd')} each carry that round-off; check at a less confident "
        f"point for a sharper check"
    ]


def below_atol(claim: Claim, tops: list[float], atol: float, scale: float) -> list[str]:
    """A parameter whose gradient, yours and the references' (their largest |entry| `tops`), lies wholly below the
    check's absolute tolerance (relative to the largest gradient entry of the whole check) passes whatever it is:
    say so."""
    top = max([claim.largest, *tops])
    if not 0 < top <= atol:
        return []
    return [
        f"{claim.name}'s entries (up to {top:.2g}) are below this check's atol ({atol:.2g}, relative to the largest "
        f"gradient entry of the check, {scale:.2g}), so a gradient of zeros would pass too: check {claim.name} on "
        f"its own, or give atol, for a real check"
    ]


def flat(fd: OracleResult, b: int) -> bool:
    return bool(fd.flat) and fd.flat[b]


def cancellation(fd: OracleResult | None, claim: Claim, f0: float) -> np.ndarray | None:
    """The round-off of a gradient through a loss fd found moving in quanta q: q / rms(x) per entry (fd.py), or
    the loss's own relative round-off q / |loss| of the entry, whichever is larger (a cross-entropy of a
    confident prediction is ~ e^-m, and so is its gradient: both differences of terms ~ 1)."""
    if fd is None or not fd.cancellation or fd.cancellation[claim.block] == 0:
        return None
    relative = fd.quantum / abs(f0) if f0 else 0.0
    return np.maximum(fd.cancellation[claim.block], relative * np.abs(claim.yours))
