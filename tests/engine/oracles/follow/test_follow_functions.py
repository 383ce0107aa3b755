"""follow/functions.py: the tables name real numpy functions, and structural ones run on index arrays."""

import numpy as np

from gradcheck._engine.oracles.follow import functions


def test_methods_and_operators_are_numpy_functions():
    assert all(callable(f) for f in functions.METHODS.values())
    assert all(isinstance(u, np.ufunc) for u in (*functions.OPERATORS.values(), *functions.COMPARISONS.values()))


def test_structural_functions_only_rearrange_entries():
    idx = np.arange(12).reshape(3, 4)
    for func in (np.transpose, np.flip, np.ravel, np.copy):
        assert func in functions.STRUCTURAL
        assert sorted(np.ravel(func(idx)).tolist()) == list(range(12))
