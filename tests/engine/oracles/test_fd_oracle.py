"""oracles/fd.py: the configuration is checked by name and picks entries or probes; run() on a small Problem gives
every entry with its error (entries) or global probes, block probes beside a disagreeing AD, bisection alone."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.oracles import EntryFD
from gradcheck._engine.oracles import fd as fd_oracle
from gradcheck._engine.oracles.fd import FiniteDifferences
from gradcheck._engine.oracles.finite_diff import CentralRichardson
from gradcheck._engine.oracles.probes import is_leaf
from gradcheck._engine.problem.problem import Problem

C = np.linspace(1.0, 2.0, 6).reshape(2, 3)


def _loss(p):
    return float(np.sum(C * np.sin(p["x"])) + np.sum(p["b"] ** 3))


def _problem(loss=_loss):
    return Problem.at(loss, {"x": np.linspace(-1, 1, 6).reshape(2, 3), "b": np.array([0.5, -2.0])}, seed=1)


def _true(problem):
    x, b = problem.leaves
    return [C * np.cos(x), 3 * b**2]


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"method": "richardson"}, "method"),
        ({"max_entries": -1}, "max_entries"),
        ({"global_probes": 0}, "global_probes"),
        ({"bisect_budget": 1.5}, "bisect_budget"),
        ({"mode": "exact"}, "mode"),
    ],
)
def test_a_bad_configuration_is_refused_naming_the_field(kwargs, named):
    with pytest.raises(gc.GradcheckError, match=named):
        FiniteDifferences(**kwargs)


def test_choose_mode_goes_per_entry_up_to_the_limit_for_its_company():
    fd = FiniteDifferences()
    assert fd.choose_mode(16, alone=False) == "entries" and fd.choose_mode(17, alone=False) == "probes"
    assert fd.choose_mode(2000, alone=True) == "entries" and fd.choose_mode(2001, alone=True) == "probes"
    assert FiniteDifferences(mode="probes").choose_mode(1, alone=True) == "probes"


def test_run_per_entry_gives_every_entry_with_its_error_and_no_kinks():
    calls = []

    def counted(p):
        calls.append(1)
        return _loss(p)

    problem, method = _problem(counted), CentralRichardson()
    calls.clear()
    result = fd_oracle.run(problem, FiniteDifferences(), alone=True)
    assert result.name == "fd" and result.mode == "entries" and result.method == repr(method)
    for got, err, want in zip(result.grads, result.errors, _true(problem)):
        assert got.shape == want.shape and np.all(np.abs(got - want) <= np.maximum(4 * err, 1e-12))
        assert np.all(err < 1e-8)
    assert all(np.isnan(s).all() for s in result.one_sided)
    assert result.evaluations == len(calls) >= problem.n * method.evaluations  # every evaluation counted


def test_run_with_probes_measures_the_global_probes_and_confirms_ad_without_block_probes():
    calls = []

    def counted(p):
        calls.append(1)
        return _loss(p)

    problem = _problem(counted)
    calls.clear()
    alone = fd_oracle.run(problem, FiniteDifferences(mode="probes"), alone=True)
    assert alone.mode == "probes" and [p.blocks for p in alone.probes] == [(0, 1), (0, 1)]
    assert alone.evaluations == len(calls) == sum(p.evaluations for p in alone.probes)
    agree = fd_oracle.run(problem, FiniteDifferences(mode="probes"), fails=lambda p: False)
    assert [p.blocks for p in agree.probes] == [(0, 1), (0, 1)]
    disagree = fd_oracle.run(problem, FiniteDifferences(mode="probes", probes_per_param=2), fails=lambda p: True)
    assert [p.blocks for p in disagree.probes][2:] == [(0,), (0,), (1,), (1,)]


def test_run_at_scale_beside_ad_confirms_with_one_cheaper_probe():
    problem = _problem()
    result = fd_oracle.run(problem, FiniteDifferences(mode="probes", large=4), fails=lambda p: False)
    assert len(result.probes) == 1 and result.method == repr(CentralRichardson(levels=2))


def test_run_alone_bisects_the_first_failing_probe_within_its_budget():
    problem = _problem()
    result = fd_oracle.run(problem, FiniteDifferences(mode="probes", bisect_budget=6), alone=True, fails=lambda p: True)
    assert len(result.probes) == 2 + 6 and not any(is_leaf(p) for p in result.probes[:2])


def test_at_entries_gives_fd_at_exactly_the_chosen_entries():
    problem = _problem()
    found = fd_oracle.at_entries(problem, CentralRichardson(), {0: [(1, 2)], 1: [(0,), (1,)]})
    assert [e.index for e in found[0]] == [(1, 2)] and [e.index for e in found[1]] == [(0,), (1,)]
    assert all(isinstance(e, EntryFD) for e in found[0] + found[1])
    truth = _true(problem)
    assert abs(found[0][0].value - truth[0][1, 2]) < 1e-9 and abs(found[1][1].value - truth[1][1]) < 1e-9


def test_measured_noise_sees_a_loss_rounded_to_float32_and_not_a_smooth_float64_one():
    assert fd_oracle.measured_noise(_problem()) < 1e-12
    noisy = fd_oracle.measured_noise(_problem(lambda p: float(np.float32(_loss(p)))))
    assert noisy > 1e-9


def test_with_roundoff_measures_the_loss_once_per_result():
    calls = []
    problem = _problem(lambda p: calls.append(1) or _loss(p))
    result = fd_oracle.OracleResult("fd", "probes")
    first = fd_oracle.with_roundoff(result, problem)
    n = len(calls)
    assert n >= 24 and first.noise is not None
    assert fd_oracle.with_roundoff(result, problem) is first and len(calls) == n  # a second round: no evaluation
