"""MLPSpec validation: every error is a GradcheckError (a ValueError) that names the field."""

import dataclasses

import pytest

from gradcheck.errors import GradcheckError
from gradcheck.nets import MLPSpec

GOOD = {
    "widths": (3, 4, 1),
    "activations": ("sigmoid", "sigmoid"),
    "loss": "squared_error",
    "convention": "column",
    "bias": "vector",
    "reduction": "sum",
}


@pytest.mark.parametrize(
    "field, value, pattern",
    [
        ("widths", (3,), r"widths=\(3,\)"),
        ("widths", (3, 0, 1), r"widths=\(3, 0, 1\)"),
        ("widths", (3, 2.5, 1), r"widths=\(3, 2.5, 1\)"),
        ("widths", 3, r"widths=3"),
        (
            "activations",
            ("sigmoid",),
            r"one activation per layer \(2 for widths=\(3, 4, 1\)\).*activations=\('sigmoid',\)",
        ),
        ("activations", ("sigmoid", "swish"), r"activations\[1\] in .*activations=\('sigmoid', 'swish'\)"),
        ("activations", ("softmax", "sigmoid"), r"softmax is only supported as the last activation"),
        ("loss", "mse", r"Expected loss in .* but got loss='mse'"),
        ("convention", "rows", r"Expected convention in \('column', 'row'\) but got convention='rows'"),
        ("bias", "ones", r"Expected bias in \('vector', 'none', 'ones_column'\) but got bias='ones'"),
        ("reduction", "avg", r"Expected reduction in \('sum', 'mean'\) but got reduction='avg'"),
    ],
)
def test_invalid_field_is_named(field, value, pattern):
    with pytest.raises(GradcheckError, match=pattern):
        MLPSpec(**{**GOOD, field: value})


@pytest.mark.parametrize(
    "loss, last, needed", [("cross_entropy", "sigmoid", "softmax"), ("softmax_cross_entropy", "softmax", "identity")]
)
def test_output_activation_must_suit_the_loss(loss, last, needed):
    with pytest.raises(
        GradcheckError,
        match=rf"loss='{loss}' needs activations\[-1\]='{needed}' "
        rf"but got activations\[-1\]='{last}'",
    ):
        MLPSpec(**{**GOOD, "loss": loss, "activations": ("tanh", last)})


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        MLPSpec(**{**GOOD, "bias": None})


def test_spec_is_frozen_hashable_and_normalised():
    spec = MLPSpec(widths=[3, 4, 1], activations=["tanh", "sigmoid"])
    assert spec.widths == (3, 4, 1) and spec.activations == ("tanh", "sigmoid")
    assert hash(spec) == hash(MLPSpec(widths=(3, 4, 1), activations=("tanh", "sigmoid")))
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.loss = "cross_entropy"
    assert (spec.n_layers, spec.batch_axis) == (2, 1)


@pytest.mark.parametrize(
    "convention, bias, shapes",
    [
        ("column", "vector", {"W1": (4, 3), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)}),
        ("column", "ones_column", {"W1": (4, 4), "W2": (1, 5)}),
        ("row", "vector", {"W1": (3, 4), "b1": (4,), "W2": (4, 1), "b2": (1,)}),
        ("row", "ones_column", {"W1": (4, 4), "W2": (5, 1)}),
        ("row", "none", {"W1": (3, 4), "W2": (4, 1)}),
    ],
)
def test_param_shapes(convention, bias, shapes):
    assert MLPSpec(**{**GOOD, "convention": convention, "bias": bias}).param_shapes() == shapes
