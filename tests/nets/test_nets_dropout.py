"""Dropout: the seed alone fixes the mask (numpy's global RNG untouched); backward uses the forward's mask."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.nets import dropout_backward, dropout_forward, dropout_mask


def test_same_seed_same_mask_and_global_rng_untouched(rng):
    x = rng.standard_normal((50, 20))
    np.random.seed(1)
    state = np.random.get_state()[1].copy()
    out1, cache1 = dropout_forward(x, 0.3, seed=7)
    out2, _ = dropout_forward(x, 0.3, seed=7)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    np.testing.assert_array_equal(out1, out2)
    assert 0.6 < cache1.mask.mean() < 0.8  # keeps about 1 - p
    np.testing.assert_allclose(out1, np.where(cache1.mask, x / 0.7, 0.0), rtol=1e-15)


def test_backward_is_dout_through_the_same_mask(rng):
    x, dout = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    mask = dropout_mask(x.shape, 0.5, 3)
    _, cache = dropout_forward(x, 0.5, mask=mask)
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout * mask / 0.5)


def test_torch_and_jax_forwards_draw_the_same_mask(rng):
    torch, jax = pytest.importorskip("torch"), pytest.importorskip("jax")
    x = rng.standard_normal((3, 4))
    out, _ = dropout_forward(x, 0.25, seed=11)
    np.testing.assert_array_equal(dropout_forward(torch.tensor(x), 0.25, seed=11)[0].numpy(), out)
    with jax.enable_x64(True):
        np.testing.assert_array_equal(np.asarray(dropout_forward(jax.numpy.asarray(x), 0.25, seed=11)[0]), out)


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"p": 1.0, "seed": 0}, "p=1.0"),
        ({"p": 0.5}, "seed=None, mask=None"),
        ({"p": 0.5, "seed": 1, "mask": np.ones((2, 2), bool)}, "exactly one"),
        ({"p": 0.5, "mask": np.ones((3, 2), bool)}, r"mask.shape=\(3, 2\)"),
    ],
)
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(GradcheckError, match=words):
        dropout_forward(np.zeros((2, 2)), **kwargs)
