"""check_layer: layer objects with forward/backward and parameters kept on the object, each call on a deep copy."""

import numpy as np
import pytest
from entry_layers import Dense, DenseTransposedW, Dropout, DropoutNoMask, Scale

import gradcheck as gc

FD = ("fd",)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_right_dense_layer_passes_and_the_layer_is_left_as_it_was(rng):
    layer = Dense(3, 2, rng)
    layer.gradients["W"] += 5.0  # stale gradients from an earlier step: zeroed on the copies before backward
    W = layer.parameters["W"].copy()
    report = gc.check_layer(layer, rng.normal(size=(4, 3)), oracles=FD)
    assert report.ok and report.kind == "layer"
    assert [p.name for p in report.params] == ["X", "W", "b"]
    assert np.array_equal(layer.parameters["W"], W) and np.all(layer.gradients["W"] == 5.0)
    assert not hasattr(layer, "X")  # forward ran on deep copies only


def test_transposed_weight_gradient_is_named_in_one_call(rng):
    report = gc.check_layer(DenseTransposedW(3, 3, rng), rng.normal(size=(4, 3)), oracles=FD, raise_on_failure=False)
    assert [p.name for p in report.failing] == ["W"]
    assert report.param("W").diagnosis_kind == "transposed"
    assert report.verdict == (
        "gradient mismatch in W: hand-written backward disagrees with fd (the only oracle that ran)"
    )


def test_dropout_drawing_from_numpys_global_generator_is_checked_and_the_generator_restored(rng):
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    report = gc.check_layer(Dropout(0.5), rng.normal(size=(4, 3)), oracles=FD)
    assert report.ok and report.health == []
    assert np.array_equal(np.random.get_state()[1], state)


def test_dropout_without_its_mask_is_a_missing_mask(rng):
    report = gc.check_layer(DropoutNoMask(0.5), rng.normal(size=(4, 3)), oracles=FD, raise_on_failure=False)
    assert report.param("X").diagnosis_kind == "missing_mask"
    assert "a mask is missing in the backward" in report.param("X").diagnosis


def test_attribute_held_parameters(rng):
    report = gc.check_layer(Scale(3, rng), rng.normal(size=(4, 3)), params=("gamma", "beta"), oracles=FD)
    assert report.ok and [p.name for p in report.params] == ["X", "gamma", "beta"]
    with_names = gc.check_layer(
        Scale(3, rng),
        rng.normal(size=(4, 3)),
        params=("gamma", "beta"),
        grads=("dgamma", "dbeta"),
        input_name="x",
        oracles=FD,
    )
    assert [p.name for p in with_names.params] == ["x", "gamma", "beta"]


def test_bad_layers_are_named(rng):
    with pytest.raises(
        gc.GradcheckError, match=r"Expected layer to be an object with methods forward\(\) and backward\(\)"
    ):
        gc.check_layer(object(), rng.normal(size=(2, 2)))
    with pytest.raises(gc.GradcheckError, match=r"Expected layer.parameters to be a dict of parameter arrays"):
        gc.check_layer(Scale(2, rng), rng.normal(size=(2, 2)))
    with pytest.raises(
        gc.GradcheckError,
        match=r"Expected X to be a numeric numpy array \(an input of layer.forward\) "
        r"but got X='X' \(type=str\)",
    ):
        gc.check_layer(Dense(2, 2, rng), "X")


def test_entries_without_a_gradient_entry_are_buffers_and_said_so(rng):
    from entry_layers import BatchNormLayer

    report = gc.check_layer(BatchNormLayer(3, rng), rng.normal(size=(5, 3)), oracles=FD)
    assert report.ok and [p.name for p in report.params] == ["X", "gamma", "beta"]
    assert [(h.name, h.message) for h in report.health] == [
        (
            "not_checked",
            "layer.parameters has running_mean but layer.gradients has no entry for it after backward: "
            "taken as buffers (running statistics), not parameters, and not checked",
        )
    ]


class Lookup:
    """An embedding as a layer object: integer ids in, rows of W out (repeated ids accumulate)."""

    def __init__(self, rng):
        self.parameters, self.gradients = {"W": rng.normal(size=(5, 3))}, {"W": np.zeros((5, 3))}

    def forward(self, ids):
        self.ids = ids
        return self.parameters["W"][ids]

    def backward(self, dY):
        np.add.at(self.gradients["W"], self.ids, dY)
        return None


class Attention:
    """softmax(Q K^T) V with three inputs; its dV is right and its dQ misses the softmax Jacobian's cross term."""

    parameters, gradients = {}, {}

    def forward(self, Q, K, V):
        S = Q @ K.T
        E = np.exp(S - S.max(axis=1, keepdims=True))
        self.cache = (Q, K, V, E / E.sum(axis=1, keepdims=True))
        return self.cache[3] @ V

    def backward(self, dY):
        Q, K, V, P = self.cache
        dP = dY @ V.T
        dS = P * (dP - (dP * P).sum(axis=1, keepdims=True))  # softmax vjp, row by row
        return P * dP @ K, dS.T @ Q, P.T @ dY  # bug in dQ: P * dP, the diagonal only


