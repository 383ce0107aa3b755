"""The FD method: exact on polynomials it should be exact on, accurate with an honest error estimate."""

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gradcheck._engine.finite_diff import CentralRichardson

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


@pytest.mark.parametrize("offset", [0.0, 1e-3, -2e-3])
def test_a_kink_in_the_stencil_is_not_called_smooth(offset):
    est = CentralRichardson().derivative(lambda t: max(0.0, t + offset), f0=max(0.0, offset))
    assert not est.smooth
    lo, hi = est.one_sided
    assert lo <= 0.5 <= hi or abs(offset) > 0


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
