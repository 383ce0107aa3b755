"""Finite differences as values: a method turns a scalar function phi(t) into phi'(0) with an error estimate.

Central differences at steps h, h/2, ..., h/2^(L-1) are combined by Richardson extrapolation
(each level cancels the next even power of h), and the last correction plus a round-off bound is the
error estimate that the verdict uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from functools import cache

import numpy as np

from ..validate import parse_int, parse_number

EPS = float(np.finfo(np.float64).eps)


class Stencil(str, Enum):
    """What the differences at halving steps showed around the point."""

    SMOOTH = "smooth"  # central differences converge as a smooth function's do
    KINK = "kink"  # the one-sided slopes differ, at several steps, by more than their errors: not differentiable
    NOISY = "noisy"  # round-off dominates the differences


@dataclass(frozen=True)
class FDEstimate:
    """phi'(0) with its error estimate and the work it took.

    At a kink `value` is the midpoint of the one-sided slopes `one_sided` = (left, right) and `error` the error of
    those slopes (not their spread): a value is judged against the interval, never against a widened midpoint.
    """

    value: float
    error: float
    evaluations: int
    step: float
    smooth: bool = True  # False when the differences do not shrink like h^2 (a kink or noise in the stencil)
    one_sided: tuple[float, float] | None = None  # (left, right) derivative at a kink, given f(0)
    kind: Stencil = Stencil.SMOOTH
    quantum: float = 0.0  # the loss's resolution seen here: changes of phi that rounded away entirely (0: none)
    gain: float = 0.0  # round-off of phi's values times this is the estimate's round-off error
    moved: bool = True  # False when phi equalled phi(0) at every step taken: the loss never moved here


@dataclass(frozen=True)
class Level:
    """phi at +-h around 0 (and phi(0)): the central difference, the one-sided slopes and their gap."""

    h: float
    fp: float
    fm: float
    f0: float | None

    @property
    def central(self) -> float:
        return (self.fp - self.fm) / (2 * self.h)

    @property
    def right(self) -> float:
        return (self.fp - self.f0) / self.h

    @property
    def left(self) -> float:
        return (self.f0 - self.fm) / self.h

    @property
    def bend(self) -> float:
        """D+ - D- = (f(h) - 2 f(0) + f(-h)) / h: h f'' when smooth, the jump of the slope at a kink."""
        return (self.fp - 2 * self.f0 + self.fm) / self.h


EXTRA_LEVELS = 4  # halvings beyond the method's levels, taken only where the first levels do not look smooth
DEEPER = 8  # ... and at most this many more, one at a time, while no window converges and round-off allows


@dataclass(frozen=True)
class CentralRichardson:
    """Central differences at `levels` halving steps, extrapolated to order 2*levels."""

    levels: int = 3
    rel_step: float = 2.0**-7  # first step, relative to the scale of the point

    def __post_init__(self):
        parse_int(self.levels, "levels", 1, 6)
        parse_number(self.rel_step, "rel_step", 0.0, 1.0, open_low=True)

    def __repr__(self) -> str:
        return f"central_richardson(levels={self.levels}, rel_step=2^{math.log2(self.rel_step):.0f})"

    @property
    def order(self) -> int:
        return 2 * self.levels

    @property
    def most_levels(self) -> int:
        """The most step sizes a derivative takes: the method's, EXTRA_LEVELS, then DEEPER one at a time."""
        return self.levels + EXTRA_LEVELS + DEEPER

    @property
    def evaluations(self) -> int:
        return 2 * self.levels

    def step(self, scale: float) -> float:
        """First step for a point of the given magnitude, a power of two so x + h is exact-ish."""
        h = self.rel_step * max(1.0, float(scale))
        return 2.0 ** round(math.log2(h))

    def derivative(
        self,
        phi: Callable[[float], float],
        scale: float = 1.0,
        f0: float | None = None,
        eps: float = EPS,
        noise_floor: float = 0.0,
        closer: bool = False,
    ) -> FDEstimate:
        """phi'(0) by extrapolated central differences, with truncation + round-off error estimate.

        Where they do not converge as a smooth function's, steps are halved further (EXTRA_LEVELS, then up to
        DEEPER more while round-off allows): a later window that converges gives the derivative (first
        differences that cancelled, or a kink beside the point that the larger steps straddled); one-sided slopes
        differing by a steady jump beyond their errors are a kink at the point (needs f0 = phi(0)). `eps`: phi's
        relative precision; `noise_floor`: its measured round-off (roundoff.py). `closer`: a second look where
        yours disagrees with a smooth first look: all steps taken, only a kink on that evidence overturns it.
        """
        h = self.step(scale)
        levels = [_level(phi, h / 2**k, f0) for k in range(self.levels)]
        first = self._window(levels, eps, noise_floor)
        if f0 is not None and not _moved(levels):  # the loss never moved here (the judge's rule 7)
            return replace(first, moved=False)
        if (first.smooth and not closer) or f0 is None or self.levels < 2:
            return first
        levels += [_level(phi, h / 2**k, f0) for k in range(self.levels, self.levels + EXTRA_LEVELS)]
        q = quantum(levels)
        noise = max(_noise(levels, eps), q, noise_floor)
        found = _kink(levels, noise) or (None if first.smooth else self._converged(levels, 1, eps, noise_floor, q))
        while found is None and len(levels) < self.most_levels and _resolvable(levels, noise):
            levels.append(_level(phi, levels[-1].h / 2, f0))  # a kink beside the point, left behind further down
            found = _kink(levels, noise)
            if found is None and not first.smooth:
                found = self._converged(levels, len(levels) - self.levels, eps, noise_floor, q)
        if found is not None and found.kind == Stencil.KINK and not _sides_converge(levels[-4:], noise):
            found = self._settled(phi, levels, f0, eps, noise_floor, noise, q) or found
        if found is None:
            found = (
                first
                if first.smooth
                else self._best_pair(levels[: self.levels + EXTRA_LEVELS], eps, noise_floor, noise, q)
            )
        step = h if found.kind == Stencil.KINK else found.step
        return replace(found, evaluations=2 * len(levels), step=step, quantum=q, moved=_moved(levels))

    def _settled(self, phi, levels: list[Level], f0: float, eps: float, noise_floor: float, noise: float, q: float):
        """A kink whose one-sided slopes still move at the smallest steps taken: a second kink lies within the
        larger steps, which straddle it (a ReLU of another example 1e-4 away), so their slopes are not the point's.
        Steps are halved on (appended to `levels`) until both slopes settle as a smooth function's do; the kink's
        interval is then read from the settled steps alone, or, where the point itself is smooth there, their
        converged window. None when they never settle."""
        while not _sides_converge(levels[-4:], noise) and len(levels) < self.most_levels and _resolvable(levels, noise):
            levels.append(_level(phi, levels[-1].h / 2, f0))
        if not _sides_converge(levels[-4:], noise):
            return None
        return _kink(levels[-4:], noise) or self._converged(levels, len(levels) - self.levels, eps, noise_floor, q)

    def _converged(self, levels: list[Level], start: int, eps: float, noise_floor: float, q: float):
        """The first window from `start` on that converges as a smooth function's and moved at all (steps
        whose values all rounded away say nothing), or None."""
        for k in range(start, len(levels) - self.levels + 1):
            window = self._window(levels[k : k + self.levels], eps, noise_floor)
            moving = any(lv.fp != lv.f0 or lv.fm != lv.f0 for lv in levels[k : k + self.levels])
            if window.smooth and (moving or q == 0):
                return window
        return None

    def _best_pair(self, levels: list[Level], eps: float, noise_floor: float, noise: float, q: float) -> FDEstimate:
        """No kink on evidence and no window converging as a smooth function's: round-off (a loss computed by
        cancellation, or quantised), a near-inflection the bands do not admit, or a kink beside the point.
        The estimate is the window that agrees best with the next one; their difference is its error."""
        n = len(levels) - self.levels + 1
        windows = [self._window(levels[k : k + self.levels], eps, noise_floor) for k in range(n)]
        best = min(
            range(n - 1),
            key=lambda k: abs(windows[k + 1].value - windows[k].value) + windows[k + 1].gain * noise,
        )
        w = windows[best + 1]
        error = abs(w.value - windows[best].value) + w.gain * noise
        return replace(w, kind=Stencil.NOISY, smooth=False, error=max(error, w.gain * q), one_sided=None)

    def _window(self, levels: list[Level], eps: float, noise_floor: float = 0.0) -> FDEstimate:
        """Richardson over consecutive levels; smooth when differences and bends shrink as a smooth phi's do."""
        h = levels[0].h
        diffs = [lv.central for lv in levels]
        bends = [lv.bend for lv in levels] if levels[0].f0 is not None else []
        value, truncation, coeffs = richardson(diffs)
        # round-off: each f carries ~ a few eps |f|; D_k amplifies it by 1/h_k, the tableau by |c_k|
        noise = max(_noise(levels, eps), noise_floor)
        h_min = levels[-1].h
        roundoff = sum(abs(c) * noise / lv.h for lv, c in zip(levels, coeffs))
        smooth = (
            shrinks_like(diffs, noise / h_min, 4.0)
            and shrinks_like(bends, 4 * noise / h_min, 2.0, fastest=16.0)
            and _sides_converge(levels, noise)
            and _no_jump(levels, noise)
        )
        kind = Stencil.SMOOTH
        if not smooth:  # the extrapolation's own correction means nothing here: use the raw spread
            truncation = max(truncation, max(diffs) - min(diffs), max(map(abs, bends), default=0.0))
            kind = Stencil.NOISY if _roundoff_explains(bends, diffs, noise, h) else Stencil.KINK
        gain = sum(abs(c) / lv.h for lv, c in zip(levels, coeffs))
        return FDEstimate(value, truncation + roundoff, 2 * len(levels), h, smooth, None, kind, gain=gain)


