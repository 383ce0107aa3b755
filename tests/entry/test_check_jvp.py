"""check_jvp end to end: right jvps pass every oracle; a planted bug fails naming the input whose tangent is
mishandled, with the output and the entries in the diagnosis."""

import numpy as np
import pytest
from entry_rules import affine_tanh, affine_tanh_jvp, two_outputs, two_outputs_jvp

import gradcheck as gc

ORACLES = ("fd", "torch", "jax")
RNG = np.random.default_rng(5)
X, W, B = RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2)), RNG.standard_normal(2)
U, V = RNG.standard_normal(3), RNG.standard_normal(3)


def test_a_right_jvp_passes_every_oracle_input_by_input():
    report = gc.check_jvp(affine_tanh, affine_tanh_jvp, (X, W, B), oracles=ORACLES)
    assert report.ok and report.ran == list(ORACLES) and [p.name for p in report.params] == ["x", "W", "b"]
    assert report.verdict.startswith("gradient check passed: hand-written jvp agrees with fd, torch and jax")


def test_a_jvp_of_a_two_output_function_passes():
    assert gc.check_jvp(two_outputs, two_outputs_jvp, (U, V), oracles=ORACLES).ok


def test_a_tangent_left_out_names_its_input_and_says_jvp():
    wrong = gc.check_jvp(
        affine_tanh, lambda t, x, W, b: affine_tanh_jvp(t, x, W, b, drop_b=True), (X, W, B), raise_on_failure=False
    )
    assert wrong.verdict == (
        "gradient mismatch in b: hand-written jvp disagrees with fd, torch and jax (they agree with each other)"
    )
    d = wrong.param("b").diagnosis
    assert d.startswith(
        "jvp mishandles the tangent of b: output wrong in 6/6 entries (yours is zero: the tangent never reaches "
        "it), worst at "
    )


def test_a_scaled_tangent_names_its_input_and_the_factor():
    wrong = gc.check_jvp(
        affine_tanh, lambda t, x, W, b: affine_tanh_jvp(t, x, W, b, w_factor=1.5), (X, W, B), raise_on_failure=False
    )
    assert [p.name for p in wrong.failing] == ["W"]
    assert wrong.param("W").diagnosis.startswith(
        "jvp mishandles the tangent of W: output wrong in 6/6 entries (yours = 1.5 x the directional derivative "
        "in every entry), worst at "
    )


def test_a_two_output_jvp_names_the_input_and_the_output():
    wrong = gc.check_jvp(
        two_outputs, lambda t, x, y: two_outputs_jvp(t, x, y, y_factor=1.0), (U, V), raise_on_failure=False
    )
    assert [p.name for p in wrong.failing] == ["y"]
    assert wrong.param("y").diagnosis.startswith(
        "jvp mishandles the tangent of y: output[1] wrong in 3/3 entries (yours = 0.5 x the directional "
        "derivative in every entry), worst at "
    )


def test_a_jvp_that_is_not_linear_in_the_tangents_fails_as_a_health_check():
    def cross(t, x, y):  # right for each tangent alone, but adds tx * ty
        tx, ty = t
        right = two_outputs_jvp(t, x, y)
        return right[0] + tx * ty, right[1]

    report = gc.check_jvp(two_outputs, cross, (U, V), raise_on_failure=False)
    assert not report.ok and [h.name for h in report.health if h.fails] == ["jvp_not_linear"]
    assert report.health[-1].message.startswith("jvp is not linear in the tangents: <c, jvp(all tangents)> = ")


def test_given_tangents_are_used_and_checked():
    t = (np.ones_like(X), None, np.ones_like(B))
    report = gc.check_jvp(affine_tanh, affine_tanh_jvp_none_w, (X, W, B), tangent=t)
    assert report.ok and [p.name for p in report.params] == ["x", "b"]
    with pytest.raises(gc.GradcheckError, match=r"Expected the tangent for W of shape \(4, 2\) but got shape \(2,\)"):
        gc.check_jvp(affine_tanh, affine_tanh_jvp, (X, W, B), tangent=(X, B, B))
    with pytest.raises(gc.GradcheckError, match="Expected tangent to be a tuple with one array per input"):
        gc.check_jvp(affine_tanh, affine_tanh_jvp, (X, W, B), tangent=(X,))


def affine_tanh_jvp_none_w(t, x, W, b):
    tx, tW, tb = t
    assert not np.any(tW)  # W's tangent is zeros when not given
    return affine_tanh_jvp(t, x, W, b)


def test_a_wrong_jvp_raises_gradient_mismatch():
    with pytest.raises(gc.GradientMismatch):
        gc.check_jvp(two_outputs, lambda t, x, y: two_outputs_jvp(t, x, y, y_factor=3.0), (U, V))
