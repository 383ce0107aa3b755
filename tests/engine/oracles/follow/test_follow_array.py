"""follow/array.py: numpy's semantics over framework values: views written through, functional writes that
keep autograd right, numpy idioms computing the plain value and fd's gradient under torch and jax."""

import numpy as np
import pytest

from gradcheck._engine.oracles.follow.array import Followed
from gradcheck._engine.oracles.follow.backends import backend
from gradcheck._engine.oracles.follow.run import jax_gradients, torch_gradients
from gradcheck._engine.oracles.follow.session import Session
from gradcheck._engine.problem.problem import Problem

from ...follow_idioms import IDIOMS

pytest.importorskip("torch")
pytest.importorskip("jax")


def _point():
    rng = np.random.default_rng(5)
    return rng.normal(size=(4, 6)), rng.normal(size=(6, 4))


def _fd(problem):
    x = problem.leaves[0]
    g = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1e-6
        g[i] = (problem.evaluate([x + e.reshape(x.shape)]) - problem.evaluate([x - e.reshape(x.shape)])) / 2e-6
    return g.reshape(x.shape)


@pytest.mark.parametrize("idiom", IDIOMS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("gradients", [torch_gradients, jax_gradients], ids=["torch", "jax"])
def test_an_idiom_followed_gives_the_numpy_value_and_fds_gradient(idiom, gradients):
    x, a = _point()
    problem = Problem.at(lambda p, a: idiom(p["x"], a), {"x": x}, (a,))
    grads, value = gradients(problem)
    assert value == pytest.approx(problem.f0, rel=1e-12)
    assert np.allclose(grads[0], _fd(problem), rtol=1e-5, atol=1e-6)


def test_a_view_written_through_changes_its_base_and_other_views():
    s = Session(backend("torch"))
    x = s.input(np.arange(6.0).reshape(2, 3))
    row, col = x[1], x.T[2]
    row[...] = 0  # numpy: x[1] is now zeros, and so is col's second entry
    assert isinstance(row, Followed) and s.constant(x).tolist() == [[0, 1, 2], [0, 0, 0]]
    assert s.constant(col).tolist() == [2.0, 0.0]
    x[0, 2] = 9
    assert s.constant(col).tolist() == [9.0, 0.0]


def test_numpy_decides_copies_a_reshape_of_a_transpose_is_one():
    s = Session(backend("torch"))
    x = s.input(np.arange(6.0).reshape(2, 3))
    copy = x.T.reshape(6)  # not contiguous: numpy copies
    copy[0] = 100
    assert s.constant(x)[0, 0] == 0 and s.constant(copy)[0] == 100
    view = x.reshape(3, 2)  # contiguous: a view
    view[0, 0] = 7
    assert s.constant(x)[0, 0] == 7


def test_writes_never_change_a_value_autograd_saved():
    s = Session(backend("torch"))
    x = s.input(np.ones(3))
    before = x.v.tensor
    x[0] = 5
    assert before.tolist() == [1.0, 1.0, 1.0] and s.constant(x).tolist() == [5.0, 1.0, 1.0]


def test_metadata_reads_like_numpy():
    s = Session(backend("torch"))
    x = s.input(np.zeros((2, 3, 4)))
    plain = np.zeros((2, 3, 4))
    assert (x.shape, x.ndim, x.size, x.dtype, x.strides) == (plain.shape, 3, 24, plain.dtype, plain.strides)
    assert x[:, 1].strides == plain[:, 1].strides and x.T.shape == (4, 3, 2) and len(x) == 2
