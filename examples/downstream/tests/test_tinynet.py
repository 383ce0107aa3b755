"""tinynet's backprop, checked through gradcheck's pytest plugin (the `gradcheck` fixture and marker)."""

import numpy as np
import pytest
import tinynet


def batch(n=6, d=3, k=4, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), np.eye(k)[rng.integers(0, k, size=n)]


@pytest.mark.parametrize("hidden", [2, 5])
def test_backprop_matches_oracles(gradcheck, hidden):
    X, Y = batch()
    report = gradcheck.check_grad(tinynet.loss, tinynet.grad, tinynet.init(3, hidden, 4), args=(X, Y))
    assert [p.name for p in report.params] == ["W1", "b1", "W2", "b2"]


def test_dense_layer_vjp(gradcheck):
    rng = np.random.default_rng(2)
    X, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    gradcheck.check_vjp(tinynet.dense, tinynet.dense_vjp, (X, W, b))


@pytest.mark.gradcheck(oracles="fd", rtol=1e-5)
def test_backprop_with_finite_differences_only(gradcheck):
    X, Y = batch(n=3, seed=5)
    report = gradcheck.check_grad(tinynet.loss, tinynet.grad, tinynet.init(3, 2, 4, seed=5), args=(X, Y))
    assert report.ran == ["fd"]


def test_a_planted_bug_is_caught(gradcheck):
    def forgot_tanh_derivative(params, X, Y):
        g = tinynet.grad(params, X, Y)
        Z1, H, Z2 = tinynet.forward(params, X)
        dZ2 = (tinynet.softmax(Z2) - Y) / X.shape[0]
        return {**g, "W1": X.T @ (dZ2 @ params["W2"].T)}  # bug: dZ1 = dH, without * (1 - H^2)

    X, Y = batch()
    report = gradcheck.grad_report(tinynet.loss, forgot_tanh_derivative, tinynet.init(3, 4, 4), args=(X, Y))
    assert not report.ok
    assert [p.name for p in report.failing] == ["W1"]


def test_forward_shapes():
    X, _ = batch()
    Z1, H, Z2 = tinynet.forward(tinynet.init(3, 5, 4), X)
    assert (Z1.shape, H.shape, Z2.shape) == ((6, 5), (6, 5), (6, 4))
