"""The nets in the form the core takes: check_grad(loss, grad, params, args=(x, y)) passes, planted bugs fail."""

import itertools

import numpy as np
import pytest

import gradcheck
from gradcheck.nets import MLPSpec, init_params, make_loss_and_grad

OUTPUT_FOR_LOSS = {"squared_error": "tanh", "cross_entropy": "softmax", "softmax_cross_entropy": "identity"}
GRID = list(itertools.product(["column", "row"], ["vector", "none", "ones_column"], list(OUTPUT_FOR_LOSS)))


def _case(convention, bias, loss_name, reduction="mean"):
    """(spec, params, x, y) for a small (3, 4, 3) sigmoid MLP in the given layout."""
    spec = MLPSpec(
        widths=(3, 4, 3),
        activations=("sigmoid", OUTPUT_FOR_LOSS[loss_name]),
        loss=loss_name,
        convention=convention,
        bias=bias,
        reduction=reduction,
    )
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((5, 3)), np.eye(3)[rng.integers(0, 3, size=5)]
    return (spec, init_params(spec, rng), *((x.T, y.T) if convention == "column" else (x, y)))


@pytest.mark.parametrize("convention, bias, loss_name", GRID)
def test_check_grad_passes_on_every_layout(convention, bias, loss_name):
    pytest.importorskip("torch")
    spec, params, x, y = _case(convention, bias, loss_name)
    loss, grad = make_loss_and_grad(spec)
    assert gradcheck.check_grad(loss, grad, params, args=(x, y), oracles=("fd", "torch")).ok


def _transposed_dW1(grad):
    """Planted bug: dW1 transposed-then-reshaped (right numbers, wrong places)."""

    def bad(params, x, y):
        g = grad(params, x, y)
        return {**g, "W1": g["W1"].T.reshape(g["W1"].shape)}

    return bad


def _forgot_mean(grad, n):
    """Planted bug: the 1/N of reduction="mean" left out."""
    return lambda params, x, y: {k: v * n for k, v in grad(params, x, y).items()}


@pytest.mark.parametrize("plant", ["transposed", "forgot_mean"])
def test_check_grad_catches_planted_bugs(plant):
    spec, params, x, y = _case("row", "vector", "softmax_cross_entropy")
    loss, grad = make_loss_and_grad(spec)
    bad = _transposed_dW1(grad) if plant == "transposed" else _forgot_mean(grad, x.shape[0])
    with pytest.raises(gradcheck.GradientMismatch):
        gradcheck.check_grad(loss, bad, params, args=(x, y), oracles=("fd",))
