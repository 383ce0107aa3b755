"""The seed documents' textbook cases, as data: model, inputs, what each document printed, and its errata.

Inputs are the documents' own numbers (seed 002) or drawn from a fixed seed (the others print none).
`stated` strings are copied exactly as printed; every other number is computed by `generate`.
"""

from __future__ import annotations

import numpy as np



def _model(**spec) -> dict:
    return {"kind": "mlp", **spec}


def _drawn(spec_fields: dict, seed: int, n: int, make_y) -> dict:
    """Glorot-uniform weights from gradcheck.nets.init_params, x standard normal, y from make_y(rng)."""
    from gradcheck.nets import MLPSpec, init_params

    spec = MLPSpec(**spec_fields)
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng)
    shape = (spec.widths[0], n) if spec.convention == "column" else (n, spec.widths[0])
    x = rng.standard_normal(shape)
    return {"params": params, "x": x, "y": make_y(rng), "drawn_from": f"numpy default_rng({seed}): "
            f"gradcheck.nets.init_params, then x = standard_normal{shape}, then y"}


def seed000() -> dict:
    spec = dict(widths=[2, 3, 2], activations=["sigmoid", "softmax"], loss="cross_entropy", convention="row",
                bias="ones_column", reduction="mean")
    n = 5
    inputs = _drawn(spec, 0, n, lambda rng: np.eye(2)[rng.integers(0, 2, size=n)])
    inputs["lr"] = 0.5
    shape = lambda field, dims, where: {"field": field, "shape": dims, "where": where}  # noqa: E731
    return {
        "id": "seed000_ones_column_softmax_ce",
        "title": "2-3-2 network, ones-column bias, sigmoid then row-wise softmax, categorical cross-entropy over N rows",
        "source": {"file": "000_edc2f435136d9082.txt",
                   "title": "(untitled question, opens: \"I'm having trouble deriving the matrix form of backpropagation\")",
                   "numbers": "the document prints no numbers; inputs drawn from a fixed seed"},
        "conventions": "row batch: X (N, 2), Z1 = [1, X] W1 with W1 (3, 3) whose first row is the bias; "
                       "X2 = [1, A1], Z2 = X2 W2 with W2 (4, 2); Y_hat = softmax(Z2) row-wise; loss = mean over "
                       "the N rows of -sum_k Y log Y_hat (the document does not say sum or mean; the gradient of "
                       "the sum is N times this one). Document symbols: X^1 = X1, W^1 = W1, Z^1 = z1, A^1 = a1, "
                       "X^2 = X2, Z^2 = z2, Y_hat = A^2 = a2.",
        "model": _model(**spec),
        "inputs": inputs,
        "recipes": ["ones_column_inputs"],
        "stated": [
            shape("X1", ["N", 3], "question: X^1 = [1 x_12 x_13; ...; 1 x_N2 x_N3]"),
            shape("inputs.params.W1", [3, 3], "question: W^1 = [w_11 .. w_33]"),
            shape("inputs.params.W2", [4, 2], "question: W^2 = [w_11 w_12; ...; w_41 w_42]"),
            shape("z1", ["N", 3], "question: Z^1 = X^1 W^1"),
            shape("a1", ["N", 3], "question: A^1 = sigmoid(Z^1)"),
            shape("X2", ["N", 4], "question: X^2 = [1, A^1]"),
            shape("z2", ["N", 2], "question: Z^2 = X^2 W^2"),
            shape("a2", ["N", 2], "question: Y_hat = A^2 = softmax(Z^2)"),
        ],
        "claims": [
            {"relation": "equal", "left": "delta2", "right": "delta2_fused",
             "says": "softmax + categorical CE: dE/dZ2 = (Y_hat - Y) / N, the same as the softmax Jacobian VJP"},
            {"relation": "equal", "left": "dW2", "right": "dW2_matrix", "says": "matrix form: dE/dW2 = X2^T dZ2"},
            {"relation": "equal", "left": "dW1", "right": "dW1_matrix",
             "says": "matrix form: dE/dW1 = X1^T dZ1 with dZ1 = (dZ2 W2[1:]^T) * A1 (1 - A1)"},
        ],
        "errata": [],
    }


