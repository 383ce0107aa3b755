"""B6: check_hvp time divided by one hand-written Hessian-vector product, at 1e3..1e5 parameters, one thread.

The 3-layer tanh MLP of _common.py, its H v written by hand as Pearlmutter's R-operator (the forward pass's
tangent along V, then the tangent of the backward pass). Columns: the default check (fd of torch's gradient and
torch's autograd of its own gradient decide a pass, jax on demand) and fd alone on a numpy-only loss (mixed
second differences of the loss: no framework runs it). Target: <= 10x one hand-written HVP at 1e5.
"""

import sys
import time

import numpy as np
from _common import best_of, loss, mlp, n_params

import gradcheck as gc

SIZES = {"1e3": 20, "1e4": 80, "1e5": 300}
TARGET = 10.0


def hvp(p, v, x, y):
    """H v of 1/2 ||W3 tanh(W2 tanh(W1 x + b1) + b2) + b3 - y||^2, by the R-operator."""
    a1 = np.tanh(p["W1"] @ x + p["b1"])
    a2 = np.tanh(p["W2"] @ a1 + p["b2"])
    d3 = p["W3"] @ a2 + p["b3"] - y  # dL/dz3
    e2 = p["W3"].T @ d3
    d2 = e2 * (1 - a2 * a2)  # dL/dz2
    e1 = p["W2"].T @ d2
    ra1 = (1 - a1 * a1) * (v["W1"] @ x + v["b1"])  # R{a1}
    ra2 = (1 - a2 * a2) * (v["W2"] @ a1 + p["W2"] @ ra1 + v["b2"])  # R{a2}
    rd3 = v["W3"] @ a2 + p["W3"] @ ra2 + v["b3"]  # R{d3} = R{z3}
    rd2 = (v["W3"].T @ d3 + p["W3"].T @ rd3) * (1 - a2 * a2) - 2 * e2 * a2 * ra2  # R{d2}
    rd1 = (v["W2"].T @ d2 + p["W2"].T @ rd2) * (1 - a1 * a1) - 2 * e1 * a1 * ra1  # R{d1}
    return {
        "W1": rd1 @ x.T,
        "b1": rd1.sum(axis=1, keepdims=True),
        "W2": rd2 @ a1.T + d2 @ ra1.T,
        "b2": rd2.sum(axis=1, keepdims=True),
        "W3": rd3 @ a2.T + d3 @ ra2.T,
        "b3": rd3.sum(axis=1, keepdims=True),
    }


def numpy_loss(p, x, y):
    """The same loss in numpy only (no framework can run it: fd's mixed differences alone)."""
    a1 = np.tanh(p["W1"] @ x + p["b1"])
    a2 = np.tanh(p["W2"] @ a1 + p["b2"])
    return 0.5 * np.sum((p["W3"] @ a2 + p["b3"] - y) ** 2)


def check_time(the_loss, p, x, y, repeat=3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        report = gc.check_hvp(the_loss, hvp, p, args=(x, y))
        times.append(time.perf_counter() - t)
    assert report.ok, report
    return min(times)


def main(sizes=SIZES):
    import torch

    torch.set_num_threads(1)
    print(
        "| params | hand HVP (ms) | default check_hvp (ms) | ratio | target | oracles "
        "| fd alone, numpy loss (ms) | ratio |"
    )
    print("|---:|---:|---:|---:|---|---|---:|---:|")
    check_time(loss, *mlp(2), repeat=1)  # imports and one-time framework set-up, outside every number
    for h in sizes.values():
        p, x, y = mlp(h)
        v = {k: np.ones_like(a) for k, a in p.items()}
        th = best_of(lambda p=p, v=v, x=x, y=y: hvp(p, v, x, y), 5)
        td = check_time(loss, p, x, y)
        ran = gc.check_hvp(loss, hvp, p, args=(x, y)).ran
        tn = check_time(numpy_loss, p, x, y, repeat=1)
        print(
            f"| {n_params(p):,} | {th * 1e3:.2f} | {td * 1e3:.1f} | {td / th:.1f}x | <= {TARGET:.0f}x at 1e5 "
            f"| {' '.join(ran)} | {tn * 1e3:.0f} | {tn / th:.0f}x |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
