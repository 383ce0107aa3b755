"""layer_diagnosis.py: each test names its planted pattern (a surrogate, a missing mask, clipping, routing, a
missing term, an approximation) with its evidence, and stays silent on a gradient without that pattern."""

import numpy as np

from gradcheck._engine.diagnose import layer_diagnosis as ld

RTOL = 1e-6


def _ref(shape=(4, 5), seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _bad(y, ref):
    return ~np.isclose(y, ref, rtol=1e-9, atol=1e-12)


def test_surrogate_when_the_reference_is_zero_everywhere_and_yours_is_not():
    ref, y = np.zeros((3, 3)), np.ones((3, 3))
    kind, words = ld.surrogate(y, ref, _bad(y, ref), ref == 0, RTOL)
    assert kind == "surrogate" and words.startswith("the reference gradient is zero at every entry")
    assert ld.surrogate(np.zeros((3, 3)), ref, _bad(ref, ref), ref == 0, RTOL) is None
    r = _ref()
    assert ld.surrogate(r * 2, r, _bad(r * 2, r), r == 0, RTOL) is None


def test_missing_mask_when_wrong_exactly_where_the_reference_is_zero():
    pre = _ref()
    ref = np.where(pre > 0, pre, 0.0)  # ReLU's backward: zero where the input was <= 0
    y = pre.copy()  # the mask left out
    kind, words = ld.missing_mask(y, ref, _bad(y, ref), ref == 0, RTOL)
    k = int((pre <= 0).sum())
    assert kind == "missing_mask" and words.startswith(f"yours is nonzero at {k} entries where the reference")
    y2 = y.copy()
    y2[pre > 0] *= 2  # also wrong elsewhere: not only a mask
    assert ld.missing_mask(y2, ref, _bad(y2, ref), ref == 0, RTOL) is None


def test_clipped_when_the_wrong_entries_are_exactly_the_clip_value():
    ref = _ref() * 3
    y = np.clip(ref, -2.0, 2.0)
    kind, words = ld.clipped(y, ref, _bad(y, ref), ref == 0, RTOL)
    assert kind == "clipped" and words.startswith("yours = reference clipped to [-2, 2]")
    y2 = y.copy()
    y2[np.abs(ref) > 2] *= 0.9  # shrunk, not clipped
    assert ld.clipped(y2, ref, _bad(y2, ref), ref == 0, RTOL) is None


def test_routed_names_a_shift_along_an_axis_and_values_moved_elsewhere():
    ref = _ref((6, 5))
    y = np.zeros_like(ref)
    y[1:] = ref[:-1]  # yours[i] = reference[i - 1]
    kind, words = ld.routed(y, ref, _bad(y, ref), ref == 0, RTOL)
    assert kind == "routed" and words.startswith("yours is the reference shifted by 1 along axis 0")
    moved = ref.copy()
    moved[0, 0], moved[3, 2] = ref[3, 2], ref[0, 0]
    kind, words = ld.routed(moved, ref, _bad(moved, ref), ref == 0, RTOL)
    assert kind == "routed" and words.startswith("yours holds the reference's values at other positions (2 wrong")
    assert ld.routed(ref * 1.5, ref, _bad(ref * 1.5, ref), ref == 0, RTOL) is None


def test_missing_term_constant_everywhere_along_the_batch_axis_or_rank_one():
    ref = _ref((4, 3))
    y = ref + 0.7
    assert ld.missing_term(y, ref, _bad(y, ref), ref == 0, RTOL, True)[1].startswith(
        "yours - reference = 0.7 at every entry"
    )
    y = ref + np.array([0.1, -0.4, 0.9])  # the same at every row
    words = ld.missing_term(y, ref, _bad(y, ref), ref == 0, RTOL, True)[1]
    assert words.startswith("yours - reference is the same at every index along axis 0 (the batch axis)")
    words = ld.missing_term(y, ref, _bad(y, ref), ref == 0, RTOL, False)[1]
    assert "(the batch axis)" not in words and "along axis 0: a term that does not vary" in words
    y = ref + np.outer([1.0, -2.0, 0.5, 3.0], [0.3, 0.1, -0.2])
    assert ld.missing_term(y, ref, _bad(y, ref), ref == 0, RTOL, True)[1].startswith(
        "yours - reference is an outer product u v^T (rank one)"
    )
    noise = ref + _ref((4, 3), 9)
    assert ld.missing_term(noise, ref, _bad(noise, ref), ref == 0, RTOL, True) is None


def test_approximation_when_close_and_correlated_and_not_when_far():
    ref = _ref((5, 5))
    y = ref + 1e-3 * np.tanh(ref)  # a small systematic error
    kind, words = ld.approximation(y, ref, RTOL)
    assert kind == "approximation" and words.startswith("yours is close to the reference but off by a small")
    assert ld.approximation(ref + 0.3 * _ref((5, 5), 4), ref, RTOL) is None
    assert ld.approximation(np.ones(3), np.ones(3), RTOL) is None  # too few entries to tell
