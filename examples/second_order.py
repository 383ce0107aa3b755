"""A Hessian-vector product with a planted bug: the L2 penalty's lambda v left out (README, "Second order and
forward mode"). Run: python examples/second_order.py"""

import numpy as np
from array_api_compat import array_namespace

import gradcheck

LAM = 0.1
rng = np.random.default_rng(0)
X, y = rng.normal(size=(20, 5)), (rng.random(20) > 0.5).astype(float)


def loss(p, X, y):  # mean logistic loss + lam/2 ||w||^2
    xp = array_namespace(p["w"])
    z = X @ p["w"] + p["b"]
    return xp.mean(xp.log(1 + xp.exp(-(2 * y - 1) * z))) + 0.5 * LAM * xp.sum(p["w"] ** 2)


def hvp(p, v, X, y):  # H v = X^T diag(s(1-s)/N) X v (+ lam v, forgotten)
    s = 1 / (1 + np.exp(-(X @ p["w"] + p["b"])))
    d = s * (1 - s) / len(y) * (X @ v["w"] + v["b"])
    return {"w": X.T @ d, "b": np.sum(d)}


print(
    gradcheck.check_hvp(loss, hvp, {"w": rng.normal(size=5), "b": np.array(0.3)}, args=(X, y), raise_on_failure=False)
)
