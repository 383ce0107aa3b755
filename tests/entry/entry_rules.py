"""Hand-written second-order and forward-mode rules, right and planted-wrong: Hessian-vector products (a tanh MLP
with a squared loss, softmax cross-entropy, regularised logistic regression), jvps of numpy functions (one and two
outputs), torch.autograd.Functions with a `jvp` and with a double backward, and a jax.custom_jvp function.

Losses and functions are written against the array API (xp = array_namespace(...)), so torch and jax run them."""

import numpy as np
from array_api_compat import array_namespace

LAM = 0.1


# ---- a tanh MLP, L = 1/(2N) sum ||W2 tanh(W1 x) - y||^2 -------------------------------------------------------
def mlp_loss(p, X, Y):
    xp = array_namespace(p["W1"])
    r = xp.tanh(X @ p["W1"].T) @ p["W2"].T - Y
    return 0.5 * xp.sum(r * r) / X.shape[0]


def mlp_hvp(p, v, X, Y, gauss_newton=False, one_sided=False):
    """H v by forward-over-reverse by hand: r's tangent dr, then the tangent of the backward pass."""
    n = X.shape[0]
    W2, V1, V2 = p["W2"], v["W1"], v["W2"]
    h = np.tanh(X @ p["W1"].T)
    d = 1 - h**2
    r = h @ W2.T - Y
    dh = (X @ V1.T) * d  # tangent of h
    dr = dh @ W2.T + h @ V2.T  # tangent of r
    keep = 0.0 if gauss_newton else 1.0  # Gauss-Newton drops every term carrying r itself
    g_w2 = dr.T @ h / n + keep * r.T @ dh / n  # tangent of dL/dW2 = r^T h / N
    back = dr @ W2 + keep * r @ V2  # tangent of r W2
    g_z = back * d + keep * (r @ W2) * (-2 * h * dh)  # tangent of (r W2) * (1 - h^2)
    g_w1 = g_z.T @ X / n
    if one_sided:
        g_w1 = g_w1 - ((r @ V2) * d).T @ X / n  # the W1-W2 cross term left out of dW1's tangent only
    return {"W1": g_w1, "W2": g_w2}


# ---- softmax cross-entropy of a linear model, L = mean_i CE(softmax(x_i W), y_i) ----------------------------------
def ce_loss(p, X, Y):
    xp = array_namespace(p["W"])
    z = X @ p["W"]
    z = z - xp.max(z, axis=1, keepdims=True)
    return xp.mean(xp.log(xp.sum(xp.exp(z), axis=1)) - xp.sum(z * Y, axis=1))


def ce_hvp(p, v, X, Y, factor=1.0):
    z = X @ p["W"]
    s = np.exp(z - z.max(1, keepdims=True))
    s /= s.sum(1, keepdims=True)
    dz = X @ v["W"]
    return {"W": factor * X.T @ (s * (dz - np.sum(s * dz, axis=1, keepdims=True))) / X.shape[0]}


# ---- regularised logistic regression, L = mean log(1 + exp(-y z)) + lam/2 ||w||^2 ---------------------------------
def logreg_loss(p, X, y):
    xp = array_namespace(p["w"])
    z = X @ p["w"] + p["b"]
    return xp.mean(xp.log(1 + xp.exp(-(2 * y - 1) * z))) + 0.5 * LAM * xp.sum(p["w"] ** 2)


def logreg_hvp(p, v, X, y, reg=1.0):
    z = X @ p["w"] + p["b"]
    s = 1 / (1 + np.exp(-z))
    jv = X @ v["w"] + v["b"]
    d = s * (1 - s) / len(y)
    return {"w": X.T @ (d * jv) + reg * LAM * v["w"], "b": np.sum(d * jv)}


def hvp_problems(seed=0):
    """{name: (loss, hvp, params, args)} at a seeded point."""
    rng = np.random.default_rng(seed)
    X, Y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    Xs, Ys = rng.standard_normal((10, 4)), np.eye(3)[rng.integers(0, 3, 10)]
    Xl, yl = rng.standard_normal((20, 5)), (rng.random(20) > 0.5).astype(float)
    return {
        "mlp": (mlp_loss, mlp_hvp, {"W1": rng.standard_normal((4, 3)), "W2": rng.standard_normal((2, 4))}, (X, Y)),
        "ce": (ce_loss, ce_hvp, {"W": rng.standard_normal((4, 3))}, (Xs, Ys)),
        "logreg": (logreg_loss, logreg_hvp, {"w": rng.standard_normal(5), "b": np.array(0.3)}, (Xl, yl)),
    }


def numpy_mlp_loss(p, X, Y):
    r = np.tanh(X @ p["W1"].T) @ p["W2"].T - Y
    return 0.5 * np.sum(r * r) / X.shape[0]


def numpy_ce_loss(p, X, Y):
    z = X @ p["W"]
    z = z - z.max(axis=1, keepdims=True)
    return np.mean(np.log(np.exp(z).sum(axis=1)) - (z * Y).sum(axis=1))


def numpy_logreg_loss(p, X, y):
    z = X.dot(p["w"]) + p["b"]
    return np.mean(np.logaddexp(0.0, -(2 * y - 1) * z)) + 0.5 * LAM * np.sum(p["w"] ** 2)


def numpy_hvp_problems(seed=0):
    """hvp_problems with the same losses written in plain numpy (torch and jax follow them)."""
    numpy = {"mlp": numpy_mlp_loss, "ce": numpy_ce_loss, "logreg": numpy_logreg_loss}
    return {k: (numpy[k], *rest) for k, (_, *rest) in hvp_problems(seed).items()}


# ---- jvps --------------------------------------------------------------------------------------------------------
def affine_tanh(x, W, b):
    xp = array_namespace(x)
    return xp.tanh(x @ W + b)


def affine_tanh_jvp(t, x, W, b, w_factor=1.0, drop_b=False):
    tx, tW, tb = t
    y = np.tanh(x @ W + b)
    return (1 - y**2) * (tx @ W + w_factor * (x @ tW) + (0 if drop_b else tb))


def two_outputs(x, y):
    """(x * y, sin(x) + y^2)"""
    xp = array_namespace(x)
    return x * y, xp.sin(x) + y**2


def two_outputs_jvp(t, x, y, y_factor=2.0):
    tx, ty = t
    return tx * y + x * ty, np.cos(x) * tx + y_factor * y * ty
