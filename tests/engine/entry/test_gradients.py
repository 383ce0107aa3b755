"""gradients.py: what a backward returned, matched to the inputs it differentiates."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.entry.gradients import Inputs, match

A, B = np.ones((2, 3)), np.arange(4.0)
INS = Inputs(("ids", "x", "w", "b"), (np.array([0, 1]), A, A, B), (False, True, True, True))


@pytest.mark.parametrize(
    "returned, found, left",
    [
        ((None, 1 * A, 2 * A, B), ["x", "w", "b"], []),  # one per input, None for the integer one
        ((1 * A, 2 * A, B), ["x", "w", "b"], []),  # one per floating input
        ((None, 1 * A, 2 * A, B, None), ["x", "w", "b"], []),  # trailing Nones beyond the inputs (torch's style)
        ((None, 1 * A, 2 * A, None), ["x", "w"], []),  # None on purpose: b is not checked, and not warned about
        ((1 * A, 2 * A), ["x", "w"], ["b"]),  # the last gradient omitted: b is left out (and said so)
        ({"dx": A, "w": A}, ["x", "w"], ["b"]),  # by name or d + name
        ((None, A.tolist(), A, B), ["x", "w", "b"], []),  # a nested list is an array, not X[0], X[1]
    ],
)
def test_returned_gradients_are_matched_to_inputs(returned, found, left):
    got, missing = match(returned, INS, "backward")
    assert list(got) == found and missing == left
    assert all(isinstance(g, np.ndarray) for g in got.values())


def test_unknown_names_and_too_many_gradients_are_errors():
    with pytest.raises(gc.GradcheckError, match=r"backward returned gradients for 'dz', which match no input"):
        match({"dz": A}, INS, "backward")
    with pytest.raises(gc.GradcheckError, match=r"Expected backward to return at most 4 gradients"):
        match((A, A, A, A, A), INS, "backward")
