"""The loss's round-off near the point, measured rather than assumed: the noise floor finite differences work
against.

A loss computed by cancellation (the log-softmax of a confident prediction: the difference of two terms ~30 that
is ~1e-10) is far noisier than eps |loss|. Two measurements along two fixed directions, each at a wide scale t
(2^-20 of the probe's scale) and a fine one t / FINE:

- the residue r(t) = |s(t) - 6 s(t/2) + 8 s(t/4)| / 30 of s(t) = phi(t) + phi(-t) - 2 phi(0) = J t + phi'' t^2 +
  O(t^4) + noise (J: a kink's jump), which cancels the t and t^2 terms and leaves round-off. Round-off does not
  depend on the step, while a kink beside the point leaves a residue that grows with it: a wide residue far
  above a nonzero fine one is a kink's, and the fine one is the round-off;
- the quantum: a loss whose values round to multiples of q far above eps |phi| (its last operation adds terms
  ~ 2^k, so every value is a multiple of ulp(2^k)) moves by whole multiples of q at both scales (often by one q
  on one side only, or not at all at the fine one). Each of its values carries up to q of round-off, whatever
  the residue happened to show (it is often exactly 0 there: rounding is symmetric).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..problem.problem import Problem
from .probes import global_direction

EPS = float(np.finfo(np.float64).eps)
STEP = 2.0**-20  # of the probe's scale: a kink beside the point rarely falls inside steps this small
FINE = 64 * 2**0.5  # the fine scale is STEP / FINE (not a ratio of small whole numbers: see quantum)
KINK_RATIO = 64.0  # a wide residue this many times a fine one grew with the step: a kink's, not round-off
STALL = 1024.0  # a quantum must stand this many times above the values' own round-off (see quantum)
MULTIPLES = 1024  # ... and every change be at most this many quanta
WIDER, LOOKS = 16.0, 5  # a loss flat at the tiny steps is looked at up to 16^5 times wider (the probe scale)
DIRECTIONS = (0x5EED, 0x5EEE)


@dataclass(frozen=True)
class Roundoff:
    """The loss's round-off near the point: per value (`noise`), and its quantum where it showed one (else 0)."""

    noise: float
    quantum: float


def measured_noise(problem: Problem) -> float:
    """Round-off in one value of the loss near the point (see measure)."""
    return measure(problem).noise


def measure(problem: Problem) -> Roundoff:
    """The loss's round-off (24 loss evaluations; up to 36 more where the loss did not move at all at the tiny
    steps: then it is looked at over steps WIDER times as large, each stalled scale serving as the fine one for
    the next, until it moves and shows its quantum)."""
    shapes = [x.shape for x in problem.leaves]
    residue, q, f0 = 0.0, 0.0, problem.f0
    for k in DIRECTIONS:
        v = global_direction(problem.seed, k, shapes)
        phi, t = problem.along(v), STEP * problem.scale(v)
        wide, fine = _sample(phi, t), _sample(phi, t / FINE)
        residue, q = max(residue, _residue(wide, fine, f0)), max(q, _quantum(phi, t, wide, fine, f0))
        for _ in range(LOOKS):
            if any(w != f0 for w in wide):
                break
            t *= WIDER
            fine, wide = wide, _sample(phi, t)
            q = max(q, _quantum(phi, t, wide, fine, f0))
    return Roundoff(max(residue, q), q)


def _quantum(phi, t: float, wide: list[float], fine: list[float], f0: float) -> float:
    """quantum(), or where the loss moved at only one or two steps (one quantum, on one side: a kink turning on
    where phi was flat looks the same) the same lattice confirmed at four more steps, t (1 + 1/8) and t (1 + 1/16)
    on both sides: a kink's changes grow with the step, a quantum's stay whole multiples."""
    tol = _tol(f0, wide)
    q = quantum(wide, fine, f0, tol)
    if q or quantum(wide, fine, f0, tol, at_least=1) == 0:
        return q
    more = [phi(s * t * (1 + d)) for s in (1, -1) for d in (1 / 8, 1 / 16)]
    q = quantum(wide + more, fine, f0, tol, at_least=1)
    return q if all(m == f0 or abs(m - f0) >= q / 2 for m in more) else 0.0


def _tol(f0: float, values: list[float]) -> float:
    """The values' own round-off: a few eps of the largest."""
    return 8 * EPS * max(abs(f) for f in [f0] + values)


def _sample(phi, t: float) -> list[float]:
    """phi at +-t, +-t/2, +-t/4."""
    return [phi(s * t / m) for m in (1, 2, 4) for s in (1, -1)]


def _residue(wide: list[float], fine: list[float], f0: float) -> float:
    """The round-off the second differences leave: at the wide scale, unless it grew with the step far beyond
    a nonzero fine residue (a kink's; a fine residue of exactly 0 is rounding's luck and says nothing). Where one
    side's residue at the wide scale stands KINK_RATIO above a nonzero other side's, a kink lies on that side
    within both scales' steps (a pre-activation 6e-9 from 0 under steps of 1e-6 and 1e-8): the quiet side's."""
    sides = [(_one_sided(wide, f0, s), _one_sided(fine, f0, s)) for s in (0, 1)]
    (quiet_wide, quiet_fine), (loud_wide, _) = sorted(sides)
    if 0 < quiet_wide and KINK_RATIO * quiet_wide < loud_wide:
        return max(quiet_wide, quiet_fine)
    r_wide, r_fine = _combination(wide, f0), _combination(fine, f0)
    if 0 < r_fine and KINK_RATIO * r_fine < r_wide:
        return r_fine
    return max(r_wide, r_fine)


def _combination(values: list[float], f0: float) -> float:
    s = [values[2 * i] + values[2 * i + 1] - 2 * f0 for i in range(3)]
    return abs(s[0] - 6 * s[1] + 8 * s[2]) / 30


def _one_sided(values: list[float], f0: float, side: int) -> float:
    """One side's part of the residue: |phi(t) - 6 phi(t/2) + 8 phi(t/4) - 3 phi(0)| / 15 (its slope and curvature
    cancel; the two sides' sum, over 30, is the residue), side 0 at +t, 1 at -t."""
    return abs(values[side] - 6 * values[2 + side] + 8 * values[4 + side] - 3 * f0) / 15


def quantum(wide: list[float], fine: list[float], f0: float, tol: float, at_least: int = 3) -> float:
    """The loss's quantum q where it shows: every change of phi, at the wide and the fine steps, is a whole
    multiple (at most MULTIPLES) of the smallest, within `tol` (the values' own round-off) and q's own error,
    at least `at_least` changes, and q > STALL x tol; 0 otherwise.

    Why a smooth function does not pass: where its fine values all stalled, one dominated by its slope or
    curvature moved by at most 4096 eps |phi| = 512 tol at the wide steps; where they moved, its changes at the
    wide and fine steps stand in the ratio FINE = 64 sqrt(2) (t^2 terms: 2 x 64^2, beyond MULTIPLES), and
    FINE n is at least 0.019 from a whole number for every n <= 44, far beyond 3 tol / q."""
    moved = sorted(abs(v - f0) for v in wide + fine if v != f0)
    if len(moved) < at_least or moved[0] <= STALL * tol:  # fewer: a kink turning on where phi was flat looks alike
        return 0.0
    q, uq = moved[0], tol  # refined on each larger change: q = m / k, its error tol / k
    for m in moved[1:]:
        k = round(m / q)
        if k > MULTIPLES or abs(m - k * q) > 2 * tol + k * uq:
            return 0.0
        q, uq = m / k, tol / k
    return q
