"""hvp.py: check_hvp reduces to the check of <grad L, v>'s gradient; the vector is drawn from the seed or checked."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.entry.hvp import _frameworks, make_vector


def test_the_vector_is_drawn_from_the_seed_in_params_own_containers():
    params = {"W": np.zeros((2, 3)), "b": [np.zeros(2)]}
    v0, v1 = make_vector(params, None, 0), make_vector(params, None, 1)
    assert v0["W"].shape == (2, 3) and isinstance(v0["b"], list) and v0["b"][0].shape == (2,)
    assert np.array_equal(v0["W"], make_vector(params, None, 0)["W"]) and not np.array_equal(v0["W"], v1["W"])


def test_a_given_vector_is_read_as_float64_and_checked():
    v = make_vector({"w": np.zeros(2)}, {"w": np.array([1, 2], dtype=np.float32)}, 0)
    assert v["w"].dtype == np.float64 and v["w"].tolist() == [1.0, 2.0]
    with pytest.raises(gc.GradcheckError, match="Expected vector entry 'w' of shape"):
        make_vector({"w": np.zeros(2)}, {"w": np.ones(3)}, 0)


def test_oracles_naming_only_fd_use_no_framework():
    assert _frameworks(("fd",)) == ()
    assert _frameworks(("fd", "jax")) == ("jax",)


def test_a_quadratic_checks_exactly():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    report = gc.check_hvp(lambda p: 0.5 * p["x"] @ A @ p["x"], lambda p, v: {"x": A @ v["x"]}, {"x": np.ones(2)})
    assert report.ok and report.kind == "hvp" and report.reproduce == "check_hvp(..., seed=0)"
