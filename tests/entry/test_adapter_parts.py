"""The parts the entry points share: matching returned gradients to inputs, cotangents of output trees,
<outputs, cotangent>, backward layouts, the record of writes, and numpy's generator reseeded per call."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck as gc
from gradcheck._engine.backward import Layout
from gradcheck._engine.calls import Record, numpy_seed
from gradcheck._engine.gradients import Inputs, match
from gradcheck._engine.outputs import make_cotangent, pairing

A, B = np.ones((2, 3)), np.arange(4.0)
INS = Inputs(("ids", "x", "w", "b"), (np.array([0, 1]), A, A, B), (False, True, True, True))


@pytest.mark.parametrize("returned, found, left", [
    ((None, 1 * A, 2 * A, B), ["x", "w", "b"], []),  # one per input, None for the integer one
    ((1 * A, 2 * A, B), ["x", "w", "b"], []),  # one per floating input
    ((None, 1 * A, 2 * A, B, None), ["x", "w", "b"], []),  # trailing Nones beyond the inputs (torch's style)
    ((None, 1 * A, 2 * A, None), ["x", "w"], []),  # None on purpose: b is not checked, and not warned about
    ((1 * A, 2 * A), ["x", "w"], ["b"]),  # the last gradient omitted: b is left out (and said so)
    ({"dx": A, "w": A}, ["x", "w"], ["b"]),  # by name or d + name
    ((None, A.tolist(), A, B), ["x", "w", "b"], []),  # a nested list is an array, not X[0], X[1]
])
def test_returned_gradients_are_matched_to_inputs(returned, found, left):
    got, missing = match(returned, INS, "backward")
    assert list(got) == found and missing == left
    assert all(isinstance(g, np.ndarray) for g in got.values())


def test_unknown_names_and_too_many_gradients_are_errors():
    with pytest.raises(gc.GradcheckError, match=r"backward returned gradients for 'dz', which match no input"):
        match({"dz": A}, INS, "backward")
    with pytest.raises(gc.GradcheckError, match=r"Expected backward to return at most 4 gradients"):
        match((A, A, A, A, A), INS, "backward")


def test_cotangent_follows_the_output_tree_and_is_reproducible():
    out = {"h": np.zeros((2, 3)), "c": np.zeros(3)}
    one, two = make_cotangent(out, None, 4, "fn"), make_cotangent(out, None, 4, "fn")
    assert set(one) == {"h", "c"} and one["h"].shape == (2, 3)
    assert all(np.array_equal(one[k], two[k]) for k in one)
    assert pairing(out, one) == 0.0
    assert pairing((A, B), (A, B)) == pytest.approx(6.0 + 14.0)


def test_integer_outputs_are_refused_with_their_name():
    with pytest.raises(gc.GradcheckError, match=r"Expected fn to return floating arrays but its output\[1\] is "
                                                r"ndarray of dtype int64"):
        make_cotangent((A, np.array([1, 2])), None, 0, "fn")


@pytest.mark.parametrize("result, arity, layout", [
    ((A, "cache"), 2, Layout(1, True)),  # (out, cache) / backward(dout, cache)
    ((A, A, "cache"), 3, Layout(2, True)),  # (h, c, cache) / backward(dh, dc, cache)
    ((A, A, "cache"), 2, Layout(2, True, packed=True)),  # backward((dh, dc), cache)
    (A, 1, Layout(None, False)),  # out / backward(dout)
    (A, 3, Layout(None, False, inputs_after=True)),  # out / backward(dout, x, w)
])
def test_layouts_read_from_backwards_signature(result, arity, layout):
    backward = {1: lambda d: d, 2: lambda d, c: d, 3: lambda d, c, e: d}[arity]
    assert Layout.read(result, backward, 2, None) == layout


def test_record_says_each_write_once_with_its_severity():
    record = Record()
    record.wrote("forward", ["x"]), record.wrote("forward", ["x"])
    record.dout, record.outputs = True, ["output"]
    found = [(h.name, h.fails) for h in record.health()]
    assert found == [("mutated_input", True), ("mutated_dout", False), ("mutated_output", False)]
    assert record.health()[0].message.startswith("forward wrote into its inputs (x)")


def test_numpy_seed_gives_the_same_draws_and_restores_the_generator():
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    with numpy_seed(11):
        first = np.random.rand(3)
    with numpy_seed(11):
        second = np.random.rand(3)
    assert np.array_equal(first, second) and np.array_equal(np.random.get_state()[1], before)


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
    report = gc.check_backward(affine_forward, lambda d_, c: backward(d_, c, factor), inputs, oracles=("fd",),
                               raise_on_failure=False)
    assert [p.name for p in report.failing] == ["w"]
