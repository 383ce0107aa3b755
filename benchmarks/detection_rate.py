"""Detection rate of planted single-entry errors (relative size 1e-3, gradient of 1e4 entries):
gradcheck's default check (and FD alone) vs torch.autograd.gradcheck(fast_mode=True) vs jax check_grads."""

import numpy as np
from array_api_compat import array_namespace

import gradcheck as gc

TRIALS = 20
REL = 1e-3


def loss(p, A, B):
    xp = array_namespace(p["W"])
    return xp.sum(xp.tanh(p["W"] * A) ** 2) + 0.5 * xp.sum(p["W"] ** 2 * B)


def loss_np(p, A, B):
    return float(np.sum(np.tanh(p["W"] * A) ** 2) + 0.5 * np.sum(p["W"] ** 2 * B))


def grad(p, A, B):
    t = np.tanh(p["W"] * A)
    return {"W": 2 * t * (1 - t * t) * A + p["W"] * B}


def planted(index):
    def bad(p, A, B):
        g = grad(p, A, B)
        g["W"][index] *= 1 + REL
        return g

    return bad


def torch_fast(W, A, B, index) -> bool:
    import torch

    class Hand(torch.autograd.Function):
        @staticmethod
        def forward(ctx, w):
            ctx.w = w.detach().numpy().copy()
            return torch.tensor(loss_np({"W": ctx.w}, A, B), dtype=torch.float64)

        @staticmethod
        def backward(ctx, gout):
            return gout * torch.tensor(planted(index)({"W": ctx.w}, A, B)["W"])

    w = torch.tensor(W, requires_grad=True)
    return not torch.autograd.gradcheck(Hand.apply, (w,), fast_mode=True, raise_exception=False)


def jax_check(W, A, B, index) -> bool:
    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads

    jax.config.update("jax_enable_x64", True)
    delta = np.zeros_like(W)
    g_true = grad({"W": W}, A, B)["W"]
    delta[index] = g_true[index] * REL  # the planted error, added to jax's own (right) cotangent rule

    @jax.custom_vjp
    def f(w):
        return loss({"W": w}, jnp.asarray(A), jnp.asarray(B))

    def fwd(w):
        return f(w), w

    def bwd(w, g):
        right = jax.grad(lambda v: loss({"W": v}, jnp.asarray(A), jnp.asarray(B)))(w)
        return (g * (right + jnp.asarray(delta)),)

    f.defvjp(fwd, bwd)
    try:
        check_grads(f, (jnp.asarray(W),), order=1, modes=["rev"])
        return False
    except AssertionError:
        return True


def main():
    rng = np.random.default_rng(0)
    A, B, W = (rng.normal(size=(100, 100)) for _ in range(3))
    g = grad({"W": W}, A, B)["W"]
    typical = np.argwhere(np.abs(g) > 0.2 * np.sqrt(np.mean(g * g)))  # entries not near zero
    hits = {
        "gradcheck default (fd + torch; jax on any disagreement)": 0,
        "gradcheck, fd alone (numpy-only loss)": 0,
        "torch.autograd.gradcheck fast_mode": 0,
        "jax.test_util.check_grads (rev)": 0,
    }
    located = 0
    for k in range(TRIALS):
        index = tuple(typical[rng.integers(len(typical))])
        r = gc.check_grad(loss, planted(index), {"W": W}, args=(A, B), seed=k, raise_on_failure=False)
        hits["gradcheck default (fd + torch; jax on any disagreement)"] += not r.ok
        r = gc.check_grad(loss_np, planted(index), {"W": W}, args=(A, B), seed=k, raise_on_failure=False)
        hits["gradcheck, fd alone (numpy-only loss)"] += not r.ok
        located += [tuple(x["index"]) for x in r.param("W").comparisons["fd"].detail["located"]] == [index]
        hits["torch.autograd.gradcheck fast_mode"] += torch_fast(W, A, B, index)
        hits["jax.test_util.check_grads (rev)"] += jax_check(W, A, B, index)
    print(f"| checker ({TRIALS} planted errors, one entry x (1 + {REL:g}), 10,000 entries) | detected | localised |")
    print("|---|---:|---|")
    for name, h in hits.items():
        loc = (
            "yes (per entry)" if "default" in name else f"{located}/{TRIALS} by bisection" if "alone" in name else "no"
        )
        print(f"| {name} | {h}/{TRIALS} | {loc} |")


if __name__ == "__main__":
    main()
