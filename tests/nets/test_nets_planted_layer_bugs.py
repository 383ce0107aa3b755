"""Planted layer bugs fail the check, naming the input whose gradient is wrong (and only that input).

Each right backward passes the same check first, so a failure is the bug's. The diagnoses themselves (missing
mask, wrong routing, missing term) are the diagnosis engine's; here only the verdict and the name are asserted.
"""

import numpy as np
import pytest

from gradcheck import GradientMismatch, check_grad, check_vjp
from gradcheck.nets import (
    attention_backward,
    attention_forward,
    avg_pool_backward,
    avg_pool_forward,
    batchnorm_backward,
    batchnorm_forward,
    col2im,
    dropout_backward,
    dropout_forward,
    dropout_mask,
    embedding_forward,
    lstm_step_backward,
    lstm_step_forward,
    max_pool_backward,
    max_pool_forward,
    relu,
    relu_grad,
)

ORACLES = ("fd", "torch")


def failing(report_or_error) -> set:
    """Names of the inputs whose gradient the report rejects."""
    report = getattr(report_or_error, "report", report_or_error)
    return {p.name for p in report.params if not p.ok}


def assert_right_passes_and_wrong_fails(fn, right, wrong, inputs, expected):
    """check_vjp passes `right` and fails `wrong`, naming exactly `expected`."""
    __tracebackhide__ = True
    assert check_vjp(fn, right, inputs, oracles=ORACLES).ok
    with pytest.raises(GradientMismatch) as caught:
        check_vjp(fn, wrong, inputs, oracles=ORACLES)
    assert failing(caught.value) == expected, str(caught.value.report)


def test_relu_backward_without_its_mask(rng):
    z = rng.standard_normal((3, 4)) + np.where(rng.random((3, 4)) < 0.5, 0.3, -0.3)  # off the kink

    def right(g, z):
        return (g * relu_grad(z),)  # dz = g * [z > 0]

    def wrong(g, z):
        return (g,)  # the mask forgotten: gradient flows where relu was flat

    assert_right_passes_and_wrong_fails(relu, right, wrong, (z,), {"z"})


def test_dropout_backward_without_its_mask(rng):
    x, mask = rng.standard_normal((4, 5)), dropout_mask((4, 5), 0.5, seed=2)

    def fn(x):
        return dropout_forward(x, 0.5, mask=mask)[0]

    def right(g, x):
        return (dropout_backward(g, dropout_forward(x, 0.5, mask=mask)[1]),)

    def wrong(g, x):
        return (g / 0.5,)  # scaled, but the dropped entries get gradient too

    assert_right_passes_and_wrong_fails(fn, right, wrong, (x,), {"x"})


