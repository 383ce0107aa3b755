"""The loss's measured round-off: a lattice of values far above eps is found; a linear loss, a smooth one and a
kink beside the point are not mistaken for round-off."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck._engine.oracles.roundoff import EPS, FINE, Roundoff, measure, measured_noise, quantum
from gradcheck._engine.problem.problem import Problem


def problem(loss, w):
    return Problem.at(loss, {"w": np.asarray(w, dtype=np.float64)})


def confident_softmax(p):
    """A softmax cross-entropy of a confident right prediction, times 1e12: lse - z_y by cancellation."""
    w = p["w"]
    z = np.array([w[0] - 4.7, 3 * w[1] - w[2] - 27.4])
    m = z.max()
    return 1e12 * (m + np.log(np.sum(np.exp(z - m))) - z[0])


def test_a_loss_computed_by_cancellation_shows_its_quantum():
    pr = problem(confident_softmax, [0.1, 0.2, -0.3])
    q = np.spacing(4.6) * 1e12  # the loss's values round to multiples of ulp(logit) x 1e12
    assert measured_noise(pr) == pytest.approx(q, rel=1e-6)
    assert measured_noise(pr) > 1e8 * EPS * abs(pr.f0)


@pytest.mark.parametrize(
    "loss",
    [
        lambda p: float(np.sum(p["w"])),  # linear, slopes commensurate along every sign direction
        lambda p: float(np.sum(3 * p["w"]) + 0.25),
        lambda p: float(np.sum(np.tanh(p["w"]) ** 2)),
    ],
)
def test_linear_and_smooth_losses_have_round_off_of_a_few_eps(loss):
    pr = problem(loss, [0.3, -1.2, 2.0, 0.7])
    assert measured_noise(pr) <= 64 * EPS * max(1.0, abs(pr.f0))


def test_a_kink_beside_the_point_is_not_read_as_round_off():
    """A ReLU whose input is 1e-7 from 0: inside the wide measuring steps, outside the fine ones."""

    def loss(p):
        return float(np.maximum(p["w"][0] - 1e-7, 0.0) + np.sum(p["w"] ** 2))

    pr = problem(loss, [0.0, 0.5, -0.5])
    assert measured_noise(pr) <= 64 * EPS


def test_a_quantum_is_whole_multiples_of_the_smallest_change_at_both_scales():
    q, f0, tol = 2.0**-10, 1.0, 1e-14
    wide = [f0 + k * q for k in (3, -4, 2, -2, 1, -1)]
    assert quantum(wide, [f0] * 6, f0, tol) == q
    assert quantum(wide, [f0] * 5 + [f0 + q], f0, tol) == q  # moving at the fine steps too, on the same lattice
    one = [f0 + k * q for k in (1, 0, 0, 0, 0, 0)]  # one quantum, on one side: measure() confirms it at 4 more steps
    assert quantum(one, [f0] * 6, f0, tol) == 0.0 and quantum(one, [f0] * 6, f0, tol, at_least=1) == q
    assert quantum(wide[:5] + [f0 + 0.123], [f0] * 6, f0, tol) == 0.0  # not whole multiples
    assert quantum([f0 + 2000 * q] + wide[1:], [f0] * 6, f0, tol) == 0.0  # too many quanta to be evidence
    tiny = [f0 + k * 2e-12 for k in (4, -4, 2, -2, 1, -1)]  # a smooth function stalls at 1/64 of these
    assert quantum(tiny, [f0] * 6, f0, tol) == 0.0  # too close to the float spacing to tell


@pytest.mark.parametrize("slope", [1e-3, 0.37, 2.0, 1e3])
def test_a_linear_loss_never_shows_a_quantum(slope):
    """Its changes at the wide and fine steps stand in the ratio FINE = 64 sqrt(2), no ratio of small wholes."""
    t, f0 = 2.0**-20, 0.5

    def sample(t):
        return [f0 + slope * s * t / m for m in (1, 2, 4) for s in (1, -1)]

    assert quantum(sample(t), sample(t / FINE), f0, 8 * EPS) == 0.0


def test_a_kink_turning_on_where_the_loss_is_flat_is_not_a_quantum():
    """A dead ReLU that comes alive 1e-4 away: the loss is flat at the tiny steps and moves once, on one side, at
    a wider one; the four confirming steps see the change grow with the step."""

    def loss(p):
        return float(np.maximum(p["w"][0] - 1e-4, 0.0) + 0.5)

    assert measure(problem(loss, [0.0, 0.3, -0.2])) == Roundoff(0.0, 0.0)


def test_a_loss_that_moves_by_one_quantum_at_one_step_is_confirmed():
    q = 2.0**-30

    def loss(p):  # a smooth loss rounded to multiples of q, nearly flat along every direction at the point
        return q * round((0.25 + 1e-5 * float(np.sum(p["w"]))) / q)

    found = measure(problem(loss, [0.0, 0.0, 0.0, 0.0]))
    assert found.quantum == q
