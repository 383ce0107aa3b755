"""diagnose() on planted patterns, without running oracles: each relation of yours to the reference has its kind."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradcheck._engine.diagnose.likely_bug import diagnose
from gradcheck._engine.diagnose.scaling import BatchSize, batch_size, scale_words
from gradcheck._engine.record.structure import shape_hint
from gradcheck.report import ParamReport

REF = np.array([[0.3, -1.2, 0.5], [2.0, 0.7, -0.4], [1.1, 0.2, 0.9]])


def report_for(yours, ref=REF, dtype="float64", name="W"):
    return ParamReport(
        name, ref.shape, dtype, "mismatch", trusted=("torch",), yours=np.asarray(yours), refs={"torch": ref}
    )


def kind(yours, ref=REF, args=()):
    return diagnose(report_for(yours, ref), args)


@pytest.mark.parametrize(
    "yours, expected, words",
    [
        (np.zeros_like(REF), "zeros", "all entries of yours are zero"),
        (REF.T, "transposed", "W is transposed (yours = reference^T)"),
        (2 * REF.T, "transposed", "W is transposed and scaled (yours = 2 x reference^T)"),
        (-REF, "scaled", "sign flipped (yours = -1 x reference)"),
        (2 * REF, "scaled", "yours = 2 x reference (scale 2)"),
        (0.5 * REF, "scaled", "yours = 0.5 x reference (scale 1/2)"),
        (-2 * REF, "scaled", "yours = -2 x reference (sign flipped and scale 2)"),
        (7 * REF, "scaled", "yours = 7 x reference (scale 7): a batch mean was differentiated as a sum"),
        (REF / 7, "scaled", "yours = 1/7 x reference (scale 1/7)"),
        (np.pi * REF, "scaled", "yours = 3.14159 x reference: every entry is off by the same constant factor"),
        (np.tile(REF.sum(axis=0), (3, 1)), "collapsed_rows", "each row of yours is the sum of the reference's rows"),
        (
            np.tile(REF.mean(axis=1, keepdims=True), (1, 3)),
            "collapsed_columns",
            "each column of yours is the mean of the reference's columns",
        ),
        (REF * np.array([[1.5], [2.0], [-0.5]]), "row_scaled", "factors -0.5 to 2"),
        (REF * np.array([[3.0, 0.5, 0.25]]), "column_scaled", "factors 0.25 to 3"),
        (REF + np.where(np.arange(9).reshape(3, 3) == 5, 1.0, 0.0), "partial", "only 1 of 9 entries wrong, at (1, 2)"),
        (np.vstack([np.zeros(3), REF[1:]]), "partial", "only row(s) 0 of 3 wrong (row 0: the bias row"),
        (
            np.hstack([REF[:, :2], 5 * REF[:, 2:]]),
            "partial",
            "only column(s) 2 of 3 wrong; the other columns agree (there yours = 5 x reference)",
        ),
        (np.sin(7 * REF) + REF, "unstructured", "no simple pattern (9 of 9 entries wrong"),
    ],
)
def test_each_pattern_has_its_kind_and_words(yours, expected, words):
    found = kind(yours)
    assert found.kind == expected
    assert words in found.words, found.words


def test_n_is_named_as_the_batch_size_when_args_share_it():
    x, y = np.ones((5, 3)), np.ones((5, 2))
    found = kind(5 * REF, args=(x, y))
    assert "missing the 1/N with N = 5 (the batch size)" in found.words
    assert "[N read from the leading dimension shared by args[0] and args[1]]" in found.words
    assert "N = 4 (the batch size)" not in kind(4 * REF, args=(x, y)).words


@pytest.mark.parametrize(
    "args, expected",
    [
        ((np.ones((5, 3)), np.ones((5, 2))), 5),  # row-batch
        ((np.ones((3, 7)), np.ones((2, 7))), 7),  # examples as columns
        ((np.ones((6, 3)), np.arange(6)), 6),  # labels
        ((np.ones((4, 3)),), 4),
        ((np.ones((3, 1)), np.ones((1, 1))), None),  # one example: N = 1 says nothing
        ((), None),
        ((2.0, "x"), None),
    ],
)
def test_batch_size_from_args(args, expected):
    found = batch_size(args)
    assert (found.n if found else None) == expected


def test_batch_of_two_keeps_both_readings_of_a_factor_2():
    assert "N = 2 (the batch size)" in scale_words(2.0, BatchSize(2, "args[0]"))
    assert "the loss has a 1/2" in scale_words(2.0, None)


@pytest.mark.parametrize(
    "got, shape, words",
    [
        ((5, 4), (4,), "extra leading axis of 5 (N = 5, the batch size): sum over axis 0"),
        ((4, 5), (4, 1), "it has 5 columns where one is expected (N = 5, the batch size)"),
        ((5, 4), (1, 4), "it has 5 rows where one is expected (N = 5, the batch size)"),
        ((4,), (4, 1), "(n,) against (n, 1) is the usual cause"),
        ((1, 4), (4,), "reshape to (4,)"),
        ((3, 4), (4, 3), "it is the transpose of the expected shape"),
        ((4, 3, 5), (4, 3), "extra last axis of 5 (N = 5, the batch size)"),
        ((2, 6), (4, 3), "same number of entries: reshape to (4, 3)"),
        ((7, 2), (4, 3), "the shapes are unrelated"),
    ],
)
def test_shape_hints(got, shape, words):
    assert words in shape_hint(np.zeros(got), shape, BatchSize(5, "args"))


def test_float32_patterns_use_a_float32_closeness():
    noisy = (2 * REF).astype(np.float32) * (1 + 1e-6 * np.arange(9).reshape(3, 3))
    assert diagnose(report_for(noisy.astype(np.float64), dtype="float32")).kind == "scaled"
    assert diagnose(report_for(noisy.astype(np.float64) * (1 + 1e-4 * np.arange(9).reshape(3, 3)))).kind != "scaled"


def test_no_per_entry_reference_is_said():
    p = ParamReport("W", (3, 3), "float64", "mismatch", trusted=("fd",), yours=REF)
    found = diagnose(p)
    assert found.kind == "unlocalised" and found.words.startswith("no per-entry reference ran")


finite = st.floats(-10, 10, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@given(ref=arrays(np.float64, (3, 4), elements=finite), c=st.sampled_from([-1.0, 2.0, 0.5, 3.0, 1 / 3, 1.0001, -7.5]))
def test_any_constant_factor_is_found(ref, c):
    found = diagnose(report_for(c * ref, ref))
    assert found.kind == "scaled"
    assert "x reference" in found.words


@given(ref=arrays(np.float64, (4, 4), elements=finite))
def test_a_transpose_is_found_unless_symmetric(ref):
    found = diagnose(report_for(ref.T, ref))
    if np.allclose(ref, ref.T, rtol=1e-6, atol=0):
        return
    assert found.kind == "transposed"
