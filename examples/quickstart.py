"""Quickstart: check the backward pass of the 2-2-1 sigmoid network of a textbook question,
"Calculating derivatives with respect to a weight matrix" (reference case derivatives-wrt-weight-matrix-qa)."""

import numpy as np
from array_api_compat import array_namespace

import gradcheck


def loss(p, x, y):
    """C = 1/2 (y_hat - y)^2 for y_hat = sigma(W2 sigma(W1 x)), written once for numpy, torch and jax."""
    xp = array_namespace(p["W1"])
    a2 = 1 / (1 + xp.exp(-(p["W1"] @ x)))
    y_hat = 1 / (1 + xp.exp(-(p["W2"] @ a2)))
    return 0.5 * xp.sum((y_hat - y) ** 2)


def grad(p, x, y):
    """Hand-written backprop in matrix form."""
    a2 = 1 / (1 + np.exp(-(p["W1"] @ x)))
    y_hat = 1 / (1 + np.exp(-(p["W2"] @ a2)))
    d3 = (y_hat - y) * y_hat * (1 - y_hat)  # delta3 = (y_hat - y) sigma'(z3)
    d2 = (p["W2"].T @ d3) * a2 * (1 - a2)  # delta2 = W2^T delta3 * sigma'(z2), elementwise
    return {"W1": d2 @ x.T, "W2": d3 @ a2.T}  # dC/dW = delta a^T


def grad_as_asked(p, x, y):
    """The asker's derivation: W2 . sigma'(z2) taken as an inner product, times [x^T; x^T]."""
    a2 = 1 / (1 + np.exp(-(p["W1"] @ x)))
    y_hat = 1 / (1 + np.exp(-(p["W2"] @ a2)))
    d3 = (y_hat - y) * y_hat * (1 - y_hat)
    s = d3 * (p["W2"] @ (a2 * (1 - a2)))  # a 1x1 number where a 2x1 vector belongs
    return {"W1": s * np.vstack([x.T, x.T]), "W2": d3 @ a2.T}


params = {"W1": np.array([[0.1, 0.8], [0.4, 0.6]]), "W2": np.array([[0.3, 0.9]])}
x, y = np.array([[0.3], [0.9]]), np.array([[1.0]])

print(gradcheck.check_grad(loss, grad, params, args=(x, y)))
print()
try:
    gradcheck.check_grad(loss, grad_as_asked, params, args=(x, y))
except gradcheck.GradientMismatch as failure:
    print(failure)
