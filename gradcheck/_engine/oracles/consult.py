"""Run one oracle: each with what it needs (finite differences' probes get feedback: bisection against yours
when alone, block probes against the first AD gradient beside it), and fd's second look at the few entries the
judge asks about, and the step-free Taylor test where fd alone judges. Which oracles run, and when, is the
plan's (plan.py)."""

from __future__ import annotations

import numpy as np

from .. import oracles as oracle_registry
from ..compare import rounding
from ..compare.entries import absmax, probe_fails
from ..compare.tolerance import resolve_tolerance, roundoff_floor
from ..judge.evidence import TaylorRun
from ..problem.problem import Problem
from . import OracleResult
from . import fd as fd_oracle
from .fd import FiniteDifferences, at_entries
from .probes import block_direction
from .taylor import along


def runner(problem: Problem, fd: FiniteDifferences, claims, rtol=None, atol=None):
    """run_one(name, results so far, fresh, sole) for the oracle plan (plan.py): AD oracles as they are; fd
    with the feedback its probes need (bisection against yours alone, block probes against the first AD)."""

    def run_one(name: str, results: dict[str, OracleResult], fresh: bool, sole: bool) -> OracleResult:
        module = oracle_registry.oracle_module(name)
        if name != "fd":
            return module.run(problem, fresh=fresh, sole=sole)
        fails = (
            _fails_for(problem, claims, rtol, atol)
            if not results
            else _ad_fails(next(iter(results.values())).grads, roundoff_floor(problem.f0))
        )
        return module.run(problem, fd, alone=not results, fails=fails)

    return run_one


def reexamine(
    problem: Problem, fd: FiniteDifferences, picks: dict[int, list[tuple]], noise=None, memo: dict | None = None
) -> dict[int, tuple]:
    """fd per entry at the entries the judge picked (rule 3 of the judge); `noise`: the loss's round-off where
    fd already measured it; `memo` (the fd result's): the same picks in a later round of oracles are not looked
    at again (each entry costs a dozen loss evaluations)."""
    if not picks:
        return {}
    key = ("reexamine", tuple((b, tuple(picks[b])) for b in sorted(picks)), noise)
    memo = {} if memo is None else memo
    if key not in memo:
        memo[key] = at_entries(problem, fd.method, picks, noise)
    return memo[key]


def with_roundoff(problem: Problem, results: dict[str, OracleResult]) -> dict[str, OracleResult]:
    """The results with fd's measurement of the loss's round-off (24 evaluations), where fd by probes did not
    take it: where yours and AD disagree, the judge must know how much of it a loss in quanta explains. The same
    `results` where there is nothing to measure."""
    fd = results.get("fd")
    measured = fd_oracle.with_roundoff(fd, problem) if fd is not None else fd
    return results if measured is fd else {**results, "fd": measured}


def _fails_for(problem: Problem, claims, rtol, atol):
    """For FD alone: whether the hand-written gradient explains a probe (drives bisection), or None."""
    if len(claims) != len(problem.leaves):
        return None
    f0 = problem.f0
    yours = [c.yours for c in claims]
    scale = max(absmax(y) for y in yours)
    tols = [resolve_tolerance(c.dtype, rtol, atol) for c in claims]
    atols = [t.absolute_atol(scale, rounding.floor(f0, c.dtype)) for t, c in zip(tols, claims)]
    return lambda probe: probe_fails(probe, yours, tols[probe.blocks[0]], atols[probe.blocks[0]])


def _ad_fails(grads, floor=0.0):
    """Beside AD: whether the AD gradient cannot explain an FD probe (then FD probes block by block)."""
    tol = resolve_tolerance(np.float64)
    atol = tol.absolute_atol(max(_largest(g) for g in grads), floor)
    return lambda probe: probe_fails(probe, grads, tol, atol)


def _largest(g: np.ndarray) -> float:
    """max |g| (NaN if any entry is NaN) in two reductions, without |g|'s temporary (1e6 entries: 0.4 ms less)."""
    return float(np.maximum(g.max(), -g.min())) if g.size else 0.0


def taylor_runs(problem: Problem, claims, results: dict[str, OracleResult]) -> dict[int, TaylorRun]:
    """The step-free Taylor test of each claimed block where fd alone judges it and round-off limits fd."""
    fd = results.get("fd")
    if fd is None or len(results) > 1:
        return {}
    shapes = [x.shape for x in problem.leaves]
    out = {}
    for c in claims:
        if problem.eps > 1e-10 or any(pr.kind == "noisy" for pr in fd.probes if c.block in pr.blocks):
            direction = block_direction(problem.seed, c.block, 0, shapes)
            grads = [c.yours if i == c.block else None for i in range(len(shapes))]
            out[c.block] = TaylorRun(along(problem, direction, grads), direction[c.block])
    return out
