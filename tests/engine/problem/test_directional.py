"""directional.py: <grad L(p), v> in numpy (a framework's gradient, or the fixed stencil), torch and jax."""

import numpy as np
import pytest

from gradcheck._engine.problem.directional import GradientSource, directional, pick_source

A = np.array([[2.0, 1.0], [1.0, 3.0]])


def quad(p):  # L = 1/2 x^T A x + sum sin(x): grad = A x + cos x
    from array_api_compat import array_namespace

    xp = array_namespace(p["x"])
    return 0.5 * xp.sum(p["x"] * (xp.asarray(A) @ p["x"])) + xp.sum(xp.sin(p["x"]))


X, V = np.array([0.3, -0.7]), np.array([1.0, 2.0])
EXACT = float((A @ X + np.cos(X)) @ V)


def test_the_fixed_stencil_gives_the_directional_derivative_to_round_off():
    source = pick_source(quad, {"x": X}, {"x": V}, (), ())
    assert source.framework is None and source.step > 0
    assert directional(quad, source)({"x": X}, {"x": V}) == pytest.approx(EXACT, rel=1e-11)


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_a_framework_that_runs_the_loss_serves_the_numpy_value_too(framework):
    source = pick_source(quad, {"x": X}, {"x": V}, (), (framework,))
    assert source.framework == framework
    assert directional(quad, source)({"x": X}, {"x": V}) == pytest.approx(EXACT, rel=1e-14)


def test_a_numpy_only_loss_falls_back_to_the_stencil():
    source = pick_source(lambda p: float(np.sum(np.asarray(p["x"]) ** 3)), {"x": X}, {"x": V}, (), ("torch", "jax"))
    assert source.framework is None


def test_on_torch_tensors_it_is_differentiable_again():
    import torch

    x = torch.tensor(X, requires_grad=True)
    out = directional(quad, GradientSource("torch"))({"x": x}, {"x": torch.tensor(V)})
    (hv,) = torch.autograd.grad(out, x)
    assert np.allclose(hv.numpy(), A @ V - np.sin(X) * V)


def test_on_jax_arrays_a_dict_rebuilt_with_sorted_keys_is_paired_by_name():
    import jax
    import jax.numpy as jnp

    def loss(p):
        return jnp.sum(p["w"] ** 2) + 3 * p["b"] ** 2

    pairing = directional(loss, GradientSource("jax"))
    v = {"w": jnp.ones(2), "b": jnp.asarray(2.0)}
    with jax.enable_x64(True):
        got = jax.jit(lambda p, v: pairing(p, v))({"w": jnp.asarray([1.0, 2.0]), "b": jnp.asarray(1.0)}, v)
    assert float(got) == pytest.approx(2 * 1 + 2 * 2 + 6 * 1 * 2)


def test_the_source_says_what_fd_differentiates():
    assert "torch's gradient" in GradientSource("torch").describe()
    assert "mixed second differences" in GradientSource(None, 0.01).describe()
