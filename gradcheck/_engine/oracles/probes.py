"""Directional probes: signed, normalised, reproducible directions; FD along them; bisection to localise.

A probe along v measures D_v = d/dt loss(x + t v) at t = 0, which a right gradient g matches: D_v = <g, v>.
Directions are Rademacher sign vectors scaled to unit norm (v_i = +-1/sqrt(n)), drawn from numpy's generator
seeded by (seed, kind, probe, block), so every probe in a report can be rebuilt from the recorded seed.
A single entry off by d moves <g, v> by exactly d/sqrt(n), whatever the signs: sign probes cannot miss it.
When a probe fails and no AD oracle can give entries, its support is halved until single entries remain
(bisection): about 2 log2(n) probes find one wrong entry among n.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from . import Probe
from .finite_diff import CentralRichardson

GLOBAL, BLOCK = 0xA11, 0xB10


CACHE_UP_TO = 4096  # directions of at most this many entries are kept (read-only) for the next check
LARGE_CACHE_ENTRIES = 2_000_000  # ... and larger ones up to this many entries in all (16 MB), latest first
_LARGE: dict = {}


def signs(seed: int, key: tuple, shape, size: float = 1.0) -> np.ndarray:
    """+-size array of `shape`, signs from the generator seeded by (seed, *key); read-only (it may be shared).

    Checks with the same seed and shapes (a Hypothesis run, tests parametrised over one model) draw the same
    directions, so they are kept: small ones in an LRU cache, large ones up to LARGE_CACHE_ENTRIES in all.
    """
    shape = tuple(int(d) for d in shape) if np.ndim(shape) else (int(shape),)
    n = math.prod(shape)
    if n <= CACHE_UP_TO:
        return _signs_cached(int(seed), tuple(key), shape, float(size))
    if n > LARGE_CACHE_ENTRIES:
        return _signs(seed, key, shape, size)
    k = (int(seed), tuple(key), shape, float(size))
    if k not in _LARGE:
        while _LARGE and sum(a.size for a in _LARGE.values()) + n > LARGE_CACHE_ENTRIES:
            del _LARGE[next(iter(_LARGE))]  # the oldest first
        _LARGE[k] = _signs(seed, key, shape, size)
    return _LARGE[k]


def _signs(seed, key, shape, size) -> np.ndarray:
    rng = np.random.default_rng([seed, *key])
    picks = rng.integers(0, 2, size=shape).reshape(-1)
    out = np.array([-size, size])[picks].reshape(shape)  # one pass; the same bits as (+-1) / s
    out.flags.writeable = False
    return out


@lru_cache(maxsize=1024)
def _signs_cached(seed: int, key: tuple, shape: tuple, size: float) -> np.ndarray:
    return _signs(seed, key, shape, size)


def global_direction(seed: int, index: int, shapes) -> list[np.ndarray]:
    """Probe `index` over all blocks: per-block signs of size 1/sqrt(total entries)."""
    n = sum(int(np.prod(s)) for s in shapes)
    return [signs(seed, (GLOBAL, index, b), s, 1.0 / math.sqrt(n)) for b, s in enumerate(shapes)]


def block_direction(seed: int, block: int, index: int, shapes) -> list[np.ndarray | None]:
    """Probe `index` on one block only (None elsewhere), unit norm over that block."""
    shape = shapes[block]
    v = signs(seed, (BLOCK, block, index), shape, 1.0 / math.sqrt(max(1, int(np.prod(shape)))))
    return [v if b == block else None for b in range(len(shapes))]


def measure(
    problem, method: CentralRichardson, direction, *, name=None, index=0, scale=None, span=None, eps=None, noise=0.0
) -> Probe:
    """The FD directional derivative of the loss along `direction` (None blocks untouched); `noise`: the loss's
    measured round-off (roundoff.py), where it was measured."""
    covered = [b for b, v in enumerate(direction) if v is not None]
    if scale is None:
        scale = problem.scale(direction)
    est = method.derivative(
        problem.along(direction), scale=scale, f0=problem.f0, eps=eps or problem.eps, noise_floor=noise
    )
    label = name if name is not None else ("*" if len(covered) > 1 else problem.names[covered[0]])
    return Probe(
        label,
        index,
        est.value,
        est.error,
        est.smooth,
        list(direction),
        kind=est.kind,
        one_sided=est.one_sided,
        blocks=tuple(covered),
        span=span,
        scale=scale,
        evaluations=est.evaluations,
    )


def split(probe: Probe) -> list[tuple[list, tuple]]:
    """Two halves of a probe's support: blocks first, then flat entry ranges within one block."""
    d, span = probe.direction, probe.span
    if len(probe.blocks) > 1:
        half = len(probe.blocks) // 2
        parts = [probe.blocks[:half], probe.blocks[half:]]
        return [([d[b] if b in part else None for b in range(len(d))], None) for part in parts]
    b = probe.blocks[0]
    lo, hi = span if span is not None else (0, d[b].size)
    mid = (lo + hi) // 2
    out = []
    for a, c in ((lo, mid), (mid, hi)):
        flat = np.zeros(d[b].size)
        flat[a:c] = d[b].reshape(-1)[a:c]
        out.append(([flat.reshape(d[b].shape) if i == b else None for i in range(len(d))], (a, c)))
    return out


def is_leaf(probe: Probe) -> bool:
    return len(probe.blocks) == 1 and probe.span is not None and probe.span[1] - probe.span[0] == 1


def bisect(
    problem, method, probe: Probe, fails: Callable[[Probe], bool], budget: int, noise: float = 0.0
) -> list[Probe]:
    """Sub-probes that localise the failures of `probe` down to single entries, at most `budget` of them."""
    found, stack = [], [probe]
    while stack and len(found) + 2 <= budget:
        parent = stack.pop()
        for direction, span in split(parent):
            child = measure(problem, method, direction, index=parent.index, scale=parent.scale, span=span, noise=noise)
            found.append(child)
            if fails(child) and not is_leaf(child):
                stack.append(child)
    return found


def entry_value(probe: Probe) -> tuple[tuple, float, float]:
    """(index, d loss / d x_i, error) from a single-entry probe: D = v_i g_i, so g_i = D / v_i."""
    b = probe.blocks[0]
    v = probe.direction[b]
    j = probe.span[0]
    vi = float(v.reshape(-1)[j])
    idx = tuple(int(i) for i in np.unravel_index(j, v.shape)) if v.ndim else ()
    return idx, probe.value / vi, probe.error / abs(vi)
