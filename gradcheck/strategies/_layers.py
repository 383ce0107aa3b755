"""Hypothesis strategies for the layers beyond the MLP: window geometries, sequence lengths, ids, masks, inputs.

Public through `gradcheck.strategies`; import them from there. Bounds are keyword-only `min_*`/`max_*` as in
`hypothesis.extra.numpy`, validated when the strategy is built (a bad one raises `InvalidArgument` naming it).
Shapes are small on purpose: a stride that skips the last rows, a padding that shifts the windows or a repeated
id shows up at sizes 2 to 5, and small shapes keep the torch and jax oracles fast.
Example:

    @given(geo=conv_geometries(max_stride=2, max_pad=1), data=st.data())
    def test_my_conv(geo, data):
        x = data.draw(finite_arrays(geo.x_shape))
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, TypedDict

import numpy as np
from hypothesis import strategies as st

from gradcheck.strategies._arrays import _generator, _seeded
from gradcheck.strategies._validation import InvalidArgument, _bounds, _dtype, _int, _real, _shape

if TYPE_CHECKING:
    from typing import Unpack


def _x_shape(g) -> tuple:
    """The input's (N, C, H, W) of a conv or pooling geometry."""
    return (g.batch, g.channels, g.height, g.width)


def _out(g) -> tuple:
    """(H', W') of a window geometry: (H + 2 pad - KH) // stride + 1, and the same for W."""
    return tuple((n + 2 * g.pad - k) // g.stride + 1 for n, k in zip((g.height, g.width), g.kernel))


# (H, W), (KH, KW), stride, pad: the fields both geometries share after their counts
_WINDOW_FIELDS = [("height", int), ("width", int), ("kernel", tuple), ("stride", int), ("pad", int)]


class ConvGeometry(NamedTuple("ConvGeometry", [("batch", int), ("channels", int), ("filters", int), *_WINDOW_FIELDS])):
    """One conv2d problem: x (N, C, H, W), w (F, C, KH, KW), b (F,), with stride and zero padding pad."""

    __slots__ = ()
    x_shape = property(_x_shape)

    @property
    def w_shape(self) -> tuple:
        return (self.filters, self.channels) + tuple(self.kernel)

    @property
    def b_shape(self) -> tuple:
        return (self.filters,)

    @property
    def out_shape(self) -> tuple:
        """(N, F, H', W') with H' = (H + 2 pad - KH) // stride + 1."""
        return (self.batch, self.filters) + _out(self)


class PoolGeometry(NamedTuple("PoolGeometry", [("batch", int), ("channels", int), *_WINDOW_FIELDS])):
    """One pooling problem: x (N, C, H, W), a KH x KW window, stride and padding pad <= min(KH, KW) // 2."""

    __slots__ = ()
    x_shape = property(_x_shape)

    @property
    def out_shape(self) -> tuple:
        """(N, C, H', W') with H' = (H + 2 pad - KH) // stride + 1."""
        return (self.batch, self.channels) + _out(self)


# --- sizes -------------------------------------------------------------------------------


def kernel_sizes(*, min_size: int = 1, max_size: int = 3) -> st.SearchStrategy[int]:
    """One side of a window, in [min_size, max_size] (defaults 1 and 3); shrinks towards min_size.

    Example: kernel_sizes(min_size=2).example() -> 3
    """
    lo, hi = _bounds("min_size", min_size, "max_size", max_size, minimum=1)
    return st.integers(lo, hi)


def strides(*, min_stride: int = 1, max_stride: int = 2) -> st.SearchStrategy[int]:
    """A window stride in [min_stride, max_stride] (defaults 1 and 2). Example: strides(max_stride=3)"""
    lo, hi = _bounds("min_stride", min_stride, "max_stride", max_stride, minimum=1)
    return st.integers(lo, hi)


def paddings(*, min_pad: int = 0, max_pad: int = 1) -> st.SearchStrategy[int]:
    """A padding in [min_pad, max_pad] (defaults 0 and 1), added on each side. Example: paddings(max_pad=2)"""
    lo, hi = _bounds("min_pad", min_pad, "max_pad", max_pad)
    return st.integers(lo, hi)


def sequence_lengths(*, min_length: int = 1, max_length: int = 4) -> st.SearchStrategy[int]:
    """A sequence length T in [min_length, max_length] (defaults 1 and 4; T = 1 is a single step).

    Example: sequence_lengths(min_length=2).example() -> 3
    """
    lo, hi = _bounds("min_length", min_length, "max_length", max_length, minimum=1)
    return st.integers(lo, hi)


# --- window geometries -------------------------------------------------------------------


def _window_bounds(min_kernel, max_kernel, max_stride, max_pad, max_size):
    """Validated (kernel lo, hi), stride hi, pad hi, size hi; every kernel must fit an unpadded input."""
    k_lo, k_hi = _bounds("min_kernel", min_kernel, "max_kernel", max_kernel, minimum=1)
    s_hi, p_hi, size = _int("max_stride", max_stride, 1), _int("max_pad", max_pad), _int("max_size", max_size, 1)
    if size < k_hi:
        raise InvalidArgument(
            f"Expected max_size >= max_kernel (so every kernel fits) but got max_size={size}, max_kernel={k_hi}"
        )
    return (k_lo, k_hi), s_hi, p_hi, size


@st.composite
def _window(draw, kernels, max_stride, max_pad, max_size, pool):
    """kernel (KH, KW), stride, pad, H, W: pad <= min(KH, KW) // 2 for pooling; H + 2 pad >= KH."""
    kernel = (draw(st.integers(*kernels)), draw(st.integers(*kernels)))
    stride = draw(st.integers(1, max_stride))
    pad = draw(st.integers(0, min(max_pad, min(kernel) // 2) if pool else max_pad))
    h, w = (draw(st.integers(max(1, k - 2 * pad), max_size)) for k in kernel)
    return kernel, stride, pad, h, w


class WindowBounds(TypedDict, total=False):
    """The window bounds conv_geometries and pool_geometries take: KH and KW in [min_kernel, max_kernel]
    (defaults 1, 3), stride in [1, max_stride], pad in [0, max_pad] (default 1), H and W up to max_size (default
    5)."""

    min_kernel: int
    max_kernel: int
    max_stride: int
    max_pad: int
    max_size: int


WINDOW_DEFAULTS = {"min_kernel": 1, "max_kernel": 3, "max_pad": 1, "max_size": 5}


def conv_geometries(
    *, max_batch: int = 2, max_channels: int = 2, max_filters: int = 2, **window: Unpack[WindowBounds]
) -> st.SearchStrategy[ConvGeometry]:
    """ConvGeometry: N, C, F in [1, max_batch / max_channels / max_filters] (defaults 2), KH and KW drawn apart
    in [min_kernel, max_kernel] (defaults 1, 3), stride in [1, max_stride] (default 2), pad in [0, max_pad]
    (default 1), H and W in [max(1, K - 2 pad), max_size] (default 5), so the last rows are sometimes skipped.

    Example: conv_geometries(max_stride=1, max_pad=0) (a 'valid' convolution)
    """
    counts = {"max_batch": max_batch, "max_channels": max_channels, "max_filters": max_filters}
    return _geometries(ConvGeometry, counts, {"max_stride": 2, **window}, pool=False)


def pool_geometries(
    *, max_batch: int = 2, max_channels: int = 2, **window: Unpack[WindowBounds]
) -> st.SearchStrategy[PoolGeometry]:
    """PoolGeometry: N, C in [1, max_batch / max_channels] (defaults 2), KH and KW in [min_kernel, max_kernel]
    (defaults 1, 3), stride in [1, max_stride] (default 3: overlapping, tiling and gapped windows), pad in
    [0, min(max_pad, KH // 2, KW // 2)] (default max_pad 1; as torch, a window must hold an input), H and W in
    [max(1, K - 2 pad), max_size] (default 5).

    Example: pool_geometries(min_kernel=2, max_pad=1)
    """
    counts = {"max_batch": max_batch, "max_channels": max_channels}
    return _geometries(PoolGeometry, counts, {"max_stride": 3, **window}, pool=True)


def _geometries(geometry, counts: dict, window: dict, pool: bool):
    """ConvGeometry or PoolGeometry strategies: each count (N, C[, F]) in [1, its max], then the window."""
    known = (*counts, *WindowBounds.__annotations__)
    unknown = sorted(set(window) - set(known))
    if unknown:
        name = unknown[0]
        raise InvalidArgument(f"Unknown keyword {name}={window[name]!r}; expected one of {', '.join(known)}")
    sizes = st.tuples(*(st.integers(1, _int(name, top, 1)) for name, top in counts.items()))
    bounds = _window_bounds(**{**WINDOW_DEFAULTS, **window})
    return st.builds(lambda n, win: geometry(*n, win[3], win[4], win[0], win[1], win[2]), sizes, _window(*bounds, pool))


# --- ids, masks, inputs ------------------------------------------------------------------


def token_ids(shape, *, vocab_size: int, repeat: bool = True) -> st.SearchStrategy[np.ndarray]:
    """int64 ids of `shape` in [0, vocab_size); with repeat=True (default) and at least 2 ids, some id occurs
    twice (one position, chosen at random, copies another), the case a scatter-by-assignment backward gets wrong.
    One seed a draw (see `finite_arrays`). Example: token_ids((2, 3), vocab_size=4)
    """
    shape, vocab = _shape(shape), _int("vocab_size", vocab_size, 1)
    if not isinstance(repeat, bool):
        raise InvalidArgument(f"Expected repeat to be a bool but got repeat={repeat!r}")
    return _seeded(lambda seed: _ids(_generator(seed), shape, vocab, repeat))


def _ids(rng, shape, vocab, repeat):
    """Uniform ids; with repeat and 2+ entries the entry at one position copied to another."""
    ids = rng.integers(0, vocab, shape, dtype=np.int64)
    if repeat and ids.size >= 2:
        i, j = rng.choice(ids.size, 2, replace=False)
        ids.reshape(-1)[j] = ids.reshape(-1)[i]
    return ids


def attention_masks(shape) -> st.SearchStrategy[np.ndarray]:
    """Boolean masks of `shape` (..., Tq, Tk), True = may attend, with at least one True in every row
    (a row of False would make the softmax 0/0). One seed a draw. Example: attention_masks((3, 4))
    """
    shape = _shape(shape)
    if len(shape) < 2 or 0 in shape:
        raise InvalidArgument(f"Expected a shape (..., Tq, Tk) with no zero size but got shape={shape}")
    return _seeded(lambda seed: _mask(_generator(seed), shape))


def _mask(rng, shape):
    """Each entry True with probability 1/2, then one entry of every row set True."""
    rows = rng.random(shape).reshape(-1, shape[-1]) < 0.5
    rows[np.arange(len(rows)), rng.integers(0, shape[-1], len(rows))] = True
    return rows.reshape(shape)


def separated_arrays(shape, *, dtype="float64", spacing: float = 0.05) -> st.SearchStrategy[np.ndarray]:
    """Arrays of `shape` whose entries are pairwise at least `spacing` apart (default 0.05), centred on 0.

    No ties and no near-ties: where max pooling picks a winner, a rival within the finite-difference step would
    make fd see the average of two slopes. Entries are a shuffled grid of step 2 spacing plus jitter in
    [0, spacing), so their range grows with the size (100 entries span about 10). dtype "float64" or "float32".
    One seed a draw. Example: separated_arrays((1, 2, 4, 4), spacing=0.1)
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    spacing = _real("spacing", spacing, positive=True)
    return _seeded(lambda seed: _separated(_generator(seed), shape, dtype, spacing))


def _separated(rng, shape, dtype, spacing):
    """A shuffled grid (k - (size - 1) / 2) 2 spacing, k = 0..size-1, plus jitter in [0, spacing)."""
    size = int(np.prod(shape))
    grid = (rng.permutation(size) - (size - 1) / 2) * 2 * spacing
    return (grid + spacing * rng.random(size)).reshape(shape).astype(dtype)