def test_integer_input_gets_no_gradient(rng):
    report = gc.check_layer(Lookup(rng), np.array([[0, 2, 2], [4, 0, 1]]), oracles=FD)
    assert report.ok and [p.name for p in report.params] == ["W"]


def test_several_inputs_named_after_forward_and_the_wrong_one_named(rng):
    Q, K, V = rng.normal(size=(3, 4)), rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    report = gc.check_layer(Attention(), (Q, K, V), oracles=FD, raise_on_failure=False)
    assert [p.name for p in report.params] == ["Q", "K", "V"]
    assert [p.name for p in report.failing] == ["Q"]


class Strided:
    """A wrapper holding its parameters in an inner layer (layer.inner.W), gradients in dLdW (another naming)."""

    class Inner:
        def __init__(self, rng):
            self.W, self.dLdW = rng.normal(size=(3, 2)), np.zeros((3, 2))

    def __init__(self, rng):
        self.inner = self.Inner(rng)

    def forward(self, X):
        self.X = X[:, ::2]  # stride 2 over the columns
        return self.X @ self.inner.W

    def backward(self, dY):
        self.inner.dLdW = self.X.T @ dY
        dX = np.zeros((dY.shape[0], 2 * self.X.shape[1]))
        dX[:, ::2] = dY @ self.inner.W.T
        return dX


def test_parameters_of_an_inner_layer_by_dotted_names(rng):
    report = gc.check_layer(Strided(rng), rng.normal(size=(4, 6)), params=("inner.W",), grads=("inner.dLdW",))
    assert report.ok and [p.name for p in report.params] == ["X", "inner.W"]


class KeepsInputs:
    """A dense layer that keeps every input since its last backward and returns one dX per kept input, pairing dY
    with the oldest (as numpy-ml 0.1.2's layers do)."""

    def __init__(self, rng):
        self.parameters = {"W": rng.normal(size=(3, 2))}
        self.gradients = {"W": np.zeros((3, 2))}
        self.X = []

    def forward(self, X):
        self.X.append(X)
        return X @ self.parameters["W"]

    def backward(self, dY):
        dX = []
        for dy, x in zip([dY], self.X):
            dX.append(dy @ self.parameters["W"].T)
            self.gradients["W"] += x.T @ dy
        return dX[0] if len(self.X) == 1 else dX


def test_a_layer_answering_for_an_input_kept_from_before_the_check_is_named(rng):
    X = rng.normal(size=(4, 3))
    fresh = gc.check_layer(KeepsInputs(rng), X, oracles=FD)
    assert fresh.ok and not [h for h in fresh.health if h.name == "kept_inputs"]
    used = KeepsInputs(rng)
    used.forward(rng.normal(size=(4, 3)))  # a forward before the check, as to build the weights
    report = gc.check_layer(used, X, oracles=FD, raise_on_failure=False)
    assert report.param("X").message == "grad has shape (1, 4, 3), params has (4, 3)"
    (kept,) = [h for h in report.health if h.name == "kept_inputs"]
    assert kept.message.startswith("layer.backward returned a list of 1 arrays for the one input X: a layer that")
    assert report.param("W").status == "mismatch"  # its gradient was taken at the older input


class UnderscoredDense:
    """neuralnetlib's style: parameters in attributes of their own, gradients in d_weights and d_bias."""

    def __init__(self, rng):
        self.weights, self.bias = rng.normal(size=(3, 2)), rng.normal(size=2)

    def forward(self, X):
        self.X = X
        return X @ self.weights + self.bias

    def backward(self, dY):
        self.d_weights, self.d_bias = self.X.T @ dY, dY.sum(axis=0)
        return dY @ self.weights.T


def test_gradients_kept_as_d_underscore_name_are_found(rng):
    report = gc.check_layer(UnderscoredDense(rng), rng.normal(size=(4, 3)), params=("weights", "bias"), oracles=FD)
    assert report.ok and [p.name for p in report.params] == ["X", "weights", "bias"]


class OddlyNamedGradient(UnderscoredDense):
    def backward(self, dY):
        dX = super().backward(dY)
        self.bias_delta = self.__dict__.pop("d_bias")
        return dX


def test_a_gradient_the_layer_does_not_hold_names_every_attribute_looked_for(rng):
    with pytest.raises(gc.GradcheckError) as e:
        gc.check_layer(OddlyNamedGradient(rng), rng.normal(size=(4, 3)), params=("weights", "bias"), oracles=FD)
    assert str(e.value) == (
        "the layer holds no gradient for bias after backward: looked for layer.dbias, layer.d_bias, "
        "layer.grad_bias, layer.bias_grad; pass grads=(...) naming the attribute that holds each parameter's "
        "gradient, in the order of params"
    )
    layer = OddlyNamedGradient(rng)
    assert gc.check_layer(
        layer, rng.normal(size=(4, 3)), params=("weights", "bias"), grads=("d_weights", "bias_delta"), oracles=FD
    ).ok
