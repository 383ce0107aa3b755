"""How a case's expected values are computed: the MLP trace of gradcheck.nets plus named recipes.

Every number in `expected` comes from `compute`; a case file names its recipes, the code here computes them.
Fields named "doc.*" reproduce what a document did (including its mistakes); they are evidence for errata and
are not cross-checked against the oracles.
"""

from __future__ import annotations

import numpy as np

from gradcheck.nets import activations as act
from gradcheck.nets import backward_trace, forward_trace, layers, losses, sgd_step


def trace_shapes(case) -> dict[str, tuple]:
    """Shapes of the MLP trace fields implied by the model and the batch size (no computation)."""
    spec, n = case.spec, case.batch_size
    shapes = {"loss": ()}
    for i, width in enumerate(spec.widths[1:], start=1):
        col = (width, n) if spec.convention == "column" else (n, width)
        shapes.update({f"z{i}": col, f"a{i}": col, f"delta{i}": col})
    shapes["y_hat"] = shapes["d_output"] = shapes[f"a{spec.n_layers}"]
    for name, shape in spec.param_shapes().items():
        shapes[f"d{name}"] = shapes[f"{name}_new"] = shape
    return shapes


def mlp_trace(spec, params, x, y, lr) -> dict:
    """Forward and hand-written backward of gradcheck.nets, the loss, and the SGD step when lr is given."""
    fwd = forward_trace(params, x, spec)
    out = {k: v for k, v in fwd.items() if k not in ("a0", "output")}
    loss_fn = {"squared_error": losses.squared_error, "cross_entropy": losses.cross_entropy,
               "softmax_cross_entropy": losses.softmax_cross_entropy}[spec.loss]
    out["loss"] = loss_fn(fwd["output"], y, batch_axis=spec.batch_axis, reduction=spec.reduction)
    out.update(backward_trace(params, x, y, spec=spec))
    if lr is not None:
        grads = {name: out[f"d{name}"] for name in params}
        new = sgd_step(params, grads, lr)  # W <- W - eta dE/dW
        out.update({f"{name}_new": value for name, value in new.items()})
    return out


def compute(case) -> dict[str, np.ndarray]:
    """Every expected field of `case`, recomputed from its model, inputs and recipes (float64 arrays)."""
    out = mlp_trace(case.spec, case.params, case.x, case.y, case.lr)
    for name in case.data["recipes"]:
        out.update(RECIPES[name](case, out))
    return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def seed002_document(case, t) -> dict:
    """Seed 002: the question's and the answer's own steps, reproduced (mistakes included)."""
    W1, W2 = case.params["W1"], case.params["W2"]
    x, y, lr = case.x, case.y, case.lr
    z1, z2, y_hat = t["z1"], t["z2"], t["y_hat"]
    asker_inner = W2 @ act.sigmoid_grad(z1)  # the asker's W2 . sigma'(z2): an inner product, one number
    asker_grad = (y_hat - y) * act.sigmoid_grad(z2) * asker_inner * np.vstack([x.T, x.T])  # rows identical
    S1 = np.diag(t["a1"][:, 0])  # S1 = Diag(sigma(z1))
    S1_printed = np.diag(z1[:, 0])  # the answer printed Diag(0.75, 0.66) = Diag(z1)
    S2 = np.diag(y_hat[:, 0])
    xxT = x @ x.T
    answer_factor = (y_hat - y_hat**2) * (1.0 - y_hat)  # (y_hat - y_hat^2)(1 - y_hat), using y = 1
    return {
        "doc.sigmoid_as_printed_z1": 1.0 / (1.0 + np.exp(z1)),  # the typo 1/(1+e^x)
        "doc.loss_as_printed": 0.5 * np.sum(y_hat - y),  # C = 1/2 sum (y_hat - y), square missing
        "doc.asker_factor": -lr * (y_hat - y) * act.sigmoid_grad(z2),  # -eta (y_hat - y) sigma'(z3)
        "doc.asker_rows": np.vstack([asker_inner * x.T, asker_inner * x.T]),
        "doc.asker_dW1": asker_grad,
        "doc.asker_W1_new": W1 - lr * asker_grad,
        "doc.answer_G": (S1 - S1 @ S1) @ W2.T @ (S2 - S2 @ S2) @ (y_hat - y) @ x.T,  # G = (S1-S1^2)W2^T(S2-S2^2)(y^-y)x^T
        "doc.W2T": W2.T,
        "doc.answer_factor": answer_factor,
        "doc.xxT": xxT,
        "doc.S1": S1,
        "doc.S1_as_printed": S1_printed,
        "doc.S1_term_xxT": (S1 - S1 @ S1) @ xxT,
        "doc.S1_as_printed_term_xxT": (S1_printed - S1_printed @ S1_printed) @ xxT,
        "doc.answer_dW1": answer_factor * (S1 - S1 @ S1) @ xxT,  # dW1 = 0.06652 (S1 - S1^2) x x^T
        "W1_step": t["W1_new"] - W1,  # -eta dE/dW1, what the answer calls dW_1
    }


