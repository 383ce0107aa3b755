"""Inputs as real libraries hand them over: a 0-d float input, options dicts a forward pops keys from, params
nested far too deep, a gradient returned as nested lists, gradients kept as `d_weights`."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.problem.problem import _shifted

FD = ("fd",)


def test_a_0d_input_reaches_the_users_code_as_a_0d_array_at_every_step():
    out = _shifted(np.array(1.5), np.array(1.0), 0.25)
    assert isinstance(out, np.ndarray) and out.shape == () and out == 1.75
    seen = set()

    def loss(p):
        seen.add(type(p["s"]))
        return float(p["s"] ** 3)

    assert gc.check_grad(loss, lambda p: {"s": 3 * p["s"] ** 2}, {"s": np.array(0.7)}, oracles=FD).ok
    assert seen == {np.ndarray}  # fd's entries and its probes alike


def test_params_nested_thousands_deep_are_refused_naming_the_depth():
    params = np.ones(2)
    for _ in range(3000):
        params = [params]
    with pytest.raises(gc.GradcheckError) as e:
        gc.check_grad(lambda p: 0.0, lambda p: p, params)
    assert str(e.value) == (
        "Expected params to be arrays in containers nested at most 200 deep but params goes deeper (at "
        "params[0][0][0][0][0][0][0][ ... [0][0][0][0][0][0][0][0][0]; a container that holds itself never ends): "
        "pass the arrays in a flatter dict or list"
    )


def test_a_container_that_holds_itself_is_refused():
    loop = []
    loop.append(loop)
    with pytest.raises(gc.GradcheckError, match="a container that holds itself never ends"):
        gc.check_grad(lambda p: 0.0, lambda p: p, {"W": loop})


def test_a_gradient_returned_as_nested_lists_is_read_as_an_array_where_params_hold_an_array():
    W = np.arange(6.0).reshape(2, 3) / 5

    def loss(p):
        return 0.5 * float(np.sum(p["W"] ** 2))

    assert gc.check_grad(loss, lambda p: {"W": p["W"].tolist()}, {"W": W}, oracles=FD).ok
    assert gc.check_grad(lambda p: loss({"W": p[0]}), lambda p: [p[0].tolist()], [W], oracles=FD).ok
    wrong = gc.grad_report(loss, lambda p: {"W": (2 * p["W"]).tolist()}, {"W": W}, oracles=FD)
    assert wrong.param("W").diagnosis == (
        "yours = 2 x reference (scale 2): the loss has a 1/2 that the gradient lacks; d/dy_hat of 1/2 (y_hat - y)^2 "
        "is (y_hat - y), not 2 (y_hat - y)"
    )
