"""likely_bug.py through the entry points: bugs planted in layers' backward passes (check_backward, check_layer)
are diagnosed with words that fit the operation: a layer has no loss 1/2, a factor that is also N = 2 names the
reading that fits, state across calls, one factor shared by every parameter, a tiny offset, a symmetrised gradient
and a zeroed padding row. Each asserts the exact sentence."""

import numpy as np
import pytest

import gradcheck as gc

FD = {"oracles": ("fd",), "raise_on_failure": False}


def affine_forward(x, w, b):
    return x @ w + b, (x, w, b)


def mean_bias_backward(dout, cache):
    x, w, b = cache
    return dout @ w.T, x.T @ dout, dout.sum(0) / x.shape[0]  # planted: db divided by N


def diagnoses(report) -> dict:
    return {p.name: (p.diagnosis_kind, p.diagnosis) for p in report.params if not p.ok}


def inputs(n, d, m, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)


LAYER_1_OVER_2 = (
    "yours = 1/2 x reference (scale 1/2): a 1/N with N = 2 (the batch size) that the forward does not have: a "
    "layer's gradient sums over the batch (the 1/N of a mean belongs to the loss, not the layer), or a 1/N is "
    "applied twice; remove one division by N [N read from the leading dimension shared by x and dout]"
)


@pytest.mark.parametrize("shape", [(2, 1, 1), (2, 2, 1), (2, 3, 4)])
def test_db_over_n_at_n_2_is_the_batch_size_not_a_loss_half(shape):
    """The shapes Hypothesis shrinks to: a (2, 1) dout used to hide N, and a factor 1/2 was read as a loss's 2."""
    found = diagnoses(gc.check_backward(affine_forward, mean_bias_backward, inputs(*shape), **FD))
    assert found == {"b": ("scaled", LAYER_1_OVER_2)}


def test_db_over_n_at_n_3_says_one_third():
    found = diagnoses(gc.check_backward(affine_forward, mean_bias_backward, inputs(3, 2, 1), **FD))
    assert found["b"][1] == LAYER_1_OVER_2.replace("1/2", "1/3").replace("N = 2", "N = 3")


class ReLU:
    """A ReLU layer whose backward halves the derivative (planted)."""

    def __init__(self):
        self.parameters, self.gradients = {}, {}

    def forward(self, X):
        self.X = X
        return np.maximum(X, 0)

    def backward(self, dY):
        return dY * (self.X > 0) * 0.5


HALVED = (
    "yours = 0.5 x reference (scale 1/2): the backward halves every entry (a derivative's factor 2 missing, as in "
    "d(x^2)/dx = 2x, or a 0.5 in a derivative that the forward does not have); a layer's backward has no loss, so "
    "no 1/2 of a loss explains it"
)


def test_a_halved_relu_derivative_at_n_2_is_not_called_the_batch_size():
    X = np.random.default_rng(1).normal(size=(2, 3))
    found = diagnoses(gc.check_layer(ReLU(), X, **FD))
    assert found == {
        "X": (
            "scaled",
            HALVED + "; a 1/N with N = 2 (the batch size) fits the number too, but this input carries the batch "
            "axis, so a 1/N would scale each example's gradient only where the forward averages over the batch "
            "[N read from the leading dimension shared by X and dY]",
        )
    }
    found = diagnoses(gc.check_layer(ReLU(), np.random.default_rng(1).normal(size=(3, 3)), **FD))
    assert found == {"X": ("scaled", HALVED)}


def test_a_transposed_dw_shrunk_to_1_by_2_is_called_a_transpose():
    def backward(dout, cache):
        x, w, b = cache
        return dout @ w.T, (x.T @ dout).T, dout.sum(0)

    found = diagnoses(gc.check_backward(affine_forward, backward, inputs(3, 1, 2), **FD))
    assert found["w"][1].startswith(
        "it is the transpose of the expected shape: for z = W a, dW = delta a^T; for Z = X W, dW = X^T dZ (with "
        "an axis of length 1 it is also the same 2 entries in another layout"
    )


def test_a_buffer_accumulated_across_calls_is_state_not_a_loss_half():
    buffer = np.zeros((3, 4))

    def backward(dout, cache):
        x, w, b = cache
        buffer[...] += x.T @ dout  # planted: never zeroed
        return dout @ w.T, buffer, dout.sum(0)

    found = diagnoses(gc.check_backward(affine_forward, backward, inputs(5, 3, 4), **FD))
    assert found == {
        "w": (
            "stateful",
            "the gradient accumulated across calls (yours = 2 x reference: the buffer already held 1 earlier "
            "call's gradient when this one was judged): for w, grad returned the same array, changed by the "
            "second call, so state kept between calls (a buffer accumulated with +=) makes even the first result "
            "depend on earlier calls; zero the buffer at the start of backward, or return a new array",
        )
    }


def clipped_backward(dout, cache):
    x, w, b = cache
    grads = [dout @ w.T, x.T @ dout, dout.sum(0)]
    norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads))
    return tuple(g * min(1.0, 1.0 / norm) for g in grads)  # planted: gradient-norm clipping inside the backward


