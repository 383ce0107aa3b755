"""Shared pieces of the benchmarks: a 3-layer tanh MLP (hand-written backward), timing, machine info."""

from __future__ import annotations

import os
import platform
import time

import numpy as np
from array_api_compat import array_namespace

SIZES = {"1e3": 20, "1e4": 80, "1e5": 300, "1e6": 1000}  # hidden width h of 32 -> h -> h -> 10, batch 64


def mlp(h: int, d: int = 32, c: int = 10, batch: int = 64, seed: int = 0):
    """(params, x, y) of a 32 -> h -> h -> 10 MLP, column convention."""
    rng = np.random.default_rng(seed)
    sizes, p = [d, h, h, c], {}
    for i in range(3):
        p[f"W{i + 1}"] = rng.normal(size=(sizes[i + 1], sizes[i])) / np.sqrt(sizes[i])
        p[f"b{i + 1}"] = rng.normal(size=(sizes[i + 1], 1)) * 0.1
    return p, rng.normal(size=(d, batch)), rng.normal(size=(c, batch))


def loss(p, x, y):
    """1/2 ||W3 tanh(W2 tanh(W1 x + b1) + b2) + b3 - y||^2 (array-API generic)."""
    xp = array_namespace(p["W1"])
    a1 = xp.tanh(p["W1"] @ x + p["b1"])
    a2 = xp.tanh(p["W2"] @ a1 + p["b2"])
    return 0.5 * xp.sum((p["W3"] @ a2 + p["b3"] - y) ** 2)


def grad(p, x, y):
    a1 = np.tanh(p["W1"] @ x + p["b1"])
    a2 = np.tanh(p["W2"] @ a1 + p["b2"])
    d3 = p["W3"] @ a2 + p["b3"] - y  # dL/dz3
    d2 = (p["W3"].T @ d3) * (1 - a2 * a2)  # dL/dz2 = W3^T d3 * tanh'
    d1 = (p["W2"].T @ d2) * (1 - a1 * a1)  # dL/dz1
    return {
        "W1": d1 @ x.T,
        "b1": d1.sum(1, keepdims=True),
        "W2": d2 @ a1.T,
        "b2": d2.sum(1, keepdims=True),
        "W3": d3 @ a2.T,
        "b3": d3.sum(1, keepdims=True),
    }


def n_params(p) -> int:
    return int(sum(v.size for v in p.values()))


def best_of(fn, repeat: int = 5) -> float:
    """Smallest wall time of `repeat` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def machine() -> str:
    import numpy

    parts = [
        platform.platform(),
        platform.processor() or platform.machine(),
        f"{os.cpu_count()} cores",
        f"python {platform.python_version()}",
        f"numpy {numpy.__version__}",
    ]
    for mod in ("torch", "jax"):
        try:
            parts.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            pass
    return ", ".join(parts)


def net(d: int = 1000, h: int = 1000, c: int = 10, batch: int = 64, seed: int = 0):
    """(params, X, Y) of a two-layer net, X (batch, d) -> tanh(X W1 + b1) -> softmax(. W2 + b2), one-hot Y."""
    rng = np.random.default_rng(seed)
    p = {
        "W1": rng.normal(size=(d, h)) / np.sqrt(d),
        "b1": rng.normal(size=h) * 0.1,
        "W2": rng.normal(size=(h, c)) / np.sqrt(h),
        "b2": rng.normal(size=c) * 0.1,
    }
    return p, rng.normal(size=(batch, d)), np.eye(c)[rng.integers(0, c, size=batch)]


def net_loss(p, X, Y):
    """Mean softmax cross-entropy -(1/N) sum Y log softmax(tanh(X W1 + b1) W2 + b2) (array-API generic)."""
    xp = array_namespace(p["W1"])
    z = xp.tanh(X @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]
    m = xp.max(z, axis=1, keepdims=True)
    lse = m + xp.log(xp.sum(xp.exp(z - m), axis=1, keepdims=True))
    return -xp.sum(Y * (z - lse)) / z.shape[0]


def net_grad(p, X, Y):
    H = np.tanh(X @ p["W1"] + p["b1"])
    z = H @ p["W2"] + p["b2"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    dz = (e / e.sum(axis=1, keepdims=True) - Y) / X.shape[0]  # dE/dz = (softmax(z) - Y) / N
    dH = (dz @ p["W2"].T) * (1 - H * H)  # dE/d(X W1 + b1) = dz W2^T * tanh'
    return {"W1": X.T @ dH, "b1": dH.sum(0), "W2": H.T @ dz, "b2": dz.sum(0)}
