"""jvp.py: each input's tangent judged on its own as d/ds_i <c, f(x + s_i k_i t_i)>; tangents drawn or checked."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.entry.gradients import Inputs
from gradcheck._engine.entry.jvp import _step, make_tangents

INS = Inputs(("x", "n"), (np.zeros((2, 2)), np.arange(3)), (True, False))


def test_tangents_are_drawn_for_floating_inputs_only():
    t = make_tangents(INS, None, 0)
    assert t[0].shape == (2, 2) and t[1] is None
    assert np.array_equal(t[0], make_tangents(INS, None, 0)[0])


def test_a_tangent_for_an_integer_input_is_refused():
    with pytest.raises(gc.GradcheckError, match=r"Expected no tangent for n \(not a floating array\)"):
        make_tangents(INS, (np.ones((2, 2)), np.ones(3)), 0)


def test_the_step_is_a_power_of_two_scaling_the_tangent_to_the_input():
    k = _step(np.full(4, 8.0), np.full(4, 0.5))
    assert k == 16.0 and np.log2(k) == round(np.log2(k))


def test_a_jvp_of_a_sum_checks_exactly():
    report = gc.check_jvp(lambda a, b: a + 2 * b, lambda t, a, b: t[0] + 2 * t[1], (np.ones(3), np.ones(3)))
    assert report.ok and report.kind == "jvp" and [p.name for p in report.params] == ["a", "b"]
