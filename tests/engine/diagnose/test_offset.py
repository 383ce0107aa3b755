"""offset.py: yours within the pattern closeness of the reference is read as a small offset, with the pattern of
the difference (a constant times dout, a constant), and never as a factor."""

import numpy as np

from gradcheck._engine.diagnose.offset import offset

RTOL = 1e-6
REF = np.random.default_rng(0).normal(size=(4, 3))


def test_an_offset_proportional_to_dout_is_an_eps_in_the_derivative():
    dout = np.random.default_rng(1).normal(size=(4, 3))
    kind, words = offset(REF + 1e-7 * dout, REF, RTOL, dout)
    assert kind == "offset"
    assert words.endswith(
        "yours - reference = 1e-07 x dout at every entry: a constant 1e-07 added to an elementwise derivative "
        "(dx = dout x (f'(x) + 1e-07)), such as an eps that belongs in the forward or nowhere; differentiate "
        "exactly the formula the forward computes"
    )


def test_a_constant_offset_and_an_unpatterned_one():
    words = offset(REF + 2e-8, REF, RTOL, None)[1]
    big = np.max(np.abs(REF))
    assert words == (
        f"yours = reference + a small offset (max |yours - reference| 2.0e-08, {2e-8 / big:.1e} of the largest "
        f"entry): not a factor or a pattern of the reference; yours - reference = 2e-08 at every entry: a small "
        f"constant added to the gradient (an eps or a regulariser's term the loss does not have)"
    )
    noise = 1e-8 * np.random.default_rng(2).normal(size=REF.shape)
    assert offset(REF + noise, REF, RTOL, None)[1].endswith("a float32 step inside float64 code)")


def test_no_offset_for_a_factor_a_large_difference_or_equality():
    assert offset(REF * (1 + 1e-7), REF, RTOL, None) is None  # a factor: scaling.py says it
    assert offset(REF + 1e-3, REF, RTOL, None) is None
    assert offset(REF.copy(), REF, RTOL, None) is None