def test_one_factor_shared_by_every_parameter_is_said_once():
    x, w, b = inputs(5, 3, 4)
    report = gc.check_backward(affine_forward, clipped_backward, (x, w, b), **FD)
    assert {p.diagnosis_kind for p in report.params} == {"shared_scale"}
    first, *rest = report.params
    c = f"{first.yours.ravel()[0] / first.refs['fd'].ravel()[0]:.6g}"  # the clipping factor 1 / |g|
    assert float(c) < 1
    assert first.diagnosis == (
        f"every parameter (x, w and b) is yours = {c} x reference, the same factor {c}: one scale applied to the "
        f"whole gradient, not a bug of any one parameter; look for gradient-norm clipping inside the backward "
        f"(clip in the optimiser instead), a scaled upstream gradient (dout, or the loss's reduction), or a "
        f"global scale such as a loss scale not undone"
    )
    assert [p.diagnosis for p in rest] == [f"the same factor {c} as every other parameter (see x)"] * 2


def test_a_factor_2_on_every_parameter_keeps_its_named_cause():
    def doubled(dout, cache):
        x, w, b = cache
        return 2 * dout @ w.T, 2 * x.T @ dout, 2 * dout.sum(0)

    found = diagnoses(gc.check_backward(affine_forward, doubled, inputs(3, 2, 2), **FD))
    assert {k for k, _ in found.values()} == {"scaled"}
    assert found["w"][1].startswith("yours = 2 x reference (scale 2): the backward doubles every entry")


def tanh_forward(x):
    y = np.tanh(x)
    return y, y


def test_a_tiny_additive_offset_is_not_a_sign_flip():
    def backward(dout, y):
        return dout * (1 - y**2 + 1e-7)  # planted: +1e-7 on the activation derivative

    pytest.importorskip("torch")  # fd alone judges an offset of 1e-7 of the largest entry within its own error
    x = 3 * np.random.default_rng(0).normal(size=(4, 3))  # saturated entries, where 1e-7 exceeds rtol x (1 - y^2)
    report = gc.check_backward(tanh_forward, backward, (x,), oracles=("fd", "torch"), raise_on_failure=False)
    kind, words = diagnoses(report)["x"]
    assert kind == "offset" and "sign" not in words
    assert words.startswith("yours = reference + a small offset (max |yours - reference| ")
    assert words.endswith(
        "not a factor or a pattern of the reference; yours - reference = 1e-07 x dout at every entry: a constant "
        "1e-07 added to an elementwise derivative (dx = dout x (f'(x) + 1e-07)), such as an eps that belongs in "
        "the forward or nowhere; differentiate exactly the formula the forward computes"
    )


def test_a_symmetrised_gradient_is_the_symmetric_part_of_the_reference():
    def quad_forward(A, x):
        return x @ np.linalg.solve(A, x), (A, x)

    def symmetrised(dout, cache):
        A, x = cache
        G = -dout * np.outer(np.linalg.solve(A.T, x), np.linalg.solve(A, x))
        return (G + G.T) / 2, None  # planted: the cholesky convention for a forward that reads all of A

    rng = np.random.default_rng(0)
    A, x = rng.normal(size=(4, 4)) + 4 * np.eye(4), rng.normal(size=4)
    found = diagnoses(gc.check_backward(quad_forward, symmetrised, (A, x), **FD))
    assert found == {
        "A": (
            "symmetric_part",
            "yours is the symmetric part of the reference G: yours = (G + G^T)/2, while G is not symmetric: the "
            "backward symmetrises the gradient, the convention for an input assumed symmetric (autograd's "
            "cholesky gradient is symmetrised this way), but this forward reads every entry of A, so its gradient "
            "is G; check it with a symmetric parameterisation (A = (S + S^T)/2 inside the forward) or return G",
        )
    }


class Embedding:
    """An embedding whose backward zeroes the padding row 0 although the forward reads it (planted)."""

    def __init__(self):
        self.parameters = {"W": np.random.default_rng(2).normal(size=(6, 3))}
        self.gradients = {}

    def forward(self, ids):
        self.ids = ids
        return self.parameters["W"][ids]

    def backward(self, dY):
        g = np.zeros_like(self.parameters["W"])
        np.add.at(g, self.ids, dY)
        g[0] = 0
        self.gradients = {"W": g}


def test_a_zeroed_padding_row_of_an_embedding_is_named_as_such():
    found = diagnoses(gc.check_layer(Embedding(), np.array([[0, 1, 2], [3, 0, 5]]), **FD))
    assert found == {
        "W": (
            "partial",
            "only row(s) 0 of 6 wrong, and yours is zero there while the reference is not: the gradient of row(s) "
            "0 was zeroed although the forward reads them, as for an embedding's padding row (padding_idx = 0) or "
            "an index masked in the backward only; make the forward ignore that index too (its output zero, so "
            "the reference is zero there), or keep its gradient",
        )
    }
