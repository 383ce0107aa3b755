"""The new layers' forwards are array-API generic: numpy, torch and jax (eager and jit, x64) give the same output,
with the integer ids and boolean masks left as numpy arrays (as check_vjp's fixed inputs reach the oracles)."""

import numpy as np
import pytest

from gradcheck import nets

RNG = np.random.default_rng(5)
X4 = RNG.permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) * 0.1
MASK = np.array([[True, False, True], [False, False, True]])
IDS = np.array([[0, 2, 2], [1, 0, 2]])


def _lstm(x, h, c, Wx, Wh, b):
    h1, c1, _ = nets.lstm_step_forward(x, h, c, Wx, Wh, b)
    return h1 + c1


CASES = {
    "conv2d": (
        lambda x, w, b: nets.conv2d_forward(x, w, b, stride=2, pad=1)[0],
        [X4, RNG.standard_normal((3, 2, 3, 2)), RNG.standard_normal(3)],
    ),
    "max_pool": (lambda x: nets.max_pool_forward(x, kernel=3, stride=2, pad=1)[0], [X4]),
    "avg_pool": (lambda x: nets.avg_pool_forward(x, kernel=(2, 3), stride=1, pad=1, count_include_pad=False)[0], [X4]),
    "batchnorm": (
        lambda x, g, b: nets.batchnorm_forward(x, g, b)[0],
        [RNG.standard_normal((4, 3))] + [RNG.standard_normal(3)] * 2,
    ),
    "layernorm": (
        lambda x, g, b: nets.layernorm_forward(x, g, b)[0],
        [RNG.standard_normal((4, 3))] + [RNG.standard_normal(3)] * 2,
    ),
    "embedding": (lambda W: nets.embedding_forward(IDS, W)[0], [RNG.standard_normal((3, 4))]),
    "dropout": (lambda x: nets.dropout_forward(x, 0.5, mask=MASK)[0], [RNG.standard_normal((2, 3))]),
    "attention": (
        lambda q, k, v: nets.attention_forward(q, k, v, MASK)[0],
        [RNG.standard_normal((2, 2, 4)), RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 3, 2))],
    ),
    "rnn": (
        lambda x, h, Wx, Wh, b: nets.rnn_forward(x, h, Wx, Wh, b)[0],
        [RNG.standard_normal(s) for s in ((2, 3, 4), (2, 2), (4, 2), (2, 2), (2,))],
    ),
    "lstm": (_lstm, [RNG.standard_normal(s) for s in ((2, 3), (2, 2), (2, 2), (3, 8), (2, 8), (8,))]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_torch_and_jax_agree(name):
    torch, jax = pytest.importorskip("torch"), pytest.importorskip("jax")
    fn, inputs = CASES[name]
    expected = fn(*inputs)
    assert isinstance(expected, np.ndarray) and expected.dtype == np.float64
    t_out = fn(*(torch.tensor(a) for a in inputs))
    assert t_out.dtype == torch.float64
    np.testing.assert_allclose(t_out.numpy(), expected, rtol=1e-13, atol=1e-14)
    with jax.enable_x64(True):
        j_inputs = [jax.numpy.asarray(a) for a in inputs]
        for j_out in (fn(*j_inputs), jax.jit(fn)(*j_inputs)):
            assert j_out.dtype == jax.numpy.float64
            np.testing.assert_allclose(np.asarray(j_out), expected, rtol=1e-13, atol=1e-14)
