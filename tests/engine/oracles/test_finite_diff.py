"""The FD method: exact on polynomials it should be exact on, accurate with an honest error estimate."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gradcheck._engine.oracles.finite_diff import CentralRichardson

SMOOTH = [
    (np.sin, np.cos),
    (np.exp, np.exp),
    (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    (lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    (lambda x: np.log1p(x * x), lambda x: 2 * x / (1 + x * x)),
]


@given(x=st.floats(-3, 3), k=st.integers(0, len(SMOOTH) - 1))
@example(x=1.0, k=4)  # an inflection point of log1p(x^2): the bend falls like h^3, not a kink
@example(x=0.0, k=0)  # sin at 0: f'' = 0 too
def test_error_estimate_bounds_the_true_error(x, k):
    f, df = SMOOTH[k]
    est = CentralRichardson().derivative(lambda t: f(x + t), scale=abs(x), f0=f(x))
    assert est.smooth
    assert abs(est.value - df(x)) <= est.error
    assert est.error <= 1e-7 * max(1.0, abs(df(x)))


@given(coeffs=st.lists(st.floats(-10, 10), min_size=1, max_size=6), x=st.floats(-2, 2))
def test_polynomials_up_to_degree_five_are_differentiated_to_round_off(coeffs, x):
    p = np.polynomial.Polynomial(coeffs)
    est = CentralRichardson().derivative(lambda t: p(x + t), scale=abs(x))
    assert abs(est.value - p.deriv()(x)) <= 1e-8 * max(1.0, float(np.abs(coeffs).sum()) * 32)


def test_a_kink_at_the_point_is_not_called_smooth():
    est = CentralRichardson().derivative(lambda t: max(0.0, t), f0=0.0)
    assert not est.smooth and est.kind == "kink"
    lo, hi = est.one_sided
    assert lo <= 0.5 <= hi and abs(lo) <= est.error and abs(hi - 1) <= est.error


@pytest.mark.parametrize("offset", [1e-3, -2e-3])
def test_a_kink_near_the_point_is_left_behind_as_the_stencil_shrinks(offset):
    """The point is differentiable (slope 1 or 0): smaller steps give that slope, not an interval around it."""
    est = CentralRichardson().derivative(lambda t: max(0.0, t + offset), f0=max(0.0, offset))
    assert est.kind == "smooth" and est.one_sided is None
    assert abs(est.value - (1.0 if offset > 0 else 0.0)) <= est.error <= 1e-9


@given(a=st.floats(-3, 3), c=st.floats(0.1, 8), w=st.floats(0, 16))
@example(a=0.67, c=8.0, w=8.0)  # central-difference terms nearly cancel at the first steps: smooth all the same
def test_a_smooth_function_is_never_called_a_kink(a, c, w):
    est = CentralRichardson().derivative(lambda t: math.tanh(a + c * t), scale=w, f0=math.tanh(a))
    assert est.kind != "kink" and est.one_sided is None
    true = c * (1 - math.tanh(a) ** 2)
    assert abs(est.value - true) <= 4 * est.error  # k_fd = 4 errors, as the verdict allows
    if (a, c, w) == (0.67, 8.0, 8.0):
        assert est.error <= 1e-5 * abs(true)  # a 6% error there was once accepted as "between the slopes"


def test_method_is_a_value_with_a_readable_repr():
    m = CentralRichardson(levels=2, rel_step=2.0**-6)
    assert repr(m) == "central_richardson(levels=2, rel_step=2^-6)"
    assert m.order == 4 and m.evaluations == 4
    assert m == CentralRichardson(levels=2, rel_step=2.0**-6)
    with pytest.raises(ValueError, match=r"levels=0"):
        CentralRichardson(levels=0)


def test_steps_are_powers_of_two():
    m = CentralRichardson()
    for scale in (0.0, 0.5, 3.0, 1e4):
        h = m.step(scale)
        assert math.log2(h) == round(math.log2(h))


@pytest.mark.parametrize("offset", [4e-4, 2.8e-4, -2.8e-4])
def test_a_small_kink_beyond_the_first_steps_is_left_behind_further_down(offset):
    """A small jump (1.6e-4) under strong curvature, 3e-4 from the point: the first steps straddle it and are
    biased by up to half the jump, without a steady gap (not a kink at the point); deeper steps give the
    derivative at the point. (Closer kinks show a steady gap and are judged by their interval.)"""

    def f(t):
        return 0.3 * t * t - 0.085 * t + 1.6e-4 * max(0.0, t + offset)

    est = CentralRichardson().derivative(f, f0=f(0.0))
    true = -0.085 + (1.6e-4 if offset > 0 else 0.0)
    assert est.kind == "smooth" and est.one_sided is None
    assert abs(est.value - true) <= est.error <= 1e-9


@pytest.mark.parametrize("jump", [-0.376, 0.376])
@pytest.mark.parametrize("delta", [1.47e-4, -3e-4, 1e-3])
def test_a_kinks_slopes_are_the_points_own_when_a_second_kink_lies_within_the_larger_steps(delta, jump):
    """A ReLU exactly at 0 beside another `delta` away (two examples of one unit, scale 1e6 in the soundness run
    that found it): the larger steps straddle both, so their slopes are steady but not the point's; the
    interval is read where the slopes settle, at smaller steps."""

    def f(t):
        return 0.3 * t * t + 1.3576 * t + 0.3761 * max(0.0, t) + jump * max(0.0, (t - delta) * np.sign(delta))

    est = CentralRichardson().derivative(f, scale=0.287, f0=f(0.0))
    assert est.kind == "kink"
    lo, hi = est.one_sided
    assert abs(lo - 1.3576) <= max(est.error, 1e-9) and abs(hi - 1.7337) <= max(est.error, 1e-9)


@pytest.mark.parametrize("delta", [1.47e-4, -3e-4])
def test_no_kink_at_the_point_when_the_only_kinks_lie_within_the_larger_steps(delta):
    """Two ReLUs near (not at) the point: the larger steps see a steady gap, the settled ones a smooth point."""

    def f(t):
        return 0.3 * t * t + 1.3576 * t + 0.3761 * max(0.0, t + delta / 4) - 0.5 * max(0.0, t - delta)

    est = CentralRichardson().derivative(f, scale=0.287, f0=f(0.0))
    true = 1.3576 + (0.3761 if delta > 0 else 0.0) - (0.5 if delta < 0 else 0.0)
    assert est.one_sided is None and abs(est.value - true) <= 4 * est.error <= 1e-6


def test_a_closer_look_finds_a_small_kink_hidden_under_strong_curvature():
    """A jump of 1e-4 in the slope under a curvature term of 2e4: the first steps look smooth (their midpoint
    passes for the derivative); the closer look, taken where yours disagrees, finds the kink and its slopes."""

    def f(t):
        return 1e4 * (math.exp(2 * t) - 1 - 2 * t) + 0.3 * t + 1e-4 * max(0.0, t)

    assert CentralRichardson().derivative(f, f0=f(0.0)).kind == "smooth"
    est = CentralRichardson().derivative(f, f0=f(0.0), closer=True)
    assert est.kind == "kink"
    lo, hi = sorted(est.one_sided)
    assert lo - est.error <= 0.3 and 0.3001 <= hi + est.error


@given(a=st.floats(-3, 3), c=st.floats(0.1, 8), w=st.floats(0, 16))
@example(a=0.67, c=8.0, w=8.0)
def test_a_closer_look_never_calls_a_smooth_function_a_kink(a, c, w):
    est = CentralRichardson().derivative(lambda t: math.tanh(a + c * t), scale=w, f0=math.tanh(a), closer=True)
    assert est.kind != "kink" and est.one_sided is None
    assert abs(est.value - c * (1 - math.tanh(a) ** 2)) <= 4 * est.error