def seed001() -> dict:
    spec = dict(widths=[4, 3], activations=["softmax"], loss="cross_entropy", convention="column", bias="vector",
                reduction="sum")
    inputs = _drawn(spec, 1, 1, lambda rng: np.eye(3)[:, [rng.integers(0, 3)]])
    inputs["lr"] = None
    return {
        "id": "seed001_softmax_jacobian",
        "title": "Last layer z = W a + b, softmax, cross-entropy: the softmax Jacobian, its VJP both ways, and the "
                 "fused gradient y_hat - y",
        "source": {"file": "001_b41415ce77ff85de.txt",
                   "title": "(question whose title is not in the document, opens: \"I've seen plenty of examples "
                            "of people doing Sigmoid + MSE backpropagation implementations\")",
                   "numbers": "the document prints no numbers; inputs drawn from a fixed seed"},
        "conventions": "one example as a column: a^[L-1] = x (4, 1), W^[L] = W1 (3, 4), b^[L] = b1 (3, 1), "
                       "z^[L] = z1, a^[L] = a1 = softmax(z1); C = -sum_k y_k log a_k. J (3, 3) is the Jacobian "
                       "da/dz, J_ij = s_i delta_ij - s_i s_j; d_output = dC/da.",
        "model": _model(**spec),
        "inputs": inputs,
        "recipes": ["softmax_jacobian"],
        "stated": [
            {"field": "J", "shape": [3, 3], "where": "comment: softmax's gradient is a Jacobian, a 2D matrix"},
            {"field": "d_output", "shape": [3, 1], "where": "comment: ... multiplied with a 1D vector"},
        ],
        "claims": [
            {"relation": "equal", "left": "J", "right": "J_T", "says": "the softmax Jacobian is symmetric"},
            {"relation": "equal", "left": "delta_via_jacobian", "right": "delta1",
             "says": "answer: dC/dz = (dC/da)^T J, the gradient of the cost times the Jacobian"},
            {"relation": "equal", "left": "delta_fast", "right": "delta_via_jacobian",
             "says": "the VJP without building J: s * (g - <g, s>) = J^T g"},
            {"relation": "equal", "left": "delta_fused", "right": "delta1",
             "says": "softmax + cross-entropy fused: dC/dz = y_hat - y"},
            {"relation": "equal", "left": "y_hat_minus_y", "right": "delta_fused", "says": "y_hat - y"},
            {"relation": "equal", "left": "dW1_fused", "right": "dW1",
             "says": "answer: dC/dW_ij = sum_k sum_s dC/da_k J_ks dz_s/dW_ij = (y_hat - y)_i a_j"},
            {"relation": "equal", "left": "doc.elementwise_delta", "right": "delta1", "erratum": "elementwise-softmax",
             "says": "comment: the derivative of softmax multiplied element wise with the gradient of the loss"},
        ],
        "errata": [
            {"id": "elementwise-softmax", "where": "the asker's comment (what tutorials appeared to do)",
             "printed": "the derivative of softmax being multiplied element wise with the gradient of the loss",
             "correct": "dC/dz = J^T dC/da with the full Jacobian J = diag(s) - s s^T (or, fused with "
                        "cross-entropy, dC/dz = y_hat - y)",
             "explanation": "Multiplying elementwise by the Jacobian's diagonal s (1 - s) drops the off-diagonal "
                            "terms -s_i s_j; doc.elementwise_delta shows it differs from delta1. Tutorials that "
                            "look elementwise are using the fused form y_hat - y.",
             "evidence": ["doc.elementwise_delta", "delta1"]},
        ],
    }


