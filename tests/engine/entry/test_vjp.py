"""vjp.py: check_vjp's loss is <fn(*inputs), cotangent> and its grad the vjp's gradients for the differentiated
inputs, each call on a fresh cotangent (a write into it recorded, yours untouched); what vjp returns is checked."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.entry.gradients import Inputs
from gradcheck._engine.entry.vjp import _as_loss_and_grad, check_vjp
from gradcheck._engine.record.writes import Record

X, W = np.arange(6.0).reshape(2, 3) / 5, np.linspace(-1, 1, 12).reshape(3, 4)
COT = np.random.default_rng(0).normal(size=(2, 4))


def matmul(x, w):
    return x @ w


def matmul_vjp(g, x, w):
    return g @ w.T, x.T @ g


def test_the_adapted_loss_is_the_pairing_and_the_grad_is_the_vjps_for_the_differentiated_inputs():
    ins = Inputs(("x", "w"), (X, W), (True, True))
    loss, grad = _as_loss_and_grad(matmul, matmul_vjp, ins, ["w"], Record())
    w2 = W * 2
    assert loss({"w": w2}, COT) == pytest.approx(float(np.sum((X @ w2) * COT)), rel=1e-15)
    g = grad({"w": w2}, COT)
    assert list(g) == ["w"] and np.array_equal(g["w"], X.T @ COT)  # x held fixed, w from p


def test_a_vjp_writing_into_its_cotangent_is_recorded_and_the_cotangent_stays_as_given():
    def scribbles(g, x, w):
        out = (g @ w.T, x.T @ g)
        g *= 0  # in place, after use
        return out

    record, cot = Record(), COT.copy()
    _, grad = _as_loss_and_grad(matmul, scribbles, Inputs(("x", "w"), (X, W), (True, True)), ["x", "w"], record)
    found = grad({"x": X, "w": W}, cot)
    assert record.dout and np.array_equal(cot, COT) and np.allclose(found["w"], X.T @ COT)


def test_check_vjp_passes_a_right_vjp_and_names_the_wrong_input():
    assert check_vjp(matmul, matmul_vjp, (X, W), oracles=("fd",)).ok
    half = lambda g, x, w: (g @ w.T, 0.5 * (x.T @ g))  # noqa: E731
    report = check_vjp(matmul, half, (X, W), oracles=("fd",), raise_on_failure=False)
    assert report.kind == "vjp" and [p.name for p in report.failing] == ["w"]


def test_trailing_nones_are_dropped_and_an_input_given_none_is_not_checked():
    report = check_vjp(matmul, lambda g, x, w: (None, x.T @ g, None), (X, W), oracles=("fd",))
    assert [p.name for p in report.params] == ["w"]


@pytest.mark.parametrize(
    "returned, message",
    [
        ({"x": 1}, r"Expected vjp to return a tuple of 2 gradients .* \(type=dict\)"),
        (np.ones(3), r"Expected vjp to return a tuple of 2 gradients .* \(type=ndarray\)"),
        ((np.ones((2, 3)), None, None, np.ones(1)), r"Expected vjp to return 2 gradients .* but it returned 4"),
        ((None, None), r"vjp returned None for every input: nothing to check"),
    ],
)
def test_what_vjp_returns_is_checked_with_a_message_that_says_what_was_expected(returned, message):
    with pytest.raises(gc.GradcheckError, match=message):
        check_vjp(matmul, lambda g, x, w: returned, (X, W), oracles=("fd",))
