"""MLP: the hand-written gradient equals torch autograd for every convention x bias x loss x activation."""

import itertools

import numpy as np
import pytest

from gradcheck.errors import GradcheckError
from gradcheck.nets import (
    MLPSpec,
    activations,
    backward_trace,
    check_params,
    forward_trace,
    grad,
    init_params,
    loss,
    losses,
    make_loss_and_grad,
)

WIDTHS = (3, 4, 5, 3)
N = 4
OUTPUT_FOR_LOSS = {"cross_entropy": "softmax", "softmax_cross_entropy": "identity"}
LOSS_VALUES = {
    "squared_error": losses.squared_error,
    "cross_entropy": losses.cross_entropy,
    "softmax_cross_entropy": losses.softmax_cross_entropy,
}
GRID = list(
    itertools.product(
        ["column", "row"],
        ["vector", "none", "ones_column"],
        ["squared_error", "cross_entropy", "softmax_cross_entropy"],
    )
)


def make_spec(convention, bias, loss_name, act="tanh", reduction="sum"):
    """Three-layer spec whose output activation suits the loss (hidden activations = act)."""
    out = OUTPUT_FOR_LOSS.get(loss_name, act)
    return MLPSpec(
        widths=WIDTHS,
        activations=(act, act, out),
        loss=loss_name,
        convention=convention,
        bias=bias,
        reduction=reduction,
    )


def make_data(spec, rng):
    """(x, y) in the spec's layout; y is one-hot for the cross-entropy losses."""
    n_in, n_out = spec.widths[0], spec.widths[-1]
    x = rng.standard_normal((N, n_in))
    if spec.loss == "squared_error":
        y = rng.uniform(0.0, 1.0, size=(N, n_out))
    else:
        y = np.eye(n_out)[rng.integers(0, n_out, size=N)]
    return (x.T, y.T) if spec.convention == "column" else (x, y)


def to_torch(params, x, y):
    """float64 tensors; params require grad."""
    import torch

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    return tp, torch.tensor(x), torch.tensor(y)


def assert_off_relu_kink(params, x, spec):
    """Random inputs must keep every relu pre-activation away from 0, where the derivative jumps."""
    trace = forward_trace(params, x, spec)
    for i, name in enumerate(spec.activations, start=1):
        if name == "relu":
            assert np.min(np.abs(trace[f"z{i}"])) > 1e-6, f"z{i} too close to the relu kink; change the seed"


@pytest.mark.parametrize("reduction", ["sum", "mean"])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("convention, bias, loss_name", GRID)
def test_grad_matches_torch_autograd(convention, bias, loss_name, act, reduction, rng):
    pytest.importorskip("torch")
    spec = make_spec(convention, bias, loss_name, act, reduction)
    params = init_params(spec, rng)
    x, y = make_data(spec, rng)
    assert_off_relu_kink(params, x, spec)
    tp, tx, ty = to_torch(params, x, y)
    loss(tp, tx, ty, spec=spec).backward()
    got = grad(params, x, y, spec=spec)
    assert list(got) == list(params)
    for name in params:
        assert got[name].shape == params[name].shape, name
        np.testing.assert_allclose(got[name], tp[name].grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("convention, bias, loss_name", GRID)
def test_deltas_are_dE_dz(convention, bias, loss_name, rng):
    pytest.importorskip("torch")
    spec = make_spec(convention, bias, loss_name, "sigmoid")
    params = init_params(spec, rng)
    x, y = make_data(spec, rng)
    tp, tx, ty = to_torch(params, x, y)
    trace = forward_trace(tp, tx, spec)
    for i in range(1, spec.n_layers + 1):
        trace[f"z{i}"].retain_grad()
    loss_fn = LOSS_VALUES[spec.loss]
    loss_fn(trace["output"], ty, batch_axis=spec.batch_axis, reduction=spec.reduction).backward()
    back = backward_trace(params, x, y, spec=spec)
    for i in range(1, spec.n_layers + 1):
        expected = trace[f"z{i}"].grad.numpy()
        np.testing.assert_allclose(back[f"delta{i}"], expected, rtol=1e-10, atol=1e-13, err_msg=f"delta{i}")


def test_grad_does_not_modify_its_inputs(rng):
    spec = make_spec("row", "vector", "cross_entropy")
    params = init_params(spec, rng)
    x, y = make_data(spec, rng)
    for a in (*params.values(), x, y):
        a.flags.writeable = False
    before = {k: v.copy() for k, v in params.items()}
    grad(params, x, y, spec=spec)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_make_loss_and_grad_binds_the_spec(rng):
    spec = make_spec("column", "ones_column", "softmax_cross_entropy")
    params = init_params(spec, rng)
    x, y = make_data(spec, rng)
    loss_fn, grad_fn = make_loss_and_grad(spec)
    assert loss_fn(params, x, y) == loss(params, x, y, spec=spec)
    for k, v in grad_fn(params, x, y).items():
        np.testing.assert_array_equal(v, grad(params, x, y, spec=spec)[k])
    assert make_loss_and_grad(spec).grad.__name__ == "mlp_grad"


def test_init_params_is_seeded_and_has_spec_shapes():
    spec = make_spec("row", "vector", "squared_error")
    a, b = init_params(spec, 7), init_params(spec, np.random.default_rng(7))
    assert list(a) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
        assert a[k].dtype == np.float64 and a[k].shape == spec.param_shapes()[k]
        assert 0 < np.max(np.abs(a[k])) <= 1.0


@pytest.mark.parametrize(
    "bias, keys", [("none", ["W1", "W2"]), ("ones_column", ["W1", "W2"]), ("vector", ["W1", "b1", "W2", "b2"])]
)
def test_param_keys_per_bias_style(bias, keys):
    spec = MLPSpec(widths=(2, 3, 1), activations=("tanh", "tanh"), bias=bias)
    assert list(init_params(spec, 0)) == keys


def test_forward_trace_lists_every_intermediate(rng):
    spec = make_spec("row", "none", "softmax_cross_entropy")
    params = init_params(spec, rng)
    x, _ = make_data(spec, rng)
    trace = forward_trace(params, x, spec)
    assert list(trace) == ["a0", "z1", "a1", "z2", "a2", "z3", "a3", "output", "y_hat"]
    np.testing.assert_array_equal(trace["output"], trace["z3"])  # logits
    np.testing.assert_allclose(trace["y_hat"], activations.softmax(trace["z3"], axis=1), rtol=1e-15)


def test_check_params_names_the_key(rng):
    spec = make_spec("column", "vector", "squared_error")
    params = init_params(spec, rng)
    with pytest.raises(GradcheckError, match=r"params\['W2'\] of shape \(5, 4\).*got shape \(4, 5\)"):
        check_params({**params, "W2": params["W2"].T}, spec)
    with pytest.raises(GradcheckError, match=r"keys .*'b3'.*but got keys"):
        check_params({k: v for k, v in params.items() if k != "b3"}, spec)
    with pytest.raises(GradcheckError, match=r"Expected dict of arrays but got params=\[.*\] \(type=list\)"):
        check_params(list(params.values()), spec)
