"""check_backward: course-style forward/backward pairs checked in one call, right and planted-wrong."""

import numpy as np
import pytest
from entry_layers import (
    affine_backward,
    affine_backward_db_mean,
    affine_forward,
    batchnorm_backward,
    batchnorm_backward_no_mean_path,
    batchnorm_forward,
    embedding_backward,
    embedding_forward,
    lstm_step_backward,
    lstm_step_backward_forget_gate_wrong,
    lstm_step_forward,
    relu_backward,
    relu_backward_no_mask,
    relu_forward,
    softmax_loss,
)

import gradcheck as gc

FD = ("fd",)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def affine_inputs(rng):
    return rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)


@pytest.fixture
def lstm_inputs(rng):
    H = 3
    return (
        rng.normal(size=(2, 4)),
        rng.normal(size=(2, H)),
        rng.normal(size=(2, H)),
        rng.normal(size=(4, 4 * H)),
        rng.normal(size=(H, 4 * H)),
        rng.normal(size=4 * H),
    )


def test_right_affine_backward_passes_with_inputs_named_by_the_forward(affine_inputs):
    report = gc.check_backward(affine_forward, affine_backward, affine_inputs, oracles=("fd", "torch"))
    assert report.ok and report.kind == "backward"
    assert [p.name for p in report.params] == ["x", "w", "b"]
    assert report.verdict.startswith("gradient check passed: hand-written backward agrees with fd and torch")


def test_wrong_bias_gradient_is_named_in_one_call(affine_inputs):
    report = gc.check_backward(
        affine_forward, affine_backward_db_mean, affine_inputs, oracles=FD, raise_on_failure=False
    )
    assert [p.name for p in report.failing] == ["b"]
    assert report.param("b").diagnosis.startswith("yours = 1/4 x reference (scale 1/4)")
    assert report.reproduce == "check_backward(..., seed=0)"
    with pytest.raises(gc.GradientMismatch):
        gc.check_backward(affine_forward, affine_backward_db_mean, affine_inputs, oracles=FD)


def test_backward_writing_into_dout_is_a_warning_naming_dout_not_a_failure(rng):
    x = rng.normal(size=(4, 3))
    dout = rng.normal(size=(4, 3))
    before = dout.copy()
    report = gc.check_backward(relu_forward, relu_backward, (x,), dout=dout)
    assert report.ok
    assert [(h.name, h.fails) for h in report.health] == [("mutated_dout", False)]
    assert report.health[0].message.startswith("backward wrote into dout (e.g. dx = dout; dx[x <= 0] = 0")
    assert np.array_equal(dout, before)  # the caller's dout is untouched


def test_every_backward_call_gets_a_fresh_dout(rng):
    x = rng.normal(size=(3, 2))
    seen = []

    def backward(dout, cache):
        seen.append(dout)
        out = relu_backward(dout, cache)
        return out

    gc.check_backward(relu_forward, backward, (x,), oracles=FD)
    assert len({id(d) for d in seen}) == len(seen) >= 3


def test_missing_relu_mask_is_diagnosed(rng):
    x = rng.normal(size=(4, 3))
    k = int(np.sum(x <= 0))  # the entries ReLU zeroed: exactly where the mask is missing
    report = gc.check_backward(relu_forward, relu_backward_no_mask, (x,), oracles=FD, raise_on_failure=False)
    found = report.param("x")
    assert found.diagnosis_kind == "missing_mask"
    assert found.diagnosis.startswith(
        f"yours is nonzero at {k} entries where the reference is exactly zero, and "
        f"right everywhere else ({k} of 12 reference entries are zero): a mask is "
        f"missing"
    )


def test_batchnorm_right_passes_and_the_callers_param_dict_is_not_updated(rng):
    x, gamma, beta = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3)
    bn_param = {"eps": 1e-5}
    report = gc.check_backward(batchnorm_forward, batchnorm_backward, (x, gamma, beta, bn_param))
    assert report.ok and [p.name for p in report.params] == ["x", "gamma", "beta"]
    assert bn_param == {"eps": 1e-5}  # the forward's running-mean update happened on copies


def test_batchnorm_missing_mean_path_is_a_missing_term_along_the_batch_axis(rng):
    x, gamma, beta = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=3)
    report = gc.check_backward(
        batchnorm_forward, batchnorm_backward_no_mean_path, (x, gamma, beta, {}), raise_on_failure=False
    )
    assert [p.name for p in report.failing] == ["x"]
    assert report.param("x").diagnosis == (
        "yours - reference is the same at every index along axis 0 (the batch axis): a term that is constant over "
        "the batch is missing (or extra), a path through a statistic of the batch such as batch norm's mean "
        "(-mean(dxhat) per feature); differentiate through every use of the batch statistic"
    )


