"""sgd_step is pure: new arrays out, inputs untouched, mismatched grads named."""

import numpy as np
import pytest

from gradcheck.errors import GradcheckError
from gradcheck.nets import sgd_step


def test_sgd_step_returns_new_values_and_does_not_mutate(rng):
    params = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(3)}
    grads = {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(3)}
    before = {k: v.copy() for k, v in params.items()}
    for a in (*params.values(), *grads.values()):
        a.flags.writeable = False
    new = sgd_step(params, grads, lr=0.5)
    assert new is not params and list(new) == ["W1", "b1"]
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
        np.testing.assert_allclose(new[k], before[k] - 0.5 * grads[k], rtol=1e-15)
        assert not np.shares_memory(new[k], params[k])


def test_sgd_step_names_missing_keys_and_bad_shapes():
    params = {"W1": np.zeros((2, 2)), "W2": np.zeros((1, 2))}
    with pytest.raises(GradcheckError, match=r"same keys as params \['W1', 'W2'\] but got grads keys \['W1'\]"):
        sgd_step(params, {"W1": np.zeros((2, 2))}, lr=1.0)
    with pytest.raises(GradcheckError, match=r"grads\['W2'\] of shape \(1, 2\).*got shape \(2, 1\)"):
        sgd_step(params, {"W1": np.zeros((2, 2)), "W2": np.zeros((2, 1))}, lr=1.0)