def seed002() -> dict:
    spec = dict(widths=[2, 2, 1], activations=["sigmoid", "sigmoid"], loss="squared_error", convention="column",
                bias="none", reduction="sum")
    inputs = {"params": {"W1": [[0.1, 0.8], [0.4, 0.6]], "W2": [[0.3, 0.9]]}, "x": [[0.3], [0.9]], "y": [[1.0]],
              "lr": 1.0, "drawn_from": "the document's printed inputs"}
    p = lambda field, printed, where, **kw: {"field": field, "printed": printed, "where": where, **kw}  # noqa: E731
    asker_update = [["0.105", "0.816"], ["0.405", "0.616"]]
    return {
        "id": "seed002_w1_update",
        "title": "2-2-1 sigmoid network without bias, squared error, one SGD step on W1 (eta = 1)",
        "source": {"file": "002_c596aac89c8c5daa.txt", "title": "Calculating derivatives with respect to a weight matrix",
                   "numbers": "inputs and printed values from the question and the accepted answer"},
        "conventions": "column vectors: x (2, 1), W1 (2, 2), W2 (1, 2), z_i = W_i a_{i-1}, a_i = sigma(z_i), "
                       "C = 1/2 (y_hat - y)^2. The question numbers layers from the input: its z^(2), a^(2), "
                       "z^(3), a^(3) are z1, a1, z2, a2 here. The answer's dW_1 is the step -eta G (W1_step), "
                       "not the gradient; dW1 here is the gradient dC/dW1 = G.",
        "model": _model(**spec),
        "inputs": inputs,
        "recipes": ["seed002_document"],
        "stated": [
            p("z1", [["0.75"], ["0.66"]], "question: z^(2) = W^(1) x"),
            p("a1", [["0.679"], ["0.659"]], "question: a^(2) = sigmoid(z^(2))"),
            p("z2", [["0.797"]], "question: z^(3) = W^(2) a^(2)"),
            p("y_hat", [["0.689"]], "question: y_hat = a^(3) = sigmoid(0.797)"),
            p("doc.sigmoid_as_printed_z1", [["0.679"], ["0.659"]], "question: sigmoid(x) = 1/(1+e^x) at z^(2)",
              erratum="sigmoid-sign"),
            p("doc.asker_factor", [["0.066"]], "question: -1 (0.689 - 1) sigmoid'(0.797)", erratum="asker-factor-truncated"),
            p("doc.asker_rows", [["0.08", "0.241"], ["0.08", "0.241"]], "question: W^(2) . sigmoid'(z^(2)) [x^T; x^T]"),
            p("W1_new", asker_update, "question: the asker's W^(1)_new (which is incorrect)", erratum="asker-update",
              reproduced_by="doc.asker_W1_new"),
            p("W1_new", [["0.101", "0.804"], ["0.404", "0.612"]], "question: The correct answer is"),
            p("doc.answer_factor", "0.06652", "answer: (y_hat - y_hat^2)(1 - y_hat)"),
            p("doc.xxT", [["0.09", "0.27"], ["0.27", "0.81"]], "answer: x x^T"),
            p("doc.S1", [["0.75", "0"], ["0", "0.66"]], "answer: S_1", erratum="answer-S1-is-z1",
              reproduced_by="doc.S1_as_printed"),
            p("doc.S1_term_xxT", [["0.0196", "0.0588"], ["0.0607", "0.1820"]], "answer: (S_1 - S_1^2) x x^T"),
            p("doc.S1_as_printed_term_xxT", [["0.0196", "0.0588"], ["0.0607", "0.1820"]],
              "answer: (S_1 - S_1^2) x x^T, recomputed with S_1 as printed", erratum="answer-S1-is-z1"),
            p("W1_step", [["0.00130", "0.00391"], ["0.00403", "0.01210"]], "answer: dW_1"),
            p("doc.answer_dW1", [["0.00130", "0.00391"], ["0.00403", "0.01210"]], "answer: dW_1 = 0.06652 (S_1 - S_1^2) x x^T"),
            p("W1_new", [["0.10130", "0.80391"], ["0.40403", "0.61210"]], "answer: W_1^new = W_1 + dW_1"),
        ],
        "claims": [
            {"relation": "equal", "left": "doc.answer_G", "right": "dW1",
             "says": "answer: dC/dW1 = (S1 - S1^2) W2^T (S2 - S2^2)(y_hat - y) x^T = G"},
            {"relation": "equal", "left": "doc.W2T", "right": "inputs.x",
             "says": "answer: note that W2^T = x (true for this example's numbers only)"},
            {"relation": "equal", "left": "doc.answer_dW1", "right": "W1_step",
             "says": "answer: dW1 = -eta G = (y_hat - y_hat^2)(1 - y_hat)(S1 - S1^2) x x^T"},
            {"relation": "equal", "left": "doc.asker_dW1", "right": "dW1", "erratum": "asker-update",
             "says": "question: dC/dW1 = (y_hat - y) sigmoid'(z^(3)) W^(2) sigmoid'(z^(2)) [x^T; x^T]"},
        ],
        "errata": [
            {"id": "sigmoid-sign", "where": "question: the activation function", "printed": "sigmoid(x) = 1/(1+e^x)",
             "correct": "sigmoid(x) = 1/(1+e^-x)",
             "explanation": "A typo: the question's own numbers a^(2) = [0.679, 0.659] are 1/(1+e^-z); the formula "
                            "as printed gives doc.sigmoid_as_printed_z1 = [0.321, 0.341].",
             "evidence": ["a1", "doc.sigmoid_as_printed_z1"]},
            {"id": "loss-square", "where": "question: the loss function", "printed": "C = 1/2 sum_n (y_hat - y)",
             "correct": "C = 1/2 sum_n (y_hat - y)^2",
             "explanation": "A typo: the derivation differentiates 1/2 (y_hat - y)^2; as printed dC/dy_hat would be "
                            "the constant 1/2 and C would be negative here (doc.loss_as_printed).",
             "evidence": ["loss", "doc.loss_as_printed"]},
            {"id": "asker-update", "where": "question: the asker's W^(1)_new",
             "printed": "[[0.105, 0.816], [0.405, 0.616]]", "correct": "[[0.101, 0.804], [0.404, 0.612]]",
             "explanation": "The asker multiplied W^(2) by sigmoid'(z^(2)) as an inner product (one number, 0.2675) "
                            "where the elementwise (Hadamard) product belongs: delta1 = (W2^T delta2) * "
                            "sigmoid'(z1), so dC/dW1 = delta1 x^T has different rows. The asker's formula "
                            "(doc.asker_dW1, identical rows) reproduces the printed numbers exactly.",
             "evidence": ["doc.asker_dW1", "doc.asker_W1_new", "dW1"]},
            {"id": "asker-factor-truncated", "where": "question: the factor 0.066",
             "printed": "0.066", "correct": "0.067 (0.06652 to 5 decimals)",
             "explanation": "-1 (y_hat - 1) sigmoid'(z^(3)) = 0.06652 rounds to 0.067; the printed 0.066 is "
                            "truncated. Harmless: the asker's update is reproduced either way.",
             "evidence": ["doc.asker_factor"]},
            {"id": "answer-S1-is-z1", "where": "answer: S_1 = [0.75 0; 0 0.66]", "printed": "S_1 = Diag(0.75, 0.66)",
             "correct": "S_1 = Diag(sigma(z_1)) = Diag(0.679, 0.659)",
             "explanation": "The answer defines S = Diag(sigma(z)) but prints Diag(z_1). Its next matrix "
                            "(S_1 - S_1^2) x x^T = [[0.0196, 0.0588], [0.0607, 0.1820]] and its final W_1^new "
                            "use Diag(sigma(z_1)); with Diag(z_1) that matrix would be "
                            "doc.S1_as_printed_term_xxT = [[0.0169, 0.0506], [0.0606, 0.1818]].",
             "evidence": ["doc.S1", "doc.S1_as_printed", "doc.S1_as_printed_term_xxT"]},
        ],
    }


