"""The layer strategies validate their arguments eagerly (naming the argument) and keep their contracts."""

import itertools

import hypothesis.errors
import numpy as np
import pytest
from hypothesis import find, given, settings

from gradcheck import GradcheckError, strategies
from gradcheck.nets import conv2d_forward, max_pool_forward
from gradcheck.strategies import (
    InvalidArgument,
    attention_masks,
    conv_geometries,
    kernel_sizes,
    paddings,
    pool_geometries,
    separated_arrays,
    sequence_lengths,
    strides,
    token_ids,
)

FEW = settings(max_examples=25)

BAD_ARGUMENTS = [
    (kernel_sizes, {"min_size": 0}, "min_size=0"),
    (strides, {"min_stride": 3, "max_stride": 2}, "min_stride=3, max_stride=2"),
    (paddings, {"max_pad": -1}, "max_pad=-1"),
    (sequence_lengths, {"max_length": 1.5}, "max_length=1.5"),
    (conv_geometries, {"max_filters": 0}, "max_filters=0"),
    (conv_geometries, {"max_kernel": 4, "max_size": 3}, "max_size=3, max_kernel=4"),
    (pool_geometries, {"max_stride": True}, "max_stride=True"),
    (pool_geometries, {"min_kernel": 3, "max_kernel": 2}, "min_kernel=3, max_kernel=2"),
    (conv_geometries, {"max_strid": 2}, "Unknown keyword max_strid=2; expected one of max_batch"),
    (pool_geometries, {"max_filters": 2}, "Unknown keyword max_filters=2"),
    (lambda **kw: token_ids((2, 2), **kw), {"vocab_size": 0}, "vocab_size=0"),
    (lambda **kw: token_ids((2, 2), vocab_size=3, **kw), {"repeat": 1}, "repeat=1"),
    (attention_masks, {"shape": (3,)}, r"shape=\(3,\)"),
    (attention_masks, {"shape": (2, 0)}, r"shape=\(2, 0\)"),
    (lambda **kw: separated_arrays((2,), **kw), {"spacing": 0.0}, "spacing=0.0"),
    (lambda **kw: separated_arrays((2,), **kw), {"dtype": "int8"}, "dtype='int8'"),
]


@pytest.mark.parametrize("strategy, kwargs, named", BAD_ARGUMENTS)
def test_bad_arguments_are_named_when_the_strategy_is_built(strategy, kwargs, named):
    with pytest.raises(InvalidArgument, match=named) as caught:
        strategy(**kwargs)
    assert isinstance(caught.value, hypothesis.errors.InvalidArgument)
    assert isinstance(caught.value, GradcheckError)


def test_the_layer_strategies_are_re_exported():
    from gradcheck.strategies import _layers

    public = [n for n, v in vars(_layers).items() if n[0] != "_" and getattr(v, "__module__", None) == _layers.__name__]
    assert {"conv_geometries", "token_ids", "ConvGeometry"} <= set(public) <= set(strategies.__all__)
    assert all(getattr(strategies, n) is getattr(_layers, n) for n in public)
    assert strategies.InvalidArgument.__module__ == "gradcheck.strategies"


@FEW
@given(geo=conv_geometries(max_stride=3, max_pad=2))
def test_conv_geometries_fit_and_predict_the_output_shape(geo):
    assert 1 <= geo.batch <= 2 and 1 <= geo.channels <= 2 and 1 <= geo.filters <= 2
    assert all(1 <= k <= 3 for k in geo.kernel) and 1 <= geo.stride <= 3 and 0 <= geo.pad <= 2
    out, _ = conv2d_forward(
        np.zeros(geo.x_shape), np.zeros(geo.w_shape), np.zeros(geo.b_shape), stride=geo.stride, pad=geo.pad
    )
    assert out.shape == geo.out_shape


@FEW
@given(geo=pool_geometries(max_pad=2))
def test_pool_geometries_keep_a_real_input_in_every_window(geo):
    assert geo.pad <= min(geo.kernel) // 2
    out, _ = max_pool_forward(np.zeros(geo.x_shape), kernel=geo.kernel, stride=geo.stride, pad=geo.pad)
    assert out.shape == geo.out_shape and np.isfinite(out).all()


def test_geometries_reach_strides_that_skip_the_last_rows():
    """Some drawn inputs have rows no window reads (H + 2 pad - KH not a multiple of the stride)."""
    find(conv_geometries(), lambda g: (g.height + 2 * g.pad - g.kernel[0]) % g.stride != 0)
    find(pool_geometries(), lambda g: g.pad > 0 and g.kernel[0] != g.kernel[1])


@FEW
@given(ids=token_ids((2, 3), vocab_size=5))
def test_token_ids_repeat_an_id_and_stay_in_range(ids):
    assert ids.dtype == np.int64 and ids.shape == (2, 3)
    assert ids.min() >= 0 and ids.max() < 5
    assert len(np.unique(ids)) < ids.size


def test_token_ids_without_repeat_can_be_all_distinct():
    find(token_ids((4,), vocab_size=8, repeat=False), lambda ids: len(np.unique(ids)) == 4)


@FEW
@given(mask=attention_masks((2, 3, 4)))
def test_attention_masks_leave_every_query_a_key(mask):
    assert mask.dtype == np.bool_ and mask.shape == (2, 3, 4)
    assert mask.any(axis=-1).all()


@FEW
@given(x=separated_arrays((2, 3, 3), dtype="float32", spacing=0.1))
def test_separated_arrays_have_no_near_ties(x):
    assert x.dtype == np.float32 and x.shape == (2, 3, 3)
    gaps = [abs(float(a) - float(b)) for a, b in itertools.combinations(x.ravel(), 2)]
    assert min(gaps) >= 0.1 * (1 - 1e-6)
