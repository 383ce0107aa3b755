"""taylor.py: the Taylor test decides float32 losses (remainder order 2 when right, 1 when wrong); plot data."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.oracles.taylor import taylor_data, taylor_test


def f32_loss(p, x):
    """A loss computed in float32 whatever the params' dtype: FD on it sees float32 round-off."""
    W = p["W"].astype(np.float32)
    return np.sum(np.log1p(np.exp((W @ x).astype(np.float32))), dtype=np.float32)


def f32_grad(p, x):
    W = p["W"].astype(np.float32)
    s = 1 / (1 + np.exp(-(W @ x)))  # d/dz log(1 + e^z) = sigmoid(z)
    return {"W": (s @ x.T).astype(np.float32)}


@pytest.fixture
def f32_problem():
    rng = np.random.default_rng(2)
    return {"W": rng.normal(size=(6, 5)).astype(np.float32)}, rng.normal(size=(5, 40)).astype(np.float32)


def test_right_float32_code_of_a_noisy_loss_passes_by_the_taylor_test(f32_problem):
    params, x = f32_problem
    report = gc.check_grad(f32_loss, f32_grad, params, args=(x,), oracles=("fd",))  # fd alone: the Taylor rule
    w = report.param("W")
    assert report.ok and w.taylor is not None
    assert w.taylor.verdict == "consistent" and 1.7 <= w.taylor.order <= 2.6
    assert "Taylor test: remainder order" in str(report)


def test_wrong_float32_code_fails_the_taylor_test(f32_problem):
    params, x = f32_problem

    def bad(p, x):
        return {"W": f32_grad(p, x)["W"] * np.float32(0.5)}  # a factor 2 lost

    report = gc.check_grad(f32_loss, bad, params, args=(x,), raise_on_failure=False, oracles=("fd",))
    assert not report.ok
    assert report.param("W").taylor.verdict == "wrong" and report.param("W").taylor.order < 1.3


def test_taylor_order_is_two_when_right_and_one_when_wrong():
    def phi(t):
        return np.exp(0.3 + t)

    right = taylor_test(phi, phi(0.0), np.exp(0.3), 1.0)
    wrong = taylor_test(phi, phi(0.0), np.exp(0.3) * 1.01, 1.0)
    assert abs(right.order - 2) < 0.1 and right.verdict == "consistent"
    assert abs(wrong.order - 1) < 0.1 and wrong.verdict == "wrong"


def test_taylor_data_gives_error_versus_step_for_a_plot(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    data = taylor_data(loss, grad, params, args, seed=3)
    assert len(data["h"]) == len(data["remainder"]) == len(data["fd_error"]) == 16
    assert data["verdict"] == "consistent" and data["seed"] == 3
    assert data["h"] == sorted(data["h"], reverse=True)


def test_steps_halve_from_the_first():
    from gradcheck._engine.oracles.taylor import steps

    assert steps(0.5, 4) == [0.5, 0.25, 0.125, 0.0625]


def test_fit_order_reads_the_slope_of_log_r_over_the_smallest_steps_above_the_floor():
    from gradcheck._engine.oracles.taylor import fit_order

    hs = [2.0**-k for k in range(10)]
    order, used, spread = fit_order(hs, [3 * h**2 for h in hs], floor=0.0)
    assert abs(order - 2) < 1e-12 and used == 4 and spread < 1e-12
    floor = 3 * hs[5] ** 2  # steps 5.. are round-off: the fit ends at step 4
    order, used, _ = fit_order(hs, [3 * h**2 for h in hs[:5]] + [1e-300] * 5, floor=floor)
    assert used == 4 and abs(order - 2) < 1e-12
    assert fit_order(hs, [1e-300] * 10, floor=1e-20) == (None, 0, None)


def test_judge_decides_only_when_the_uncertainty_keeps_the_order_on_its_side():
    from gradcheck._engine.oracles.taylor import judge

    assert judge(2.0) == judge(1.75, 0.2) == judge(None) == "consistent"
    assert judge(1.0) == judge(1.3, 0.1) == "wrong"
    assert judge(1.5) == judge(1.8, 0.3) == judge(1.2, 0.2) == "undecided"


def test_directional_sums_over_the_blocks_the_direction_covers():
    from gradcheck._engine.oracles.taylor import directional

    assert directional([np.ones(2), np.full(3, 7.0)], [np.array([0.5, 2.0]), None]) == 2.5
