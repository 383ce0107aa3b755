""" "Calculating derivatives with respect to a weight matrix": the asker multiplied W2 by sigma'(z2) as an inner
product, so every row of dC/dW1 came out equal.

Network (one example, column convention): z2 = W1 x, a2 = sigma(z2), z3 = W2 a2, y_hat = sigma(z3),
C = 1/2 (y_hat - y)^2. Right: dC/dW1 = (W2^T delta3 * sigma'(z2)) x^T. The asker's:
(y_hat - y) sigma'(z3) (W2 . sigma'(z2)) [x^T; x^T], a scalar times identical rows.
"""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc

pytest.importorskip("torch")

W1 = np.array([[0.1, 0.8], [0.4, 0.6]])
W2 = np.array([[0.3, 0.9]])
X = np.array([[0.3], [0.9]])
Y = np.array([[1.0]])

ASKER_DIAGNOSIS = (
    "identical rows: every row of yours is the same while the reference's differ (each row of yours is the sum "
    "of the reference's rows): an inner product (a scalar) was used where an elementwise (Hadamard) product "
    "belongs, so a per-unit factor such as W_i sigma'(z_i) or delta_i was collapsed to one number; multiply "
    "elementwise, then take the outer product"
)


def sigmoid(z):
    xp = array_namespace(z)
    return 1 / (1 + xp.exp(-z))


def loss(p, x, y):
    y_hat = sigmoid(p["W2"] @ sigmoid(p["W1"] @ x))
    return 0.5 * array_namespace(y_hat).sum((y_hat - y) ** 2)


def _forward(p, x):
    z2 = p["W1"] @ x
    a2 = sigmoid(z2)
    z3 = p["W2"] @ a2
    return z2, a2, z3, sigmoid(z3)


def asker_grad(p, x, y):
    z2, a2, z3, y_hat = _forward(p, x)
    d3 = (y_hat - y) * sigmoid(z3) * (1 - sigmoid(z3))
    inner = (p["W2"] @ (sigmoid(z2) * (1 - sigmoid(z2)))).item()  # W2 . sigma'(z2): a scalar
    return {"W1": d3.item() * inner * np.vstack([x.T, x.T]), "W2": d3 @ a2.T}


def answer_grad(p, x, y):
    z2, a2, z3, y_hat = _forward(p, x)
    d3 = (y_hat - y) * sigmoid(z3) * (1 - sigmoid(z3))
    d2 = (p["W2"].T @ d3) * sigmoid(z2) * (1 - sigmoid(z2))  # delta2 = W2^T delta3 * sigma'(z2), elementwise
    return {"W1": d2 @ x.T, "W2": d3 @ a2.T}


def test_asker_gradient_is_reported_as_identical_rows_with_the_elementwise_explanation():
    report = gc.grad_report(loss, asker_grad, {"W1": W1, "W2": W2}, args=(X, Y), oracles=("fd", "torch"))
    assert [p.name for p in report.failing] == ["W1"]
    w1 = report.param("W1")
    assert w1.diagnosis_kind == "collapsed_rows"
    assert w1.diagnosis == ASKER_DIAGNOSIS
    assert f"  diagnosis: {ASKER_DIAGNOSIS}" in str(report).splitlines()
    # the evidence: the asker's rows are equal, and equal to the sum of the right rows
    assert np.allclose(w1.yours[0], w1.yours[1])
    assert np.allclose(w1.yours[0], w1.refs["torch"].sum(axis=0))


def test_the_answers_gradient_passes_and_gives_the_accepted_update():
    report = gc.check_grad(loss, answer_grad, {"W1": W1, "W2": W2}, args=(X, Y))
    assert report.ok
    new_w1 = W1 - 1.0 * answer_grad({"W1": W1, "W2": W2}, X, Y)["W1"]
    assert np.round(new_w1, 3).tolist() == [[0.101, 0.804], [0.404, 0.612]]  # the answer's W1_new
