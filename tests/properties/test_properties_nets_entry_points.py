"""Property: gradcheck.nets' course-style layers checked through the four entry points (issue 13.6), beside the
check_grad properties of test_properties_nets_layers.py.

- check_backward on the `out, cache = forward(...)` / `backward(dout, cache)` pairs as a student would call it
  (the LSTM cell with its two outputs and (dh, dc); the embedding with its integer ids), against fd, torch, jax;
- check_vjp with several outputs (a tuple and a dict of cotangents, inputs named by names=);
- check_layer on a layer object wrapping a nets layer (parameters and gradients kept on the object; a dropout
  layer drawing its mask from numpy's global RNG), against fd, the oracle for gradients held on an object;
- check_function on a torch.autograd.Function whose backward calls a nets backward, against fd, torch's autograd
  of the forward's body and, through the array-API reference forward, jax.
Shapes come from small sets so the jax oracle compiles each once; values are drawn. float64 only (the float32
properties are in test_properties_nets_layers.py).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcheck import check_backward, check_function, check_layer, check_vjp
from gradcheck.nets import (
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
)
from gradcheck.strategies import finite_arrays, token_ids

ORACLES = ("fd", "torch", "jax")
EXAMPLES = settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LSTM_SHAPES = st.sampled_from(((1, 2, 2), (2, 3, 1)))  # (N, D, H)


def draw(data, **shapes):
    """(finite float64 array of each shape), in the order given."""
    return tuple(data.draw(finite_arrays(shape), label=name) for name, shape in shapes.items())


def lstm_inputs(data, n, d, h):
    return draw(data, x=(n, d), h_prev=(n, h), c_prev=(n, h), Wx=(d, 4 * h), Wh=(h, 4 * h), b=(4 * h,))


@EXAMPLES
@given(shape=LSTM_SHAPES, data=st.data())
def test_check_backward_on_the_lstm_cell_with_a_tuple_cotangent(shape, data, all_oracles_agree):
    n, _, h = shape
    dout = draw(data, dh=(n, h), dc=(n, h))
    report = check_backward(
        lstm_step_forward, lstm_step_backward, lstm_inputs(data, *shape), dout=dout, oracles=ORACLES
    )
    all_oracles_agree(report)
    assert [p.name for p in report.params] == ["x", "h_prev", "c_prev", "Wx", "Wh", "b"]


@EXAMPLES
@given(norm=st.sampled_from(("batch", "layer")), data=st.data())
def test_check_backward_on_batch_and_layer_norm_with_a_drawn_dout(norm, data, all_oracles_agree):
    forward, backward = {
        "batch": (batchnorm_forward, batchnorm_backward),
        "layer": (layernorm_forward, layernorm_backward),
    }[norm]
    report = check_backward(
        forward,
        backward,
        draw(data, x=(3, 2), gamma=(2,), beta=(2,)),
        seed=data.draw(st.integers(0, 2**16), label="seed"),
        oracles=ORACLES,
    )
    all_oracles_agree(report)


@EXAMPLES
@given(stride=st.sampled_from((1, 2)), data=st.data())
def test_check_backward_on_conv2d_with_stride_and_padding(stride, data, all_oracles_agree):
    def forward(x, w, b):
        return conv2d_forward(x, w, b, stride=stride, pad=1)

    report = check_backward(
        forward, conv2d_backward, draw(data, x=(1, 2, 3, 3), w=(2, 2, 2, 2), b=(2,)), oracles=ORACLES
    )
    all_oracles_agree(report)


@EXAMPLES
@given(data=st.data())
def test_check_backward_on_the_embedding_skips_the_integer_ids(data, all_oracles_agree):
    ids = data.draw(token_ids((2, 3), vocab_size=3), label="ids")

    def backward(dout, cache):
        return None, embedding_backward(dout, cache)  # no gradient for the ids

    report = check_backward(embedding_forward, backward, (ids, *draw(data, W=(3, 2))), oracles=ORACLES)
    all_oracles_agree(report)
    assert [p.name for p in report.params] == ["W"]


def lstm_outputs(x, h_prev, c_prev, Wx, Wh, b):
    h, c, _ = lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    return h, c


def lstm_vjp(cot, *inputs):
    *_, cache = lstm_step_forward(*inputs)
    return lstm_step_backward(*cot, cache)


def lstm_dict(x, h_prev, c_prev, Wx, Wh, b):
    h, c = lstm_outputs(x, h_prev, c_prev, Wx, Wh, b)
    return {"h": h, "c": c}


def lstm_dict_vjp(cot, *inputs):
    return lstm_vjp((cot["h"], cot["c"]), *inputs)


@EXAMPLES
@given(shape=LSTM_SHAPES, as_dict=st.booleans(), data=st.data())
def test_check_vjp_with_two_outputs_as_a_tuple_or_a_dict(shape, as_dict, data, all_oracles_agree):
    n, _, h = shape
    dh, dc = draw(data, dh=(n, h), dc=(n, h))
    fn, vjp, cot = (lstm_dict, lstm_dict_vjp, {"h": dh, "c": dc}) if as_dict else (lstm_outputs, lstm_vjp, (dh, dc))
    names = ("x", "h", "c", "U", "V", "bias")
    report = check_vjp(fn, vjp, lstm_inputs(data, *shape), cotangent=cot, names=names, oracles=ORACLES)
    all_oracles_agree(report)
    assert [p.name for p in report.params] == list(names)


class Conv2D:
    """A layer object over the nets conv: parameters and gradients in dicts, the cache kept between calls."""

    def __init__(self, w, b, stride=1, pad=1):
        self.parameters, self.gradients = {"w": w, "b": b}, {}
        self.stride, self.pad = stride, pad

    def forward(self, X):
        out, self.cache = conv2d_forward(
            X, self.parameters["w"], self.parameters["b"], stride=self.stride, pad=self.pad
        )
        return out

    def backward(self, dY):
        dX, self.gradients["w"], self.gradients["b"] = conv2d_backward(dY, self.cache)
        return dX


class Dropout:
    """Inverted dropout drawing its mask from numpy's global RNG at each forward, as course code does."""

    def __init__(self, p):
        self.p, self.parameters, self.gradients = p, {}, {}

    def forward(self, X):
        mask = np.random.rand(*X.shape) >= self.p
        out, self.cache = dropout_forward(X, self.p, mask=mask)
        return out

    def backward(self, dY):
        return dropout_backward(dY, self.cache)


