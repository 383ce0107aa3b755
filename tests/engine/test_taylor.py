"""taylor.py: the Taylor test decides float32 losses (remainder order 2 when right, 1 when wrong); plot data."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.taylor import taylor_data, taylor_test


def f32_loss(p, x):
    """A loss computed in float32 whatever the params' dtype: FD on it sees float32 round-off."""
    W = p["W"].astype(np.float32)
    return np.sum(np.log1p(np.exp((W @ x).astype(np.float32))), dtype=np.float32)


def f32_grad(p, x):
    W = p["W"].astype(np.float32)
    s = 1 / (1 + np.exp(-(W @ x)))  # d/dz log(1 + e^z) = sigmoid(z)
    return {"W": (s @ x.T).astype(np.float32)}


@pytest.fixture
def f32_problem():
    rng = np.random.default_rng(2)
    return {"W": rng.normal(size=(6, 5)).astype(np.float32)}, rng.normal(size=(5, 40)).astype(np.float32)


def test_right_float32_code_of_a_noisy_loss_passes_by_the_taylor_test(f32_problem):
    params, x = f32_problem
    report = gc.check_grad(f32_loss, f32_grad, params, args=(x,))
    w = report.param("W")
    assert report.ok and w.taylor is not None
    assert w.taylor.verdict == "consistent" and 1.7 <= w.taylor.order <= 2.6
    assert "Taylor test: remainder order" in str(report)


def test_wrong_float32_code_fails_the_taylor_test(f32_problem):
    params, x = f32_problem

    def bad(p, x):
        return {"W": f32_grad(p, x)["W"] * np.float32(0.5)}  # a factor 2 lost

    report = gc.check_grad(f32_loss, bad, params, args=(x,), raise_on_failure=False)
    assert not report.ok
    assert report.param("W").taylor.verdict == "wrong" and report.param("W").taylor.order < 1.3


def test_taylor_order_is_two_when_right_and_one_when_wrong():
    def phi(t):
        return np.exp(0.3 + t)

    right = taylor_test(phi, phi(0.0), np.exp(0.3), 1.0)
    wrong = taylor_test(phi, phi(0.0), np.exp(0.3) * 1.01, 1.0)
    assert abs(right.order - 2) < 0.1 and right.verdict == "consistent"
    assert abs(wrong.order - 1) < 0.1 and wrong.verdict == "wrong"


def test_taylor_data_gives_error_versus_step_for_a_plot(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    data = taylor_data(loss, grad, params, args, seed=3)
    assert len(data["h"]) == len(data["remainder"]) == len(data["fd_error"]) == 16
    assert data["verdict"] == "consistent" and data["seed"] == 3
    assert data["h"] == sorted(data["h"], reverse=True)
