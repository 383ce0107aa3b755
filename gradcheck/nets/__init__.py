"""Hand-written matrix backprop: activations, softmax, dense layers, losses and an MLP.

Forward functions are array-API generic (numpy, torch, jax); backward functions are numpy
and are the code gradcheck checks. Shapes follow the seeds: see `layers` for conventions.
"""

from gradcheck.nets.activations import (
    ELEMENTWISE,
    identity,
    identity_grad,
    relu,
    relu_grad,
    sigmoid,
    sigmoid_grad,
    tanh,
    tanh_grad,
)
from gradcheck.nets.layers import (
    add_ones_column,
    add_ones_row,
    dense_col,
    dense_col_ones,
    dense_col_ones_vjp,
    dense_col_vjp,
    dense_row,
    dense_row_ones,
    dense_row_ones_vjp,
    dense_row_vjp,
)
from gradcheck.nets.losses import (
    cross_entropy,
    cross_entropy_grad,
    softmax_cross_entropy,
    softmax_cross_entropy_grad,
    squared_error,
    squared_error_grad,
)
from gradcheck.nets.mlp import (
    LossAndGrad,
    backward_trace,
    check_params,
    forward_trace,
    grad,
    init_params,
    loss,
    make_loss_and_grad,
)
from gradcheck.nets.optim import sgd_step
from gradcheck.nets.softmax import (
    log_softmax,
    logsumexp,
    softmax,
    softmax_jacobian,
    softmax_lse,
    softmax_vjp,
    softmax_vjp_jacobian,
)
from gradcheck.nets.spec import MLPSpec

__all__ = [
    "ELEMENTWISE",
    "LossAndGrad",
    "MLPSpec",
    "add_ones_column",
    "add_ones_row",
    "backward_trace",
    "check_params",
    "cross_entropy",
    "cross_entropy_grad",
    "dense_col",
    "dense_col_ones",
    "dense_col_ones_vjp",
    "dense_col_vjp",
    "dense_row",
    "dense_row_ones",
    "dense_row_ones_vjp",
    "dense_row_vjp",
    "forward_trace",
    "grad",
    "identity",
    "identity_grad",
    "init_params",
    "log_softmax",
    "logsumexp",
    "loss",
    "make_loss_and_grad",
    "relu",
    "relu_grad",
    "sgd_step",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_cross_entropy",
    "softmax_cross_entropy_grad",
    "softmax_jacobian",
    "softmax_lse",
    "softmax_vjp",
    "softmax_vjp_jacobian",
    "squared_error",
    "squared_error_grad",
    "tanh",
    "tanh_grad",
]