def seed003() -> dict:
    spec = dict(widths=[3, 4, 1], activations=["sigmoid", "sigmoid"], loss="squared_error", convention="column",
                bias="none", reduction="sum")
    inputs = _drawn(spec, 3, 1, lambda rng: rng.uniform(size=(1, 1)))
    inputs["lr"] = None
    shape = lambda field, dims, where: {"field": field, "shape": dims, "where": where}  # noqa: E731
    return {
        "id": "seed003_delta1_xT",
        "title": "3-4-1 sigmoid network, squared error: dC/dW1 = delta1 x^T",
        "source": {"file": "003_b3117aac4a31f637.txt", "title": "How to derive matrices during backpropagation in neural network",
                   "numbers": "the document prints no numbers; inputs drawn from a fixed seed"},
        "conventions": "one example as a column: x (3, 1), W1 = W^(1) (4, 3), w^(2) = W2 (1, 4), z^(1) = z1 = W1 x, "
                       "a = a1 = sigma(z1), z^(2) = z2 = W2 a, y_hat = sigma(z2), C = 1/2 (y_hat - y)^2.",
        "model": _model(**spec),
        "inputs": inputs,
        "recipes": ["delta_outer"],
        "stated": [
            shape("inputs.x", [3, 1], "question: input [x1; x2; x3]"),
            shape("a1", [4, 1], "question: a = [a1; a2; a3; a4]"),
            shape("z1", [4, 1], "question: z^(1) = [sum_j w_1j x_j; ...; sum_j w_4j x_j]"),
            shape("inputs.params.W1", [4, 3], "question: W^(1) with entries w_ij, i = 1..4, j = 1..3"),
            shape("inputs.params.W2", [1, 4], "question: z^(2) = sum_{i=1}^4 w_i^(2) a_i"),
            shape("dW1", [4, 3], "question: dC/dW^(1) has W^(1)'s shape"),
        ],
        "claims": [
            {"relation": "equal", "left": "dW1", "right": "delta1_xT",
             "says": "dC/dW1 = delta1 x^T with delta1 = (W2^T delta2) * sigma'(z1): the vector-by-matrix derivative "
                     "dz1/dW1 contracts to an outer product"},
            {"relation": "equal", "left": "dW1_entrywise", "right": "delta1_xT",
             "says": "entry by entry: dC/dW1_ij = delta1_i x_j"},
            {"relation": "equal", "left": "dW2", "right": "delta2_a1T", "says": "dC/dw^(2) = delta2 a^T"},
        ],
        "errata": [
            {"id": "z1-superscript", "where": "question: the entries of z^(1)",
             "printed": "z^(1) = [sum_j w_1j^(2) x_j; ...; sum_j w_4j^(2) x_j]",
             "correct": "z^(1) = [sum_j w_1j^(1) x_j; ...] = W^(1) x",
             "explanation": "A typo: the weights between the input and the hidden layer are W^(1) (4x3); w^(2) "
                            "is the hidden-to-output vector (1x4), which has no index j = 1..3.",
             "evidence": ["z1", "inputs.params.W1"]},
        ],
    }


