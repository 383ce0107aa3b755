"""Small self-contained models for the core engine tests (independent of gradcheck.nets)."""

import numpy as np
import pytest
from array_api_compat import array_namespace


def sigmoid_mlp_loss(p, x, y):
    """2-layer sigmoid MLP, column convention, squared error 1/2 ||y_hat - y||^2 (array-API generic)."""
    xp = array_namespace(p["W1"])
    a1 = 1 / (1 + xp.exp(-(p["W1"] @ x + p["b1"])))
    y_hat = 1 / (1 + xp.exp(-(p["W2"] @ a1 + p["b2"])))
    return 0.5 * xp.sum((y_hat - y) ** 2)


def sigmoid_mlp_grad(p, x, y):
    z1 = p["W1"] @ x + p["b1"]
    a1 = 1 / (1 + np.exp(-z1))
    y_hat = 1 / (1 + np.exp(-(p["W2"] @ a1 + p["b2"])))
    d2 = (y_hat - y) * y_hat * (1 - y_hat)  # delta2 = (y_hat - y) * sigma'(z2)
    d1 = (p["W2"].T @ d2) * a1 * (1 - a1)  # delta1 = W2^T delta2 * sigma'(z1)
    return {
        "W1": d1 @ x.T,
        "b1": d1.sum(axis=1, keepdims=True),  # dW1 = delta1 x^T
        "W2": d2 @ a1.T,
        "b2": d2.sum(axis=1, keepdims=True),
    }


def softmax_ce_loss(p, X, Y):
    """Row-batch tanh layer then softmax + mean categorical cross-entropy (array-API generic)."""
    xp = array_namespace(p["W1"])
    H = xp.tanh(X @ p["W1"] + p["b1"])
    Z = H @ p["W2"] + p["b2"]
    Z = Z - xp.max(Z, axis=1, keepdims=True)
    logp = Z - xp.log(xp.sum(xp.exp(Z), axis=1, keepdims=True))
    return -xp.sum(Y * logp) / X.shape[0]


def softmax_ce_grad(p, X, Y):
    H = np.tanh(X @ p["W1"] + p["b1"])
    Z = H @ p["W2"] + p["b2"]
    S = np.exp(Z - Z.max(axis=1, keepdims=True))
    S /= S.sum(axis=1, keepdims=True)
    dZ = (S - Y) / X.shape[0]  # fused softmax + CE: dZ = (Y_hat - Y) / N
    dH = dZ @ p["W2"].T * (1 - H**2)  # tanh' = 1 - tanh^2
    return {"W1": X.T @ dH, "b1": dH.sum(axis=0), "W2": H.T @ dZ, "b2": dZ.sum(axis=0)}  # dW = X^T dZ


@pytest.fixture
def sigmoid_mlp():
    rng = np.random.default_rng(0)
    params = {
        "W1": rng.normal(size=(4, 3)),
        "b1": rng.normal(size=(4, 1)),
        "W2": rng.normal(size=(2, 4)),
        "b2": rng.normal(size=(2, 1)),
    }
    args = (rng.normal(size=(3, 5)), rng.random((2, 5)))
    return sigmoid_mlp_loss, sigmoid_mlp_grad, params, args


@pytest.fixture
def softmax_mlp():
    rng = np.random.default_rng(1)
    params = {
        "W1": rng.normal(size=(3, 5)),
        "b1": rng.normal(size=(5,)),
        "W2": rng.normal(size=(5, 4)),
        "b2": rng.normal(size=(4,)),
    }
    X = rng.normal(size=(6, 3))
    Y = np.eye(4)[rng.integers(0, 4, size=6)]
    return softmax_ce_loss, softmax_ce_grad, params, (X, Y)


def planted(grad, name, fn):
    """A copy of `grad` whose entry `name` is passed through fn (a planted bug)."""

    def wrong(p, *args):
        g = grad(p, *args)
        g[name] = fn(g[name])
        return g

    return wrong


@pytest.fixture
def plant():
    """plant(grad, name, fn): a gradient function with a bug planted in parameter `name`."""
    return planted
