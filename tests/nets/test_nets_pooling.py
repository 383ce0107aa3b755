"""Pooling: max and average (both padding counts) equal torch's, with stride and padding; bad padding named."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.nets import avg_pool_backward, avg_pool_forward, max_pool_backward, max_pool_forward

GEOMETRIES = [(None, 0, 2, (4, 4)), (2, 1, 3, (6, 5)), (1, 1, 2, (5, 4)), (3, 1, 3, (7, 6)), (1, 0, (3, 2), (5, 5))]


def _torch_pool(kind, t, kernel, stride, pad):
    import torch.nn.functional as F

    stride = kernel if stride is None else stride
    if kind == "max":
        return F.max_pool2d(t, kernel, stride, pad)
    return F.avg_pool2d(t, kernel, stride, pad, count_include_pad=kind == "avg")


@pytest.mark.parametrize("kind", ["max", "avg", "avg_exclude_pad"])
@pytest.mark.parametrize("stride, pad, kernel, size", GEOMETRIES)
def test_forward_and_backward_equal_torch(kind, stride, pad, kernel, size, rng):
    torch = pytest.importorskip("torch")
    x = rng.permutation(2 * 3 * size[0] * size[1]).reshape(2, 3, *size) * 0.1  # distinct: one max per window
    geometry = {"kernel": kernel, "stride": stride, "pad": pad}
    if kind == "max":
        out, cache = max_pool_forward(x, **geometry)
    else:
        out, cache = avg_pool_forward(x, **geometry, count_include_pad=kind == "avg")
    tx = torch.tensor(x, requires_grad=True)
    t_out = _torch_pool(kind, tx, kernel, stride, pad)
    dout = rng.standard_normal(out.shape)
    (t_out * torch.tensor(dout)).sum().backward()
    dx = (max_pool_backward if kind == "max" else avg_pool_backward)(dout, cache)
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_max_pool_ties_go_to_the_first_entry():
    out, cache = max_pool_forward(np.ones((1, 1, 2, 2)), kernel=2)
    np.testing.assert_array_equal(max_pool_backward(np.ones((1, 1, 1, 1)), cache), [[[[1.0, 0.0], [0.0, 0.0]]]])


def test_max_pool_padding_never_wins_over_negative_inputs():
    x = -np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    out, cache = max_pool_forward(x, kernel=2, stride=2, pad=1)
    np.testing.assert_array_equal(out, [[[[-1.0, -2.0], [-4.0, -5.0]]]])
    dx = max_pool_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx[0, 0], [[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("pool", [max_pool_forward, avg_pool_forward])
def test_padding_over_half_the_kernel_is_named(pool):
    with pytest.raises(GradcheckError, match=r"pad <= kernel // 2 .* kernel=2, pad=2"):
        pool(np.zeros((1, 1, 4, 4)), kernel=2, pad=2)


def test_a_rectangular_kernel_needs_an_explicit_stride():
    with pytest.raises(GradcheckError, match=r"stride= for the rectangular kernel=\(3, 2\)"):
        max_pool_forward(np.zeros((1, 1, 4, 4)), kernel=(3, 2))
    out, _ = avg_pool_forward(np.ones((1, 1, 4, 4)), kernel=np.int64(2))
    assert out.shape == (1, 1, 2, 2)
