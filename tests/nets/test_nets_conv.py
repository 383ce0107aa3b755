"""conv2d: forward and backward equal torch's conv2d and its autograd; im2col/col2im are adjoint; bad shapes named."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.nets import col2im, conv2d_backward, conv2d_forward, im2col, output_size

GEOMETRIES = [(1, 0, (3, 3), (5, 5)), (2, 1, (3, 2), (6, 5)), (2, 0, (2, 2), (5, 4)), (3, 1, (2, 3), (7, 6))]


@pytest.mark.parametrize("stride, pad, kernel, size", GEOMETRIES)
def test_forward_and_backward_equal_torch(stride, pad, kernel, size, rng):
    torch = pytest.importorskip("torch")
    x, w, b = rng.standard_normal((2, 3, *size)), rng.standard_normal((4, 3, *kernel)), rng.standard_normal(4)
    out, cache = conv2d_forward(x, w, b, stride=stride, pad=pad)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    t_out = torch.nn.functional.conv2d(tx, tw, tb, stride=stride, padding=pad)
    dout = rng.standard_normal(out.shape)
    (t_out * torch.tensor(dout)).sum().backward()
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(conv2d_backward(dout, cache), (tx, tw, tb)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_col2im_is_the_adjoint_of_im2col(rng):
    """<im2col(x), c> = <x, col2im(c)>: the backward routes every gradient back where the forward read it."""
    x = rng.standard_normal((2, 2, 5, 4))
    cols = im2col(x, 3, 2, 2, 1)
    c = rng.standard_normal(cols.shape)
    assert np.sum(cols * c) == pytest.approx(np.sum(x * col2im(c, x.shape, 3, 2, 2, 1)), rel=1e-12)


def test_backward_leaves_dout_and_cache_untouched(rng):
    x, w, b = rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((3, 2, 2, 2)), rng.standard_normal(3)
    out, cache = conv2d_forward(x, w, b, stride=2, pad=1)
    dout = rng.standard_normal(out.shape)
    before = (dout.copy(), cache.cols.copy(), w.copy())
    conv2d_backward(dout, cache)
    for a, b_ in zip((dout, cache.cols, w), before):
        np.testing.assert_array_equal(a, b_)


def test_float32_stays_float32(rng):
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((1, 1, 3, 3), (1, 1, 2, 2), (1,)))
    out, cache = conv2d_forward(x, w, b)
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in conv2d_backward(np.ones_like(out), cache))


def test_bad_geometry_is_named():
    with pytest.raises(GradcheckError, match=r"stride=0"):
        output_size(5, 3, 0, 0)
    with pytest.raises(GradcheckError, match="kernel \\(4\\) to fit"):
        conv2d_forward(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 4, 4)), np.zeros(1))
    with pytest.raises(GradcheckError, match=r"w.shape=\(1, 2, 2, 2\)"):
        conv2d_forward(np.zeros((1, 1, 3, 3)), np.zeros((1, 2, 2, 2)), np.zeros(1))
