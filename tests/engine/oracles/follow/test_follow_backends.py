"""follow/backends.py: gathers and functional writes on torch and jax values (the original never changes)."""

import numpy as np
import pytest

from gradcheck._engine.oracles.follow.backends import backend


@pytest.mark.parametrize("name", ["torch", "jax"])
def test_put_is_functional_and_accumulates_repeated_indices(name):
    pytest.importorskip(name)
    b = backend(name)
    a = b.inner(np.zeros(4))
    idx = np.array([1, 1, 3])
    added = b.put(a, idx, b.inner(np.ones(3)), accumulate=True)
    assert b.to_numpy(added).tolist() == [0.0, 2.0, 0.0, 1.0] and b.to_numpy(a).tolist() == [0.0] * 4
    assert b.to_numpy(b.gather(added, np.array([[3, 1]]))).tolist() == [[1.0, 2.0]]
    assert not b.depends(a) and b.dtype(a) == np.dtype(np.float64 if name == "torch" else b.dtype(a))
