"""jvp_diagnosis.py: fd's directional derivative of f along one tangent, output by output, beside the rule's."""

import numpy as np

from gradcheck._engine.diagnose.jvp_diagnosis import _output_finding, directional_fd, only


def test_the_directional_derivative_of_every_output_entry():
    x = np.array([0.1, 0.5, -1.0])
    t = np.array([1.0, -1.0, 2.0])
    value, error = directional_fd(lambda vals: (np.sin(vals[0]), vals[0] ** 2), [x], 0, t)
    assert np.allclose(value[0], np.cos(x) * t, atol=1e-10) and np.allclose(value[1], 2 * x * t, atol=1e-10)
    assert np.all(error[0] < 1e-8)


def test_an_output_matching_fd_has_no_finding_and_a_scaled_one_says_the_factor():
    ref, err = np.array([1.0, 2.0]), np.zeros(2)
    assert _output_finding("output", ref.copy(), ref, err) is None
    assert _output_finding("output", 2 * ref, ref, err) == (
        "output wrong in 2/2 entries (yours = 2 x the directional derivative in every entry), worst at (1,): "
        "yours 4, fd 2"
    )


def test_only_keeps_one_inputs_tangent():
    a, b = np.ones(2), np.full(3, 2.0)
    kept = only([a, b, None], 1)
    assert not kept[0].any() and kept[1] is b and kept[2] is None
