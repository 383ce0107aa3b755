"""Property: every course-style backward in gradcheck.nets (conv, pooling, norms, embedding, dropout, attention,
RNN and LSTM) agrees with fd, torch and jax on shapes drawn by the layer strategies.

Each check goes through the public check_grad: the loss is <outputs, cotangents> (the sum of both for the LSTM's
h and c), its gradient the layer's backward given those cotangents. float64 and float32 are drawn; in float32
the numpy forward and backward compute in float32. Examples per test are few (the jax oracle compiles once per
new shape) and shapes small, so the module stays within a few seconds a test.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcheck import check_grad
from gradcheck.nets import (
    attention_backward,
    attention_forward,
    avg_pool_backward,
    avg_pool_forward,
    batchnorm_backward,
    batchnorm_forward,
    conv2d_backward,
    conv2d_forward,
    dropout_backward,
    dropout_forward,
    embedding_backward,
    embedding_forward,
    layernorm_backward,
    layernorm_forward,
    lstm_step_backward,
    lstm_step_forward,
    max_pool_backward,
    max_pool_forward,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
)
from gradcheck.strategies import (
    attention_masks,
    batch_sizes,
    conv_geometries,
    finite_arrays,
    layer_widths,
    pool_geometries,
    separated_arrays,
    sequence_lengths,
    token_ids,
)

ORACLES = ("fd", "torch", "jax")
# per test; shapes repeat, so the jax oracle reuses its compiles. The fixture is a pure function: safe to share.
EXAMPLES = settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
DTYPES = st.sampled_from(("float64", "float32"))
WIDTHS, BATCHES = layer_widths(max_width=3), batch_sizes(max_size=3)


def check_course_layer(agree, forward, backward, params, data, *, aux=None):
    """check_grad of <forward(**params, **aux)'s outputs, cotangents> against backward(*cotangents, cache)."""
    __tracebackhide__ = True
    aux = aux or {}
    *outs, _ = forward(**params, **aux)
    cots = tuple(data.draw(finite_arrays(np.shape(o)), label="cotangent") for o in outs)
    loss, grad = course_loss_and_grad(forward, backward)
    agree(check_grad(loss, grad, params, args=(aux, cots), oracles=ORACLES))


def course_loss_and_grad(forward, backward):
    """loss(p, aux, cots) = sum_i <output_i, cot_i> and its hand-written gradient from backward (closures over
    the two functions only, so the jax oracle compiles once per shape)."""

    def loss(p, aux, cots):
        from array_api_compat import array_namespace

        *outs, _ = forward(**p, **aux)
        xp = array_namespace(*outs)
        return sum(xp.sum(o * xp.asarray(c)) for o, c in zip(outs, cots))

    def grad(p, aux, cots):
        *_, cache = forward(**p, **aux)
        dtype = next(iter(p.values())).dtype
        grads = backward(*(c.astype(dtype) for c in cots), cache)  # the cotangents in the layer's own dtype
        return dict(zip(p, grads if isinstance(grads, tuple) else (grads,)))

    return loss, grad


def arrays(data, dtype, **shapes):
    """{name: finite array of that shape} drawn in dtype."""
    return {name: data.draw(finite_arrays(shape, dtype=dtype), label=name) for name, shape in shapes.items()}


@EXAMPLES
@given(geo=conv_geometries(), dtype=DTYPES, data=st.data())
def test_conv2d_backward_agrees_with_fd_torch_and_jax(geo, dtype, data, all_oracles_agree):
    def forward(x, w, b, geo=geo):
        return conv2d_forward(x, w, b, stride=geo.stride, pad=geo.pad)

    params = arrays(data, dtype, x=geo.x_shape, w=geo.w_shape, b=geo.b_shape)
    check_course_layer(all_oracles_agree, forward, conv2d_backward, params, data)


@EXAMPLES
@given(geo=pool_geometries(), dtype=DTYPES, data=st.data())
def test_max_pool_backward_agrees_with_fd_torch_and_jax(geo, dtype, data, all_oracles_agree):
    def forward(x, geo=geo):
        return max_pool_forward(x, kernel=geo.kernel, stride=geo.stride, pad=geo.pad)

    x = data.draw(separated_arrays(geo.x_shape, dtype=dtype), label="x")  # no near-ties inside a window
    check_course_layer(all_oracles_agree, forward, max_pool_backward, {"x": x}, data)


