"""Finite differences as values: a method turns a scalar function phi(t) into phi'(0) with an error estimate.

Central differences at steps h, h/2, ..., h/2^(L-1) are combined by Richardson extrapolation
(each level cancels the next even power of h), and the last correction plus a round-off bound is the
error estimate that the verdict uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class FDEstimate:
    """phi'(0) with its error estimate and the work it took."""

    value: float
    error: float
    evaluations: int
    step: float
    smooth: bool = True  # False when the differences do not shrink like h^2 (a kink or noise in the stencil)
    one_sided: tuple[float, float] | None = None  # (left, right) derivative at the smallest step, given f(0)
    kind: str = "smooth"  # "smooth", "kink" (one-sided slopes differ by a jump) or "noisy" (round-off dominates)


@dataclass(frozen=True)
class CentralRichardson:
    """Central differences at `levels` halving steps, extrapolated to order 2*levels."""

    levels: int = 3
    rel_step: float = 2.0**-7  # first step, relative to the scale of the point

    def __post_init__(self):
        from ..settings import parse_int, parse_number

        parse_int(self.levels, "levels", 1, 6)
        parse_number(self.rel_step, "rel_step", 0.0, 1.0, open_low=True)

    def __repr__(self) -> str:
        return f"central_richardson(levels={self.levels}, rel_step=2^{math.log2(self.rel_step):.0f})"

    @property
    def order(self) -> int:
        return 2 * self.levels

    @property
    def evaluations(self) -> int:
        return 2 * self.levels

    def step(self, scale: float) -> float:
        """First step for a point of the given magnitude, a power of two so x + h is exact-ish."""
        h = self.rel_step * max(1.0, float(scale))
        return 2.0 ** round(math.log2(h))

    def derivative(self, phi: Callable[[float], float], scale: float = 1.0, f0: float | None = None,
                   eps: float = EPS) -> FDEstimate:
        """phi'(0) by extrapolated central differences, with truncation + round-off error estimate.

        With f0 = phi(0) (free: the check already has it) a kink at 0 itself is seen too: there the
        one-sided slopes differ by a jump that does not shrink with h. `eps` is the relative precision of
        phi's values (float64 eps unless the loss computes in float32).
        """
        h = self.step(scale)
        diffs, bends, fmax = [], [], abs(f0) if f0 is not None else 0.0
        for k in range(self.levels):
            hk = h / 2**k
            fp, fm = float(phi(hk)), float(phi(-hk))
            fmax = max(fmax, abs(fp), abs(fm))
            diffs.append((fp - fm) / (2 * hk))
            if f0 is not None:  # D+ - D- = (f(h) - 2 f(0) + f(-h)) / h ~ h f'' when smooth
                bends.append((fp - 2 * f0 + fm) / hk)
        value, truncation, coeffs = richardson(diffs)
        # round-off: each f carries ~ a few eps |f|; D_k amplifies it by 1/h_k, the tableau by |c_k|
        noise = 8 * eps * fmax
        h_min = h / 2 ** (self.levels - 1)
        roundoff = sum(abs(c) * noise / (h / 2**k) for k, c in enumerate(coeffs))
        smooth = shrinks_like(diffs, noise / h_min, 4.0) and shrinks_like(bends, 4 * noise / h_min, 2.0, fastest=16.0)
        one_sided, kind = None, "smooth"
        if not smooth:  # the extrapolation's own correction means nothing here: use the raw spread
            truncation = max(truncation, max(diffs) - min(diffs), max(map(abs, bends), default=0.0))
            kind = "noisy" if _roundoff_explains(bends, diffs, noise, h) else "kink"
            if f0 is not None and kind == "kink":
                one_sided = (value - bends[-1] / 2, value + bends[-1] / 2)
        return FDEstimate(value, truncation + roundoff, self.evaluations, h, smooth, one_sided, kind)


def shrinks_like(values: list[float], noise: float, rate: float, fastest: float | None = None) -> bool:
    """True when a smooth function's h-dependent quantity falls by ~`rate` per step halving.

    Applied to central differences, successive gaps D(h) - D(h/2) fall by 4; applied to the
    one-sided slope gap D+ - D-, the values themselves fall by 2. A kink breaks either pattern.
    `fastest` (default rate^2 * 2) admits a faster fall: at an inflection point f'' = 0 and the bend
    falls like h^3, by 8 per halving.
    """
    fastest = rate * rate * 2 if fastest is None else fastest
    seq = [a - b for a, b in zip(values, values[1:])] if rate == 4.0 else list(values)
    for g1, g2 in zip(seq, seq[1:]):
        if abs(g2) <= 16 * noise and abs(g1) <= 16 * noise * rate * 2:
            continue  # fell into (or stayed in) round-off as it should: nothing to see
        if abs(g2) <= 16 * noise or not (rate * 0.6 <= g1 / g2 <= fastest):  # faster: higher order
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


@lru_cache(maxsize=None)
def _weights(n: int) -> tuple[float, ...]:
    """The extrapolated value's weights on the n raw differences (the same tableau, run on unit vectors)."""
    wtable = [[np.eye(n)[k] for k in range(n)]]
    for j in range(1, n):
        wprev, f = wtable[-1], 4.0**j
        wtable.append([(f * wprev[k + 1] - wprev[k]) / (f - 1) for k in range(len(wprev) - 1)])
    return tuple(float(w) for w in wtable[-1][0])