def test_two_output_cell_with_a_tuple_cotangent(rng, lstm_inputs):
    dh, dc = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    report = gc.check_backward(lstm_step_forward, lstm_step_backward, lstm_inputs, dout=(dh, dc), oracles=FD)
    assert report.ok
    assert [p.name for p in report.params] == ["x", "prev_h", "prev_c", "Wx", "Wh", "b"]
    assert [h.name for h in report.health] == ["mutated_dout"]  # dnext_c += ...


def test_two_output_cell_wrong_in_one_input(lstm_inputs):
    report = gc.check_backward(
        lstm_step_forward, lstm_step_backward_forget_gate_wrong, lstm_inputs, oracles=FD, raise_on_failure=False
    )
    assert [p.name for p in report.failing] == ["prev_c"]


def test_packed_outputs_and_cache(rng, lstm_inputs):
    def forward(*args):
        h, c, cache = lstm_step_forward(*args)
        return (h, c), cache

    def backward(douts, cache):
        return lstm_step_backward(douts[0], douts[1].copy(), cache)

    names = ["x", "prev_h", "prev_c", "Wx", "Wh", "b"]
    report = gc.check_backward(forward, backward, lstm_inputs, names=names, oracles=FD)
    assert report.ok and report.health == []


def test_integer_inputs_get_no_gradient_and_repeated_ids_accumulate(rng):
    ids = np.array([[0, 2, 0], [1, 2, 2]])
    report = gc.check_backward(embedding_forward, embedding_backward, (ids, rng.normal(size=(4, 3))))
    assert report.ok and [p.name for p in report.params] == ["W"]

    def overwrite(dout, cache):
        x, W = cache
        dW = np.zeros_like(W)
        dW[x] = dout  # bug: repeated ids overwrite instead of accumulating
        return dW

    bad = gc.check_backward(
        embedding_forward, overwrite, (ids, rng.normal(size=(4, 3))), oracles=FD, raise_on_failure=False
    )
    assert [p.name for p in bad.failing] == ["W"]


def test_loss_returning_loss_and_dx_is_checked_without_backward(rng):
    x, y = rng.normal(size=(5, 4)), np.array([0, 1, 3, 3, 2])
    assert gc.check_backward(softmax_loss, None, (x, y)).ok

    def no_mean(x, y):
        loss, dx = softmax_loss(x, y)
        return loss, dx * 5  # bug: the 1/N of the mean is missing

    report = gc.check_backward(no_mean, None, (x, y), raise_on_failure=False)
    assert report.param("x").diagnosis.startswith("yours = 5 x reference (scale 5)")


def test_trailing_none_fewer_gradients_and_dicts(affine_inputs):
    def forward(x, w, b, conv_param):
        return affine_forward(x, w, b)

    args = (*affine_inputs, {"stride": 1})
    assert gc.check_backward(forward, lambda d, c: (*affine_backward(d, c), None), args, oracles=FD).ok
    assert gc.check_backward(
        forward, lambda d, c: dict(zip(("dx", "dw", "db"), affine_backward(d, c))), args, oracles=FD
    ).ok
    fewer = gc.check_backward(forward, lambda d, c: affine_backward(d, c)[:2], args, oracles=FD)
    assert fewer.ok and [p.name for p in fewer.params] == ["x", "w"]
    assert fewer.health[0].message.startswith(
        "backward returned no gradient for b (floating input), so it is not checked"
    )


def test_forward_writing_into_its_input_fails_and_the_callers_array_is_intact(rng):
    x = rng.normal(size=(3, 4))
    before = x.copy()

    def forward(x):
        x[x < 0] = 0  # in place on the caller's array
        return x.copy(), x

    report = gc.check_backward(forward, relu_backward, (x,), oracles=FD, raise_on_failure=False)
    assert not report.ok and report.param("x").ok
    assert report.health[0].name == "mutated_input" and report.health[0].fails
    assert report.health[0].message.startswith("forward wrote into its inputs (x)")
    assert np.array_equal(x, before)