def _no_jump(levels: list[Level], noise: float) -> bool:
    """The curvature-free part of the one-sided gap, J_k = 2 bend(h_k/2) - bend(h_k), falls as a smooth
    function's O(h^3) does (by 4 to 16 per halving) or sits in round-off: a small jump hidden under strong
    curvature shows as a steady J long before the gap itself looks odd."""
    if levels[0].f0 is None:
        return True
    js = [(2 * b.bend - a.bend, 12 * noise / b.h) for a, b in zip(levels, levels[1:])]
    for (j1, e1), (j2, e2) in zip(js, js[1:]):
        if abs(j1) > 8 * e1 and abs(j2) > 8 * e2 and not (j1 * j2 > 0 and 4 <= j1 / j2 <= 16):
            return False
    return True


def _sides_converge(levels: list[Level], noise: float) -> bool:
    """Each one-sided slope converges as a smooth function's: D+(h) = f' + h f''/2 + O(h^2), so its changes
    under halving fall by 2 (by 4 where f'' = 0). A kink just inside the larger steps breaks this on one side
    while the central differences can still look convergent."""
    if levels[0].f0 is None or len(levels) < 3:
        return True
    for side in ("left", "right"):
        values = [getattr(lv, side) for lv in levels]
        changes = [a - b for a, b in zip(values, values[1:])]
        if not _falls(changes, 2 * noise / levels[-1].h, SIDE_BANDS, 2.0):
            return False
    return True


