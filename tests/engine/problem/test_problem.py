"""Problem: the one definition of the loss along a direction, phi(t) = loss(x + t v), and its step scale."""

import numpy as np
import pytest

from gradcheck._engine.oracles.finite_diff import CentralRichardson
from gradcheck._engine.oracles.probes import global_direction, measure
from gradcheck._engine.problem.problem import Problem


def _loss(p, a):
    return float(np.sum(np.sin(p["W"] @ a)) + np.sum(p["b"] ** 2))


@pytest.fixture
def problem():
    rng = np.random.default_rng(0)
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}
    return Problem.at(_loss, params, (rng.normal(size=2),), seed=5)


def test_along_is_the_loss_at_x_plus_t_v(problem):
    v = global_direction(5, 0, [x.shape for x in problem.leaves])
    W, b = (x + 0.3 * d for x, d in zip(problem.leaves, v))
    assert problem.along(v)(0.3) == _loss({"W": W, "b": b}, *problem.args)
    assert problem.along(v)(0.0) == problem.f0


def test_along_leaves_none_blocks_at_the_point(problem):
    v = [None, np.ones(3)]
    assert problem.along(v)(0.5) == _loss({"W": problem.leaves[0], "b": problem.leaves[1] + 0.5}, *problem.args)


def test_along_entries_moves_one_entry_and_restores_it(problem):
    seen = []
    for b, j, xj, phi in problem.along_entries():
        shifted = [x.copy() for x in problem.leaves]
        shifted[b].reshape(-1)[j] += 0.25
        assert phi(0.25) == _loss(dict(zip(("W", "b"), shifted)), *problem.args)
        assert xj == problem.leaves[b].reshape(-1)[j]
        seen.append((b, j))
    assert seen == [(0, j) for j in range(6)] + [(1, j) for j in range(3)]
    assert phi(0.0) == problem.f0  # the working copy is back at the point


def test_scale_is_rms_times_sqrt_n_at_least_sqrt_n(problem):
    v = global_direction(5, 0, [x.shape for x in problem.leaves])
    rms = np.sqrt(np.mean(np.concatenate([x.ravel() for x in problem.leaves]) ** 2))
    assert problem.scale(v) == pytest.approx(max(1.0, rms) * 3.0)
    assert problem.scale([None, np.ones(3)]) == pytest.approx(
        max(1.0, np.sqrt(np.mean(problem.leaves[1] ** 2))) * np.sqrt(3)
    )


def test_probe_and_plot_take_the_same_first_step(problem):
    pytest.importorskip("matplotlib")
    from gradcheck.cli.plot import step_errors

    v = global_direction(5, 0, [x.shape for x in problem.leaves])
    probe = measure(problem, CentralRichardson(), v)
    data = step_errors(_loss, dict(zip(("W", "b"), problem.leaves)), problem.args, seed=5)
    assert data["first_step"] == CentralRichardson().step(probe.scale)
    assert data["f0"] == problem.f0
