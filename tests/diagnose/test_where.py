"""The `where:` line: on planted backward bugs, the first wrong line of the user's code, in exact words; on right
code, nothing (tests/diagnose/where_units.py holds the code; its line numbers are in the sentences)."""

import numpy as np
import pytest
import where_units as U

import gradcheck

RNG = np.random.default_rng(0)
P = {"W1": RNG.normal(size=(3, 2)), "W2": RNG.normal(size=(1, 3))}
X, Y = RNG.normal(size=(2, 1)), np.array([[1.0]])
BX, GAMMA, BETA = RNG.normal(size=(5, 4)), RNG.normal(size=4), RNG.normal(size=4)
SW, SY = RNG.normal(size=(4, 3)) * 0.1, np.array([0, 2, 1, 1, 0])


def where(report) -> str:
    return next((line for line in str(report).split("\n") if line.startswith("where:")), "")


def mlp(plant):
    return gradcheck.check_grad(
        U.mlp_loss, lambda p, x, y: U.mlp_grad(p, x, y, plant), P, args=(X, Y), raise_on_failure=False
    )


def batchnorm(plant):
    return gradcheck.check_backward(
        U.batchnorm_forward,
        lambda d, c: U.batchnorm_backward(d, c, plant),
        (BX, GAMMA, BETA),
        raise_on_failure=False,
    )


def relu(plant):
    return gradcheck.check_backward(
        U.relu_forward, lambda d, c: U.relu_backward(d, c, plant), (BX,), raise_on_failure=False
    )


MUTANTS = [
    (
        mlp,
        "sign",
        'where: mlp_grad (where_units.py:21) d3 = (y_hat - y) * y_hat * (1 - y_hat) if plant != "sign" else '
        '(y - y_hat) * y_hat * (1 - y_hat) is wrong: it should be dL/d(p["W2"] @ a2) (the adjoint of '
        'p["W2"] @ a2 at where_units.py:14), shape (1, 1); what it is computed from, y_hat (line 20, = the '
        "forward's y_hat), is right",
    ),
    (
        mlp,
        "factor",
        'where: mlp_grad (where_units.py:22) d2 = (p["W2"].T @ d3) * a2 * (1 - a2) if plant != "factor" else '
        'p["W2"].T @ d3 is wrong: it should be dL/d(p["W1"] @ x) (the adjoint of p["W1"] @ x at '
        'where_units.py:13), shape (3, 1); what it is computed from, d3 (line 21, = dL/d(p["W2"] @ a2)) and a2 '
        "(line 19, = the forward's a2), is right",
    ),
    (
        mlp,
        "transpose",
        'where: mlp_grad (where_units.py:23) return {"W1": d2 @ x.T, "W2": d3 @ a2.T if plant != "transpose" '
        "else (a2 @ d3.T).T * 2} is wrong: it should be the gradient of W2, shape (1, 3); what it is computed from, "
        'd2 (line 22, = dL/d(p["W1"] @ x)), d3 (line 21, = dL/d(p["W2"] @ a2)) and a2 (line 19, = the '
        "forward's a2), is right",
    ),
    (
        batchnorm,
        "dxhat",
        'where: batchnorm_backward (where_units.py:42) dxhat = dout * gamma if plant != "dxhat" else dout is '
        "wrong: it should be dL/dxhat (the adjoint of xhat at where_units.py:32), shape (5, 4); what it is "
        "computed from, gamma (line 38, = the input gamma), is right",
    ),
    (
        batchnorm,
        "1/N",
        'where: batchnorm_backward (where_units.py:45) dxc = dxhat / std + 2 * xc * dvar / N if plant != "1/N" '
        "else dxhat / std + 2 * xc * dvar is wrong: it should be dL/dxc (the adjoint of xc at where_units.py:29), "
        "shape (5, 4); what it is computed from, dxhat (line 42, = dL/dxhat), std (line 38, = the forward's std), "
        "dvar (line 44, = dL/dvar) and xc (line 38, = the forward's xc), is right",
    ),
    (
        batchnorm,
        "mean",
        'where: batchnorm_backward (where_units.py:46) dx = dxc - dxc.mean(axis=0) if plant != "mean" else '
        "dxc - dxc.mean(axis=1, keepdims=True) is wrong: it should be the gradient of x, shape (5, 4); what it is "
        "computed from, dxc (line 45, = dL/dxc), is right",
    ),
    (
        relu,
        "mask",
        'where: relu_backward (where_units.py:57) dx[x <= 0] = 0 if plant != "mask" else 1 is wrong: it should '
        "be the gradient of x, shape (5, 4); what it is computed from, dx (line 56, = the input dout) and x "
        "(line 55, = the input x), is right",
    ),
]


@pytest.mark.parametrize(("check", "plant", "sentence"), MUTANTS, ids=[f"{c.__name__}-{p}" for c, p, _ in MUTANTS])
def test_a_planted_bug_is_named_at_its_line(check, plant, sentence):
    report = check(plant)
    assert not report.ok
    assert where(report) == sentence
    assert report.first_wrong.file == U.__file__ or report.first_wrong.file.endswith("where_units.py")


@pytest.mark.parametrize("check", [mlp, batchnorm, relu])
def test_right_code_names_no_line(check):
    report = check(None)
    assert report.ok and report.first_wrong is None and report.steps == [] and where(report) == ""


def test_a_course_loss_returning_loss_and_gradient_is_followed_inside_the_forward():
    assert gradcheck.check_backward(U.svm_loss, None, (SW, BX, SY), raise_on_failure=False).ok
    report = gradcheck.check_backward(U.svm_loss_planted, None, (SW, BX, SY), raise_on_failure=False)
    assert where(report) == (
        "where: svm_loss_planted (where_units.py:83) mask[np.arange(N), y] = -mask.sum(axis=0)[y] is wrong: it "
        "should be dL/dscores (the adjoint of scores at where_units.py:77), per example, shape (5, 3); what it is "
        "computed from, mask (line 82, = dL/dmargins, per example), is right"
    )
    fw = report.first_wrong
    assert (fw.line, fw.name, fw.function, fw.code) == (
        83,
        "mask",
        "svm_loss_planted",
        "mask[np.arange(N), y] = -mask.sum(axis=0)[y]",
    )


def test_the_steps_are_the_followed_quantities_in_execution_order():
    report = mlp("factor")
    got = [(s.line, s.name, s.status) for s in report.steps]
    assert got == [
        (19, "a2", "right"),
        (20, "y_hat", "right"),
        (21, "d3", "right"),
        (22, "d2", "wrong"),
        (23, None, "wrong"),
    ]
    assert report.steps[2].matched.kind == "adjoint" and report.steps[2].matched.label == 'p["W2"] @ a2'
