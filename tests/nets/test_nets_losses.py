"""Losses: hand-written gradients equal torch autograd; mean is sum / N; fused equals unfused."""

import numpy as np
import pytest

from gradcheck.errors import GradcheckError
from gradcheck.nets import activations, losses

PAIRS = [
    (losses.squared_error, losses.squared_error_grad),
    (losses.cross_entropy, losses.cross_entropy_grad),
    (losses.softmax_cross_entropy, losses.softmax_cross_entropy_grad),
]


def _inputs(loss_fn, rng, batch_axis):
    """(prediction, target) of shape (N, K) or (K, N); y is a distribution per example for CE losses."""
    shape = (6, 3) if batch_axis == 0 else (3, 6)
    class_axis = 1 - batch_axis
    y = activations.softmax(rng.standard_normal(shape), axis=class_axis)
    if loss_fn is losses.cross_entropy:
        return activations.softmax(rng.standard_normal(shape), axis=class_axis), y
    return rng.standard_normal(shape), y


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("batch_axis", [0, 1])
@pytest.mark.parametrize("loss_fn, grad_fn", PAIRS, ids=lambda f: getattr(f, "__name__", ""))
def test_grad_matches_torch(loss_fn, grad_fn, batch_axis, reduction, rng, torch_grad):
    y_hat, y = _inputs(loss_fn, rng, batch_axis)
    kw = {"batch_axis": batch_axis, "reduction": reduction}
    (expected,) = torch_grad(lambda p, t: loss_fn(p, t, **kw), y_hat, consts=(y,))
    np.testing.assert_allclose(grad_fn(y_hat, y, **kw), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("loss_fn, grad_fn", PAIRS, ids=lambda f: getattr(f, "__name__", ""))
def test_mean_is_sum_over_batch_size(loss_fn, grad_fn, rng):
    y_hat, y = _inputs(loss_fn, rng, batch_axis=1)
    n = y.shape[1]
    total = loss_fn(y_hat, y, batch_axis=1, reduction="sum")
    assert loss_fn(y_hat, y, batch_axis=1, reduction="mean") == pytest.approx(total / n, rel=1e-14)
    np.testing.assert_allclose(
        grad_fn(y_hat, y, batch_axis=1, reduction="mean"),
        grad_fn(y_hat, y, batch_axis=1, reduction="sum") / n,
        rtol=1e-14,
    )


def test_squared_error_has_the_half(rng):
    assert losses.squared_error(np.array([[3.0]]), np.array([[1.0]])) == 2.0
    np.testing.assert_array_equal(losses.squared_error_grad(np.array([[3.0]]), np.array([[1.0]])), [[2.0]])


@pytest.mark.parametrize("batch_axis", [0, 1])
def test_fused_equals_softmax_then_cross_entropy(batch_axis, rng):
    logits, _ = _inputs(losses.softmax_cross_entropy, rng, batch_axis)
    class_axis = 1 - batch_axis
    labels = np.eye(3)[rng.integers(0, 3, size=6)]
    y = labels if batch_axis == 0 else labels.T
    s = activations.softmax(logits, axis=class_axis)
    kw = {"batch_axis": batch_axis, "reduction": "mean"}
    assert losses.softmax_cross_entropy(logits, y, **kw) == pytest.approx(losses.cross_entropy(s, y, **kw), rel=1e-13)
    unfused = activations.softmax_vjp(s, losses.cross_entropy_grad(s, y, **kw), axis=class_axis)
    fused = losses.softmax_cross_entropy_grad(logits, y, **kw)
    np.testing.assert_allclose(fused, unfused, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(fused, (s - y) / 6, rtol=1e-12, atol=1e-15)  # the textbook form y_hat - y


def test_bad_reduction_names_the_field():
    with pytest.raises(GradcheckError, match="reduction='avg'"):
        losses.squared_error(np.zeros((2, 1)), np.zeros((2, 1)), reduction="avg")
