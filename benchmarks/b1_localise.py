"""B1: time to an element-localised verdict vs torch.autograd.gradcheck(fast_mode=False); fast_mode and
jax check_grads beside it (they say pass/fail only). Slow mode is extrapolated from a timed subset of entries
when the full run would exceed 5 minutes, and the table says so."""

import sys
import time

import numpy as np
from _common import SIZES, grad, loss, mlp, n_params

import gradcheck as gc

LIMIT_S = 300.0
SUBSET = 400  # entries of W2 timed in slow mode when extrapolating


def planted(index):
    def bad(p, x, y):
        g = grad(p, x, y)
        g["W2"][index] *= 1 + 1e-3
        return g

    return bad


def ours(p, x, y, index) -> float:
    t = time.perf_counter()
    r = gc.check_grad(loss, planted(index), p, args=(x, y), raise_on_failure=False)
    dt = time.perf_counter() - t
    assert r.param("W2").comparisons["torch"].worst_index == index, "not localised"
    return dt


def torch_fn(p, x, y, names, index):
    """A torch Function of the entries `names` picks from W2, whose backward is the planted hand-written grad."""
    import torch

    flat_idx = np.asarray(names)

    class Hand(torch.autograd.Function):
        @staticmethod
        def forward(ctx, w):
            q = dict(p)
            W2 = p["W2"].copy().reshape(-1)
            W2[flat_idx] = w.detach().numpy()
            q["W2"] = W2.reshape(p["W2"].shape)
            ctx.q = q
            return torch.tensor(float(loss(q, x, y)), dtype=torch.float64)

        @staticmethod
        def backward(ctx, gout):
            g = planted(index)(ctx.q, x, y)["W2"].reshape(-1)[flat_idx]
            return gout * torch.tensor(g)

    w0 = torch.tensor(p["W2"].reshape(-1)[flat_idx], dtype=torch.float64, requires_grad=True)
    return Hand.apply, w0


def torch_slow(p, x, y, index):
    """(seconds for all entries, extrapolated?) of torch's slow mode on every parameter entry."""
    import torch

    n = n_params(p)
    k = min(SUBSET, p["W2"].size)
    fn, w0 = torch_fn(p, x, y, list(range(k)), index)
    t = time.perf_counter()
    torch.autograd.gradcheck(fn, (w0,), fast_mode=False, raise_exception=False)
    per_entry = (time.perf_counter() - t) / k
    if per_entry * n <= LIMIT_S:
        fn, w0 = torch_fn(p, x, y, list(range(p["W2"].size)), index)  # all of W2; other blocks cost the same
        t = time.perf_counter()
        torch.autograd.gradcheck(fn, (w0,), fast_mode=False, raise_exception=False)
        return (time.perf_counter() - t) * n / p["W2"].size, p["W2"].size < n
    return per_entry * n, True


def torch_fast(p, x, y, index) -> float:
    import torch

    fn, w0 = torch_fn(p, x, y, list(range(p["W2"].size)), index)
    t = time.perf_counter()
    torch.autograd.gradcheck(fn, (w0,), fast_mode=True, raise_exception=False)
    return time.perf_counter() - t


def jax_check(p, x, y) -> float:
    import jax
    from jax.test_util import check_grads

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    q = {k: jnp.asarray(v) for k, v in p.items()}
    f = lambda q: loss(q, jnp.asarray(x), jnp.asarray(y))  # noqa: E731
    t = time.perf_counter()
    try:
        check_grads(f, (q,), order=1, modes=["rev"])
    except AssertionError:
        pass
    return time.perf_counter() - t


def main(sizes=SIZES):
    print(
        "| params | gradcheck, localised (s) | torch slow, localised (s) | speed-up "
        "| torch fast_mode (s) | localised / fast_mode | jax check_grads (s) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for h in sizes.values():
        p, x, y = mlp(h)
        index = (h // 2, h // 3)
        ours(p, x, y, index)  # warm-up
        t_ours = min(ours(p, x, y, index) for _ in range(2))
        t_slow, extrapolated = torch_slow(p, x, y, index)
        note = " (extrapolated)" if extrapolated else ""  # W2 timed, scaled by n / |W2|
        t_fast = min(torch_fast(p, x, y, index) for _ in range(2))
        print(
            f"| {n_params(p):,} | {t_ours:.3f} | {t_slow:.1f}{note} | {t_slow / t_ours:,.0f}x | "
            f"{t_fast:.3f} | {t_ours / t_fast:.1f}x | {jax_check(p, x, y):.3f} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    main()