def _separated(rng, shape):
    """Distinct entries 0.1 apart: one max per window, no tie within the fd step."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1 - 1.0


def test_max_pool_backward_without_the_argmax_mask(rng):
    x = _separated(rng, (1, 2, 4, 4))

    def fn(x):
        return max_pool_forward(x, kernel=2)[0]

    def right(g, x):
        return (max_pool_backward(g, max_pool_forward(x, kernel=2)[1]),)

    def wrong(g, x):  # every entry of the window gets the window's gradient, as for a sum
        return (np.repeat(np.repeat(g, 2, axis=2), 2, axis=3),)

    assert_right_passes_and_wrong_fails(fn, right, wrong, (x,), {"x"})


def _max_pool_routed_in_padded_coordinates(g, x, kernel, stride, pad):
    """The classic bug: the winner's row and column are found in the padded input but written into the
    unpadded gradient without subtracting pad, so every gradient lands pad rows and columns too far up-left."""
    _, cache = max_pool_forward(x, kernel=kernel, stride=stride, pad=pad)
    winner = np.argmax(cache.weights, axis=2)  # (N, C, H', W'), k = i * KW + j
    dx = np.zeros_like(x)
    for n, c, p, q in np.ndindex(*winner.shape):
        i, j = divmod(winner[n, c, p, q], kernel)
        row, col = p * stride + i, q * stride + j  # padded coordinates, used as if unpadded
        if row < x.shape[2] and col < x.shape[3]:
            dx[n, c, row, col] += g[n, c, p, q]
    return dx


def test_max_pool_with_padding_routes_to_shifted_positions(rng):
    x = _separated(rng, (1, 2, 5, 5))

    def fn(x):
        return max_pool_forward(x, kernel=3, stride=2, pad=1)[0]

    def right(g, x):
        return (max_pool_backward(g, max_pool_forward(x, kernel=3, stride=2, pad=1)[1]),)

    def wrong(g, x):
        return (_max_pool_routed_in_padded_coordinates(g, x, 3, 2, 1),)

    assert_right_passes_and_wrong_fails(fn, right, wrong, (x,), {"x"})
    assert not np.allclose(wrong(np.ones((1, 2, 3, 3)), x), right(np.ones((1, 2, 3, 3)), x)[0])


def _loop_max_pool_backward(g, x, kernel, stride, pad, *, search_padded=True):
    """A loop-style max-pool backward over a zero-padded input (the style of numpy-ml 0.1.2's Pool2D).
    With search_padded=False the window is cut from the unpadded input at the padded coordinates, as there:
    near the border the argmax is another entry's, and a window cut short is broadcast over the full one."""
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    for n, c, p, q in np.ndindex(*g.shape):
        i0, j0 = p * stride, q * stride
        window = (x_pad if search_padded else x)[n, c, i0 : i0 + kernel, j0 : j0 + kernel]
        mask = np.zeros(window.shape, dtype=bool)
        mask[np.unravel_index(np.argmax(window), window.shape)] = True
        dx_pad[n, c, i0 : i0 + kernel, j0 : j0 + kernel] += mask * g[n, c, p, q]
    return dx_pad[:, :, pad : pad + x.shape[2], pad : pad + x.shape[3]]


def test_max_pool_winner_searched_in_the_unpadded_input(rng):
    """The bug found in a published numpy library (numpy-ml 0.1.2, Pool2D, mode="max", pad > 0)."""
    x = _separated(rng, (1, 2, 5, 5)) + 0.05  # no entry at 0, where it would tie with the zero padding

    def fn(x):  # that library pads max pooling with zeros: pad with 0, then pool without padding
        from gradcheck.nets import pad2d

        return max_pool_forward(pad2d(x, 1, 0.0), kernel=3, stride=2, pad=0)[0]

    def right(g, x):
        return (_loop_max_pool_backward(g, x, 3, 2, 1),)

    def wrong(g, x):
        return (_loop_max_pool_backward(g, x, 3, 2, 1, search_padded=False),)

    assert_right_passes_and_wrong_fails(fn, right, wrong, (x,), {"x"})


def test_avg_pool_without_padding_counted_divides_by_the_full_window(rng):
    x = rng.standard_normal((1, 1, 4, 4))

    def fn(x):
        return avg_pool_forward(x, kernel=3, stride=1, pad=1, count_include_pad=False)[0]

    def right(g, x):
        return (avg_pool_backward(g, avg_pool_forward(x, kernel=3, stride=1, pad=1, count_include_pad=False)[1]),)

    def wrong(g, x):  # the forward's count of real inputs forgotten: 1/9 at the border, where it is 1/4 or 1/6
        dwindows = np.broadcast_to(g[:, :, None] / 9.0, (1, 1, 9, 4, 4))
        return (col2im(dwindows, x.shape, 3, 3, 1, 1),)

    assert_right_passes_and_wrong_fails(fn, right, wrong, (x,), {"x"})


def test_batchnorm_backward_without_the_mean_term(rng):
    x, gamma, beta = rng.standard_normal((5, 3)), rng.standard_normal(3), rng.standard_normal(3)

    def fn(x, gamma, beta):
        return batchnorm_forward(x, gamma, beta)[0]

    def right(g, x, gamma, beta):
        return batchnorm_backward(g, batchnorm_forward(x, gamma, beta)[1])

    def wrong(g, x, gamma, beta):
        dx, dgamma, dbeta = right(g, x, gamma, beta)
        _, cache = batchnorm_forward(x, gamma, beta)
        mean_term = np.mean(g * gamma, axis=0, keepdims=True)  # the path through the batch mean, dropped
        return dx + cache.inv_std * mean_term, dgamma, dbeta

    assert_right_passes_and_wrong_fails(fn, right, wrong, (x, gamma, beta), {"x"})


def test_embedding_backward_by_assignment_loses_repeated_ids(rng):
    ids, W = np.array([[1, 3, 1], [0, 1, 2]]), rng.standard_normal((4, 2))

    def loss(p, ids, cot):
        out = embedding_forward(ids, p["W"])[0]
        return (out * cot).sum()

    def wrong(p, ids, cot):
        dW = np.zeros_like(p["W"])
        dW[ids.reshape(-1)] = cot.reshape(-1, 2)  # the last occurrence of id 1 overwrites the others
        return {"W": dW}

    cot = rng.standard_normal((2, 3, 2))
    with pytest.raises(GradientMismatch) as caught:
        check_grad(loss, wrong, {"W": W}, args=(ids, cot), oracles=ORACLES)
    assert failing(caught.value) == {"W"}


def test_attention_backward_without_the_scale_in_dq(rng):
    q, k, v = rng.standard_normal((2, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    mask = np.array([[True, False, True], [False, True, True]])

    def fn(q, k, v):
        return attention_forward(q, k, v, mask)[0]

    def right(g, q, k, v):
        return attention_backward(g, attention_forward(q, k, v, mask)[1])

    def wrong(g, q, k, v):
        dq, dk, dv = right(g, q, k, v)
        return dq * 2.0, dk, dv  # 1/sqrt(d) = 1/2 left out of dQ = dS K / sqrt(d)

    assert_right_passes_and_wrong_fails(fn, right, wrong, (q, k, v), {"q"})


def test_lstm_backward_without_the_path_from_h_to_c(rng):
    n, d, h = 2, 3, 2
    params = {
        "x": rng.standard_normal((n, d)),
        "h_prev": rng.standard_normal((n, h)),
        "c_prev": rng.standard_normal((n, h)),
        "Wx": rng.standard_normal((d, 4 * h)),
        "Wh": rng.standard_normal((h, 4 * h)),
        "b": rng.standard_normal(4 * h),
    }
    dh, dc = rng.standard_normal((n, h)), rng.standard_normal((n, h))

    def loss(p, dh, dc):
        h1, c1, _ = lstm_step_forward(**p)
        return (h1 * dh).sum() + (c1 * dc).sum()

    def grad(p, dh, dc):
        return dict(zip(p, lstm_step_backward(dh, dc, lstm_step_forward(**p)[2])))

    def wrong(p, dh, dc):
        forgot = lstm_step_backward(dh, dc, lstm_step_forward(**p)[2])
        # as if dc_total = dc: recompute with the tanh'(c) contribution of dh removed from every c path
        cache = lstm_step_forward(**p)[2]
        tc = np.tanh(cache.c)
        missing = lstm_step_backward(np.zeros_like(dh), dh * cache.gates[2] * (1 - tc * tc), cache)
        return {k: a - m for (k, a), m in zip(zip(p, forgot), missing)}

    assert check_grad(loss, grad, params, args=(dh, dc), oracles=ORACLES).ok
    with pytest.raises(GradientMismatch) as caught:
        check_grad(loss, wrong, params, args=(dh, dc), oracles=ORACLES)
    assert failing(caught.value) == {"x", "h_prev", "c_prev", "Wx", "Wh", "b"}
