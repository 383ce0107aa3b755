"""Embedding: repeated ids add their gradients (scatter-add), equal to torch's embedding; bad ids named."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.nets import embedding_backward, embedding_forward


def test_forward_and_backward_equal_torch_with_repeated_ids(rng):
    torch = pytest.importorskip("torch")
    ids, W = np.array([[0, 2, 2], [1, 0, 2]]), rng.standard_normal((4, 3))
    out, cache = embedding_forward(ids, W)
    tW = torch.tensor(W, requires_grad=True)
    t_out = torch.nn.functional.embedding(torch.tensor(ids), tW)
    dout = rng.standard_normal(out.shape)
    (t_out * torch.tensor(dout)).sum().backward()
    np.testing.assert_array_equal(out, t_out.detach().numpy())
    dW = embedding_backward(dout, cache)
    np.testing.assert_allclose(dW, tW.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(dW[2], dout[0, 1] + dout[0, 2] + dout[1, 2])  # id 2 read three times
    np.testing.assert_array_equal(dW[3], 0.0)  # id 3 never read


@pytest.mark.parametrize(
    "ids, words",
    [
        (np.array([0, 4]), "values \\[0, 4\\]"),
        (np.array([0.0, 1.0]), "float64"),
        (np.array([-1, 0]), "values \\[-1, 0\\]"),
    ],
)
def test_bad_ids_are_named(ids, words):
    with pytest.raises(GradcheckError, match=f"integer ids in \\[0, 4\\).*{words}"):
        embedding_forward(ids, np.zeros((4, 2)))
