"""follow/creation.py: numpy's constructors in the user's code make followed arrays, for one call only."""

import numpy as np
import pytest

from gradcheck._engine.oracles.follow.array import Followed
from gradcheck._engine.oracles.follow.backends import backend
from gradcheck._engine.oracles.follow.creation import followed_constructors
from gradcheck._engine.oracles.follow.session import Session

pytest.importorskip("torch")


def test_the_users_buffers_and_conversions_are_followed_numpys_own_calls_are_not():
    s = Session(backend("torch"))
    x, ones = s.input(np.arange(4.0)), np.ones(2)
    with followed_constructors(s):
        buf = np.zeros((2, 2))
        same = np.asarray(x)
        stacked = np.array([x[0], x[1]])
        padded = np.pad(ones, 1)  # numpy's np.pad calls np.empty itself: that one stays plain
        rng = np.random.RandomState(0)  # compiled code calling np.empty: plain too
    assert isinstance(buf, Followed) and same is x and isinstance(stacked, Followed)
    assert isinstance(padded, np.ndarray) and rng.rand() == np.random.RandomState(0).rand()
    assert np.zeros.__module__ == "numpy" and not isinstance(np.zeros(2), Followed)  # restored
