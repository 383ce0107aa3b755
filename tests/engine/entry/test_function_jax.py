"""function_jax.py: a jax.custom_vjp function's value by calling it, the AD oracle on the undecorated primal,
and yours by its own fwd and bwd rules, one gradient per input (None for nondiff and float0 ones)."""

import functools

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import gradcheck as gc  # noqa: E402 - after the skip
from gradcheck._engine.entry.function_jax import JaxFunction  # noqa: E402


@functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
def power(x, k):
    return x**k


def power_fwd(x, k):
    return x**k, x


def power_bwd(k, x, g):
    return (g * k * x ** (k - 1),)


power.defvjp(power_fwd, power_bwd)


@jax.custom_vjp
def twice(x, y):
    return 2 * x * y


twice.defvjp(lambda x, y: (2 * x * y, (x, y)), lambda res, g: (2 * g * res[1],))  # one gradient for two inputs


@jax.custom_vjp
def repeat(x, n):
    return x * n


repeat.defvjp(lambda x, n: (x * n, n), lambda n, g: (g * n, np.zeros(np.shape(n), dtype=jax.dtypes.float0)))

X = np.array([1.0, -2.0, 0.5])


def test_labels_and_nondiff_arguments_are_read_from_f():
    fn = JaxFunction(power, True)
    assert fn.label == "power" and fn.backward_label == "power's bwd rule" and fn.body_label == "power (undecorated)"
    assert fn.nondiff == (1,) and fn.skip == 0


def test_forward_gives_float64_numpy_values_and_body_is_the_undecorated_primal():
    fn = JaxFunction(power, True)
    (out,) = fn.forward([X, 3])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and np.allclose(out, X**3)
    with jax.enable_x64(True):
        (y,) = fn.body([jax.numpy.asarray(X), 3], ["x"])
    assert fn.owns(y) and np.allclose(np.asarray(y), X**3)


def test_yours_runs_fwd_and_bwd_and_gives_none_for_a_nondiff_argument():
    gx, gk = JaxFunction(power, True).yours([X, 3], [np.ones(3)])
    assert gk is None and gx.dtype == np.float64 and np.allclose(gx, 3 * X**2, rtol=1e-15)


def test_a_bwd_returning_too_few_gradients_is_an_error_saying_jaxs_rule():
    with pytest.raises(gc.GradcheckError, match=r"twice's bwd rule returned 1 gradients for 2 differentiable"):
        JaxFunction(twice, True).yours([X, X], [np.ones(3)])


def test_a_float0_gradient_for_an_integer_argument_is_no_gradient():
    gx, gn = JaxFunction(repeat, True).yours([X, np.array(3)], [np.ones(3)])
    assert gn is None and np.array_equal(gx, np.full(3, 3.0))
