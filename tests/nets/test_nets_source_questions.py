"""The source documents' questions, reproduced: shapes as printed, and the weight-matrix question's stated numbers
at 3 decimals."""

import numpy as np
import pytest

from gradcheck.nets import (
    MLPSpec,
    activations,
    backward_trace,
    forward_trace,
    grad,
    init_params,
    sgd_step,
)

WEIGHT_MATRIX_QA = MLPSpec(
    widths=(2, 2, 1),
    activations=("sigmoid", "sigmoid"),
    loss="squared_error",
    convention="column",
    bias="none",
    reduction="sum",
)


def _weight_matrix_qa_inputs():
    """W1, W2, x and y exactly as printed in "Calculating derivatives with respect to a weight matrix"."""
    params = {"W1": np.array([[0.1, 0.8], [0.4, 0.6]]), "W2": np.array([[0.3, 0.9]])}
    return params, np.array([[0.3], [0.9]]), np.array([[1.0]])


def test_weight_matrix_qa_forward_matches_the_stated_values():
    params, x, _ = _weight_matrix_qa_inputs()
    trace = forward_trace(params, x, WEIGHT_MATRIX_QA)
    np.testing.assert_array_equal(np.round(trace["z1"], 2), [[0.75], [0.66]])
    np.testing.assert_array_equal(np.round(trace["a1"], 3), [[0.679], [0.659]])
    np.testing.assert_array_equal(np.round(trace["z2"], 3), [[0.797]])
    np.testing.assert_array_equal(np.round(trace["y_hat"], 3), [[0.689]])


def test_weight_matrix_qa_new_weights_match_the_stated_answer():
    params, x, y = _weight_matrix_qa_inputs()
    new = sgd_step(params, grad(params, x, y, spec=WEIGHT_MATRIX_QA), lr=1.0)
    np.testing.assert_array_equal(np.round(new["W1"], 3), [[0.101, 0.804], [0.404, 0.612]])
    # the accepted answer's dW_1 = -eta G, at its printed 5 decimals
    np.testing.assert_array_equal(np.round(new["W1"] - params["W1"], 5), [[0.00130, 0.00391], [0.00403, 0.01210]])


def test_weight_matrix_qa_gradient_is_the_answers_closed_form():
    """G = (S1 - S1^2) W2^T (S2 - S2^2) (y_hat - y) x^T, the differential derivation in its answer."""
    params, x, y = _weight_matrix_qa_inputs()
    trace = forward_trace(params, x, WEIGHT_MATRIX_QA)
    s1, y_hat = trace["a1"], trace["y_hat"]
    G = np.diag((s1 - s1**2).ravel()) @ params["W2"].T @ ((y_hat - y_hat**2) * (y_hat - y)) @ x.T
    np.testing.assert_allclose(grad(params, x, y, spec=WEIGHT_MATRIX_QA)["W1"], G, rtol=1e-13)


def test_matrix_form_derivation_delta_recursion_by_hand(rng):
    """Three layers, no bias (the matrix-form derivation): delta_3 = (x_3 - t) f'(W_3 x_2), delta_i = W_{i+1}^T
    delta_{i+1} f'(.)"""
    spec = MLPSpec(widths=(4, 5, 3, 2), activations=("sigmoid", "tanh", "sigmoid"), bias="none")
    params = init_params(spec, rng)
    assert [params[k].shape for k in ("W2", "W3")] == [(3, 5), (2, 3)]  # as in the derivation's sanity checks
    x0, t = rng.standard_normal((4, 1)), rng.uniform(size=(2, 1))
    f = forward_trace(params, x0, spec)
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    d3 = (f["a3"] - t) * activations.sigmoid_grad(W3 @ f["a2"])
    d2 = (W3.T @ d3) * activations.tanh_grad(W2 @ f["a1"])
    d1 = (W2.T @ d2) * activations.sigmoid_grad(W1 @ x0)
    back = backward_trace(params, x0, t, spec=spec)
    for name, expected in [
        ("delta3", d3),
        ("delta2", d2),
        ("delta1", d1),
        ("dW3", d3 @ f["a2"].T),
        ("dW2", d2 @ f["a1"].T),
        ("dW1", d1 @ x0.T),
    ]:
        np.testing.assert_allclose(back[name], expected, rtol=1e-13, err_msg=name)


def test_matrix_form_softmax_qa_shapes_and_fused_equals_unfused(rng):
    """The matrix-form softmax question: 2 inputs + bias node, 3 sigmoid hidden + bias node, 2 softmax outputs, row
    batch, CE."""
    kw = {"widths": (2, 3, 2), "convention": "row", "bias": "ones_column", "reduction": "mean"}
    unfused = MLPSpec(activations=("sigmoid", "softmax"), loss="cross_entropy", **kw)
    fused = MLPSpec(activations=("sigmoid", "identity"), loss="softmax_cross_entropy", **kw)
    assert unfused.param_shapes() == {"W1": (3, 3), "W2": (4, 2)}  # W^1 3x3, W^2 4x2 as printed
    params = init_params(unfused, rng)
    x = rng.standard_normal((6, 2))
    y = np.eye(2)[rng.integers(0, 2, size=6)]
    assert forward_trace(params, x, fused)["y_hat"] == pytest.approx(forward_trace(params, x, unfused)["y_hat"])
    g_unfused, g_fused = grad(params, x, y, spec=unfused), grad(params, x, y, spec=fused)
    for name in params:
        np.testing.assert_allclose(g_unfused[name], g_fused[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_derive_matrices_qa_shapes():
    """ "How to derive matrices during backpropagation in neural network": 3 inputs, 4 sigmoid hidden, 1 sigmoid
    output, squared error, column vectors."""
    spec = MLPSpec(widths=(3, 4, 1), activations=("sigmoid", "sigmoid"), bias="none")
    assert spec.param_shapes() == {"W1": (4, 3), "W2": (1, 4)}
