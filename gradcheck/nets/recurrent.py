"""Recurrent cells: a vanilla RNN step, an RNN over a sequence (backprop through time) and an LSTM step.

Row-batch shapes: x (N, D), h (N, H), Wx (D, H) (LSTM: (D, 4H)), Wh (H, H) (LSTM: (H, 4H)), b (H,) (LSTM: (4H,));
a sequence is x (N, T, D) -> hs (N, T, H). The LSTM's gates are the four H-wide blocks of a = x Wx + h Wh + b in
the order input, forget, output, candidate. Forwards are array-API generic (numpy, torch, jax); backwards are
numpy, never modify their inputs (dnext_c is read, not added to in place), and return one gradient per input.
"""

from __future__ import annotations

from typing import NamedTuple

import array_api_compat
import numpy as np

from gradcheck.nets.activations import sigmoid


class RNNStepCache(NamedTuple):
    """What rnn_step_backward needs: the step's inputs and its output h = tanh(a)."""

    x: np.ndarray
    h_prev: np.ndarray
    Wx: np.ndarray
    Wh: np.ndarray
    h: np.ndarray


def rnn_step_forward(x, h_prev, Wx, Wh, b):
    """h, cache for one RNN step h = tanh(x Wx + h_prev Wh + b)."""
    xp = array_api_compat.array_namespace(x, h_prev, Wx, Wh, b)
    h = xp.tanh(x @ Wx + h_prev @ Wh + b)
    return h, RNNStepCache(x, h_prev, Wx, Wh, h)


def rnn_step_backward(dh, cache: RNNStepCache):
    """(dx, dh_prev, dWx, dWh, db) for rnn_step_forward, given dh = dE/dh (N, H)."""
    x, h_prev, Wx, Wh, h = (np.asarray(t) for t in cache)
    da = np.asarray(dh) * (1.0 - h * h)  # h = tanh(a) -> da = dh * (1 - h^2)
    dx = da @ Wx.T  # a = x Wx + ... -> dx = da Wx^T
    dh_prev = da @ Wh.T  # dh_prev = da Wh^T
    dWx = x.T @ da  # dWx = x^T da (row-batch)
    dWh = h_prev.T @ da  # dWh = h_prev^T da
    db = da.sum(axis=0)  # db = sum over the batch of da
    return dx, dh_prev, dWx, dWh, db


class RNNCache(NamedTuple):
    """The step caches of rnn_forward, in time order."""

    steps: tuple


def rnn_forward(x, h0, Wx, Wh, b):
    """hs, cache for an RNN over a sequence: x (N, T, D), h0 (N, H) -> hs (N, T, H), h_t = step(x_t, h_{t-1})."""
    xp = array_api_compat.array_namespace(x, h0, Wx, Wh, b)
    h, hs, steps = h0, [], []
    for t in range(x.shape[1]):
        h, step = rnn_step_forward(x[:, t, :], h, Wx, Wh, b)
        hs.append(h)
        steps.append(step)
    return xp.stack(hs, axis=1), RNNCache(tuple(steps))


def rnn_backward(dhs, cache: RNNCache):
    """(dx, dh0, dWx, dWh, db) for rnn_forward, given dhs = dE/dhs (N, T, H): backprop through time."""
    dhs = np.asarray(dhs)
    dx = [None] * len(cache.steps)
    dWx = dWh = db = 0.0
    dh_next = np.zeros_like(dhs[:, 0, :])
    for t in reversed(range(len(cache.steps))):
        # h_t feeds the loss directly (dhs_t) and through h_{t+1} (dh_next): the two paths add
        dx[t], dh_next, dWx_t, dWh_t, db_t = rnn_step_backward(dhs[:, t, :] + dh_next, cache.steps[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t  # shared weights: sum over time steps
    return np.stack(dx, axis=1), dh_next, dWx, dWh, db


class LSTMStepCache(NamedTuple):
    """What lstm_step_backward needs: the step's inputs, its gates and its new cell state."""

    x: np.ndarray
    h_prev: np.ndarray
    c_prev: np.ndarray
    Wx: np.ndarray
    Wh: np.ndarray
    gates: tuple  # (i, f, o, g), each (N, H)
    c: np.ndarray


def lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b):
    """h, c, cache for one LSTM step: a = x Wx + h_prev Wh + b split into gates i, f, o (sigmoid) and g (tanh);
    c = f * c_prev + i * g, h = o * tanh(c)."""
    xp = array_api_compat.array_namespace(x, h_prev, c_prev, Wx, Wh, b)
    a = x @ Wx + h_prev @ Wh + b
    n_h = h_prev.shape[1]
    i, f, o = (sigmoid(a[:, k * n_h : (k + 1) * n_h]) for k in range(3))
    g = xp.tanh(a[:, 3 * n_h :])
    c = f * c_prev + i * g
    h = o * xp.tanh(c)
    return h, c, LSTMStepCache(x, h_prev, c_prev, Wx, Wh, (i, f, o, g), c)


def lstm_step_backward(dh, dc, cache: LSTMStepCache):
    """(dx, dh_prev, dc_prev, dWx, dWh, db) for lstm_step_forward, given dh = dE/dh and dc = dE/dc (N, H)."""
    dh, dc = np.asarray(dh), np.asarray(dc)
    x, h_prev, c_prev, Wx, Wh, c = (
        np.asarray(t) for t in (cache.x, cache.h_prev, cache.c_prev, cache.Wx, cache.Wh, cache.c)
    )
    i, f, o, g = (np.asarray(t) for t in cache.gates)
    tc = np.tanh(c)
    do = dh * tc  # h = o * tanh(c) -> do = dh * tanh(c)
    dc_total = dc + dh * o * (1.0 - tc * tc)  # c reaches E directly (dc) and through h: + dh * o * tanh'(c)
    di, df, dg = dc_total * g, dc_total * c_prev, dc_total * i  # c = f * c_prev + i * g
    dc_prev = dc_total * f  # dc_prev = dc_total * f
    # through the gate nonlinearities: sigmoid' = s (1 - s), tanh' = 1 - t^2; blocks in the order i, f, o, g
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), do * o * (1 - o), dg * (1 - g * g)], axis=1)
    dx = da @ Wx.T  # a = x Wx + h_prev Wh + b -> dx = da Wx^T
    dh_prev = da @ Wh.T  # dh_prev = da Wh^T
    dWx = x.T @ da  # dWx = x^T da
    dWh = h_prev.T @ da  # dWh = h_prev^T da
    db = da.sum(axis=0)  # db = sum over the batch of da
    return dx, dh_prev, dc_prev, dWx, dWh, db
