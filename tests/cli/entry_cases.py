"""Targets of the entry points for the command-line tests (copied to a temporary directory and imported by path)."""

import numpy as np

X = np.linspace(-1.0, 1.0, 6).reshape(2, 3) + 0.05


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    return (dout * (cache > 0),)


class Scale:
    def __init__(self, factor=1.0):
        self.parameters, self.gradients, self.factor = {"w": np.array([0.5, 1.0, 2.0])}, {}, factor

    def forward(self, X):
        self.X = X
        return X * self.parameters["w"]

    def backward(self, dY):
        self.gradients["w"] = self.factor * (dY * self.X).sum(axis=0)
        return dY * self.parameters["w"]


def cube_function():
    import torch

    class Cube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * g * x**2

    return Cube


backward_case = {"name": "relu", "forward": relu_forward, "backward": relu_backward, "inputs": (X,), "names": ("x",)}
layers = [{"name": "scale", "layer": Scale(), "X": X}, {"name": "scale x3", "layer": Scale(3.0), "X": X}]


def function_case():
    return {"F": cube_function(), "inputs": (X,), "oracles": "fd,torch"}
