"""The Taylor test decides float32 losses; a ReLU net at a kink passes with either subgradient."""

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


def relu_net(p, x, y):
    from array_api_compat import array_namespace

    xp = array_namespace(p["W1"])
    h = xp.maximum(p["W1"] @ x + p["b1"], 0.0 * p["b1"])
    return 0.5 * xp.sum((p["W2"] @ h - y) ** 2)


def relu_grad(at_zero):
    def grad(p, x, y):
        z = p["W1"] @ x + p["b1"]
        h = np.maximum(z, 0.0)
        d2 = p["W2"] @ h - y  # dL/dy_hat
        d1 = (p["W2"].T @ d2) * np.where(z > 0, 1.0, np.where(z == 0, at_zero, 0.0))  # relu'(0) chosen
        return {"W1": d1 @ x.T, "b1": d1.sum(1, keepdims=True), "W2": d2 @ h.T}

    return grad


@pytest.mark.parametrize("at_zero", [0.0, 1.0])
def test_relu_net_exactly_at_a_kink_passes_with_either_subgradient(at_zero):
    rng = np.random.default_rng(4)
    p = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=(3, 1)), "W2": rng.normal(size=(1, 3))}
    x, y = rng.normal(size=(2, 1)), rng.normal(size=(1, 1))
    p["b1"][1, 0] = -(p["W1"] @ x)[1, 0]  # unit 1 sits exactly at its kink: z = 0
    report = gc.check_grad(relu_net, relu_grad(at_zero), p, args=(x, y))
    assert report.ok
    w1 = report.param("W1")
    assert max(c.kinks for c in w1.comparisons.values()) == 2  # W1[1, :] sit on the kink
    assert any("valid subgradient" in n for n in w1.notes)
    assert any(h.name == "kink" for h in report.health)


def test_relu_net_with_a_value_outside_the_subgradient_interval_fails():
    rng = np.random.default_rng(4)
    p = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=(3, 1)), "W2": rng.normal(size=(1, 3))}
    x, y = rng.normal(size=(2, 1)), rng.normal(size=(1, 1))
    p["b1"][1, 0] = -(p["W1"] @ x)[1, 0]
    report = gc.check_grad(relu_net, relu_grad(3.0), p, args=(x, y), raise_on_failure=False)
    assert not report.ok and {q.name for q in report.failing} >= {"W1"}
