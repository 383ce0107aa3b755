"""Small course-style layers (forward returns (out, cache), backward(dout, cache)), right and planted-wrong."""

import numpy as np


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b)


def affine_backward(dout, cache):
    x, w, b = cache
    dx = (dout @ w.T).reshape(x.shape)  # dx = dout W^T
    dw = x.reshape(x.shape[0], -1).T @ dout  # dW = X^T dout
    return dx, dw, dout.sum(axis=0)


def affine_backward_db_mean(dout, cache):
    dx, dw, _ = affine_backward(dout, cache)
    return dx, dw, dout.mean(axis=0)  # bug: 1/N on the bias


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    dx = dout  # writes into dout (the course's common style): a warning, not a failure
    dx[cache <= 0] = 0
    return dx


def relu_backward_no_mask(dout, cache):
    return dout.copy()  # bug: the mask is missing


def batchnorm_forward(x, gamma, beta, bn_param):
    eps = bn_param.get("eps", 1e-5)
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xhat = (x - mu) / np.sqrt(var + eps)
    bn_param["running_mean"] = 0.9 * bn_param.get("running_mean", 0.0) + 0.1 * mu  # updates the dict it was given
    return gamma * xhat + beta, (xhat, gamma, var, eps)


def batchnorm_backward(dout, cache):
    xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    # dx = 1/(N sigma) (N dxhat - sum dxhat - xhat sum(dxhat xhat))
    dx = (n * dxhat - dxhat.sum(axis=0) - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def batchnorm_backward_no_mean_path(dout, cache):
    xhat, gamma, var, eps = cache
    n = dout.shape[0]
    dxhat = dout * gamma
    dx = (n * dxhat - xhat * (dxhat * xhat).sum(axis=0)) / (n * np.sqrt(var + eps))  # bug: - sum dxhat missing
    return dx, (dout * xhat).sum(axis=0), dout.sum(axis=0)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    a = x @ Wx + prev_h @ Wh + b
    H = prev_h.shape[1]
    i, f, o, g = sigmoid(a[:, :H]), sigmoid(a[:, H : 2 * H]), sigmoid(a[:, 2 * H : 3 * H]), np.tanh(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    next_h = o * np.tanh(next_c)
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c)


def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    tc = np.tanh(next_c)
    dnext_c += dnext_h * o * (1 - tc**2)  # writes into dnext_c (course style): a warning
    do = dnext_h * tc
    di, df, dg = dnext_c * g, dnext_c * prev_c, dnext_c * i
    dprev_c = dnext_c * f
    da = np.hstack([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g**2)])
    return da @ Wx.T, da @ Wh.T, dprev_c, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def lstm_step_backward_forget_gate_wrong(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, next_c = cache
    dc = dnext_c + dnext_h * o * (1 - np.tanh(next_c) ** 2)
    dx, dh, _, dWx, dWh, db = lstm_step_backward(dnext_h, dnext_c.copy(), cache)
    return dx, dh, dc, dWx, dWh, db  # bug: dprev_c misses the forget gate f


def embedding_forward(x, W):
    return W[x], (x, W)


def embedding_backward(dout, cache):
    x, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, x, dout)  # repeated ids accumulate
    return dW


def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    dx = np.exp(log_probs)
    dx[np.arange(n), y] -= 1
    return -log_probs[np.arange(n), y].mean(), dx / n


class Dense:
    """Parameters and gradients in dicts (the common numpy style); gradients accumulate like a framework's."""

    def __init__(self, n_in, n_out, rng):
        self.parameters = {"W": rng.normal(size=(n_in, n_out)), "b": rng.normal(size=n_out)}
        self.gradients = {"W": np.zeros((n_in, n_out)), "b": np.zeros(n_out)}

    def forward(self, X):
        self.X = X
        return X @ self.parameters["W"] + self.parameters["b"]

    def backward(self, dY):
        self.gradients["W"] += self.X.T @ dY  # dW = X^T dY (accumulated)
        self.gradients["b"] += dY.sum(axis=0)
        return dY @ self.parameters["W"].T


class DenseTransposedW(Dense):
    def backward(self, dY):
        dX = super().backward(dY)
        self.gradients["W"] = (dY.T @ self.X).T.T  # bug: dW = dY^T X, the transpose
        return dX


class Dropout:
    """Inverted dropout drawing its mask from numpy's global generator (no parameters)."""

    def __init__(self, p=0.5):
        self.p, self.parameters, self.gradients = p, {}, {}

    def forward(self, X):
        self.mask = (np.random.rand(*X.shape) >= self.p) / (1 - self.p)
        return X * self.mask

    def backward(self, dY):
        return dY * self.mask


class DropoutNoMask(Dropout):
    def backward(self, dY):
        return dY / (1 - self.p)  # bug: the mask is missing


class Scale:
    """Attribute-held parameters: y = x * gamma + beta, gradients in dgamma, dbeta."""

    def __init__(self, d, rng):
        self.gamma, self.beta = rng.normal(size=d), rng.normal(size=d)

    def forward(self, X):
        self.X = X
        return X * self.gamma + self.beta

    def backward(self, dY):
        self.dgamma, self.dbeta = (dY * self.X).sum(axis=0), dY.sum(axis=0)
        return dY * self.gamma


class BatchNormLayer:
    """Running statistics kept in the parameters dict beside gamma and beta (no gradient entry: buffers)."""

    def __init__(self, d, rng):
        self.parameters = {"gamma": rng.normal(size=d), "beta": rng.normal(size=d), "running_mean": np.zeros(d)}
        self.gradients = {"gamma": np.zeros(d), "beta": np.zeros(d)}

    def forward(self, X):
        out, self.cache = batchnorm_forward(X, self.parameters["gamma"], self.parameters["beta"], {})
        self.parameters["running_mean"] *= 0.9  # a buffer updated in place
        return out

    def backward(self, dY):
        dX, self.gradients["gamma"], self.gradients["beta"] = batchnorm_backward(dY, self.cache)
        return dX


def max_pool_forward(x, pad):
    """2x2 max pooling, stride 2, zero padding `pad` on both spatial axes of x (N, H, W)."""
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    n, h, w = xp.shape
    windows = xp.reshape(n, h // 2, 2, w // 2, 2)
    return windows.max(axis=(2, 4)), (x, pad)


def max_pool_backward(dout, cache, from_padded=True):
    x, pad = cache
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    src = xp if from_padded else np.pad(x, ((0, 0), (0, 2 * pad), (0, 2 * pad)))  # bug: windows of unpadded x
    dxp = np.zeros_like(xp)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            win = src[:, 2 * i : 2 * i + 2, 2 * j : 2 * j + 2].reshape(len(x), 4)
            k = win.argmax(axis=1)  # dout goes to the window's argmax
            dxp[np.arange(len(x)), 2 * i + k // 2, 2 * j + k % 2] += dout[:, i, j]
    return dxp[:, pad : pad + x.shape[1], pad : pad + x.shape[2]]
