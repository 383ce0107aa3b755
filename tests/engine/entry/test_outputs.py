"""outputs.py: cotangents of output trees, and <outputs, cotangent>."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.entry.outputs import make_cotangent, pairing

A, B = np.ones((2, 3)), np.arange(4.0)


def test_cotangent_follows_the_output_tree_and_is_reproducible():
    out = {"h": np.zeros((2, 3)), "c": np.zeros(3)}
    one, two = make_cotangent(out, None, 4, "fn"), make_cotangent(out, None, 4, "fn")
    assert set(one) == {"h", "c"} and one["h"].shape == (2, 3)
    assert all(np.array_equal(one[k], two[k]) for k in one)
    assert pairing(out, one) == 0.0
    assert pairing((A, B), (A, B)) == pytest.approx(6.0 + 14.0)


def test_integer_outputs_are_refused_with_their_name():
    with pytest.raises(
        gc.GradcheckError,
        match=r"Expected fn to return floating arrays but its output\[1\] is "
        r"ndarray of dtype int64",
    ):
        make_cotangent((A, np.array([1, 2])), None, 0, "fn")
