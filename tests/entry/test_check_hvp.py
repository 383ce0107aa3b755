"""check_hvp end to end: right Hessian-vector products pass every oracle (and fd alone, on numpy losses); planted
bugs fail naming the parameter, with the exact diagnosis."""

import re

import numpy as np
import pytest
from entry_rules import hvp_problems, numpy_hvp_problems

import gradcheck as gc

ORACLES = ("fd", "torch", "jax")


@pytest.mark.parametrize("name", ["mlp", "ce", "logreg"])
def test_a_right_hvp_passes_every_oracle(name):
    loss, hvp, params, args = hvp_problems()[name]
    report = gc.check_hvp(loss, hvp, params, args=args, oracles=ORACLES)
    assert report.ok and report.ran == list(ORACLES)
    assert report.verdict.startswith("gradient check passed: hand-written hvp agrees with fd, torch and jax")


@pytest.mark.parametrize("name", ["mlp", "ce", "logreg"])
def test_a_right_hvp_of_a_numpy_loss_passes_fd_and_torch_and_jax_following_it(name):
    loss, hvp, params, args = numpy_hvp_problems()[name]
    report = gc.check_hvp(loss, hvp, params, args=args, oracles=ORACLES)
    assert report.ok and report.ran == list(ORACLES)
    runs = {o.name: o for o in report.oracles}
    assert "mixed second differences" in runs["fd"].method
    assert runs["torch"].ran_as == runs["jax"].ran_as == "numpy code followed"
    assert runs["torch"].method.endswith(
        "H v: the followed loss's gradient differentiated again (reverse over reverse)"
    )
    assert runs["jax"].method.endswith("H v: jax.jvp of jax.grad of the followed loss (forward over reverse)")


@pytest.mark.parametrize(
    ("name", "bug", "failing"),
    [
        ("logreg", lambda h: lambda p, v, X, y: h(p, v, X, y, reg=0.0), ["w"]),
        ("ce", lambda h: lambda p, v, X, Y: h(p, v, X, Y, factor=2.0), ["W"]),
        ("mlp", lambda h: lambda p, v, X, Y: h(p, v, X, Y, gauss_newton=True), ["W1", "W2"]),
        ("mlp", lambda h: lambda p, v, X, Y: h(p, v, X, Y, one_sided=True), ["W1"]),
    ],
)
def test_a_planted_bug_in_the_hvp_of_a_numpy_loss_fails_against_all_three_oracles(name, bug, failing):
    loss, hvp, params, args = numpy_hvp_problems()[name]
    planted = gc.check_hvp(loss, bug(hvp), params, args=args, raise_on_failure=False)
    right = gc.check_hvp(hvp_problems()[name][0], bug(hvp), params, args=args, raise_on_failure=False)
    assert [p.name for p in planted.failing] == failing
    assert planted.verdict.endswith("hand-written hvp disagrees with fd, torch and jax (they agree with each other)")
    assert [(p.diagnosis_kind, p.diagnosis) for p in planted.params] == [
        (p.diagnosis_kind, p.diagnosis) for p in right.params
    ]  # the same diagnosis as for the loss written against the array API


def test_a_numpy_loss_the_frameworks_cannot_follow_is_judged_by_fd_alone_naming_the_line():
    loss, hvp, params, args = numpy_hvp_problems()["logreg"]

    def opaque(p, X, y):
        z = np.array([float(t) for t in X @ p["w"]]) + p["b"]  # leaves the array: no framework can follow this
        return np.mean(np.logaddexp(0.0, -(2 * y - 1) * z)) + 0.5 * 0.1 * np.sum(p["w"] ** 2)

    report = gc.check_hvp(opaque, hvp, params, args=args)
    assert report.ok and report.ran == ["fd"]
    skipped = {o.name: o.reason for o in report.oracles if o.status == "skipped"}
    assert set(skipped) == {"torch", "jax"}
    for oracle, reason in skipped.items():
        assert re.fullmatch(
            rf"<listcomp> \(test_check_hvp.py:\d+\) converted an array computed from its inputs to a Python float "
            rf"\(float\): {oracle} cannot follow it past that line",
            reason,
        ), reason
    bad = gc.check_hvp(opaque, lambda p, v, X, y: hvp(p, v, X, y, reg=0.0), params, args=args, raise_on_failure=False)
    assert [p.name for p in bad.failing] == ["w"] and bad.param("w").diagnosis_kind == "missing_term"


def test_a_missing_regulariser_term_is_named_as_a_term_in_v():
    loss, hvp, params, args = hvp_problems()["logreg"]
    report = gc.check_hvp(loss, lambda p, v, X, y: hvp(p, v, X, y, reg=0.0), params, args=args, raise_on_failure=False)
    assert [p.name for p in report.failing] == ["w"]
    assert report.param("w").diagnosis == (
        "yours - H v = -0.1 x v in every entry of w: a term 0.1 x v is missing (or one of -0.1 x v is extra); "
        "the Hessian of an L2 penalty (lambda/2)||w||^2 adds lambda x v, so look for the regulariser's term in "
        "the product"
    )
    assert report.param("w").diagnosis_kind == "missing_term"


