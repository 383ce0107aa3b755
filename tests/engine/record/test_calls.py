"""The record of the user's calls: copies taken at once, state between calls named, round-off measured."""

from __future__ import annotations

import numpy as np

from gradcheck._engine.record.calls import record_calls
from gradcheck._engine.tree import flatten


def record(grad, loss=lambda p: float(np.sum(p["w"] ** 2)), w=(1.0, 2.0), dtype=np.float64):
    names, leaves, treedef = flatten({"w": np.array(w, dtype=dtype)})
    return record_calls(loss, grad, treedef, leaves, ())


def test_results_are_copied_at_once_and_a_plus_equals_buffer_is_state():
    buffer = np.zeros(2)

    def grad(p):
        buffer[...] += 2 * p["w"]
        return {"w": buffer}

    r = record(grad)
    assert r.calls[0].grad["w"].tolist() == [2.0, 4.0]  # the first call's values, not the buffer's final ones
    assert r.repeat.stateful == {"w": "the same array, changed by the second call"}


def test_a_constant_array_returned_twice_is_no_state():
    g = np.array([2.0, 4.0])
    assert record(lambda p: {"w": g}).repeat.stateful == {}


def test_a_result_changed_after_it_was_returned_is_state():
    kept = []

    def grad(p):
        if kept:
            kept[0] *= 3
        kept.append(2 * p["w"])
        return {"w": kept[-1]}

    assert record(grad).repeat.stateful == {"w": "changed after it was returned"}


def test_lower_precision_params_record_the_grad_at_float64():
    r = record(lambda p: {"w": (2 * p["w"]).astype(p["w"].dtype)}, w=(0.1, 0.2), dtype=np.float32)
    assert r.grad64 is not None and r.grad64["w"].dtype == np.float64
    assert np.allclose(r.grad64["w"], [0.2, 0.4], rtol=1e-6)
    assert record(lambda p: {"w": 2 * p["w"]}).grad64 is None


def test_input_copies_are_let_go_unless_written_into():
    """Only a written copy is held for the mutation check (at 1e7 entries each copy is 80 MB)."""

    def loss(p, x):
        x *= 2.0  # writes into its args, not its params
        return float(np.sum(p["w"] ** 2))

    names, leaves, treedef = flatten({"w": np.array([1.0, 2.0])})
    x = np.ones(2)
    r = record_calls(loss, lambda p, x: {"w": 2 * p["w"]}, treedef, leaves, (x,))
    (lp, la), (gp, ga) = r.calls[0].loss_inputs, r.calls[0].grad_inputs
    assert lp[0] is leaves[0] and gp[0] is leaves[0] and ga[0] is x  # unchanged: the originals, no copy
    assert la[0] is not x and la[0].tolist() == [2.0, 2.0] and x.tolist() == [1.0, 1.0]


def test_the_magnitude_of_a_gradient_is_its_largest_finite_entry_ignoring_nan():
    from gradcheck._engine.record.calls import _absmax

    assert _absmax(np.array([1.0, np.nan, -3.0])) == 3.0
    assert _absmax(np.array([1.0, -np.inf])) == np.inf
    assert _absmax(np.array([np.nan, np.inf])) == 0.0  # no finite entry
    assert _absmax(np.array([2, -5])) == 5.0 and _absmax(np.array([], dtype=np.float32)) == 0.0
    assert _absmax(np.array([1 + 1j, -3j])) == 3.0


def test_grad_runs_on_the_copy_the_loss_left_unchanged_and_on_a_new_one_where_it_wrote():
    """A copy the loss was seen not to write into is bit for bit a fresh copy: grad gets it (one copy fewer)."""
    seen = {"loss": [], "grad": []}

    def loss(p):
        seen["loss"].append(p["w"])
        return float(np.sum(p["w"] ** 2))

    def grad(p):
        seen["grad"].append(p["w"])
        return {"w": 2 * p["w"]}

    names, leaves, treedef = flatten({"w": np.array([1.0, 2.0])})
    record_calls(loss, grad, treedef, leaves, ())
    assert seen["grad"][0] is seen["loss"][0] and seen["grad"][0] is not leaves[0]

    def writer(p):
        seen["loss"].append(p["w"])
        p["w"][0] = 7.0
        return float(np.sum(p["w"] ** 2))

    r = record_calls(writer, grad, treedef, leaves, ())
    assert seen["grad"][2] is not seen["loss"][2] and seen["grad"][2].tolist() == [1.0, 2.0] == leaves[0].tolist()
    assert r.calls[0].loss_inputs[0][0].tolist() == [7.0, 2.0]  # the written copy is kept for the report


def test_above_the_second_grad_threshold_the_loss_runs_again_on_the_copy_grad_left_unchanged():
    import gradcheck._engine.record.calls as calls

    seen = []

    def loss(p):
        seen.append(p["w"])
        return float(np.sum(p["w"] ** 2))

    names, leaves, treedef = flatten({"w": np.array([1.0, 2.0])})
    old, calls.SECOND_GRAD_UP_TO = calls.SECOND_GRAD_UP_TO, 1
    try:
        r = record_calls(loss, lambda p: {"w": 2 * p["w"]}, treedef, leaves, ())
    finally:
        calls.SECOND_GRAD_UP_TO = old
    assert len(seen) == 2 and seen[0] is seen[1] and r.repeat.losses == (5.0, 5.0) and not r.repeat.grad_repeated
