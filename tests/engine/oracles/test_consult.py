"""consult.py: fd alone bisects against yours, fd beside AD probes against AD, fd re-examines exactly the picked
entries, and the Taylor test runs only where fd alone judges a loss fd cannot resolve."""

import numpy as np

from gradcheck._engine.judge.evidence import Claim
from gradcheck._engine.oracles import EntryFD, OracleResult, Probe
from gradcheck._engine.oracles.consult import reexamine, runner, taylor_runs
from gradcheck._engine.oracles.fd import FiniteDifferences
from gradcheck._engine.oracles.probes import block_direction, is_leaf
from gradcheck._engine.problem.problem import Problem

C = np.linspace(1.0, 2.0, 12)


def _loss(p):
    return float(np.sum(C * p["x"] ** 2) / 2 + np.sum(p["b"] ** 2))


def _problem(eps=2.0**-52):
    return Problem.at(_loss, {"x": np.linspace(-1, 1, 12), "b": np.array([0.5, -2.0])}, seed=3, eps=eps)


def _claims(problem, wrong_at=None):
    x, b = problem.leaves
    gx = C * x
    if wrong_at is not None:
        gx = gx.copy()
        gx[wrong_at] *= 1.001
    return (Claim(0, "x", "float64", gx), Claim(1, "b", "float64", 2 * b))


def test_fd_alone_bisects_down_to_the_entry_yours_gets_wrong():
    problem = _problem()
    run_one = runner(problem, FiniteDifferences(mode="probes"), _claims(problem, wrong_at=7))
    result = run_one("fd", {}, False, True)
    leaves = [p for p in result.probes if is_leaf(p)]
    assert result.mode == "probes" and any(p.blocks == (0,) and p.span == (7, 8) for p in leaves)
    right = runner(problem, FiniteDifferences(mode="probes"), _claims(problem))("fd", {}, False, True)
    assert len(right.probes) == 2 and not any(is_leaf(p) for p in right.probes)  # nothing to bisect


def test_fd_beside_ad_adds_block_probes_only_when_ad_cannot_explain_a_global_one():
    problem = _problem()
    claims = _claims(problem)
    agreeing = {"torch": OracleResult("torch", "entries", grads=[c.yours for c in claims])}
    wrong = {"torch": OracleResult("torch", "entries", grads=[c.yours * 1.01 for c in claims])}
    run_one = runner(problem, FiniteDifferences(mode="probes"), claims)
    assert [p.blocks for p in run_one("fd", agreeing, False, False).probes] == [(0, 1), (0, 1)]
    assert [p.blocks for p in run_one("fd", wrong, False, False).probes] == [(0, 1), (0, 1), (0,), (1,)]


def test_reexamine_gives_fd_at_exactly_the_picked_entries():
    problem = _problem()
    assert reexamine(problem, FiniteDifferences(), {}) == {}
    found = reexamine(problem, FiniteDifferences(), {0: [(3,), (11,)], 1: [(1,)]})
    assert sorted(found) == [0, 1] and [e.index for e in found[0]] == [(3,), (11,)]
    assert all(isinstance(e, EntryFD) and e.one_sided is None for e in found[0] + found[1])
    x = problem.leaves[0]
    assert abs(found[0][0].value - C[3] * x[3]) < 1e-9 and abs(found[1][0].value - (-4.0)) < 1e-9


def _fd(probes=()):
    return OracleResult("fd", "probes", probes=list(probes))


def test_taylor_runs_only_where_fd_alone_judges_a_loss_fd_cannot_resolve():
    f32 = _problem(eps=float(np.finfo(np.float32).eps))
    claims = _claims(f32)
    runs = taylor_runs(f32, claims, {"fd": _fd()})
    assert sorted(runs) == [0, 1]
    shapes = [x.shape for x in f32.leaves]
    assert np.array_equal(runs[1].direction, block_direction(f32.seed, 1, 0, shapes)[1])
    assert runs[0].result.verdict == "consistent"
    assert taylor_runs(f32, claims, {"fd": _fd(), "torch": OracleResult("torch", "entries")}) == {}
    assert taylor_runs(f32, claims, {"jax": OracleResult("jax", "entries")}) == {}
    f64 = _problem()
    assert taylor_runs(f64, _claims(f64), {"fd": _fd()}) == {}  # float64 and no noisy probe: fd decides
    noisy = Probe("b", 0, 0.0, 1.0, False, [None, np.ones(2)], kind="noisy", blocks=(1,))
    assert sorted(taylor_runs(f64, _claims(f64), {"fd": _fd([noisy])})) == [1]  # only the noisy probe's block


def test_reexamine_with_a_memo_looks_at_the_same_picks_once():
    calls = []
    problem = Problem.at(lambda p: calls.append(1) or _loss(p), {"x": np.linspace(-1, 1, 12), "b": np.ones(2)})
    memo, picks = {}, {0: [(3,)]}
    first = reexamine(problem, FiniteDifferences(), picks, None, memo)
    n = len(calls)
    assert reexamine(problem, FiniteDifferences(), {0: [(3,)]}, None, memo) is first and len(calls) == n
    assert reexamine(problem, FiniteDifferences(), {0: [(4,)]}, None, memo)[0][0].index == (4,)
