"""The forward passes are array-API generic: numpy, torch and jax (x64) give the same loss."""

import itertools

import numpy as np
import pytest

from gradcheck.nets import MLPSpec, grad, init_params, loss

GRID = list(
    itertools.product(
        ["column", "row"],
        ["vector", "none", "ones_column"],
        ["squared_error", "cross_entropy", "softmax_cross_entropy"],
    )
)
OUTPUT_FOR_LOSS = {"squared_error": "sigmoid", "cross_entropy": "softmax", "softmax_cross_entropy": "identity"}


def _case(convention, bias, loss_name, rng):
    """A (3, 4, 3) spec with params and data in its layout (one-hot y for the cross-entropies)."""
    spec = MLPSpec(
        widths=(3, 4, 3),
        activations=("tanh", OUTPUT_FOR_LOSS[loss_name]),
        loss=loss_name,
        convention=convention,
        bias=bias,
        reduction="mean",
    )
    params = init_params(spec, rng)
    x = rng.standard_normal((5, 3))
    y = np.eye(3)[rng.integers(0, 3, size=5)]
    return (spec, params, x.T, y.T) if convention == "column" else (spec, params, x, y)


@pytest.mark.parametrize("convention, bias, loss_name", GRID)
def test_numpy_torch_and_jax_agree(convention, bias, loss_name, rng):
    torch = pytest.importorskip("torch")
    jax = pytest.importorskip("jax")
    spec, params, x, y = _case(convention, bias, loss_name, rng)
    expected = loss(params, x, y, spec=spec)
    assert isinstance(expected, (float, np.floating, np.ndarray)) and np.ndim(expected) == 0
    t_value = loss({k: torch.tensor(v) for k, v in params.items()}, torch.tensor(x), torch.tensor(y), spec=spec)
    assert t_value.dtype == torch.float64
    with jax.enable_x64(True):
        jnp = jax.numpy
        j_params = {k: jnp.asarray(v) for k, v in params.items()}
        j_value = jax.jit(lambda p: loss(p, jnp.asarray(x), jnp.asarray(y), spec=spec))(j_params)
        j_eager = loss(j_params, jnp.asarray(x), jnp.asarray(y), spec=spec)
        assert j_value.dtype == jnp.float64 and j_eager.dtype == jnp.float64
    assert float(t_value) == pytest.approx(float(expected), rel=1e-13)
    assert float(j_value) == pytest.approx(float(expected), rel=1e-13)
    assert float(j_eager) == pytest.approx(float(expected), rel=1e-13)


@pytest.mark.parametrize("convention, bias, loss_name", GRID[::4])
def test_hand_written_grad_matches_jax_grad(convention, bias, loss_name, rng):
    jax = pytest.importorskip("jax")
    spec, params, x, y = _case(convention, bias, loss_name, rng)
    with jax.enable_x64(True):
        jnp = jax.numpy
        j_grad = jax.jit(jax.grad(lambda p: loss(p, jnp.asarray(x), jnp.asarray(y), spec=spec)))
        j_grads = j_grad({k: jnp.asarray(v) for k, v in params.items()})
    ours = grad(params, x, y, spec=spec)
    for name in params:
        np.testing.assert_allclose(ours[name], np.asarray(j_grads[name]), rtol=1e-10, atol=1e-13, err_msg=name)
