"""The judge: every rule that turns oracle results into a verdict, as one pure function of plain data.

This package is the one place to read them: this module, its kink rules (kinks.py) and rule 7 (resolution.py).

`judge(Evidence) -> Judgement` (the values are in evidence.py): the record of the user's calls, the oracles'
results (with fd's re-examination of chosen entries and the Taylor test where it ran) and the tolerances in;
a Verdict per parameter out.
The rules, in the order they apply:

1. Tolerance: entry i passes when |yours_i - ref_i| <= atol + rtol |ref_i| + k_fd err_i (err_i: fd's own error
   estimate, 0 for AD); atol is relative to the largest reference entry and never below round-off
   (tolerance.py). A smooth entry's allowance is never widened: err_i is the error of a converged estimate.
   Lower-precision code also gets OWN_ROUNDOFF times its own measured round-off: |yours_i - y64_i|, y64 your
   grad run on float64 params, only where y64 agrees with the reference (the same code, so a logic error is in
   both and is not excused, even where your precision rounds the entry away).
2. Trust: oracles are compared with each other; one that disagrees with two that agree is set aside
   (triangulate.py). When no majority exists the oracles disagree and the verdict says so.
3. Kinks: an entry is a kink only on fd's evidence (finite_diff.py: one-sided slopes differing by more than
   their errors at several steps, a gap smooth curvature cannot explain). There yours passes when it lies in
   the interval of the one-sided slopes (widened only by their error) and fails otherwise, whatever an AD
   framework chose: AD disagreeing with fd at a kink is no evidence against you. Entries where yours disagrees
   with AD are few, so fd re-examines exactly those, one-sidedly, when it ran by probes (`to_reexamine`); an
   entry whose second look agrees with both yours and AD is undecided, and its parameter gets no verdict
   unless another entry fails (kinks.undecided).
   The interval rules are in judge/kinks.py.
4. Taylor: the step-free Taylor test decides only entries fd leaves open (ones that pass only thanks to fd's
   own error); a fd failure beyond its error stands; a fitted order near 1 that fd contradicts is inconclusive.
5. Nondeterminism: differences between two calls at the round-off level (ROUNDOFF_ULPS eps of the magnitude,
   eps of its dtype) are a note and the verdict is given; larger ones withhold it. A leaf that carried state
   between calls is judged on the first call's copy (the health check says what to fix).
6. Detection bound: the smallest single-entry error the trusted oracles would have caught (bound.py).
7. Unresolved (resolution.py): a loss fd cannot resolve along a parameter (it never moved at any step fd took,
   or on a loss that moves in quanta fd's own error would pass a gradient of zeros too) leaves fd alone nothing
   to judge with: that verdict is withheld and the report says to add an AD oracle. Beside AD, fd is set aside and AD
   decides, unless the loss is so few quanta deep that the round-off it puts into yours and AD's (rule 1's
   allowance) would pass a gradient of zeros too. A pass resolved no finer than 1% of your largest entry says so.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..compare import rounding
from ..compare.entries import (
    Comparison,
    Reference,
    absmax_memo,
    compare_entries,
    compare_memo,
    compare_probes,
    entries_agree,
    interval_check,
    probes_agree,
)
from ..compare.tolerance import Tolerance, machine_eps, resolve_tolerance, roundoff_floor
from ..oracles import OracleResult, Role, same_value
from . import kinks, resolution
from .bound import detection_bound
from .evidence import Claim, Evidence, Judgement, Noise, Status, TaylorRun, Verdict
from .triangulate import one_translation_words, triangulate

OWN_ROUNDOFF = 2.0  # allowance per unit of your code's own round-off (float32 against its float64 run)
ROUNDOFF_ULPS = 256  # two calls differing by up to this many eps of the magnitude differ by round-off only
REEXAMINE_UP_TO = 64  # entries per parameter fd re-examines where yours and AD disagree


def judge(ev: Evidence) -> Judgement:
    """Verdicts for every claimed parameter, from the evidence alone."""
    noise = nondeterminism(ev)
    scale = reference_scale(ev)
    ad = next((r.grads for r in ev.results.values() if r.role.is_ad), None)
    others = ad if ad is not None else _claimed(ev)
    verdicts = []
    for claim in ev.claims:
        v = _judge_block(claim, ev, scale, others, ad)
        held = [n for n in noise if n.withholds and n.what in ("loss", claim.name)]
        if held and claim.name not in ev.repeat.stateful:
            v = _withheld(v, held[0])
        elif why := resolution.unresolved(ev, claim, v, _atol(ev, claim, scale)):
            v = replace(v, status=Status.UNRESOLVED, message=why)
        elif v.status != Status.UNRESOLVED:  # a verdict given: say how coarsely a loss in quanta resolves it
            v = replace(v, notes=v.notes + tuple(resolution.coarse(claim, ev.results.get("fd"), v.trusted, v.bound)))
        verdicts.append(v)
    return Judgement(tuple(verdicts), noise)


def nondeterminism(ev: Evidence) -> tuple[Noise, ...]:
    """Rule 5: each difference between the two calls with its round-off level."""
    f1, f2 = ev.repeat.losses
    found = []
    if f1 != f2:  # a float32 loss of float32 params resolves only float32 eps
        eps = max([ev.loss_eps] + [machine_eps(c.dtype) for c in ev.claims])
        found.append(Noise("loss", abs(f1 - f2), ROUNDOFF_ULPS * eps * max(abs(f1), abs(f2))))
    dtypes = {c.name: c.dtype for c in ev.claims}
    for name, d in ev.repeat.spread.items():
        if name in ev.repeat.stateful:
            continue
        eps = machine_eps(dtypes.get(name, "float64"))
        level = ROUNDOFF_ULPS * eps * ev.repeat.magnitude.get(name, 0.0) + roundoff_floor(ev.f0, eps)
        found.append(Noise(name, d, level))
    return tuple(found)


def _withheld(v: Verdict, n: Noise) -> Verdict:
    why = (
        "the loss differs between two calls"
        if n.what == "loss"
        else f"grad differs by up to {n.difference:.1e} between two calls"
    )
    return replace(
        v, status=Status.NONDETERMINISTIC, message=f"not judged: {why} at the same params (see health below)"
    )


def _atol(ev: Evidence, claim: Claim, scale: float) -> float:
    tol = resolve_tolerance(claim.dtype, ev.rtol, ev.atol)
    return tol.absolute_atol(scale, rounding.floor(ev.f0, claim.dtype))


def reference_scale(ev: Evidence) -> float:
    """Largest |reference gradient entry|: the unit of the default (relative) atol; yours where every
    reference is exactly zero (so a loss of exactly 0 still has a sensible unit)."""
    refs = [(r.memo, g) for r in ev.results.values() if r.grads is not None for g in r.grads]
    scale = max((absmax_memo(memo, g) for memo, g in refs if g.size), default=0.0)
    if scale == 0.0:
        scale = max((c.largest for c in ev.claims), default=0.0)
    return scale


def _claimed(ev: Evidence) -> list:
    out = [None] * (max((c.block for c in ev.claims), default=-1) + 1)
    for c in ev.claims:
        out[c.block] = c.yours
    n = max((len(r.probes[0].direction) for r in ev.results.values() if r.probes), default=len(out))
    return out + [None] * (n - len(out))


def _judge_block(claim: Claim, ev: Evidence, scale: float, others, ad=None) -> Verdict:
    b, results = claim.block, ev.results
    tol = resolve_tolerance(claim.dtype, ev.rtol, ev.atol)
    atol = tol.absolute_atol(scale, rounding.floor(ev.f0, claim.dtype))
    sided, sided_err = kinks.evidence(ev, b, claim.yours.shape)
    own = _own(ev.own_roundoff, results.get("fd"), claim, tol, ev.f0)
    open_ = kinks.undecided(ev, b, claim.yours, ad, tol, atol)
    comparisons = {
        o: _compare(o, claim.yours, b, r, tol, atol, sided, sided_err, others, ev.reexamined.get(b, ()), own, open_)
        for o, r in results.items()
    }
    fd = results.get("fd")
    trust = _trust(ev, b, scale, sided, sided_err)
    good = all(comparisons[o].ok for o in trust.trusted)
    notes, taylor = [], ev.taylor.get(b)
    if taylor is not None and fd is not None and set(trust.trusted) == {"fd"}:
        good, words = taylor_rule(claim, fd, b, comparisons["fd"], tol, atol, taylor)
        notes.append(words)
    at_kinks = kinks.entries(claim.yours, sided, sided_err, tol, atol)
    notes += kinks.notes(at_kinks, ev.reexamined.get(b, ()), any(r.role.is_ad for r in results.values()))
    notes += [UNDECIDED] if trust.undecided else []
    fd_error = fd.errors[b] if fd is not None and fd.errors is not None else None
    bound = detection_bound(
        comparisons, trust.trusted, taylor.result if taylor else None, trust.set_aside, claim.yours.shape
    )
    tops = [absmax_memo(results[o].memo, results[o].grads[b]) for o in trust.trusted if results[o].grads is not None]
    notes += resolution.below_atol(claim, tops, atol, scale)
    status, message = Status.OK if good else Status.MISMATCH, ""
    if good and open_ is not None:
        status, message = Status.UNRESOLVED, _undecided_words(claim, open_, others[b])
    elif not good and trust.one_translation and all(comparisons[o].ok for o in trust.one_translation):
        status, message = Status.UNRESOLVED, one_translation_words(trust)
    return Verdict(
        claim.name,
        status,
        comparisons,
        trust.trusted,
        dict(trust.set_aside),
        trust.undecided,
        tuple(at_kinks),
        tuple(notes),
        bound,
        {o: r.grads[b] for o, r in results.items() if r.grads is not None},
        fd_error,
        taylor.result if taylor else None,
        message,
    )


def _undecided_words(claim: Claim, open_: np.ndarray, ad) -> str:
    where = [tuple(int(i) for i in idx) for idx in np.argwhere(open_)]
    gap = float(np.max(np.abs(claim.yours - ad)[open_]))
    listed = ", ".join(str(w) for w in where[:4]) + (" ..." if len(where) > 4 else "")
    return (
        f"not judged: yours and AD differ by up to {gap:.2g} at {listed}, and fd's closer look there, one entry at a "
        f"time, cannot tell which is right (its error spans both: a loss that moves in quanta, or a kink too small "
        f"for fd to resolve); the other entries agree; check at a less confident point"
    )


UNDECIDED = (
    "the oracles disagree with each other and none is clearly wrong: check the loss for non-differentiable points "
    "or randomness"
)


def _trust(ev: Evidence, b: int, scale: float, sided, sided_err):
    """Rule 2: which oracles count for block b (fd set aside with the true reason where it never saw the loss
    move)."""
    agree = _agreement(ev.results, b, scale, sided, sided_err, roundoff_floor(ev.f0))
    fd = ev.results.get("fd")
    shared = frozenset(o for o, r in ev.results.items() if r.role is Role.FOLLOWED_AD)
    trust = triangulate(list(ev.results), agree, fd is not None and _fd_rough(fd, b, sided), _other_loss(ev), shared)
    if fd is not None and resolution.flat(fd, b) and "fd" in trust.set_aside:
        trust = replace(trust, set_aside={**trust.set_aside, "fd": resolution.FLAT})
    return trust


@dataclass(frozen=True)
class Own:
    """Rule 1's allowance for your code's own round-off: lower-precision code's (OWN_ROUNDOFF |yours - y64|, y64 your
    code's result at float64 params) and that of a gradient computed through a loss fd found computed by
    cancellation (CANCELLATION times fd's per-parameter estimate, oracles/fd.py)."""

    precision: np.ndarray
    cancel: np.ndarray | float
    y64: np.ndarray | None

    def against(self, ref: np.ndarray, err, tol: Tolerance, atol: float, sided=None) -> np.ndarray:
        """The allowance against one reference, in units of k_fd err. Your precision's round-off is excused only
        where your code at float64 agrees with that reference (or at a kink fd found, judged by its interval):
        a logic error is in both, and where your precision's round-off is as large as the entry, it would hide
        the logic error otherwise."""
        excused = self.precision
        if self.y64 is not None:
            err = 0.0 if err is None else err
            logic = np.abs(self.y64 - ref) <= atol + tol.rtol * np.abs(ref) + self.cancel + tol.k_fd * err
            if sided is not None:
                logic |= ~np.isnan(sided[..., 0])
            excused = np.where(logic, self.precision, 0.0)
        return (excused + self.cancel) / tol.k_fd


def _own(own_roundoff: dict, fd: OracleResult | None, claim: Claim, tol: Tolerance, f0: float) -> Own | None:
    y64 = own_roundoff.get(claim.name)
    y64 = None if y64 is None or np.shape(y64) != claim.yours.shape else y64
    cancel = resolution.cancellation(fd, claim, f0)
    if y64 is None and cancel is None:
        return None
    own = OWN_ROUNDOFF * np.abs(claim.yours - y64) if y64 is not None else np.zeros(claim.yours.shape)
    return Own(own, 0.0 if cancel is None else resolution.CANCELLATION * cancel, y64)


def _compare(
    oracle, yours, b, result: OracleResult, tol, atol, sided, sided_err, others, again, own=None, open_=None
) -> Comparison:
    if result.mode == "probes":  # lower precision: probes see your code run at float64 (its logic, not its round-off)
        mine = yours if own is None or own.y64 is None else own.y64
        if open_ is not None:  # entries fd could not decide: the probes judge the others
            mine = np.where(open_, others[b], mine)
        if sided is not None and others is not None and others[b] is not None and others[b] is not yours:
            at_kink, inside = interval_check(yours, sided, sided_err, tol, atol)
            mine = np.where(at_kink & inside, others[b], mine)  # a subgradient choice fd certified per entry
        return compare_probes(oracle, mine, b, result.probes, tol, atol, others)
    if oracle == "fd":  # at a kink fd found on a closer look, the error of its one-sided slopes
        err = result.errors[b] if sided_err is None else sided_err
        err = err if own is None else err + own.against(result.grads[b], err, tol, atol, sided)
        return compare_entries(oracle, yours, Reference(result.grads[b], err, sided), tol, atol)
    allowance = None if own is None else own.against(result.grads[b], None, tol, atol, sided)
    c = compare_memo(result.memo, oracle, yours, Reference(result.grads[b], allowance), tol, atol)
    return kinks.ad_at_kinks(c, yours, result.grads[b], sided, sided_err, tol, atol, again)


def to_reexamine(
    claims,
    results: dict[str, OracleResult],
    f0: float,
    rtol=None,
    atol=None,
    own_roundoff=None,
    cap: int = REEXAMINE_UP_TO,
) -> dict[int, list[tuple]]:
    """Rule 3's cheap step: the few entries, per block, where yours disagrees with an AD oracle (fd ran by
    probes beside it) or with fd's smooth per-entry value that no AD oracle confirms (a small kink under strong
    curvature looks smooth at the first steps), for fd to look at again, closer; none when more than `cap`: a
    broad disagreement is no kink."""
    fd = results.get("fd")
    if fd is None or all(fd.flat or [False]):  # a loss fd never saw move: a closer look sees nothing either
        return {}
    if fd.mode == "entries":
        refs = [(fd.grads, fd.errors, fd.one_sided, {})]
    else:  # the judge compares yours with AD the same way: its comparison is memoised on the AD result
        refs = [(r.grads, None, None, r.memo) for r in results.values() if r.role.is_ad and r.grads is not None]
    scale = max((absmax_memo(memo, g) for grads, _, _, memo in refs for g in grads if g.size), default=0.0)
    out = {}
    for c in claims:
        tol = resolve_tolerance(c.dtype, rtol, atol)
        a = tol.absolute_atol(scale, rounding.floor(f0, c.dtype))
        own = _own(own_roundoff or {}, fd, c, tol, f0)
        bad = np.zeros(c.yours.shape, bool)
        for grads, errors, sided, memo in refs:
            err = errors[c.block] if errors is not None else None
            kink = sided[c.block] if sided is not None else None
            allowance = None if own is None else own.against(grads[c.block], err, tol, a, kink)
            err = err if allowance is None else allowance if err is None else err + allowance
            bad |= compare_memo(memo, "", c.yours, Reference(grads[c.block], err), tol, a).bad_mask
            if sided is not None:  # entries fd already found at a kink are judged by their interval
                bad &= np.isnan(sided[c.block][..., 0])
        if fd.mode == "entries":  # where an AD oracle agrees with fd's first look, it needs no second one
            for r in (r for r in results.values() if r.role.is_ad and r.grads is not None):
                ref, err = fd.grads[c.block], fd.errors[c.block]
                bad &= compare_entries("", r.grads[c.block], Reference(ref, err), tol, a).bad_mask
        if 0 < np.count_nonzero(bad) <= cap:  # counted first: argwhere of 1e6 entries costs 0.5 ms
            out[c.block] = [tuple(int(i) for i in row) for row in np.argwhere(bad)]
    return out


def taylor_rule(
    claim: Claim, fd: OracleResult, b: int, c: Comparison, tol: Tolerance, atol: float, run: TaylorRun
) -> tuple[bool, str]:
    """Rule 4: (verdict, note). fd's decided entries stand; the Taylor test decides only what fd leaves open."""
    t = run.result
    words = t.sentence()
    if not c.ok:
        return False, f"fd decides (entries wrong beyond fd's own error); {words}"
    if not _fd_leaves_open(claim, fd, b, c, tol, atol):
        return True, f"fd decides every entry within its error; {words}"
    if t.verdict == "consistent":
        return True, f"fd is limited by round-off here; {words}"
    if t.verdict == "wrong" and not _fd_contradicts(claim, fd, b, tol, atol, run):
        return False, f"fd is limited by round-off here; {words}"
    why = "fd's entries contradict it" if t.verdict == "wrong" else "not decisive"
    return True, f"fd is limited by round-off here; {words}: inconclusive ({why}), the fd comparison stands"


def _fd_leaves_open(claim, fd: OracleResult, b, c: Comparison, tol, atol) -> bool:
    """True when some entry (or probe) passes fd only thanks to fd's own error estimate."""
    if c.mode == "probes":
        return any(
            abs(r["yours"] - r["fd"]) + 2 * tol.k_fd * r["fd_error"] > r["bound"] for r in c.detail.get("probes", [])
        )
    ref, err = fd.grads[b], fd.errors[b]
    d = np.abs(claim.yours - ref)
    return bool(np.any(d + tol.k_fd * err > atol + tol.rtol * np.abs(ref)))


def _fd_contradicts(claim, fd: OracleResult, b, tol, atol, run: TaylorRun) -> bool:
    """The Taylor test's slope error along v is more than twice what fd's entries allow along v."""
    if fd.mode != "entries":
        return False
    v = run.direction
    ref, err = fd.grads[b], fd.errors[b]
    allowed = abs(float(np.sum(v * (claim.yours - ref)))) + float(
        np.sum(np.abs(v) * (tol.k_fd * err + atol + tol.rtol * np.abs(ref)))
    )
    return run.result.slope_error > 2 * allowed


def _agreement(
    results: dict[str, OracleResult], b: int, scale: float, sided, sided_err, floor: float = 0.0
) -> dict[frozenset, bool]:
    """Whether each pair of oracles agrees on block b at the float64 tolerance; at fd's kinks any value in
    the interval agrees with fd, and AD oracles are not compared with each other there."""
    tol = resolve_tolerance(np.float64)
    atol = tol.absolute_atol(scale, floor)
    names, agree = list(results), {}
    for i, a in enumerate(names):
        for c in names[i + 1 :]:
            ad, ref = (a, c) if c == "fd" else (c, a) if a == "fd" else (a, c)
            agree[frozenset((a, c))] = _agrees(
                results[ad].grads[b], b, results[ref], tol, atol, sided, sided_err, results[ad].grads
            )
    return agree


def _agrees(grad, b, result: OracleResult, tol, atol, sided, sided_err, others) -> bool:
    if result.mode == "probes":
        return probes_agree(grad, b, result.probes, tol, atol, others)
    if result.name == "fd":
        return entries_agree(grad, Reference(result.grads[b], result.errors[b], sided), tol, atol)
    if sided is None:
        return entries_agree(grad, result.grads[b], tol, atol)
    bad = compare_entries("", grad, result.grads[b], tol, atol).bad_mask & np.isnan(sided[..., 0])
    return not bad.any()


def _fd_rough(fd: OracleResult, b: int, sided) -> bool:
    """fd saw a kink or noise on block b, or never saw the loss move (then fd, not AD, is the likelier odd one
    out)."""
    if sided is not None or resolution.flat(fd, b):
        return True
    return any(not p.smooth for p in fd.probes if b in p.blocks)


def _other_loss(ev: Evidence) -> dict[str, tuple[float, float]]:
    """AD oracles whose loss value at the point differs from yours: (theirs, yours)."""
    return {
        o: (r.value, ev.f0)
        for o, r in ev.results.items()
        if r.value is not None and not same_value(r.value, ev.f0, ev.loss_eps)
    }
