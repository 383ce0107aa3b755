"""A sequential MLP from an MLPSpec: init, forward (array-API generic), hand-written backward.

The backward is the L-layer delta recursion of "A Derivation of Backpropagation in Matrix Form", written once for
both conventions:
    delta_L = dE/dx_L * f_L'(z_L)                  (a softmax output uses its Jacobian VJP)
    delta_i = (W_{i+1}^T delta_{i+1}) * f_i'(z_i)
    dE/dW_i = delta_i x_{i-1}^T, dE/db_i = delta_i 1   (column; row-batch: dW = X^T dZ, db = 1^T dZ)
Parameters are a dict {"W1", "b1", "W2", ...}; see MLPSpec.param_shapes for the shapes.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from gradcheck.errors import GradcheckError
from gradcheck.nets import layers, losses
from gradcheck.nets.activations import ELEMENTWISE, softmax, softmax_vjp
from gradcheck.nets.spec import MLPSpec

_LOSS_FNS = {
    "squared_error": (losses.squared_error, losses.squared_error_grad),
    "cross_entropy": (losses.cross_entropy, losses.cross_entropy_grad),
    "softmax_cross_entropy": (losses.softmax_cross_entropy, losses.softmax_cross_entropy_grad),
}


class LossAndGrad(NamedTuple):
    """The pair check_grad takes: loss(params, x, y) -> scalar and grad(params, x, y) -> dict."""

    loss: Callable
    grad: Callable


def init_params(spec: MLPSpec, rng) -> dict:
    """Glorot-uniform float64 parameters for `spec` (biases included); rng is a Generator or a seed."""
    rng = np.random.default_rng(rng)
    params = {}
    for name, shape in spec.param_shapes().items():
        i = int(name[1:])
        limit = np.sqrt(6.0 / (spec.widths[i - 1] + spec.widths[i]))
        params[name] = rng.uniform(-limit, limit, size=shape).astype(np.float64)
    return params


def check_params(params, spec: MLPSpec) -> None:
    """Raise GradcheckError naming the key unless params has exactly spec's names and shapes."""
    if not isinstance(params, dict):
        raise GradcheckError(
            f"Expected dict of arrays but got params={reprlib.repr(params)} (type={type(params).__name__})"
        )
    shapes = spec.param_shapes()
    if set(params) != set(shapes):
        raise GradcheckError(f"Expected params with keys {sorted(shapes)} for {spec} but got keys {sorted(params)}")
    for name, shape in shapes.items():
        if tuple(params[name].shape) != shape:
            raise GradcheckError(
                f"Expected params[{name!r}] of shape {shape} for {spec} but got shape {tuple(params[name].shape)}"
            )


def _dense(params, i, a_prev, spec):
    """Pre-activation z_i of layer i in the spec's convention and bias style."""
    W = params[f"W{i}"]
    if spec.convention == "column":
        if spec.bias == "ones_column":
            return layers.dense_col_ones(W, a_prev)  # z = W [1; x]
        return layers.dense_col(W, a_prev, params.get(f"b{i}"))  # z = W x + b
    if spec.bias == "ones_column":
        return layers.dense_row_ones(a_prev, W)  # Z = [1, X] W
    return layers.dense_row(a_prev, W, params.get(f"b{i}"))  # Z = X W + b


def _activate(name, z, spec):
    """a = f(z); softmax runs over the class axis (0 for column, 1 for row)."""
    if name == "softmax":
        return softmax(z, axis=1 - spec.batch_axis)
    return ELEMENTWISE[name][0](z)


def forward_trace(params, x, spec: MLPSpec) -> dict:
    """Every intermediate: "a0" (= x), "z1", "a1", ..., "output" (= a_L) and "y_hat" (softmax of logits if fused)."""
    trace = {"a0": x}
    a = x
    for i, name in enumerate(spec.activations, start=1):
        z = _dense(params, i, a, spec)  # z_i = W_i x_{i-1} (+ b_i)
        a = _activate(name, z, spec)  # x_i = f_i(z_i)
        trace[f"z{i}"], trace[f"a{i}"] = z, a
    trace["output"] = a
    fused = spec.loss == "softmax_cross_entropy"
    trace["y_hat"] = softmax(a, axis=1 - spec.batch_axis) if fused else a
    return trace


