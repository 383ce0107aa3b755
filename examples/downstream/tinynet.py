"""tinynet: a two-layer MLP (tanh hidden layer, softmax cross-entropy) with hand-written backprop.

Row-batch convention: X (N, d), W1 (d, h), b1 (h,), W2 (h, k), b2 (k,), one-hot Y (N, k).
    Z1 = X W1 + b1,  H = tanh(Z1),  Z2 = H W2 + b2,  E = -(1/N) sum Y * log softmax(Z2)
The forward is array-API generic (numpy, torch, jax), so gradcheck's torch and jax oracles can run it.
"""

import numpy as np
from array_api_compat import array_namespace


def init(d, h, k, seed=0):
    """Small random parameters {"W1", "b1", "W2", "b2"}."""
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.normal(0, 0.5, (d, h)),
        "b1": rng.normal(0, 0.1, h),
        "W2": rng.normal(0, 0.5, (h, k)),
        "b2": rng.normal(0, 0.1, k),
    }


def forward(params, X):
    """(Z1, H, Z2): pre-activation, hidden activation, logits."""
    Z1 = X @ params["W1"] + params["b1"]  # Z1 = X W1 + b1
    H = array_namespace(Z1).tanh(Z1)  # H = tanh(Z1)
    Z2 = H @ params["W2"] + params["b2"]  # Z2 = H W2 + b2
    return Z1, H, Z2


def loss(params, X, Y):
    """Mean softmax cross-entropy, E = -(1/N) sum_n sum_c Y_nc log softmax(Z2)_nc."""
    _, _, Z2 = forward(params, X)
    xp = array_namespace(Z2)
    m = xp.max(Z2, axis=1, keepdims=True)
    lse = m + xp.log(xp.sum(xp.exp(Z2 - m), axis=1, keepdims=True))  # log sum_c exp(Z2_c), stably
    return -xp.sum(Y * (Z2 - lse)) / Z2.shape[0]


def softmax(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def grad(params, X, Y):
    """Hand-written backprop: dE/dparams with the same keys and shapes."""
    Z1, H, Z2 = forward(params, X)
    N = X.shape[0]
    dZ2 = (softmax(Z2) - Y) / N  # dE/dZ2 = (softmax(Z2) - Y) / N
    dW2 = H.T @ dZ2  # dW2 = H^T dZ2
    db2 = dZ2.sum(axis=0)  # db2 = 1^T dZ2
    dH = dZ2 @ params["W2"].T  # dH = dZ2 W2^T
    dZ1 = dH * (1 - H**2)  # dZ1 = dH * tanh'(Z1) = dH * (1 - H^2)
    dW1 = X.T @ dZ1  # dW1 = X^T dZ1
    db1 = dZ1.sum(axis=0)  # db1 = 1^T dZ1
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def dense(X, W, b):
    """A dense layer on its own: Y = X W + b."""
    return X @ W + b


def dense_vjp(G, X, W, b):
    """Its backward: given G = dE/dY, return (dE/dX, dE/dW, dE/db) = (G W^T, X^T G, 1^T G)."""
    return G @ W.T, X.T @ G, G.sum(axis=0)


def gradcheck_cases():
    """What `gradcheck run` checks (named in pyproject.toml's [tool.gradcheck]): the net and its dense layer."""
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((6, 3)), np.eye(4)[rng.integers(0, 4, size=6)]
    Xd, W, b = rng.standard_normal((5, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    return [
        {"name": "tinynet", "loss": loss, "grad": grad, "params": init(3, 5, 4), "args": (X, Y)},
        {"name": "dense", "fn": dense, "vjp": dense_vjp, "inputs": (Xd, W, b)},
    ]
