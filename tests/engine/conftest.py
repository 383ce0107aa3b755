"""Planted-failure problems for the engine tests: a 1e4-entry smooth loss, a ReLU net, a float32 loss."""

import numpy as np
import pytest
from array_api_compat import array_namespace


def big_loss(p, A, B):
    """sum tanh(W * A)^2 + 1/2 sum W^2 B over a 100 x 100 W (array-API generic, data in args)."""
    xp = array_namespace(p["W"])
    return xp.sum(xp.tanh(p["W"] * A) ** 2) + 0.5 * xp.sum(p["W"] ** 2 * B)


def big_loss_numpy(p, A, B):
    return float(np.sum(np.tanh(p["W"] * A) ** 2) + 0.5 * np.sum(p["W"] ** 2 * B))


def big_grad(p, A, B):
    t = np.tanh(p["W"] * A)
    return {"W": 2 * t * (1 - t * t) * A + p["W"] * B}  # d/dW tanh(WA)^2 = 2 t (1 - t^2) A


@pytest.fixture(scope="module")
def big():
    rng = np.random.default_rng(1)
    A, B, W = (rng.normal(size=(100, 100)) for _ in range(3))
    return {"W": W}, (A, B)


def planted(index, rel=1e-3):
    """big_grad with entry `index` of W off by `rel` of itself."""

    def grad(p, A, B):
        g = big_grad(p, A, B)
        g["W"][index] *= 1 + rel
        return g

    return grad


def sigmoid_loss(p, x, y):
    """2-layer sigmoid MLP, column convention, 1/2 ||y_hat - y||^2 (array-API generic)."""
    xp = array_namespace(p["W1"])
    a1 = 1 / (1 + xp.exp(-(p["W1"] @ x + p["b1"])))
    y_hat = 1 / (1 + xp.exp(-(p["W2"] @ a1 + p["b2"])))
    return 0.5 * xp.sum((y_hat - y) ** 2)


def sigmoid_grad(p, x, y):
    a1 = 1 / (1 + np.exp(-(p["W1"] @ x + p["b1"])))
    y_hat = 1 / (1 + np.exp(-(p["W2"] @ a1 + p["b2"])))
    d2 = (y_hat - y) * y_hat * (1 - y_hat)  # delta2 = (y_hat - y) sigma'(z2)
    d1 = (p["W2"].T @ d2) * a1 * (1 - a1)  # delta1 = W2^T delta2 sigma'(z1)
    return {"W1": d1 @ x.T, "b1": d1.sum(1, keepdims=True), "W2": d2 @ a1.T, "b2": d2.sum(1, keepdims=True)}


@pytest.fixture
def sigmoid_mlp():
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.normal(size=(4, 3)),
        "b1": rng.normal(size=(4, 1)),
        "W2": rng.normal(size=(2, 4)),
        "b2": rng.normal(size=(2, 1)),
    }
    return sigmoid_loss, sigmoid_grad, params, (rng.normal(size=(3, 5)), rng.random((2, 5)))
