"""layer.py: Access reads and writes a layer's parameters and gradients (dict attributes or attributes of their
own, dotted paths), the inputs are named, and every call runs on a copy of the layer."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.entry.layer import Access, _inputs, attr, check_layer, grad_names


class Affine:
    def __init__(self):
        self.parameters = {"W": np.linspace(-1, 1, 6).reshape(3, 2), "b": np.zeros(2), "steps": np.arange(2)}
        self.gradients = {}
        self.calls = 0

    def forward(self, X):
        self.calls += 1
        self.X = X
        return X @ self.parameters["W"] + self.parameters["b"]

    def backward(self, dY):
        self.gradients["W"] = self.gradients.get("W", 0) + self.X.T @ dY  # accumulates, as layers do
        self.gradients["db"] = dY.sum(axis=0)
        return dY @ self.parameters["W"].T


class Wrapped:
    def __init__(self):
        self.inner = Affine()
        self.inner.W, self.inner.dW = np.ones((3, 2)), np.full((3, 2), 7.0)


def test_attr_follows_a_dotted_path_and_grad_names_prefix_d_to_the_last_part():
    layer = Wrapped()
    assert attr(layer, "inner.W") is layer.inner.W and attr(layer, "inner.missing.x", 5) == 5
    assert grad_names("W") == ["dW", "d_W", "grad_W", "W_grad"]
    assert grad_names("inner.conv.W")[:2] == ["inner.conv.dW", "inner.conv.d_W"]


def test_access_to_a_dict_attribute_lists_the_floating_params_and_reads_d_prefixed_grads():
    layer = Affine()
    access = Access.read(layer, "parameters", None)
    assert access == Access("parameters", "gradients")
    assert access.names(layer) == ["W", "b"]  # "steps" holds integers: not a parameter
    layer.forward(np.ones((4, 3)))
    layer.backward(np.ones((4, 2)))
    assert np.array_equal(access.grad(layer, "b"), np.full(2, 4.0))  # stored as "db"
    assert access.buffers(layer, ["W", "b", "running_mean"]) == ["running_mean"]
    access.zero(layer, ["W"])
    assert not layer.gradients["W"].any()
    before = layer.parameters["W"]
    access.set(layer, "W", np.ones((3, 2)))
    assert layer.parameters["W"] is before and before.sum() == 6  # written in place: aliases see it


def test_access_to_attribute_held_params_pairs_each_with_its_gradient():
    layer = Wrapped()
    access = Access.read(layer, ("inner.W",), None)
    assert access == Access(("inner.W",), None) and access.names(layer) == ["inner.W"]  # None: grad_names
    g = access.grad(layer, "inner.W")
    assert np.array_equal(g, np.full((3, 2), 7.0)) and g is not layer.inner.dW  # a copy
    assert access.buffers(layer, ["inner.W"]) == []


@pytest.mark.parametrize(
    "params, grads, message",
    [
        (3, None, r"params"),
        ("weights", None, r"Expected layer.weights to be a dict of parameter arrays but got NoneType"),
        (("W", "b"), ("dW",), r"Expected grads to name one attribute per parameter \(2\)"),
        (("W", ""), None, r"params"),
        ("parameters", 7, r"grads"),
    ],
)
def test_access_read_refuses_what_it_cannot_use_naming_it(params, grads, message):
    with pytest.raises(gc.GradcheckError, match=message):
        Access.read(Affine(), params, grads)


def test_a_named_param_that_is_not_an_array_and_a_missing_gradient_dict_are_errors():
    layer = Affine()
    with pytest.raises(gc.GradcheckError, match=r"Expected layer.calls to be a parameter array but got int"):
        Access(("calls",), ("dcalls",)).names(layer)
    with pytest.raises(gc.GradcheckError, match=r"Expected layer.grads to be a dict of gradients after backward"):
        Access("parameters", "grads").grad(layer, "W")


def test_inputs_are_named_x_or_after_forwards_signature_and_must_be_numeric_arrays():
    def forward(tokens, mask):
        return tokens

    assert _inputs(forward, np.ones(3), None).names == ("X",)
    many = _inputs(forward, (np.arange(3), np.ones(3)), None)
    assert many.names == ("tokens", "mask") and many.floating == (False, True)
    assert _inputs(forward, np.ones(3), "h").names == ("h",)
    with pytest.raises(gc.GradcheckError, match=r"Expected X\[1\] to be a numeric numpy array"):
        _inputs(forward, (np.ones(3), "mask"), None)


def test_check_layer_runs_every_call_on_a_copy_and_leaves_the_layer_as_it_was():
    layer = Affine()
    W = layer.parameters["W"].copy()
    report = check_layer(layer, np.linspace(0, 1, 12).reshape(4, 3))
    assert report.ok and report.kind == "layer" and [p.name for p in report.params] == ["X", "W", "b"]
    assert layer.calls == 0 and layer.gradients == {} and np.array_equal(layer.parameters["W"], W)
