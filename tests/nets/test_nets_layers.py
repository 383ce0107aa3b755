"""Dense layers: every VJP equals torch autograd of its forward, in both conventions."""

import numpy as np
import pytest

from gradcheck.nets import layers

N, N_IN, N_OUT = 5, 3, 4


def _frozen(*arrays):
    """Read-only copies: a VJP that writes into its inputs raises instead of passing."""
    out = []
    for a in arrays:
        a = np.array(a)
        a.flags.writeable = False
        out.append(a)
    return out


@pytest.mark.parametrize("bias", [True, False])
def test_dense_row_vjp_matches_torch(bias, rng, torch_grad):
    X, W, b, G = _frozen(
        rng.standard_normal((N, N_IN)),
        rng.standard_normal((N_IN, N_OUT)),
        rng.standard_normal(N_OUT),
        rng.standard_normal((N, N_OUT)),
    )
    dX, dW, db = layers.dense_row_vjp(X, W, G, bias=bias)
    if bias:
        ex, ew, eb = torch_grad(lambda x, w, bb, g: (layers.dense_row(x, w, bb) * g).sum(), X, W, b, consts=(G,))
        np.testing.assert_allclose(db, eb, rtol=1e-12)
        assert db.shape == b.shape
    else:
        ex, ew = torch_grad(lambda x, w, g: (layers.dense_row(x, w) * g).sum(), X, W, consts=(G,))
        assert db is None
    np.testing.assert_allclose(dX, ex, rtol=1e-12)
    np.testing.assert_allclose(dW, ew, rtol=1e-12)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("n_examples", [1, N])
def test_dense_col_vjp_matches_torch(bias, n_examples, rng, torch_grad):
    W, x, b, G = _frozen(
        rng.standard_normal((N_OUT, N_IN)),
        rng.standard_normal((N_IN, n_examples)),
        rng.standard_normal((N_OUT, 1)),
        rng.standard_normal((N_OUT, n_examples)),
    )
    dx, dW, db = layers.dense_col_vjp(W, x, G, bias=bias)
    if bias:
        ew, ex, eb = torch_grad(lambda w, xx, bb, g: (layers.dense_col(w, xx, bb) * g).sum(), W, x, b, consts=(G,))
        np.testing.assert_allclose(db, eb, rtol=1e-12)
        assert db.shape == b.shape
    else:
        ew, ex = torch_grad(lambda w, xx, g: (layers.dense_col(w, xx) * g).sum(), W, x, consts=(G,))
        assert db is None
    np.testing.assert_allclose(dx, ex, rtol=1e-12)
    np.testing.assert_allclose(dW, ew, rtol=1e-12)


def test_dense_row_ones_vjp_matches_torch(rng, torch_grad):
    X, W, G = _frozen(
        rng.standard_normal((N, N_IN)), rng.standard_normal((N_IN + 1, N_OUT)), rng.standard_normal((N, N_OUT))
    )
    dX, dW = layers.dense_row_ones_vjp(X, W, G)
    ex, ew = torch_grad(lambda x, w, g: (layers.dense_row_ones(x, w) * g).sum(), X, W, consts=(G,))
    np.testing.assert_allclose(dX, ex, rtol=1e-12)
    np.testing.assert_allclose(dW, ew, rtol=1e-12)
    assert dX.shape == X.shape  # the ones column's row of W was dropped


def test_dense_col_ones_vjp_matches_torch(rng, torch_grad):
    W, x, G = _frozen(
        rng.standard_normal((N_OUT, N_IN + 1)), rng.standard_normal((N_IN, N)), rng.standard_normal((N_OUT, N))
    )
    dx, dW = layers.dense_col_ones_vjp(W, x, G)
    ew, ex = torch_grad(lambda w, xx, g: (layers.dense_col_ones(w, xx) * g).sum(), W, x, consts=(G,))
    np.testing.assert_allclose(dx, ex, rtol=1e-12)
    np.testing.assert_allclose(dW, ew, rtol=1e-12)
    assert dx.shape == x.shape


def test_ones_column_is_a_bias_row_first(rng):
    X = rng.standard_normal((N, N_IN))
    W = rng.standard_normal((N_IN, N_OUT))
    b = rng.standard_normal(N_OUT)
    W1 = np.concatenate([b[None, :], W], axis=0)
    np.testing.assert_allclose(layers.dense_row_ones(X, W1), layers.dense_row(X, W, b), rtol=1e-14)
    np.testing.assert_array_equal(layers.add_ones_column(X)[:, 0], np.ones(N))


def test_ones_row_is_a_bias_column_first(rng):
    x = rng.standard_normal((N_IN, N))
    W = rng.standard_normal((N_OUT, N_IN))
    b = rng.standard_normal((N_OUT, 1))
    W1 = np.concatenate([b, W], axis=1)
    np.testing.assert_allclose(layers.dense_col_ones(W1, x), layers.dense_col(W, x, b), rtol=1e-14)
    np.testing.assert_array_equal(layers.add_ones_row(x)[0], np.ones(N))


def test_row_and_column_conventions_are_transposes(rng):
    X = rng.standard_normal((N, N_IN))
    W = rng.standard_normal((N_IN, N_OUT))
    b = rng.standard_normal(N_OUT)
    np.testing.assert_allclose(layers.dense_col(W.T, X.T, b[:, None]), layers.dense_row(X, W, b).T, rtol=1e-14)