def test_a_factor_two_is_named_as_a_factor_of_the_hessian():
    loss, hvp, params, args = hvp_problems()["ce"]
    report = gc.check_hvp(
        loss, lambda p, v, X, Y: hvp(p, v, X, Y, factor=2.0), params, args=args, raise_on_failure=False
    )
    assert (
        report.verdict
        == "gradient mismatch in W: hand-written hvp disagrees with fd, torch and jax (they agree with each other)"
    )
    assert report.param("W").diagnosis == (
        "yours = 2 x H v in W (scale 2): a factor 2 the Hessian does not have, or lacks; the Hessian of "
        "(1/2)||r||^2 is J^T J + sum_i r_i grad^2 r_i, of ||r||^2 twice that, so look for the loss's 1/2 or a "
        "term counted twice"
    )


def test_a_gauss_newton_product_is_named_as_a_missing_curvature_term():
    loss, hvp, params, args = hvp_problems()["mlp"]
    report = gc.check_hvp(
        loss, lambda p, v, X, Y: hvp(p, v, X, Y, gauss_newton=True), params, args=args, raise_on_failure=False
    )
    assert [p.name for p in report.failing] == ["W1", "W2"]
    for p in report.failing:
        assert p.diagnosis_kind == "missing_term"
        assert p.diagnosis == (
            f"your hvp is symmetric, as a Hessian is, but {p.name} differs from H v in a pattern that is no "
            f"constant factor: a curvature term is missing or extra (a Gauss-Newton product J^T H_out J v leaves "
            f"out sum_i r_i grad^2 r_i, the model's second derivative weighted by the residuals)"
        )


def test_a_cross_term_left_out_on_one_side_is_named_by_the_asymmetry_of_the_blocks():
    loss, hvp, params, args = hvp_problems()["mlp"]
    report = gc.check_hvp(
        loss, lambda p, v, X, Y: hvp(p, v, X, Y, one_sided=True), params, args=args, raise_on_failure=False
    )
    assert [p.name for p in report.failing] == ["W1"]
    d = report.param("W1").diagnosis
    assert report.param("W1").diagnosis_kind == "asymmetric"
    assert d.startswith("your hvp is not symmetric between W1 and W2: <u, hvp(w)> = ")
    assert d.endswith(
        "for random u, w on those blocks; a Hessian is symmetric, so the cross term d^2L/dW1dW2 is wrong on one "
        "side (transposed, or left out of one of the two products)"
    )


def test_a_transposed_square_block_is_named_as_a_transpose():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((3, 3))

    def loss(p):  # L = 1/2 <W, A W A^T>: H v = (A V A^T + A^T V A) / 2
        return 0.5 * (p["W"] * (A @ p["W"] @ A.T)).sum()

    def hvp(p, v):
        return {"W": (0.5 * (A @ v["W"] @ A.T + A.T @ v["W"] @ A)).T}  # bug: transposed

    report = gc.check_hvp(loss, hvp, {"W": rng.standard_normal((3, 3))}, raise_on_failure=False)
    assert report.param("W").diagnosis_kind in ("transposed", "asymmetric")


def test_a_wrong_hvp_raises_gradient_mismatch_carrying_the_report():
    loss, hvp, params, args = hvp_problems()["ce"]
    with pytest.raises(gc.GradientMismatch) as info:
        gc.check_hvp(loss, lambda p, v, X, Y: hvp(p, v, X, Y, factor=0.5), params, args=args)
    assert info.value.report.kind == "hvp" and not info.value.report.ok


def test_the_vector_given_is_used_and_checked_against_params():
    loss, hvp, params, args = hvp_problems()["logreg"]
    v = {"w": np.ones(5), "b": np.array(2.0)}
    report = gc.check_hvp(loss, hvp, params, args=args, vector=v)
    assert report.ok
    with pytest.raises(gc.GradcheckError, match=r"Expected vector entry 'w' of shape \(5,\) \(like params\)"):
        gc.check_hvp(loss, hvp, params, args=args, vector={"w": np.ones(4), "b": np.array(1.0)})
    with pytest.raises(gc.GradcheckError, match=r"Expected vector to be a tree like params \(entries w, b\)"):
        gc.check_hvp(loss, hvp, params, args=args, vector={"w": np.ones(5)})


def test_the_callers_arrays_are_not_modified():
    loss, hvp, params, args = hvp_problems()["mlp"]
    before = {k: v.copy() for k, v in params.items()}
    gc.check_hvp(loss, hvp, params, args=args)
    assert all(np.array_equal(before[k], params[k]) for k in params)


def test_check_hvp_takes_check_grads_options():
    loss, hvp, params, args = hvp_problems()["logreg"]
    report = gc.check_hvp(loss, hvp, params, args=args, oracles=("fd",), rtol=1e-5, seed=3)
    assert report.ok and report.seed == 3 and report.ran == ["fd"]
    with pytest.raises(gc.GradcheckError, match="check_hvp got an unknown keyword"):
        gc.check_hvp(loss, hvp, params, args=args, colour="red")