def loss(params, x, y, *, spec: MLPSpec):
    """Scalar loss of the MLP on (x, y); array-API generic, so torch and jax can differentiate it."""
    check_params(params, spec)
    out = forward_trace(params, x, spec)["output"]
    loss_fn = _LOSS_FNS[spec.loss][0]
    return loss_fn(out, y, batch_axis=spec.batch_axis, reduction=spec.reduction)


def _activation_vjp(name, z, a, g, spec):
    """delta = dE/dz from g = dE/da: g * f'(z), or the softmax Jacobian VJP J^T g."""
    if name == "softmax":
        return softmax_vjp(a, g, axis=1 - spec.batch_axis)  # delta = (diag(s) - s s^T) g
    return g * ELEMENTWISE[name][1](z)  # delta = g * f'(z)


def _dense_vjp(params, i, a_prev, delta, spec):
    """(dE/da_{i-1}, {"dW_i": ..., "db_i": ...}) for layer i given delta_i = dE/dz_i."""
    W = params[f"W{i}"]
    db = None
    if spec.convention == "column" and spec.bias == "ones_column":
        d_prev, dW = layers.dense_col_ones_vjp(W, a_prev, delta)  # dW = delta [1; x]^T
    elif spec.convention == "column":
        d_prev, dW, db = layers.dense_col_vjp(W, a_prev, delta, bias=spec.bias == "vector")  # dW = delta x^T
    elif spec.bias == "ones_column":
        d_prev, dW = layers.dense_row_ones_vjp(a_prev, W, delta)  # dW = [1, X]^T dZ
    else:
        d_prev, dW, db = layers.dense_row_vjp(a_prev, W, delta, bias=spec.bias == "vector")  # dW = X^T dZ
    grads = {f"dW{i}": dW}
    if db is not None:
        grads[f"db{i}"] = db
    return d_prev, grads


def backward_trace(params, x, y, *, spec: MLPSpec) -> dict:
    """Hand-written backprop: "d_output" (dE/da_L, unless fused), "delta{i}" (dE/dz_i), "dW{i}", "db{i}"."""
    check_params(params, spec)
    params = {k: np.asarray(v) for k, v in params.items()}
    x, y = np.asarray(x), np.asarray(y)
    fwd = forward_trace(params, x, spec)
    L = spec.n_layers
    loss_grad = _LOSS_FNS[spec.loss][1]
    kw = {"batch_axis": spec.batch_axis, "reduction": spec.reduction}
    trace = {}
    if spec.loss == "softmax_cross_entropy":
        delta = loss_grad(fwd[f"z{L}"], y, **kw)  # delta_L = y_hat - y (softmax and CE fused)
    else:
        trace["d_output"] = loss_grad(fwd["output"], y, **kw)  # dE/dx_L
        delta = _activation_vjp(spec.activations[-1], fwd[f"z{L}"], fwd[f"a{L}"], trace["d_output"], spec)
    for i in range(L, 0, -1):
        trace[f"delta{i}"] = delta
        d_prev, grads = _dense_vjp(params, i, fwd[f"a{i - 1}"], delta, spec)  # dE/dW_i = delta_i x_{i-1}^T
        trace.update(grads)
        if i > 1:
            # delta_{i-1} = (W_i^T delta_i) * f_{i-1}'(z_{i-1})
            delta = _activation_vjp(spec.activations[i - 2], fwd[f"z{i - 1}"], fwd[f"a{i - 1}"], d_prev, spec)
    return trace


def grad(params, x, y, *, spec: MLPSpec) -> dict:
    """dE/dparams by hand-written backprop (numpy): same keys and shapes as params."""
    trace = backward_trace(params, x, y, spec=spec)
    return {name: trace[f"d{name}"] for name in params}


def make_loss_and_grad(spec: MLPSpec) -> LossAndGrad:
    """(loss, grad) callables with signature f(params, x, y), the form check_grad takes."""

    def mlp_loss(params, x, y):
        """MLP loss for the bound spec (array-API generic)."""
        return loss(params, x, y, spec=spec)

    def mlp_grad(params, x, y):
        """Hand-written MLP gradient for the bound spec (numpy)."""
        return grad(params, x, y, spec=spec)

    return LossAndGrad(mlp_loss, mlp_grad)
