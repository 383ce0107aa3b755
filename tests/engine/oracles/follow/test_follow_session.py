"""follow/session.py: numpy's functions and ufuncs run on followed arrays, or an escape that names them."""

import contextlib

import numpy as np
import pytest

from gradcheck._engine.oracles.follow.array import Followed
from gradcheck._engine.oracles.follow.backends import backend
from gradcheck._engine.oracles.follow.escape import CannotFollow
from gradcheck._engine.oracles.follow.session import Session

pytest.importorskip("torch")


def test_functions_and_ufunc_methods_map_to_the_backend():
    s = Session(backend("torch"))
    x = s.input(np.arange(6.0).reshape(2, 3))
    assert isinstance(np.exp(x), Followed) and s.constant(np.add.reduce(x, axis=1)).tolist() == [3.0, 12.0]
    assert s.constant(np.multiply.outer(x[0], x[1])).shape == (3, 3)
    assert s.constant(np.maximum(x, 2.5)).tolist() == [[2.5, 2.5, 2.5], [3.0, 4.0, 5.0]]
    assert np.shape(x) == (2, 3) and np.result_type(x, np.float32) == np.float64


def test_a_function_without_a_mapping_is_an_escape_naming_it():
    s = Session(backend("torch"))
    with pytest.raises(CannotFollow) as info:
        np.nanmax(s.input(s.backend.leaf(np.ones(3))))
    assert info.value.escape.call == "np.nanmax"
    assert info.value.escape.what == "called a function torch has no mapping for"


def test_a_followed_value_written_into_a_plain_array_is_an_escape_a_constant_is_not():
    s = Session(backend("torch"))
    plain = np.zeros(3)
    np.exp(s.new(np.zeros(3)), out=plain)  # a constant: nothing is lost
    assert plain.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(CannotFollow, match=r"into a plain numpy array \(np.exp\(out=...\)\)"):
        np.exp(s.input(s.backend.leaf(np.zeros(3))), out=plain)


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_numpy_float_and_complex_scalars_are_0d_arrays_of_their_own_dtype(name):
    s = Session(backend(name))
    with contextlib.ExitStack() as stack:
        if name == "jax":
            stack.enter_context(s.backend.jax.enable_x64(True))
        x = s.new(np.arange(3.0, dtype="f4"))
        for scalar in (np.float64(2.0), np.complex128(2.0), np.float32(2.0)):
            got = x * scalar  # np.float64 subclasses float: torch._numpy raised KeyError on it
            assert got.dtype == (np.arange(3.0, dtype="f4") * scalar).dtype
            assert s.backend.to_numpy(got.v).tolist() == [0.0, 2.0, 4.0]