def seed004() -> dict:
    spec = dict(widths=[4, 5, 3, 2], activations=["sigmoid", "tanh", "sigmoid"], loss="squared_error",
                convention="column", bias="none", reduction="sum")
    inputs = _drawn(spec, 4, 1, lambda rng: rng.uniform(size=(2, 1)))
    inputs["lr"] = 0.1
    shape = lambda field, dims, where: {"field": field, "shape": dims, "where": where}  # noqa: E731
    return {
        "id": "seed004_three_layer_no_bias",
        "title": "Three weight layers without bias (W1 5xn, W2 3x5, W3 2x3), E = 1/2 ||x3 - t||^2, and the same "
                 "network with E = ||x3 - t||^2",
        "source": {"file": "004_dce423769619f884.txt", "title": "A Derivation of Backpropagation in Matrix Form(转)",
                   "numbers": "the document prints shapes only; inputs drawn from a fixed seed (n = 4, "
                              "f1 = sigmoid, f2 = tanh, f3 = sigmoid)"},
        "conventions": "one example as a column: x0 = x (4, 1), x_i = a_i = f_i(W_i x_{i-1}), z_i = W_i x_{i-1}, "
                       "t = y; E = 1/2 ||x3 - t||^2 unless a field ends in _no_half (E = ||x3 - t||^2). "
                       "delta_i = dE/dz_i as in the document.",
        "model": _model(**spec),
        "inputs": inputs,
        "recipes": ["half_and_no_half"],
        "stated": [
            shape("inputs.params.W3", [2, 3], "sanity check: W3's dimensions are 2x3"),
            shape("d_output", [2, 1], "sanity check: (x3 - t) is 2x1"),
            shape("delta3", [2, 1], "sanity check: delta3 is also 2x1"),
            shape("a2", [3, 1], "sanity check: x2 is 3x1"),
            shape("dW3", [2, 3], "sanity check: delta3 x2^T is 2x3"),
            shape("inputs.params.W2", [3, 5], "sanity check: W2's dimensions are 3x5"),
            shape("delta2", [3, 1], "sanity check: delta2 is also 3x1"),
            shape("a1", [5, 1], "sanity check: x1 is 5x1"),
            shape("dW2", [3, 5], "sanity check: delta2 x1^T is 3x5"),
            shape("inputs.params.W1", [5, 4], "W1 is 5xn (n = 4 here)"),
            shape("dW1", [5, 4], "dE/dW1 = delta1 x0^T"),
        ],
        "claims": [
            {"relation": "ratio", "left": "loss_no_half", "right": "loss", "factor": 2,
             "says": "the forward-pass summary's E = ||x_L - t||^2 is twice the stochastic loss 1/2 ||z - t||^2"},
            *({"relation": "ratio", "left": f"dW{i}_no_half", "right": f"dW{i}", "factor": 2,
               "says": f"without the 1/2 every gradient doubles: dE/dW{i} = 2 delta{i} x{i - 1}^T"} for i in (1, 2, 3)),
            {"relation": "ratio", "left": "delta3_no_half", "right": "delta3", "factor": 2,
             "says": "without the 1/2, delta_L = 2 (x_L - t) * f_L'(W_L x_{L-1})"},
            {"relation": "equal", "left": "dW3_no_half", "right": "dW3", "erratum": "loss-half",
             "says": "summary: E = ||x_L - t||^2 with backward pass delta_L = (x_L - t) * f_L'(W_L x_{L-1})"},
        ],
        "errata": [
            {"id": "loss-half", "where": "Forward Pass summary vs the stochastic update loss function",
             "printed": "E = ||x_L - t||_2^2 (summary) but E = 1/2 ||z - t||_2^2 (derivation)",
             "correct": "E = 1/2 ||x_L - t||_2^2 throughout, for the stated delta_L = (x_L - t) * f_L'(W_L x_{L-1})",
             "explanation": "The backward pass is the gradient of the 1/2 form; for the summary's loss without 1/2 "
                            "every delta and gradient is twice as large (the *_no_half fields, a ratio of exactly 2).",
             "evidence": ["loss", "loss_no_half", "dW3", "dW3_no_half"]},
            {"id": "loss-variable-z", "where": "Stochastic update loss function", "printed": "E = 1/2 ||z - t||_2^2",
             "correct": "E = 1/2 ||x3 - t||_2^2",
             "explanation": "z is never defined; the network's output is x3 (and the derivation uses x3 - t).",
             "evidence": ["a3"]},
            {"id": "single-hidden-layer", "where": "Consider a neural network with a single hidden layer",
             "printed": "a single hidden layer", "correct": "two hidden layers (x1, x2) and three weight matrices",
             "explanation": "The forward equations have hidden outputs x1 and x2 and weights W1, W2, W3.",
             "evidence": ["a1", "a2", "inputs.params.W3"]},
        ],
    }


CASES = (seed000, seed001, seed002, seed003, seed004)