def _moved(levels: list[Level]) -> bool:
    return levels[0].f0 is None or any(lv.fp != lv.f0 or lv.fm != lv.f0 for lv in levels)


def _resolvable(levels: list[Level], noise: float) -> bool:
    """A smaller step still resolves the derivative: the one-sided slopes' round-off at the next step,
    2 noise / (h/2), is below 1/64 of their recent spread (a kink's bias there is larger than round-off)."""
    last = levels[-3:]
    spread = max(max(lv.left, lv.right) for lv in last) - min(min(lv.left, lv.right) for lv in last)
    return 4 * noise / levels[-1].h < spread / 64


def _level(phi, h: float, f0: float | None) -> Level:
    return Level(h, float(phi(h)), float(phi(-h)), f0)


def quantum(levels: list[Level]) -> float:
    """The loss's resolution where it shows: phi moved in whole multiples of a quantum q (at least three
    nonzero changes) and stopped moving at all, on either side, at the smaller steps. A loss computed by
    cancellation (a saturated log-softmax) moves in quanta far above eps |phi|. 0 when phi never stalled."""
    stalled = [k for k, lv in enumerate(levels) if lv.fp == lv.f0 and lv.fm == lv.f0]
    moved = [abs(d) for lv in levels for d in (lv.fp - lv.f0, lv.fm - lv.f0) if d != 0]
    if not stalled or len(moved) < 3 or stalled[0] == 0:
        return 0.0
    q = min(moved)
    whole = all(abs(m / q - round(m / q)) <= 1e-6 * m / q for m in moved)
    return q if whole else 0.0


