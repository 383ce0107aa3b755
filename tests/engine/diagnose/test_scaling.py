"""scaling.py: a single constant factor between yours and the reference is found and said in words (sign, 1/2,
2, N, 1/N), with N read from the args' shared batch dimension and where it was read."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck._engine.diagnose.scaling import BatchSize, batch_size, scale_factor, scale_words, shared_leading

REF = np.array([[1.0, -2.0], [0.5, 3.0], [-1.5, 0.25]])


def test_batch_size_is_read_from_a_shared_leading_or_last_dimension():
    assert batch_size((np.ones((32, 4)), np.ones((32, 1)))) == BatchSize(
        32, "the leading dimension shared by args[0] and args[1]"
    )
    assert batch_size((np.ones((3, 10)), np.ones((2, 10)))) == BatchSize(
        10, "the last dimension shared by args[0] and args[1] (examples as columns)"
    )
    assert batch_size((np.ones((8, 3)),)) == BatchSize(8, "the leading dimension of args[0]")
    assert batch_size((np.ones(5),)).n == 5


def test_no_batch_size_without_arrays_or_a_shared_dimension():
    assert batch_size(()) is None and batch_size((3, "mean")) is None
    assert batch_size((np.ones((1, 4)),)) is None  # a single example
    assert batch_size((np.ones((3, 4)), np.ones((5, 6)))) is None
    assert batch_size((np.ones((2, 3, 4)),)) is None


@settings(max_examples=30, deadline=None)
@given(c=st.floats(-100, 100).filter(lambda c: abs(c) > 1e-3), seed=st.integers(0, 2**16))
def test_property_scale_factor_finds_the_constant(c, seed):
    ref = np.random.default_rng(seed).normal(size=(4, 3))
    found = scale_factor(c * ref, ref)
    assert found is not None and abs(found - c) <= 1e-12 * abs(c)


def test_no_scale_factor_when_not_proportional_or_the_reference_is_zero():
    yours = 2 * REF
    yours[0, 0] += 1e-3
    assert scale_factor(yours, REF) is None
    assert scale_factor(REF, np.zeros_like(REF)) is None


def test_scale_words_name_the_factor_and_its_likely_cause():
    assert scale_words(-1.0).startswith("sign flipped (yours = -1 x reference)")
    assert "(scale 2): the loss has a 1/2 that the gradient lacks" in scale_words(2.0)
    assert "(scale 1/2): look for the factor 2" in scale_words(0.5)
    assert "(sign flipped and scale 2)" in scale_words(-2.0)
    batch = BatchSize(16, "the leading dimension of args[0]")
    assert scale_words(16.0, batch) == (
        "yours = 16 x reference (scale 16): a batch mean was differentiated as a sum, missing the 1/N with "
        "N = 16 (the batch size); divide by N [N read from the leading dimension of args[0]]"
    )
    assert "a 1/N with N = 16 (the batch size) was applied to a loss that sums" in scale_words(1 / 16, batch)
    assert "missing the 1/N with N = 7; divide by N" in scale_words(7.0, batch)  # not the batch size
    assert scale_words(1.003).endswith("(relative error 3.0e-03: a rounded or approximated constant)")
    assert scale_words(3.7) == ("yours = 3.7 x reference: every entry is off by the same constant factor 3.7")


def test_a_batch_of_two_is_named_as_the_batch_not_as_a_missing_half():
    two = BatchSize(2, "the leading dimension of args[0]")
    assert "the batch size" in scale_words(2.0, two) and "1/2 that the gradient lacks" not in scale_words(2.0, two)
    assert "1/2 x reference" in scale_words(0.5, two)


TWO = BatchSize(2, "the leading dimension of args[0]")


def test_a_loss_at_n_2_names_both_readings_the_batch_first():
    assert scale_words(2.0, TWO) == (
        "yours = 2 x reference (scale 2): a batch mean was differentiated as a sum, missing the 1/N with N = 2 "
        "(the batch size); divide by N [N read from the leading dimension of args[0]]; or, if the loss has a 1/2, "
        "the gradient lacks it: d/dy_hat of 1/2 (y_hat - y)^2 is (y_hat - y)"
    )
    assert scale_words(0.5, TWO).endswith(
        "remove one division by N [N read from the leading dimension of args[0]]; or, if the loss has no 1/2, the "
        "factor 2 from d/dy_hat of (y_hat - y)^2 is missing"
    )


def test_a_layer_has_no_loss_half():
    halved = scale_words(0.5, None, loss=False)
    assert halved == (
        "yours = 0.5 x reference (scale 1/2): the backward halves every entry (a derivative's factor 2 missing, as "
        "in d(x^2)/dx = 2x, or a 0.5 in a derivative that the forward does not have); a layer's backward has no "
        "loss, so no 1/2 of a loss explains it"
    )
    assert "y_hat" not in scale_words(2.0, None, loss=False) and "y_hat" not in scale_words(0.5, TWO, loss=False)
    assert scale_words(0.5, TWO, loss=False).startswith(
        "yours = 1/2 x reference (scale 1/2): a 1/N with N = 2 (the batch size) that the forward does not have"
    )
    assert scale_words(0.5, TWO, loss=False, batch_axis=True).startswith(halved + "; a 1/N with N = 2 (the batch")
    assert scale_words(4.0, BatchSize(4, "x"), loss=False) == (
        "yours = 4 x reference (scale 4): a sum over the batch where the forward averages, missing the 1/N with "
        "N = 4 (the batch size); divide by N [N read from x]"
    )


def test_a_factor_near_plus_one_is_not_a_sign_flip():
    assert (
        scale_words(1 + 3e-7) == "yours = 1.0000003 x reference: every entry is off by the same factor, 3.0e-07 from 1"
    )
    assert scale_words(-1.0).startswith("sign flipped")


def test_shared_leading_reads_n_from_a_layers_input_and_its_dout():
    assert shared_leading({"X": np.ones((2, 1)), "dY": np.ones((2, 1))}) == BatchSize(
        2, "the leading dimension shared by X and dY"
    )
    assert shared_leading({"X": np.ones((2, 1)), "dY": None}) is None  # one array: no shared dimension
    assert shared_leading({"X": np.ones((3, 1)), "dY": np.ones((2, 1))}) is None
    assert shared_leading({"X": np.ones((1, 4)), "dY": np.ones((1, 2))}) is None  # a single example
