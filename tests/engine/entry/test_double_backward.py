"""double_backward.py: <F.backward(x, c), w> differentiated again, by autograd through F.backward (yours)."""

import numpy as np
import torch

from gradcheck._engine.entry.double_backward import cotangent_names
from gradcheck._engine.entry.function_torch import TorchFunction


class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class Detached(Square):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x.detach() * g


def test_cotangents_are_named_grad_output():
    assert cotangent_names(1) == ["grad_output"] and cotangent_names(2) == ["grad_outputs[0]", "grad_outputs[1]"]


def test_the_double_backward_of_a_right_backward():
    x, c, w = np.array([1.0, 2.0]), np.array([3.0, 1.0]), np.array([1.0, -1.0])
    dx, dc = TorchFunction(Square, True).double_backward([x], [0], [c], [0], (w,))
    assert dx.tolist() == (2 * c * w).tolist() and dc.tolist() == (2 * x * w).tolist()  # d/dx <2xc, w>, d/dc


def test_a_detached_saved_tensor_loses_its_second_derivative():
    x, c, w = np.array([1.0, 2.0]), np.array([3.0, 1.0]), np.array([1.0, -1.0])
    dx, _ = TorchFunction(Detached, True).double_backward([x], [0], [c], [0], (w,))
    assert not dx.any()