def _noise(levels: list[Level], eps: float) -> float:
    """Round-off in one value of phi: a few eps of the largest |phi| seen."""
    f0 = levels[0].f0
    fmax = max([abs(f0) if f0 is not None else 0.0] + [max(abs(lv.fp), abs(lv.fm)) for lv in levels])
    return 8 * eps * fmax


def _sides(levels: list[Level], noise: float) -> list[tuple[float, float, float]]:
    """(left, right, error) per pair of consecutive levels: each one-sided slope extrapolated to h -> 0 by
    2 D(h/2) - D(h) (its h f''/2 term cancels); the error is the change since the previous pair plus the
    extrapolation's round-off 3 x 2 noise / (h/2)."""
    out, prev = [], None
    for a, b in zip(levels, levels[1:]):
        left, right = 2 * b.left - a.left, 2 * b.right - a.right
        change = (
            max(abs(left - prev[0]), abs(right - prev[1]))
            if prev
            else max(abs(b.left - a.left), abs(b.right - a.right))
        )
        out.append((left, right, change + 6 * noise / b.h))
        prev = (left, right)
    return out


RUN = 3  # consecutive step sizes at which a kink must show


def _kink(levels: list[Level], noise: float) -> FDEstimate | None:
    """A kink in the stencil, on evidence: the one-sided gap bend(h) = J + h f'' + O(h^3) has J = 0 for a smooth
    function. Either J_k = 2 bend(h_k/2) - bend(h_k) (the curvature removed) or the gap itself stays put over
    RUN consecutive steps (ratios within [3/4, 4/3] per halving, one sign), each at least 8 times its round-off,
    where curvature halves the gap with h, a smooth remainder falls by 8 and round-off doubles it."""
    js = [(2 * b.bend - a.bend, 12 * noise / b.h) for a, b in zip(levels, levels[1:])]
    gaps = [(lv.bend, 4 * noise / lv.h) for lv in levels]
    return _interval(levels, noise, Stencil.KINK) if _steady(js) or _steady(gaps) else None


def _steady(seq: list[tuple[float, float]]) -> bool:
    """RUN consecutive values, each beyond 8 times its round-off, of one sign and within 4/3 of each other."""
    for k in range(len(seq) - RUN + 1):
        run = seq[k : k + RUN]
        if all(abs(v) > 8 * e for v, e in run) and all(
            a * b > 0 and 0.75 <= a / b <= 4 / 3 for (a, _), (b, _) in zip(run, run[1:])
        ):
            return True
    return False