@EXAMPLES
@given(stride=st.sampled_from((1, 2)), pad=st.sampled_from((0, 1)), data=st.data())
def test_check_layer_on_a_conv_layer_object(stride, pad, data):
    X, w, b = draw(data, X=(2, 1, 4, 4), w=(2, 1, 2, 3), b=(2,))
    report = check_layer(Conv2D(w, b, stride, pad), X)
    assert report.ok, str(report)
    assert [(p.name, p.comparisons["fd"].ok) for p in report.params] == [("X", True), ("w", True), ("b", True)]


@EXAMPLES
@given(p=st.sampled_from((0.25, 0.5)), data=st.data())
def test_check_layer_reseeds_a_dropout_layer_that_draws_from_numpys_global_rng(p, data):
    (X,) = draw(data, X=(3, 4))
    state = np.random.get_state()
    report = check_layer(Dropout(p), X)
    assert report.ok, str(report)
    assert np.array_equal(np.random.get_state()[1], state[1])  # the caller's generator state is given back


def layer_norm_function():
    """A torch.autograd.Function whose forward is the nets layer norm and whose backward calls the nets backward."""
    torch = pytest.importorskip("torch")

    class LayerNorm(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, gamma, beta):
            out, ctx.cache = layernorm_forward(x, gamma, beta)
            return out

        @staticmethod
        def backward(ctx, g):
            cache = type(ctx.cache)(*(t.detach().numpy() if torch.is_tensor(t) else t for t in ctx.cache))
            return tuple(torch.from_numpy(np.ascontiguousarray(d)) for d in layernorm_backward(g.numpy(), cache))

    return LayerNorm


