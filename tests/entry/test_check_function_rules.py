"""check_function's forward-mode and second-order parts: a torch.autograd.Function's jvp staticmethod, a
jax.custom_jvp function's rule, and order=2 (F's backward differentiated, as torch's gradgradcheck does)."""

import numpy as np
import pytest
from entry_rules_torch import Mul, MulJvpDropsY, MulJvpScaled, Square, SquareDetachW, SquareDetachX, jax_jvp_functions

import gradcheck as gc

RNG = np.random.default_rng(6)
X, Y = RNG.standard_normal(4), RNG.standard_normal(4)


def test_a_function_with_a_right_jvp_passes_both_rules():
    report = gc.check_function(Mul, (X, Y))
    assert report.ok and [p.name for p in report.params] == ["x", "y", "x (jvp)", "y (jvp)"]
    assert report.verdict.startswith(
        "gradient check passed: hand-written backward and Mul.jvp agrees with fd and torch"
    )


def test_a_scaled_jvp_fails_saying_jvp_and_naming_the_input():
    report = gc.check_function(MulJvpScaled, (X, Y), raise_on_failure=False)
    assert report.verdict == (
        "gradient mismatch in x (jvp): MulJvpScaled.jvp disagrees with fd and torch (they agree with each other)"
    )
    assert report.param("x (jvp)").diagnosis.startswith(
        "MulJvpScaled.jvp mishandles the tangent of x: output wrong in 4/4 entries (yours = 1.5 x the directional "
        "derivative in every entry), worst at "
    )
    assert report.param("x").ok and report.param("y").ok  # the backward is right


def test_a_jvp_dropping_a_tangent_names_that_input():
    report = gc.check_function(MulJvpDropsY, (X, Y), raise_on_failure=False)
    assert [p.name for p in report.failing] == ["y (jvp)"]


def test_a_jax_custom_jvp_function_is_checked_not_refused():
    right, wrong = jax_jvp_functions()
    assert gc.check_function(right, (X, Y)).ok
    report = gc.check_function(wrong, (X, Y), raise_on_failure=False)
    assert (
        report.verdict
        == "gradient mismatch in y: hand-written jvp disagrees with fd and jax (they agree with each other)"
    )
    assert report.param("y").diagnosis.startswith(
        "primal's jvp rule mishandles the tangent of y: output wrong in 4/4 entries, worst at "
    )


def test_a_right_double_backward_passes_at_order_2():
    report = gc.check_function(Square, (X, Y), order=2)
    assert report.ok
    assert [p.name for p in report.params] == [
        "x",
        "w",
        "x (second order)",
        "w (second order)",
        "grad_output (second order)",
    ]


def test_a_backward_detaching_a_saved_tensor_passes_order_1_and_fails_order_2_naming_it():
    assert gc.check_function(SquareDetachX, (X, Y)).ok
    report = gc.check_function(SquareDetachX, (X, Y), order=2, raise_on_failure=False)
    assert report.verdict == (
        "gradient mismatch in x (second order): SquareDetachX.backward at second order (its double backward) "
        "disagrees with fd and torch (they agree with each other)"
    )
    assert report.param("x (second order)").diagnosis == (
        "second order: SquareDetachX.backward differentiated with respect to x is wrong (4/4 entries wrong); "
        "SquareDetachX.backward uses x in a way autograd does not see (a .detach(), .data or numpy on a saved "
        "tensor, or a value computed outside autograd), or differentiates it wrongly: write the backward in "
        "differentiable torch operations of the saved tensors"
    )


def test_a_detached_second_input_is_named_with_zero_evidence():
    report = gc.check_function(SquareDetachW, (X, Y), order=2, raise_on_failure=False)
    assert [p.name for p in report.failing] == ["w (second order)"]
    assert "(zero: autograd sees no dependence of its answer on w)" in report.param("w (second order)").diagnosis


def test_order_2_is_not_checked_while_the_first_order_fails():
    from entry_functions import CubeWrong

    report = gc.check_function(CubeWrong, (X, 2.0), order=2, raise_on_failure=False)
    assert [p.name for p in report.failing] == ["x"]
    assert any(h.name == "second_order_not_checked" for h in report.health)


def test_order_is_validated():
    with pytest.raises(gc.GradcheckError, match="order"):
        gc.check_function(Square, (X, Y), order=3)