def test_layout_errors_name_the_problem(affine_inputs):
    with pytest.raises(gc.GradcheckError, match=r"forward returned a tuple of 2 and backward takes 3 arguments"):
        gc.check_backward(affine_forward, lambda a, b, c: None, affine_inputs)
    with pytest.raises(gc.GradcheckError, match=r"Expected inputs to be a non-empty tuple"):
        gc.check_backward(affine_forward, affine_backward, affine_inputs[0])
    with pytest.raises(gc.GradcheckError, match=r"Expected dout of shape \(4, 5\) \(forward's output\)"):
        gc.check_backward(affine_forward, affine_backward, affine_inputs, dout=np.ones((5, 4)))
    with pytest.raises(gc.GradcheckError, match=r"Expected outputs to be 1 or 2"):
        gc.check_backward(affine_forward, affine_backward, affine_inputs, outputs=3)


def dropout_forward(x, p):
    mask = (np.random.rand(*x.shape) >= p) / (1 - p)  # draws from numpy's global generator, unseeded
    return x * mask, mask


def test_unseeded_dropout_is_checked_and_the_callers_generator_is_untouched(rng):
    np.random.seed(5)
    state = np.random.get_state()[1].copy()
    report = gc.check_backward(
        dropout_forward, lambda dout, mask: dout * mask, (rng.normal(size=(4, 3)), 0.5), oracles=FD
    )
    assert report.ok and report.health == []
    assert np.array_equal(np.random.get_state()[1], state)


def sigmoid_forward(x):
    out = 1 / (1 + np.exp(-x))
    return out, out  # the cache is the output itself


def sigmoid_backward_in_place(dout, out):
    out *= 1 - out  # s (1 - s), written into the forward's output through the cache
    return dout * out


def test_backward_writing_into_the_output_is_a_warning(rng):
    report = gc.check_backward(sigmoid_forward, sigmoid_backward_in_place, (rng.normal(size=(3, 2)),), oracles=FD)
    assert report.ok and [(h.name, h.fails) for h in report.health] == [("mutated_output", False)]
    assert report.health[0].message.startswith("backward wrote into the forward's outputs (output) through its cache")


def test_a_cache_holding_the_input_and_a_view_as_output(rng):
    def forward(x):
        return x.reshape(x.shape[0], -1), x  # the output is a view of x, the cache is x itself

    def backward(dout, x):
        return dout.reshape(x.shape)

    assert gc.check_backward(forward, backward, (rng.normal(size=(2, 3, 2)),), oracles=FD).ok

    def backward_scales_input(dout, x):
        x *= 2  # writes into the input it cached
        return dout.reshape(x.shape)

    report = gc.check_backward(
        forward, backward_scales_input, (rng.normal(size=(2, 3, 2)),), oracles=FD, raise_on_failure=False
    )
    assert not report.ok and report.health[0].message.startswith("backward wrote into its inputs (x)")


def test_numbers_are_not_differentiated_and_saying_so_is_an_error():
    with pytest.raises(
        gc.GradcheckError,
        match=r"backward returned no gradient for any floating-point array input "
        r"\(inputs: a, b; numbers and integer arrays are not differentiated\)",
    ):
        gc.check_backward(lambda a, b: (a * b, None), lambda d, c: (d, d), (2.0, 3.0))


def test_fd_only_entry_points_load_no_framework():
    import subprocess
    import sys

    code = (
        "import numpy as np, gradcheck as gc; x = np.arange(1.0, 7.0).reshape(2, 3); "
        "gc.check_backward(lambda x: (2 * x, None), lambda d, c: d * 2, (x,), oracles=['fd']); "
        "gc.check_vjp(lambda x: 2 * x, lambda g, x: (2 * g,), (x,), oracles=['fd']); "
        "import sys; print(' '.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert not {"torch", "jax"} & set(out.stdout.split())


def test_max_pooling_with_padding_routed_from_the_unpadded_input(rng):
    from entry_layers import max_pool_backward, max_pool_forward

    x = rng.normal(size=(2, 4, 4))
    assert gc.check_backward(max_pool_forward, max_pool_backward, (x, 1), oracles=FD).ok
    report = gc.check_backward(
        max_pool_forward,
        lambda d, c: max_pool_backward(d, c, from_padded=False),
        (x, 1),
        oracles=FD,
        raise_on_failure=False,
    )
    assert report.param("x").diagnosis_kind == "routed"
    assert (
        "in max pooling the argmax within each window (with padding: the window must be read from the padded "
        "input)" in report.param("x").diagnosis
    )
