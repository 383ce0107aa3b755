"""Array strategies (finite floats, one-hot labels) and the one way every strategy here fills an array.

Public through `gradcheck.strategies`. An array is not drawn entry by entry (`hypothesis.extra.numpy` makes one
Hypothesis choice per entry, ~30 us each): Hypothesis draws one 32-bit seed and numpy's generator fills the
array from it. What Hypothesis chooses (shapes, widths, depth, batch size, activations, loss, dtype, the seed)
still shrinks: shapes towards the smallest, the seed towards 0; the entries themselves change only with the seed.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from gradcheck.strategies._validation import InvalidArgument, _dtype, _real, _shape

_SEEDS = st.integers(0, 2**32 - 1)  # one choice per array (or group of arrays); shrinks towards seed 0


def _seeded(make, *strategies: st.SearchStrategy) -> st.SearchStrategy:
    """`make(*drawn, seed)` for values drawn from `strategies` and one seed, shown by Hypothesis as the value it
    returns (a falsifying example prints `x=array([[0.27, ...]])`): `.map` and `st.builds` would print the call
    (`x=fill(1)`), which says nothing about the arrays."""

    @st.composite
    def _value(draw):
        return make(*(draw(s) for s in strategies), draw(_SEEDS))

    return _value()


def _generator(seed: int) -> np.random.Generator:
    """numpy's generator for a drawn seed: the same seed gives the same arrays (Hypothesis replays it)."""
    return np.random.default_rng(seed)


def _uniform(rng: np.random.Generator, shape, lo: float, hi: float) -> np.ndarray:
    """float64 entries uniform in [lo, hi]: lo (1 - u) + hi u, clipped (no overflow for any finite lo, hi)."""
    u = rng.random(shape)
    return np.clip(lo * (1.0 - u) + hi * u, lo, hi)


def _cast(a, dtype):
    """a as dtype, with entries too small to be normal in dtype flushed to 0 (no subnormals after a cast)."""
    a = np.asarray(a).astype(dtype)
    return np.where(np.abs(a) < np.finfo(dtype).tiny, dtype.type(0), a)


def _inward(lo, hi, dtype):
    """[lo, hi] rounded inwards to values of dtype (so a value in it rounds to dtype inside it)."""
    lo_d, hi_d = np.asarray(lo, dtype), np.asarray(hi, dtype)
    lo_d = np.nextafter(lo_d, dtype.type(np.inf)) if lo_d < lo else lo_d
    hi_d = np.nextafter(hi_d, dtype.type(-np.inf)) if hi_d > hi else hi_d
    return float(lo_d), float(hi_d)


def _push_off_zero(a, margin, lo, hi):
    """Entries with |a| < margin become +-margin (keeping their sign where [lo, hi] allows)."""
    side = np.where(np.signbit(a), -margin, margin).astype(a.dtype)
    side = np.where(side < lo, margin, np.where(side > hi, -margin, side)).astype(a.dtype)
    return np.where(np.abs(a) < margin, side, a)


def _bounded(lo, hi, dtype, margin):
    """Validated [lo, hi] in dtype and the kink margin, as finite_arrays needs them."""
    if lo > hi:
        raise InvalidArgument(f"Expected min_value <= max_value but got min_value={lo}, max_value={hi}")
    if margin < 0 or (margin > 0 and hi < margin and lo > -margin):
        raise InvalidArgument(
            f"Expected kink_margin >= 0 with room in [min_value, max_value] outside "
            f"(-kink_margin, kink_margin) but got kink_margin={margin}, min_value={lo}, "
            f"max_value={hi}"
        )
    lo_d, hi_d = _inward(lo, hi, dtype)
    if lo_d > hi_d:
        raise InvalidArgument(
            f"Expected [min_value, max_value] to contain a {dtype.name} value but got min_value={lo}, max_value={hi}"
        )
    m = float(np.nextafter(np.asarray(margin, dtype), np.inf) if np.asarray(margin, dtype) < margin else margin)
    return lo_d, hi_d, m


def finite_arrays(
    shape, *, dtype="float64", min_value: float = -1.0, max_value: float = 1.0, kink_margin: float = 0.0
) -> st.SearchStrategy[np.ndarray]:
    """Finite float arrays of `shape` with entries uniform in [min_value, max_value] (defaults -1, 1); no
    subnormals. dtype is "float64" (default) or "float32". With kink_margin > 0 (default 0) every entry has
    |x| >= kink_margin (entries closer to 0 are moved to +-kink_margin), e.g. inputs of relu kept off its kink.
    One seed a draw (see the module's docstring). Example: finite_arrays((2, 3), dtype="float32", kink_margin=0.1)
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    lo, hi = _real("min_value", min_value), _real("max_value", max_value)
    lo_d, hi_d, margin = _bounded(lo, hi, dtype, _real("kink_margin", kink_margin))

    def fill(seed):
        a = _cast(_uniform(_generator(seed), shape, lo_d, hi_d), dtype)
        return _push_off_zero(a, dtype.type(margin), lo_d, hi_d) if margin > 0 else a

    return _seeded(fill)


def _one_hot(rng: np.random.Generator, shape, axis: int, dtype) -> np.ndarray:
    """A one-hot array of `shape` with its classes along `axis`, the hot class of each slice uniform."""
    n_classes, axis = shape[axis], axis % len(shape)
    k = rng.integers(0, n_classes, shape[:axis] + shape[axis + 1 :])
    return np.moveaxis(np.eye(n_classes, dtype=dtype)[k], -1, axis)


def one_hot_labels(shape, *, axis: int = -1, dtype="float64") -> st.SearchStrategy[np.ndarray]:
    """One-hot label arrays of `shape`: exactly one 1 along `axis` (default -1, the class axis), 0 elsewhere.

    Example: one_hot_labels((4, 3)) (4 examples, 3 classes; use axis=0 for the column convention).
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -len(shape) <= axis < len(shape):
        raise InvalidArgument(f"Expected an axis of a {len(shape)}-d shape but got axis={axis!r}")
    if shape[axis] < 1:
        raise InvalidArgument(f"Expected at least one class along axis={axis} but got shape={shape}")
    return _seeded(lambda seed: _one_hot(_generator(seed), shape, int(axis), dtype))
