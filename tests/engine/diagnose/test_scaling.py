"""scaling.py: a single constant factor between yours and the reference is found and said in words (sign, 1/2,
2, N, 1/N), with N read from the args' shared batch dimension and where it was read."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck._engine.diagnose.scaling import BatchSize, batch_size, scale_factor, scale_words

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
