"""RNN and LSTM: forwards equal torch's RNNCell/LSTMCell; backwards equal torch autograd; dnext_c not mutated."""

import numpy as np
import pytest

from gradcheck.nets import (
    lstm_step_backward,
    lstm_step_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)


def _torch_grads(torch, outs_and_couts, tensors):
    sum((o * torch.tensor(c)).sum() for o, c in outs_and_couts).backward()
    return [t.grad.numpy() for t in tensors]


def test_lstm_step_equals_torch_lstm_cell(rng):
    torch = pytest.importorskip("torch")
    n, d, h = 3, 4, 2
    x, h0, c0 = rng.standard_normal((n, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h))
    Wx, Wh, b = rng.standard_normal((d, 4 * h)), rng.standard_normal((h, 4 * h)), rng.standard_normal(4 * h)
    h1, c1, cache = lstm_step_forward(x, h0, c0, Wx, Wh, b)
    cell = torch.nn.LSTMCell(d, h, dtype=torch.float64)
    # torch's gate order is i, f, g, o; ours is i, f, o, g
    order = np.r_[0 : 2 * h, 3 * h : 4 * h, 2 * h : 3 * h]
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(Wx[:, order].T))
        cell.weight_hh.copy_(torch.tensor(Wh[:, order].T))
        cell.bias_ih.copy_(torch.tensor(b[order]))
        cell.bias_hh.zero_()
    th1, tc1 = cell(torch.tensor(x), (torch.tensor(h0), torch.tensor(c0)))
    np.testing.assert_allclose(h1, th1.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(c1, tc1.detach().numpy(), rtol=1e-12, atol=1e-12)
    dh, dc = rng.standard_normal((n, h)), rng.standard_normal((n, h))
    dc_before = dc.copy()
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, h0, c0, Wx, Wh, b)]
    th, tc, _ = lstm_step_forward(*tensors)
    for ours, theirs in zip(lstm_step_backward(dh, dc, cache), _torch_grads(torch, [(th, dh), (tc, dc)], tensors)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(dc, dc_before)


def test_rnn_sequence_equals_torch_rnn_and_its_autograd(rng):
    torch = pytest.importorskip("torch")
    n, t, d, h = 2, 4, 3, 2
    x, h0 = rng.standard_normal((n, t, d)), rng.standard_normal((n, h))
    Wx, Wh, b = rng.standard_normal((d, h)), rng.standard_normal((h, h)), rng.standard_normal(h)
    hs, cache = rnn_forward(x, h0, Wx, Wh, b)
    rnn = torch.nn.RNN(d, h, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.tensor(Wx.T)), rnn.weight_hh_l0.copy_(torch.tensor(Wh.T))
        rnn.bias_ih_l0.copy_(torch.tensor(b)), rnn.bias_hh_l0.zero_()
    t_hs, _ = rnn(torch.tensor(x), torch.tensor(h0)[None])
    np.testing.assert_allclose(hs, t_hs.detach().numpy(), rtol=1e-12, atol=1e-12)
    dhs = rng.standard_normal(hs.shape)
    tensors = [torch.tensor(a, requires_grad=True) for a in (x, h0, Wx, Wh, b)]
    theirs = _torch_grads(torch, [(rnn_forward(*tensors)[0], dhs)], tensors)
    for ours, ref in zip(rnn_backward(dhs, cache), theirs):
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-12)
    step_hs, step_cache = rnn_step_forward(x[:, 0], h0, Wx, Wh, b)
    np.testing.assert_allclose(step_hs, hs[:, 0])
    assert len(rnn_step_backward(dhs[:, 0], step_cache)) == 5
