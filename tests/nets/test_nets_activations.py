"""Activations: forward values and hand-written derivatives against torch autograd."""

import numpy as np
import pytest

from gradcheck.nets import activations as act

NAMES = ["sigmoid", "tanh", "relu", "identity"]


def _off_zero(rng, shape):
    """Random z with |z| >= 0.1, so relu's kink is never sampled."""
    z = rng.uniform(0.1, 3.0, size=shape)
    return z * rng.choice([-1.0, 1.0], size=shape)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_torch_autograd(name, rng, torch_grad):
    f, f_grad = act.ELEMENTWISE[name]
    z = _off_zero(rng, (5, 3))
    g = rng.standard_normal((5, 3))
    (expected,) = torch_grad(lambda t, gt: (f(t) * gt).sum(), z, consts=(g,))
    np.testing.assert_allclose(g * f_grad(z), expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_forward_matches_torch_functional(name, rng):
    torch = pytest.importorskip("torch")
    ref = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "identity": lambda t: t}[name]
    z = _off_zero(rng, (4, 4))
    got = act.ELEMENTWISE[name][0](z)
    np.testing.assert_allclose(got, ref(torch.tensor(z)).numpy(), rtol=1e-14, atol=1e-15)


def test_sigmoid_grad_is_s_times_one_minus_s(rng):
    z = rng.standard_normal(10)
    s = 1.0 / (1.0 + np.exp(-z))
    np.testing.assert_allclose(act.sigmoid(z), s, rtol=1e-14)
    np.testing.assert_allclose(act.sigmoid_grad(z), s * (1 - s), rtol=1e-12)


def test_sigmoid_does_not_overflow_at_extremes():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with np.errstate(all="raise"):
        s = act.sigmoid(z)
        ds = act.sigmoid_grad(z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ds))
    assert s[0] == 0.0 and s[2] == 0.5 and s[-1] == 1.0


def test_relu_grad_is_zero_at_the_kink_like_torch():
    torch = pytest.importorskip("torch")
    z = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    torch.relu(z).sum().backward()
    np.testing.assert_array_equal(act.relu_grad(np.zeros(3)), z.grad.numpy())


def test_elementwise_registry_is_read_only():
    with pytest.raises(TypeError):
        act.ELEMENTWISE["swish"] = (None, None)
