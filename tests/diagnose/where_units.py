"""Backward passes for the `where:` line: right code and one planted mutation each (tests/diagnose/test_where.py).

Line numbers matter: the tests assert the exact sentence, which names this file's lines.
"""

import numpy as np
from array_api_compat import array_namespace


def mlp_loss(p, x, y):
    """C = 1/2 (y_hat - y)^2 for y_hat = sigma(W2 sigma(W1 x)), array-API (torch runs it)."""
    xp = array_namespace(p["W1"])
    a2 = 1 / (1 + xp.exp(-(p["W1"] @ x)))
    y_hat = 1 / (1 + xp.exp(-(p["W2"] @ a2)))
    return 0.5 * xp.sum((y_hat - y) ** 2)


def mlp_grad(p, x, y, plant=None):
    a2 = 1 / (1 + np.exp(-(p["W1"] @ x)))
    y_hat = 1 / (1 + np.exp(-(p["W2"] @ a2)))
    d3 = (y_hat - y) * y_hat * (1 - y_hat) if plant != "sign" else (y - y_hat) * y_hat * (1 - y_hat)
    d2 = (p["W2"].T @ d3) * a2 * (1 - a2) if plant != "factor" else p["W2"].T @ d3
    return {"W1": d2 @ x.T, "W2": d3 @ a2.T if plant != "transpose" else (a2 @ d3.T).T * 2}


def batchnorm_forward(x, gamma, beta):
    """Training-mode batch norm over the batch axis (numpy, a course's staged version)."""
    mu = x.mean(axis=0)
    xc = x - mu
    var = (xc**2).mean(axis=0)
    std = np.sqrt(var + 1e-5)
    xhat = xc / std
    out = gamma * xhat + beta
    return out, (xhat, xc, std, gamma)


def batchnorm_backward(dout, cache, plant=None):
    xhat, xc, std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma if plant != "dxhat" else dout
    dstd = -(dxhat * xc / std**2).sum(axis=0)
    dvar = 0.5 * dstd / std
    dxc = dxhat / std + 2 * xc * dvar / N if plant != "1/N" else dxhat / std + 2 * xc * dvar
    dx = dxc - dxc.mean(axis=0) if plant != "mean" else dxc - dxc.mean(axis=1, keepdims=True)
    return dx, dgamma, dbeta


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache, plant=None):
    x = cache
    dx = dout.copy()
    dx[x <= 0] = 0 if plant != "mask" else 1
    return dx


def svm_loss(W, X, y):
    """Multiclass SVM loss with its gradient computed inside (a course's vectorised version)."""
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N
    mask = (margins > 0).astype(float)
    mask[np.arange(N), y] = -mask.sum(axis=1)
    dW = X.T @ mask / N
    return loss, dW


def svm_loss_planted(W, X, y):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), y][:, None]
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(N), y] = 0
    loss = margins.sum() / N
    mask = (margins > 0).astype(float)
    mask[np.arange(N), y] = -mask.sum(axis=0)[y]
    dW = X.T @ mask / N
    return loss, dW