def _interval(levels: list[Level], noise: float, kind: Stencil) -> FDEstimate:
    """The extrapolated one-sided slopes where their error is smallest, their midpoint and that error."""
    sides = _sides(levels, noise)
    k = min(range(len(sides)), key=lambda i: sides[i][2])
    left, right, err = sides[k]
    return FDEstimate((left + right) / 2, err, 0, levels[k + 1].h, False, (left, right), kind)


# Per halving, a smooth function's central-difference gaps fall by 4 (by 16 where f(3) = 0), its one-sided gap
# D+ - D- = h f'' + h^3 f(4)/12 by 2 (by 8 at an inflection), each one-sided slope's change by 2 (by 4 where
# f'' = 0). A ratio between those regimes, or slower, is not taken as smooth: more steps decide (a kink at a
# distance between two steps can otherwise pass for curvature).
GAP_BANDS = ((3.0, 5.3), (12.0, 32.0))
BEND_BANDS = ((1.5, 2.7), (5.5, 16.0))
SIDE_BANDS = ((1.5, 2.7), (3.3, 4.8))


def shrinks_like(values: list[float], noise: float, rate: float, fastest: float | None = None) -> bool:
    """True when a smooth function's h-dependent quantity falls as it should per step halving.

    Applied to central differences (rate 4), successive gaps D(h) - D(h/2) are checked against GAP_BANDS;
    applied to the one-sided slope gap D+ - D- (rate 2), the values themselves against BEND_BANDS.
    `fastest` caps the faster band. A kink breaks either pattern.
    """
    bands = GAP_BANDS if rate == 4.0 else BEND_BANDS
    if fastest is not None:
        bands = tuple((lo, min(hi, fastest)) for lo, hi in bands)
    seq = [a - b for a, b in zip(values, values[1:])] if rate == 4.0 else list(values)
    return _falls(seq, noise, bands, rate)


def _falls(seq: list[float], noise: float, bands, rate: float) -> bool:
    for g1, g2 in zip(seq, seq[1:]):
        if abs(g2) <= 16 * noise and abs(g1) <= 16 * noise * rate * 2:
            continue  # fell into (or stayed in) round-off as it should: nothing to see
        if abs(g2) <= 16 * noise or not any(lo <= g1 / g2 <= hi for lo, hi in bands):
            return False
    return True


def _roundoff_explains(bends: list[float], diffs: list[float], noise: float, h: float) -> bool:
    """True when the non-smooth pattern is no bigger than round-off (noise, not a kink).

    Round-off of size `noise` in each value moves D_k by ~ noise / h_k and the bend by ~ 4 noise / h_k;
    a kink moves the bend by its jump, independent of h.
    """
    if bends:
        return all(abs(b) <= 64 * noise / (h / 2**k) for k, b in enumerate(bends))
    return max(diffs) - min(diffs) <= 64 * noise / (h / 2 ** (len(diffs) - 1))


def richardson(diffs: list[float]) -> tuple[float, float, list[float]]:
    """Extrapolate central differences at halving steps; return (value, |last correction|, weights)."""
    n = len(diffs)
    table = [list(diffs)]
    for j in range(1, n):
        prev = table[-1]
        f = 4.0**j
        table.append([(f * prev[k + 1] - prev[k]) / (f - 1) for k in range(len(prev) - 1)])
    value = table[-1][0]
    correction = abs(value - table[-2][-1]) if n > 1 else abs(value) * 1e-3
    return value, correction, list(_weights(n))


@cache
def _weights(n: int) -> tuple[float, ...]:
    """The extrapolated value's weights on the n raw differences (the same tableau, run on unit vectors)."""
    wtable = [[np.eye(n)[k] for k in range(n)]]
    for j in range(1, n):
        wprev, f = wtable[-1], 4.0**j
        wtable.append([(f * wprev[k + 1] - wprev[k]) / (f - 1) for k in range(len(wprev) - 1)])
    return tuple(float(w) for w in wtable[-1][0])
