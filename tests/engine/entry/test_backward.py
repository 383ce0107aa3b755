"""backward.py: layouts read from backward's signature; right passes and a scaled input gradient is named."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck as gc
from gradcheck._engine.entry.backward import Layout

A = np.ones((2, 3))


@pytest.mark.parametrize(
    "result, arity, layout",
    [
        ((A, "cache"), 2, Layout(1, True)),  # (out, cache) / backward(dout, cache)
        ((A, A, "cache"), 3, Layout(2, True)),  # (h, c, cache) / backward(dh, dc, cache)
        ((A, A, "cache"), 2, Layout(2, True, packed=True)),  # backward((dh, dc), cache)
        (A, 1, Layout(None, False)),  # out / backward(dout)
        (A, 3, Layout(None, False, inputs_after=True)),  # out / backward(dout, x, w)
    ],
)
def test_layouts_read_from_backwards_signature(result, arity, layout):
    backward = {1: lambda d: d, 2: lambda d, c: d, 3: lambda d, c, e: d}[arity]
    assert Layout.read(result, backward, 2, None) == layout


def affine_forward(x, w, b):
    return x @ w + b, (x, w)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), d=st.integers(1, 3), m=st.integers(1, 3), factor=st.sampled_from([0.5, 2.0, -1.0]))
def test_property_right_passes_and_a_scaled_input_gradient_is_the_one_named(n, d, m, factor):
    rng = np.random.default_rng(n * 100 + d * 10 + m)
    inputs = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)

    def backward(dout, cache, k=1.0):
        x, w = cache
        return dout @ w.T, k * (x.T @ dout), dout.sum(axis=0)

    assert gc.check_backward(affine_forward, backward, inputs, oracles=("fd",)).ok
    report = gc.check_backward(
        affine_forward, lambda d_, c: backward(d_, c, factor), inputs, oracles=("fd",), raise_on_failure=False
    )
    assert [p.name for p in report.failing] == ["w"]


def test_seeded_draws_the_same_global_numpy_numbers_in_every_call_and_restores_the_generator():
    from gradcheck._engine.entry.backward import seeded

    def dropout_mask(x):
        return np.random.rand(*x.shape) > 0.5

    np.random.seed(123)
    after = np.random.rand()
    np.random.seed(123)
    f = seeded(dropout_mask, seed=4)
    first, second = f(np.ones(50)), f(np.ones(50))
    assert np.array_equal(first, second) and f.__name__ == "dropout_mask"
    assert np.random.rand() == after  # the caller's global generator is where it was
    assert not np.array_equal(seeded(dropout_mask, seed=5)(np.ones(50)), first)
    assert seeded(None, 0) is None


def test_read_inputs_names_them_from_forward_and_marks_the_floating_arrays():
    from gradcheck._engine.entry.backward import fresh, read_inputs

    def forward(x, idx, scale):
        return x

    ins = read_inputs(forward, [np.ones(2), np.arange(2), 3.0])
    assert ins.names == ("x", "idx", "scale") and ins.floating == (True, False, False)
    assert read_inputs(forward, (np.ones(2),) * 3, names=("a", "b", "c")).names == ("a", "b", "c")
    with pytest.raises(gc.GradcheckError, match=r"Expected inputs to be a non-empty tuple \(the arguments of fn\)"):
        read_inputs(forward, np.ones(2), who="fn")
    stats = {"mean": np.zeros(2)}
    copies = fresh([np.ones(2), stats])
    copies[1]["mean"] += 1  # a forward updating its running statistics
    assert not stats["mean"].any() and copies[0] is not ins.values[0]
