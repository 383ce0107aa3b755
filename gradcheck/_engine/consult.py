"""Ask the oracles: which run (fd plus every installed framework by default), in what order, with what
feedback for finite differences' probes (bisection alone, block probes beside AD), and fd's second look at
the few entries the judge asks about."""

from __future__ import annotations

import numpy as np

from . import oracles as oracle_registry
from ..errors import GradcheckError, OracleUnavailable
from .compare import absmax, probe_fails
from .oracles import ORACLE_NAMES, CannotRun, OracleResult
from .oracles.fd import FiniteDifferences, at_entries
from .problem import Problem
from ..report import OracleRun
from ..settings import parse_oracles
from .tolerance import machine_eps, resolve_tolerance, roundoff_floor


def requested(oracles) -> tuple[tuple[str, ...], bool]:
    """(oracle names, explicitly asked); default is fd plus every installed framework."""
    names = parse_oracles(oracles)
    return (ORACLE_NAMES, False) if names is None else (names, True)


def fd_config(fd) -> FiniteDifferences:
    fd = fd if fd is not None else FiniteDifferences()
    if not isinstance(fd, FiniteDifferences):
        raise GradcheckError(f"Expected fd=FiniteDifferences(...) but got fd={fd!r} (type={type(fd).__name__})")
    return fd


def run_oracles(problem: Problem, asked, fd: FiniteDifferences, claims,
                rtol=None, atol=None) -> tuple[dict[str, OracleResult], list[OracleRun]]:
    """Every requested oracle's result (AD first, so fd can confirm it) and a run record for the report."""
    names, explicit = asked
    results, runs = {}, []
    for name in [n for n in names if n != "fd"] + (["fd"] if "fd" in names else []):
        why = oracle_registry.missing(name)
        if why is None:
            try:
                module = oracle_registry.oracle_module(name)
                if name == "fd":
                    judge = _fails_for(problem, claims, rtol, atol) if not results else \
                        _ad_fails(next(iter(results.values())).grads, roundoff_floor(problem.f0))
                    res = module.run(problem, fd, alone=not results, fails=judge)
                else:
                    res = module.run(problem)
            except CannotRun as exc:
                why = str(exc)
        if why is not None:
            if explicit:
                raise OracleUnavailable(f"oracle {name!r} was asked for but cannot run: {why}")
            runs.append(OracleRun(name, "skipped", reason=why))
            continue
        results[name] = res
        runs.append(OracleRun(name, "ran", mode=res.mode, method=res.method, seconds=res.seconds,
                              evaluations=res.evaluations))
    order = {n: i for i, n in enumerate(ORACLE_NAMES)}
    runs.sort(key=lambda r: order[r.name])
    return dict(sorted(results.items(), key=lambda kv: order[kv[0]])), runs


def reexamine(problem: Problem, fd: FiniteDifferences, picks: dict[int, list[tuple]]) -> dict[int, tuple]:
    """fd per entry at the entries the judge picked (rule 3 in judge.py)."""
    if not picks:
        return {}
    return at_entries(problem, fd.method, picks)


def _fails_for(problem: Problem, claims, rtol, atol):
    """For FD alone: whether the hand-written gradient explains a probe (drives bisection), or None."""
    if len(claims) != len(problem.leaves):
        return None
    f0 = problem.f0
    yours = [c.yours for c in claims]
    scale = max(absmax(y) for y in yours)
    tols = [resolve_tolerance(c.dtype, rtol, atol) for c in claims]
    atols = [t.absolute_atol(scale, roundoff_floor(f0, machine_eps(c.dtype))) for t, c in zip(tols, claims)]
    return lambda probe: probe_fails(probe, yours, tols[probe.blocks[0]], atols[probe.blocks[0]])


def _ad_fails(grads, floor=0.0):
    """Beside AD: whether the AD gradient cannot explain an FD probe (then FD probes block by block)."""
    tol = resolve_tolerance(np.float64)
    atol = tol.absolute_atol(max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads), floor)
    return lambda probe: probe_fails(probe, grads, tol, atol)
