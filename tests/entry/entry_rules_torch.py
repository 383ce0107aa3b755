"""torch.autograd.Functions with a `jvp` staticmethod and with a double backward, and jax.custom_jvp functions,
right and planted-wrong (check_function's forward-mode and second-order parts)."""

import torch


class Mul(torch.autograd.Function):
    """z = x * y, with its backward and its jvp."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        ctx.save_for_forward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, g * x

    @staticmethod
    def jvp(ctx, tx, ty):
        x, y = ctx.saved_tensors
        return tx * y + x * ty  # product rule


class MulJvpScaled(Mul):
    @staticmethod
    def jvp(ctx, tx, ty):
        x, y = ctx.saved_tensors
        return 1.5 * tx * y + x * ty  # bug: 1.5 on x's tangent


class MulJvpDropsY(Mul):
    @staticmethod
    def jvp(ctx, tx, ty):
        x, y = ctx.saved_tensors
        return tx * y  # bug: y's tangent never reaches the output


class Square(torch.autograd.Function):
    """z = x^2 w, its backward in differentiable torch operations (so its double backward is right)."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return 2 * x * w * g, x * x * g


class SquareDetachX(Square):
    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return 2 * x.detach() * w * g, x * x * g  # right values, but autograd no longer sees x in dz/dx


class SquareDetachW(Square):
    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return 2 * x * w.detach() * g, x * x * g  # right values, but d(dz/dx)/dw is lost


def jax_jvp_functions():
    """(softplus(x) y with a right jvp rule, the same with y's tangent mishandled): jax.custom_jvp."""
    import jax
    import jax.numpy as jnp

    def primal(x, y):
        return jnp.log1p(jnp.exp(x)) * y

    right = jax.custom_jvp(primal)

    @right.defjvp
    def _right(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return primal(x, y), jax.nn.sigmoid(x) * y * tx + jnp.log1p(jnp.exp(x)) * ty

    wrong = jax.custom_jvp(primal)

    @wrong.defjvp
    def _wrong(primals, tangents):
        (x, y), (tx, ty) = primals, tangents
        return primal(x, y), jax.nn.sigmoid(x) * y * tx + jnp.exp(x) * ty  # bug: exp(x) for log(1 + exp(x))

    return right, wrong