@EXAMPLES
@given(geo=pool_geometries(), include=st.booleans(), dtype=DTYPES, data=st.data())
def test_avg_pool_backward_agrees_with_fd_torch_and_jax(geo, include, dtype, data, all_oracles_agree):
    def forward(x, geo=geo, include=include):
        return avg_pool_forward(x, kernel=geo.kernel, stride=geo.stride, pad=geo.pad, count_include_pad=include)

    check_course_layer(all_oracles_agree, forward, avg_pool_backward, arrays(data, dtype, x=geo.x_shape), data)


@EXAMPLES
@given(
    norm=st.sampled_from(("batch", "layer")),
    n=batch_sizes(min_size=2, max_size=4),
    d=WIDTHS,
    dtype=DTYPES,
    data=st.data(),
)
def test_batch_and_layer_norm_backward_agree_with_fd_torch_and_jax(norm, n, d, dtype, data, all_oracles_agree):
    forward, backward = {
        "batch": (batchnorm_forward, batchnorm_backward),
        "layer": (layernorm_forward, layernorm_backward),
    }[norm]
    params = arrays(data, dtype, x=(n, d), gamma=(d,), beta=(d,))
    check_course_layer(all_oracles_agree, forward, backward, params, data)


@EXAMPLES
@given(shape=st.tuples(BATCHES, st.integers(1, 4)), vocab=st.integers(1, 4), d=WIDTHS, dtype=DTYPES, data=st.data())
def test_embedding_backward_with_repeated_ids_agrees_with_fd_torch_and_jax(
    shape, vocab, d, dtype, data, all_oracles_agree
):
    ids = data.draw(token_ids(shape, vocab_size=vocab), label="ids")
    params = arrays(data, dtype, W=(vocab, d))
    check_course_layer(all_oracles_agree, embedding_forward, embedding_backward, params, data, aux={"ids": ids})


@EXAMPLES
@given(
    shape=st.tuples(BATCHES, WIDTHS),
    p=st.sampled_from((0.0, 0.25, 0.5)),
    seed=st.integers(0, 2**32 - 1),
    dtype=DTYPES,
    data=st.data(),
)
def test_dropout_backward_agrees_with_fd_torch_and_jax(shape, p, seed, dtype, data, all_oracles_agree):
    def forward(x, mask, p=p):
        return dropout_forward(x, p, mask=mask)

    mask = np.random.default_rng(seed).random(shape) >= p
    x = arrays(data, dtype, x=shape)
    check_course_layer(all_oracles_agree, forward, dropout_backward, x, data, aux={"mask": mask})


@EXAMPLES
@given(
    b=st.integers(1, 2),
    tq=sequence_lengths(max_length=3),
    tk=sequence_lengths(max_length=3),
    d=WIDTHS,
    dv=WIDTHS,
    masked=st.booleans(),
    dtype=DTYPES,
    data=st.data(),
)
def test_attention_backward_with_a_mask_agrees_with_fd_torch_and_jax(
    b, tq, tk, d, dv, masked, dtype, data, all_oracles_agree
):
    params = arrays(data, dtype, q=(b, tq, d), k=(b, tk, d), v=(b, tk, dv))
    mask = data.draw(attention_masks((tq, tk)), label="mask") if masked else None
    check_course_layer(all_oracles_agree, attention_forward, attention_backward, params, data, aux={"mask": mask})


@EXAMPLES
@given(n=BATCHES, t=sequence_lengths(max_length=3), d=WIDTHS, h=WIDTHS, dtype=DTYPES, data=st.data())
def test_rnn_step_and_sequence_backward_agree_with_fd_torch_and_jax(n, t, d, h, dtype, data, all_oracles_agree):
    step = arrays(data, dtype, x=(n, d), h_prev=(n, h), Wx=(d, h), Wh=(h, h), b=(h,))
    check_course_layer(all_oracles_agree, rnn_step_forward, rnn_step_backward, step, data)
    seq = arrays(data, dtype, x=(n, t, d), h0=(n, h), Wx=(d, h), Wh=(h, h), b=(h,))
    check_course_layer(all_oracles_agree, rnn_forward, rnn_backward, seq, data)


@EXAMPLES
@given(n=BATCHES, d=WIDTHS, h=WIDTHS, dtype=DTYPES, data=st.data())
def test_lstm_step_backward_with_two_cotangents_agrees_with_fd_torch_and_jax(n, d, h, dtype, data, all_oracles_agree):
    params = arrays(data, dtype, x=(n, d), h_prev=(n, h), c_prev=(n, h), Wx=(d, 4 * h), Wh=(h, 4 * h), b=(4 * h,))
    check_course_layer(all_oracles_agree, lstm_step_forward, lstm_step_backward, params, data)