def layer_norm_reference(x, gamma, beta):
    return layernorm_forward(x, gamma, beta)[0]


@EXAMPLES
@given(shape=st.sampled_from(((2, 3), (3, 2))), data=st.data())
def test_check_function_on_a_torch_function_calling_a_nets_backward(shape, data, all_oracles_agree):
    F = layer_norm_function()
    n, d = shape
    report = check_function(
        F, draw(data, x=(n, d), gamma=(d,), beta=(d,)), reference=layer_norm_reference, oracles=ORACLES
    )
    all_oracles_agree(report)
    assert [p.name for p in report.params] == ["x", "gamma", "beta"]


# ---- the same calls catch a planted bug and name the input or parameter it is in ------------------------------


def planted(backward, index: int, factor: float):
    """backward with its gradient number `index` multiplied by `factor` (the signature kept)."""

    def wrong(*args):
        grads = list(backward(*args))
        grads[index] = factor * grads[index]
        return tuple(grads)

    return wrong


def nonzero(*shapes):
    rng = np.random.default_rng(7)
    return tuple(rng.uniform(0.5, 1.5, size=s) * rng.choice((-1.0, 1.0), size=s) for s in shapes)


def failing(report):
    return [(p.name, p.diagnosis_kind) for p in report.params if not p.ok]


def test_check_backward_names_a_planted_bug_in_the_lstm_cells_dWh():
    def lstm_backward_bad_dWh(dh, dc, cache):
        return planted(lstm_step_backward, 4, 2.0)(dh, dc, cache)

    inputs = nonzero((2, 3), (2, 2), (2, 2), (3, 8), (2, 8), (8,))
    report = check_backward(
        lstm_step_forward,
        lstm_backward_bad_dWh,
        inputs,
        dout=nonzero((2, 2), (2, 2)),
        oracles="fd,torch",
        raise_on_failure=False,
    )
    assert failing(report) == [("Wh", "scaled")]


def test_check_vjp_names_a_planted_sign_error_in_a_dict_output_cells_bias():
    inputs = nonzero((2, 3), (2, 2), (2, 2), (3, 8), (2, 8), (8,))
    dh, dc = nonzero((2, 2), (2, 2))
    report = check_vjp(
        lstm_dict,
        planted(lstm_dict_vjp, 5, -1.0),
        inputs,
        cotangent={"h": dh, "c": dc},
        names=("x", "h", "c", "U", "V", "bias"),
        oracles="fd,torch",
        raise_on_failure=False,
    )
    assert failing(report) == [("bias", "scaled")]


def test_check_layer_names_a_planted_bug_in_a_layer_objects_parameter():
    class HalfBiasConv(Conv2D):
        def backward(self, dY):
            dX = super().backward(dY)
            self.gradients["b"] = self.gradients["b"] / 2
            return dX

    X, w, b = nonzero((2, 1, 4, 4), (2, 1, 2, 3), (2,))
    assert failing(check_layer(HalfBiasConv(w, b), X, raise_on_failure=False)) == [("b", "scaled")]


def test_check_function_names_a_planted_bug_in_a_torch_functions_dgamma():
    F = layer_norm_function()

    class WrongGamma(F):
        @staticmethod
        def backward(ctx, g):
            dx, dgamma, dbeta = F.backward(ctx, g)
            return dx, 2 * dgamma, dbeta

    report = check_function(WrongGamma, nonzero((3, 2), (2,), (2,)), oracles="fd,torch", raise_on_failure=False)
    assert failing(report) == [("gamma", "scaled")]
