"""Attention: equals torch's scaled_dot_product_attention with a boolean mask, forward and backward."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.nets import attention_backward, attention_forward


@pytest.mark.parametrize("masked", [False, True])
def test_forward_and_backward_equal_torch(masked, rng):
    torch = pytest.importorskip("torch")
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 2))
    mask = None
    if masked:
        mask = rng.random((3, 5)) > 0.5
        mask[:, 1] = True
    out, cache = attention_forward(q, k, v, mask)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    t_mask = None if mask is None else torch.tensor(mask)
    t_out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=t_mask)
    dout = rng.standard_normal(out.shape)
    (t_out * torch.tensor(dout)).sum().backward()
    np.testing.assert_allclose(out, t_out.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(attention_backward(dout, cache), (tq, tk, tv)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)
    if masked:
        np.testing.assert_array_equal(cache.weights[:, ~mask], 0.0)  # a masked key gets weight exactly 0


@pytest.mark.parametrize(
    "mask, words",
    [
        (np.array([[True, False], [False, False]]), "all False"),
        (np.ones((2, 2)), "boolean mask"),
        (np.ones((3, 2), bool), r"mask.shape=\(3, 2\)"),
    ],
)
def test_bad_masks_are_named(mask, words):
    q = np.zeros((2, 3))
    with pytest.raises(GradcheckError, match=words):
        attention_forward(q, q, q, mask)