def softmax_jacobian(case, t) -> dict:
    """Seed 001: the softmax Jacobian of a one-layer softmax + cross-entropy net, its VJP both ways, the fused form."""
    s, g, z = t["a1"], t["d_output"], t["z1"]
    J = act.softmax_jacobian(s[:, 0])  # J_ij = s_i delta_ij - s_i s_j
    delta_fused = losses.softmax_cross_entropy_grad(z, case.y, batch_axis=1, reduction=case.spec.reduction)
    return {
        "J": J,
        "J_T": J.T,
        "delta_via_jacobian": J.T @ g,  # dC/dz = J^T dC/da
        "delta_fast": act.softmax_vjp(s, g, axis=0),  # s * (g - <g, s>)
        "delta_fused": delta_fused,  # y_hat - y
        "y_hat_minus_y": s - case.y,
        "dW1_fused": delta_fused @ case.x.T,  # dC/dW = (y_hat - y) a^T
        "doc.elementwise_delta": s * (1.0 - s) * g,  # diag(J) * g: the elementwise mistake
    }


def ones_column_inputs(case, t) -> dict:
    """Seed 000: X1 = [1, X], X2 = [1, A1], the matrix-form gradients and the fused softmax + CE delta."""
    X1, X2 = layers.add_ones_column(case.x), layers.add_ones_column(t["a1"])
    spec = case.spec
    return {
        "X1": X1,
        "X2": X2,
        "dW1_matrix": X1.T @ t["delta1"],  # dW1 = X1^T dZ1
        "dW2_matrix": X2.T @ t["delta2"],  # dW2 = X2^T dZ2
        "delta2_fused": losses.softmax_cross_entropy_grad(t["z2"], case.y, batch_axis=0, reduction=spec.reduction),
    }


def delta_outer(case, t) -> dict:
    """Seed 003: dC/dW1 = delta1 x^T and dC/dw2 = delta2 a^T, as matrices and entry by entry."""
    d1, x = t["delta1"], case.x
    entrywise = np.array([[np.sum(d1[i] * x[j]) for j in range(x.shape[0])] for i in range(d1.shape[0])])
    return {
        "delta1_xT": d1 @ x.T,  # dC/dW1 = delta1 x^T
        "dW1_entrywise": entrywise,  # dC/dW1_ij = delta1_i x_j
        "delta2_a1T": t["delta2"] @ t["a1"].T,  # dC/dw2 = delta2 a^T
    }


def half_and_no_half(case, t) -> dict:
    """Seed 004: the loss without 1/2, E = ||x_L - t||^2, and its backprop (delta_L = 2 (x_L - t) * f_L'(z_L))."""
    spec, params = case.spec, case.params
    L = spec.n_layers
    out = {"loss_no_half": np.sum((t[f"a{L}"] - case.y) ** 2)}  # E = ||x_L - t||_2^2
    g = 2.0 * (t[f"a{L}"] - case.y)  # dE/dx_L = 2 (x_L - t)
    a_prev = {i: (case.x if i == 1 else t[f"a{i - 1}"]) for i in range(1, L + 1)}
    for i in range(L, 0, -1):
        f_grad = act.ELEMENTWISE[spec.activations[i - 1]][1]
        delta = g * f_grad(t[f"z{i}"])  # delta_i = g * f_i'(W_i x_{i-1})
        out[f"delta{i}_no_half"] = delta
        g, dW, _ = layers.dense_col_vjp(params[f"W{i}"], a_prev[i], delta, bias=False)  # dW = delta x^T
        out[f"dW{i}_no_half"] = dW
    return out


#: Recipe name -> function(case, trace) -> {field: array}; a case file lists the names it uses.
RECIPES = {
    "seed002_document": seed002_document,
    "softmax_jacobian": softmax_jacobian,
    "ones_column_inputs": ones_column_inputs,
    "delta_outer": delta_outer,
    "half_and_no_half": half_and_no_half,
}
