"""Batch norm (train mode) and layer norm equal torch's functional forms, forward and backward."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.nets import batchnorm_backward, batchnorm_forward, layernorm_backward, layernorm_forward


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_forward_and_backward_equal_torch(norm, rng):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x, gamma, beta = rng.standard_normal((5, 4)) * 3 + 1, rng.standard_normal(4), rng.standard_normal(4)
    forward, backward = {
        "batch": (batchnorm_forward, batchnorm_backward),
        "layer": (layernorm_forward, layernorm_backward),
    }[norm]
    out, cache = forward(x, gamma, beta, eps=1e-5)
    tx, tg, tb = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    if norm == "batch":
        t_out = F.batch_norm(tx, None, None, tg, tb, training=True, eps=1e-5)
    else:
        t_out = F.layer_norm(tx, (4,), tg, tb, eps=1e-5)
    dout = rng.standard_normal(out.shape)
    (t_out * torch.tensor(dout)).sum().backward()
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(backward(dout, cache), (tx, tg, tb)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_statistics_can_be_read_back_from_the_cache(rng):
    """Running averages are the caller's: the batch mean and variance follow from xhat and 1/sigma."""
    x = rng.standard_normal((6, 3))
    _, cache = batchnorm_forward(x, np.ones(3), np.zeros(3), eps=1e-5)
    np.testing.assert_allclose(1 / cache.inv_std[0] ** 2 - 1e-5, x.var(axis=0), rtol=1e-10)


def test_bad_shapes_and_eps_are_named():
    with pytest.raises(GradcheckError, match=r"gamma.shape=\(3,\)"):
        batchnorm_forward(np.zeros((2, 4)), np.ones(3), np.zeros(4))
    with pytest.raises(GradcheckError, match="eps=0"):
        layernorm_forward(np.zeros((2, 4)), np.ones(4), np.zeros(4), eps=0)
