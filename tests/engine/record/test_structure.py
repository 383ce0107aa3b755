"""_engine/structure: missing, extra, misshapen and non-finite gradient entries, each with its message and fix."""

import numpy as np
import pytest

from gradcheck._engine.record.structure import match_structure, shape_hint
from gradcheck._engine.tree import flatten

PARAMS = {"W1": np.ones((3, 2)), "b1": np.ones(3)}


def _match(grad, params=PARAMS, args=()):
    names, leaves, treedef = flatten(params)
    return {p.name: p for p in match_structure(names, leaves, grad, args=args, treedef=treedef)}


def test_a_matching_gradient_is_ok_and_kept_as_float64():
    out = _match({"W1": np.zeros((3, 2), np.float32), "b1": np.zeros(3)})
    w = out["W1"]
    assert (w.status, w.dtype, w.diagnosis_kind, w.message) == ("ok", "float32", None, "")
    assert w.yours.dtype == np.float64 and w.shape == (3, 2)
    assert out["b1"].ok


def test_a_missing_key_names_what_grad_returned():
    out = _match({"W1": np.zeros((3, 2))})
    b = out["b1"]
    assert (b.status, b.diagnosis_kind, b.dtype) == ("missing", "missing", "-")
    assert b.message == "grad returned no entry for it"
    assert b.diagnosis == "add 'b1' to what grad returns (it returned 'W1'); every parameter needs a gradient"


def test_a_misnamed_key_is_missing_on_one_side_and_extra_on_the_other():
    out = _match({"W1": np.zeros((3, 2)), "db1": np.zeros(3)})
    assert out["b1"].diagnosis == (
        "grad returned 'db1', which looks like it: name the gradient's keys exactly as in params"
    )
    extra = out["db1"]
    assert (extra.status, extra.diagnosis_kind, extra.shape) == ("extra", "extra", (3,))
    assert extra.message == "grad returned 'db1', which is not in params"
    assert extra.diagnosis == "it looks like 'b1': name the gradient's keys exactly as in params"


def test_an_unrelated_extra_key_is_told_to_go():
    out = _match({"W1": np.zeros((3, 2)), "b1": np.zeros(3), "lr": np.zeros(1)})
    assert out["lr"].diagnosis == "drop it, or add it to params if it is a parameter (params has 'W1', 'b1')"


def test_a_different_container_is_named_when_nothing_matches():
    out = _match([np.zeros((3, 2)), np.zeros(3)])
    assert out["params[0]"].message == (
        "grad returned 'params[0]', which is not in params (grad returned a list but params is a dict)"
    )
    assert out["W1"].status == "missing"


def test_a_none_gradient_and_a_none_entry():
    out = _match(None)
    assert {p.status for p in out.values()} == {"missing"}
    assert out["W1"].message == "grad returned None"
    assert out["W1"].diagnosis == "return the gradients (a missing return statement?)"
    entry = _match({"W1": None, "b1": np.zeros(3)})["W1"]
    assert entry.message == "grad returned None for it"
    assert entry.diagnosis == "return an array of zeros if the loss does not depend on it"


def test_a_non_numeric_entry_is_missing_with_its_dtype():
    w = _match({"W1": np.array([["a", "b"]] * 3), "b1": np.zeros(3)})["W1"]
    assert (w.status, w.dtype) == ("missing", "<U1")
    assert w.message == "grad returned ndarray of dtype <U1, not numbers"


def test_a_wrong_shape_keeps_the_array_and_explains_the_fix():
    w = _match({"W1": np.zeros((2, 3)), "b1": np.zeros(3)})["W1"]
    assert (w.status, w.diagnosis_kind) == ("shape", "shape")
    assert w.message == "grad has shape (2, 3), params has (3, 2)"
    assert w.diagnosis.startswith("it is the transpose of the expected shape")
    assert w.yours.shape == (2, 3)


def test_non_finite_entries_are_counted_with_the_first_index():
    g = np.zeros((3, 2))
    g[1, 0], g[2, 1] = np.nan, np.inf
    w = _match({"W1": g, "b1": np.zeros(3)})["W1"]
    assert (w.status, w.diagnosis_kind) == ("nonfinite", "nonfinite")
    assert w.message == "2 of 6 entries are NaN and Inf (first at (1, 0))"
    assert w.diagnosis.startswith("look for log(0), 0/0 or an overflowing exp")


def test_a_complex_gradient_is_refused():
    b = _match({"W1": np.zeros((3, 2)), "b1": np.zeros(3, complex)})["b1"]
    assert (b.status, b.message) == ("nonfinite", "grad is complex; a real gradient was expected")


@pytest.mark.parametrize(
    "got, want, starts",
    [
        ((3,), (3, 1), "same 3 entries in another layout: reshape to (3, 1)"),
        ((4, 3, 2), (3, 2), "it has an extra leading axis of 4: sum over axis 0"),
        ((3, 2, 5), (3, 2), "it has an extra last axis of 5: sum over the last axis"),
        ((5, 4), (1, 4), "it has 5 rows where one is expected: sum over the batch rows"),
        ((4, 5), (4, 1), "it has 5 columns where one is expected: sum over the batch columns"),
        ((2, 6), (3, 4), "same number of entries: reshape to (3, 4)"),
        ((7,), (3, 2), "the shapes are unrelated"),
    ],
)
def test_shape_hints(got, want, starts):
    assert shape_hint(np.zeros(got), want).startswith(starts)


def test_a_shape_hint_names_the_batch_size_when_it_matches():
    w = _match({"W1": np.zeros((5, 3, 2)), "b1": np.zeros(3)}, args=(np.zeros((5, 2)),))["W1"]
    assert "an extra leading axis of 5 (N = 5, the batch size)" in w.diagnosis
