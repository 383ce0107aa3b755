"""Small torch.autograd.Function subclasses and jax.custom_vjp functions, right and planted-wrong."""

import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return scale * x**3

    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 3 * ctx.scale * x**2, None  # d/dx s x^3 = 3 s x^2


class CubeWrong(Cube):
    @staticmethod
    def backward(ctx, grad_out):
        (x,) = ctx.saved_tensors
        return grad_out * 2 * ctx.scale * x**2, None  # bug: 2 for 3


class MulAdd(torch.autograd.Function):
    """out = x * w + b with b 0-d (its gradient is returned per entry, summed by torch's engine)."""

    @staticmethod
    def forward(ctx, x, w, b):
        ctx.save_for_backward(x, w)
        return x * w + b

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w, g * x, g  # db has x's shape: torch sums it to b's shape ()


class RoundST(torch.autograd.Function):
    """Straight-through rounding: the backward passes the gradient as if round were the identity."""

    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, g):
        return g


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return -g


def jax_functions():
    """(gelu with an exact bwd, gelu with the tanh-approximated derivative, clip_grad): jax.custom_vjp."""
    import jax
    import jax.numpy as jnp
    from jax.scipy.special import erf

    def gelu_exact(x):
        return 0.5 * x * (1 + erf(x / jnp.sqrt(2.0)))

    def fwd(x):
        return gelu_exact(x), x

    def bwd_exact(x, g):
        cdf = 0.5 * (1 + erf(x / jnp.sqrt(2.0)))
        pdf = jnp.exp(-0.5 * x**2) / jnp.sqrt(2 * jnp.pi)
        return (g * (cdf + x * pdf),)  # d/dx x Phi(x) = Phi(x) + x phi(x)

    def bwd_tanh(x, g):
        k = jnp.sqrt(2 / jnp.pi)
        t = jnp.tanh(k * (x + 0.044715 * x**3))
        return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t**2) * k * (1 + 3 * 0.044715 * x**2)),)  # bug: tanh form

    right = jax.custom_vjp(gelu_exact)
    right.defvjp(fwd, bwd_exact)
    approx = jax.custom_vjp(gelu_exact)
    approx.defvjp(fwd, bwd_tanh)

    def ident(x):
        return 1.0 * x

    clip = jax.custom_vjp(ident)
    clip.defvjp(lambda x: (ident(x), None), lambda _, g: (jnp.clip(g, -0.5, 0.5),))
    return right, approx, clip
