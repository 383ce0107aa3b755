"""The strategies validate their arguments eagerly (naming the argument) and keep their contracts."""

import hypothesis.errors
import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from gradcheck import GradcheckError
from gradcheck.nets import MLPSpec
from gradcheck.strategies import (
    InvalidArgument,
    batch_sizes,
    finite_arrays,
    layer_widths,
    mlp_batches,
    mlp_cases,
    mlp_params,
    mlp_specs,
    network_widths,
    one_hot_labels,
    relu_kink_distance,
)

SPEC = MLPSpec((3, 2), ("sigmoid",))

BAD_ARGUMENTS = [
    (layer_widths, {"min_width": 0}, "min_width=0"),
    (layer_widths, {"min_width": 4, "max_width": 2}, "min_width=4, max_width=2"),
    (layer_widths, {"max_width": 2.5}, "max_width=2.5"),
    (batch_sizes, {"min_size": 3, "max_size": 1}, "min_size=3, max_size=1"),
    (batch_sizes, {"max_size": True}, "max_size=True"),
    (network_widths, {"min_layers": 2, "max_layers": 1}, "min_layers=2, max_layers=1"),
    (mlp_specs, {"max_layers": 0}, "max_layers=0"),
    (mlp_specs, {"activations": ("swish",)}, "activations=('swish',)"),
    (mlp_specs, {"output_activations": ()}, "output_activations=()"),
    (mlp_specs, {"losses": ("hinge",)}, "losses=('hinge',)"),
    (mlp_specs, {"conventions": ("rows",)}, "conventions=('rows',)"),
    (mlp_specs, {"biases": ("vec",)}, "biases=('vec',)"),
    (mlp_specs, {"reductions": ("max",)}, "reductions=('max',)"),
    (mlp_specs, {"max_width": 1}, "max_width=1"),
    (finite_arrays, {"shape": (2,), "min_value": 1.0, "max_value": -1.0}, "min_value=1.0, max_value=-1.0"),
    (finite_arrays, {"shape": (2,), "max_value": float("inf")}, "max_value=inf"),
    (finite_arrays, {"shape": (2,), "dtype": "int32"}, "dtype='int32'"),
    (finite_arrays, {"shape": (2, -1)}, "shape[1]=-1"),
    (finite_arrays, {"shape": (2,), "kink_margin": -0.1}, "kink_margin=-0.1"),
    (finite_arrays, {"shape": (2,), "min_value": 0.0, "max_value": 0.01, "kink_margin": 0.1}, "kink_margin=0.1"),
    (one_hot_labels, {"shape": (2, 3), "axis": 2}, "axis=2"),
    (one_hot_labels, {"shape": (2, 0)}, "shape=(2, 0)"),
    (mlp_params, {"spec": (3, 2)}, "spec=(3, 2)"),
    (mlp_params, {"spec": SPEC, "scale": 0}, "scale=0"),
    (mlp_batches, {"spec": SPEC, "batch_size": 0}, "batch_size=0"),
    (mlp_cases, {"specs": "row"}, "specs='row'"),
    (mlp_cases, {"kink_margin": float("nan")}, "kink_margin=nan"),
]


@pytest.mark.parametrize(
    "factory, kwargs, named", BAD_ARGUMENTS, ids=[f"{f.__name__}-{n}" for f, _, n in BAD_ARGUMENTS]
)
def test_bad_argument_raises_when_the_strategy_is_built_naming_it(factory, kwargs, named):
    with pytest.raises(InvalidArgument) as info:
        factory(**kwargs)  # eager: no draw needed
    assert named in str(info.value)
    assert isinstance(info.value, hypothesis.errors.InvalidArgument) and isinstance(info.value, GradcheckError)


def test_bounds_are_keyword_only():
    with pytest.raises(TypeError):
        layer_widths(1, 3)


def test_batch_sizes_include_a_single_example_and_shrink_to_it():
    assert find(batch_sizes(), lambda n: True) == 1


@given(widths=network_widths(min_layers=2, max_layers=3, min_width=2, max_width=4))
def test_network_widths_respect_their_bounds(widths):
    assert 3 <= len(widths) <= 4 and all(2 <= w <= 4 for w in widths)


@given(spec=mlp_specs(max_layers=2, max_width=3, activations=("tanh",), biases=("none", "ones_column")))
def test_specs_respect_their_bounds_and_pair_each_loss_with_its_output(spec):
    assert 1 <= spec.n_layers <= 2 and all(1 <= w <= 3 for w in spec.widths)
    assert set(spec.activations[:-1]) <= {"tanh"} and spec.bias in ("none", "ones_column")
    needed = {"cross_entropy": "softmax", "softmax_cross_entropy": "identity"}.get(spec.loss)
    if needed:
        assert spec.activations[-1] == needed and spec.widths[-1] >= 2  # a softmax over >= 2 classes


@given(a=finite_arrays((3, 4), dtype="float32", min_value=-0.5, max_value=2.0, kink_margin=0.1))
def test_finite_arrays_are_finite_bounded_normal_and_off_the_kink(a):
    assert a.dtype == np.float32 and a.shape == (3, 4)
    assert np.all(np.isfinite(a)) and np.all((-0.5 <= a) & (a <= 2.0))
    assert np.all(np.abs(a) >= 0.1)  # also: no subnormals survive


@given(y=one_hot_labels((4, 3), axis=0))
def test_one_hot_labels_have_exactly_one_one_along_the_class_axis(y):
    assert set(np.unique(y)) <= {0.0, 1.0} and np.all(y.sum(axis=0) == 1)


def _check_case_contract(case, margin):
    spec = case.spec
    assert {k: v.shape for k, v in case.params.items()} == spec.param_shapes()
    arrays = [*case.params.values(), case.x, case.y]
    assert all(a.dtype == case.x.dtype and np.all(np.isfinite(a)) for a in arrays)
    assert all(np.all((a == 0) | (np.abs(a) >= np.finfo(a.dtype).tiny)) for a in arrays)  # no subnormals
    n = case.x.shape[spec.batch_axis]
    assert 1 <= n <= 3 and case.y.shape[spec.batch_axis] == n
    assert case.x.shape[1 - spec.batch_axis] == spec.widths[0] and case.y.shape[1 - spec.batch_axis] == spec.widths[-1]
    assert np.all(np.abs(case.x) <= 1.0)
    if spec.loss != "squared_error":
        assert set(np.unique(case.y)) <= {0.0, 1.0} and np.all(case.y.sum(axis=1 - spec.batch_axis) == 1)
    assert relu_kink_distance(case) >= margin


@given(
    case=mlp_cases(
        mlp_specs(max_width=3, activations=("relu",), output_activations=("relu", "identity")),
        batch_size=batch_sizes(max_size=3),
        dtype=st.sampled_from(("float64", "float32")),
        kink_margin=0.05,
    )
)
def test_cases_are_finite_well_shaped_one_hot_and_respect_the_kink_margin(case):
    _check_case_contract(case, 0.05)


def test_kink_margin_is_what_keeps_relu_pre_activations_off_zero():
    spec = MLPSpec((2, 2, 1), ("relu", "identity"))
    near = find(mlp_cases(spec), lambda c: relu_kink_distance(c) < 0.05)  # without a margin: easily near 0
    assert relu_kink_distance(near) < 0.05
