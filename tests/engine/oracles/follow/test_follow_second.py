"""follow/second.py: H v of a numpy loss, followed under torch (reverse over reverse) and jax (jvp of grad)."""

import numpy as np
import pytest

from gradcheck._engine.oracles import CannotRun
from gradcheck._engine.oracles.follow.array import Followed
from gradcheck._engine.oracles.follow.second import follows_twice, jax_hvp, torch_hvp
from gradcheck._engine.problem.directional import GradientSource, directional
from gradcheck._engine.problem.problem import Problem

HVPS = [(torch_hvp, "torch"), (jax_hvp, "jax")]
rng = np.random.default_rng(0)
A = rng.standard_normal((3, 3))
X, V, Y, U = (rng.standard_normal(3) for _ in range(4))


def quad_sin(p, A):  # L = 1/2 x^T A x + sum cos(x) + y . x: H v = (A + A^T) v / 2 - cos(x) v
    x = p["x"]
    return 0.5 * x @ A @ x + np.sum(np.cos(x)) + 0.25 * np.sum(p["y"] * x) + np.sum(p["y"] ** 3)


def pairing_problem(loss, params, vector, *args):
    return Problem.at(directional(loss, GradientSource(None, 2.0**-7)), params, (vector, *args))


@pytest.mark.parametrize("hvp,name", HVPS)
def test_the_followed_product_is_exact_to_round_off(hvp, name):
    pytest.importorskip(name)
    problem = pairing_problem(quad_sin, {"x": X, "y": Y}, {"x": V, "y": U}, A)
    (hx, hy), dot = hvp(problem)
    assert np.allclose(hx, 0.5 * (A + A.T) @ V - np.cos(X) * V + 0.25 * U, rtol=1e-13, atol=1e-14)
    assert np.allclose(hy, 0.25 * V + 6 * Y * U, rtol=1e-13, atol=1e-14)
    grad = {"x": 0.5 * (A + A.T) @ X - np.sin(X) + 0.25 * Y, "y": 0.25 * X + 3 * Y**2}
    assert dot == pytest.approx(grad["x"] @ V + grad["y"] @ U, rel=1e-13)


@pytest.mark.parametrize("hvp,name", HVPS)
def test_a_loss_linear_in_its_params_has_a_zero_product(hvp, name):
    pytest.importorskip(name)
    problem = pairing_problem(lambda p: np.sum(3.0 * p["x"]), {"x": X}, {"x": V})
    (hx,), dot = hvp(problem)
    assert np.array_equal(hx, np.zeros(3)) and dot == pytest.approx(3 * np.sum(V), rel=1e-14)


def branches_on_type(p):
    x = p["x"]
    return np.sum(x**2) * (2.0 if isinstance(x, Followed) else 1.0)  # computes another function when followed


@pytest.mark.parametrize("hvp,name", HVPS)
def test_a_followed_forward_that_differs_from_yours_is_never_differentiated(hvp, name):
    pytest.importorskip(name)
    with pytest.raises(CannotRun) as info:
        hvp(pairing_problem(branches_on_type, {"x": np.ones(3)}, {"x": V}))
    assert str(info.value) == (
        f"your numpy loss followed under {name} gives 6 against 3 in plain numpy: {name}'s translation of it "
        f"computes something else, so its gradient is not used"
    )


def test_only_check_hvps_pairing_is_followed_twice():
    assert follows_twice(pairing_problem(quad_sin, {"x": X, "y": Y}, {"x": V, "y": U}, A))
    assert not follows_twice(Problem.at(quad_sin, {"x": X, "y": Y}, (A,)))
