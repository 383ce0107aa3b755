"""Property: every layer's hand-written VJP, and every loss gradient, agrees with fd, torch and jax.

Shapes come from the strategies (widths 1..3, batch 1..3), dtypes float64 and float32: a float32 case casts the
inputs and the cotangent to float32, so the numpy backward computes in float32.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradcheck import check_grad, check_vjp
from gradcheck.nets import activations as act
from gradcheck.nets import layers, losses
from gradcheck.strategies import batch_sizes, finite_arrays, layer_widths, one_hot_labels

WIDTHS, BATCHES = layer_widths(max_width=3), batch_sizes(max_size=3)
DTYPES = st.sampled_from(("float64", "float32"))
KINK = 0.05  # ReLU inputs stay this far from 0, beyond the finite-difference step (2^-7)


def _row(X, W, b):
    return layers.dense_row(X, W, b)


def _col(W, x, b):
    return layers.dense_col(W, x, b)


def _swap(dx, dW, *rest):
    """dense_col VJPs return (dx, dW, ...) while their inputs are (W, x, ...)."""
    return (dW, dx, *rest)


# name -> (fn, vjp(g, *inputs), shapes(n_in, n_out, N)); the vjp casts g to the inputs' dtype.
LAYERS = {
    "dense_row": (
        _row,
        lambda g, X, W, b: layers.dense_row_vjp(X, W, g.astype(X.dtype)),
        lambda i, o, n: [(n, i), (i, o), (o,)],
    ),
    "dense_row_no_bias": (
        lambda X, W: layers.dense_row(X, W),
        lambda g, X, W: layers.dense_row_vjp(X, W, g.astype(X.dtype), bias=False)[:2],
        lambda i, o, n: [(n, i), (i, o)],
    ),
    "dense_row_ones": (
        layers.dense_row_ones,
        lambda g, X, W: layers.dense_row_ones_vjp(X, W, g.astype(X.dtype)),
        lambda i, o, n: [(n, i), (i + 1, o)],
    ),
    "dense_col": (
        _col,
        lambda g, W, x, b: _swap(*layers.dense_col_vjp(W, x, g.astype(x.dtype))),
        lambda i, o, n: [(o, i), (i, n), (o, 1)],
    ),
    "dense_col_no_bias": (
        lambda W, x: layers.dense_col(W, x),
        lambda g, W, x: _swap(*layers.dense_col_vjp(W, x, g.astype(x.dtype), bias=False)[:2]),
        lambda i, o, n: [(o, i), (i, n)],
    ),
    "dense_col_ones": (
        layers.dense_col_ones,
        lambda g, W, x: _swap(*layers.dense_col_ones_vjp(W, x, g.astype(x.dtype))),
        lambda i, o, n: [(o, i + 1), (i, n)],
    ),
}


@st.composite
def layer_inputs(draw, shapes, kink_margin=0.0):
    """Arrays for a layer's inputs: shapes(n_in, n_out, N) drawn from the width and batch strategies."""
    dtype = draw(DTYPES)
    dims = shapes(draw(WIDTHS), draw(WIDTHS), draw(BATCHES))
    return tuple(draw(finite_arrays(s, dtype=dtype, kink_margin=kink_margin)) for s in dims)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_dense_layer_vjp_agrees_with_fd_torch_and_jax(name, all_oracles_agree):
    fn, vjp, shapes = LAYERS[name]

    @given(inputs=layer_inputs(shapes))
    def check(inputs):
        all_oracles_agree(check_vjp(fn, vjp, inputs, oracles=("fd", "torch", "jax")))

    check()


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "identity"])
def test_elementwise_activation_vjp_agrees_with_fd_torch_and_jax(name, all_oracles_agree):
    f, f_grad = act.ELEMENTWISE[name]

    def vjp(g, z):
        return (g.astype(z.dtype) * f_grad(z),)  # delta = g * f'(z)

    @given(inputs=layer_inputs(lambda i, o, n: [(i, n)], kink_margin=KINK if name == "relu" else 0.0))
    def check(inputs):
        all_oracles_agree(check_vjp(f, vjp, inputs, oracles=("fd", "torch", "jax")))

    check()


@pytest.mark.parametrize("form", ["fast", "jacobian"])
@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_vjp_both_forms_agree_with_fd_torch_and_jax(form, axis, all_oracles_agree):
    softmax_vjp = act.softmax_vjp if form == "fast" else act.softmax_vjp_jacobian

    def fn(z):
        return act.softmax(z, axis=axis)

    def vjp(g, z):
        dz = softmax_vjp(act.softmax(z, axis=axis), g.astype(z.dtype), axis=axis)  # J^T g
        return (dz,)

    @given(inputs=layer_inputs(lambda i, o, n: [(i, n)], kink_margin=0.0))
    def check(inputs):
        all_oracles_agree(check_vjp(fn, vjp, inputs, oracles=("fd", "torch", "jax")))

    check()


def test_softmax_vjp_jacobian_keeps_float32():
    s = act.softmax(np.array([[0.5, -0.25, 1.0]], dtype=np.float32), axis=1)
    g = np.array([[1.0, 2.0, -1.0]], dtype=np.float32)
    assert act.softmax_vjp(s, g, axis=1).dtype == np.float32
    assert act.softmax_vjp_jacobian(s, g, axis=1).dtype == np.float32


@st.composite
def loss_inputs(draw, loss):
    """(output, target) of shape (N, K) or (K, N) by batch_axis; a softmax output for cross_entropy."""
    dtype, batch_axis = draw(DTYPES), draw(st.sampled_from((0, 1)))
    n, k = draw(BATCHES), draw(layer_widths(min_width=2, max_width=3))
    shape = (n, k) if batch_axis == 0 else (k, n)
    out = draw(finite_arrays(shape, dtype=dtype, min_value=-2.0, max_value=2.0))
    if loss == "squared_error":
        return out, draw(finite_arrays(shape, dtype=dtype)), batch_axis
    if loss == "cross_entropy":  # probabilities bounded away from 0
        out = act.softmax(np.clip(out, -1, 1), axis=1 - batch_axis).astype(dtype)
    return out, draw(one_hot_labels(shape, axis=1 - batch_axis, dtype=dtype)), batch_axis


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy", "softmax_cross_entropy"])
def test_loss_gradient_agrees_with_fd_torch_and_jax(loss, reduction, all_oracles_agree):
    value, gradient = getattr(losses, loss), getattr(losses, f"{loss}_grad")

    @given(data=loss_inputs(loss))
    def check(data):
        out, y, batch_axis = data
        kw = {"batch_axis": batch_axis, "reduction": reduction}
        report = check_grad(
            lambda p, y: value(p["out"], y, **kw),
            lambda p, y: {"out": gradient(p["out"], y, **kw)},
            {"out": out},
            args=(y,),
            oracles=("fd", "torch", "jax"),
        )
        all_oracles_agree(report)

    check()
