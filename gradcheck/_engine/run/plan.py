"""Oracle selection: which oracles a check consults, and when (triangulation on demand).

By default a check runs finite differences and one AD framework (torch when it can run the loss, else jax).
Two independent oracles that agree with each other and with the hand-written gradient already decide a
pass: a wrong gradient would have to fool fd's difference quotients and the framework's autograd the same
way. Anything else — a disagreement with the user, between the two oracles, a kink or noise that sets one
aside — consults the remaining frameworks before a verdict blames anyone (triangulation, as with all three).
`oracles="all"` runs every installed oracle; an explicit tuple runs exactly those (an error when missing).

A result an oracle served from a compile cache (jax) can be stale when data the loss reads changed behind
its key. It is traced afresh before it is set aside, and before a failure rests on it (fewer than two other
oracles support the failure); a cached result that agrees with fresh ones changes no verdict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ...errors import OracleUnavailable
from ...report import OracleRun, ParamReport
from ...settings import ALL_ORACLES, parse_oracles
from .. import oracles as registry
from ..oracles import AD_ORACLES, ORACLE_NAMES, CannotRun, OracleResult


@dataclass(frozen=True)
class Plan:
    """The oracles to consult: `ad` frameworks in order of preference, fd or not; `first_ad` of the
    frameworks that can run make the first round (None: all of them); `explicit`: named by the user."""

    fd: bool
    ad: tuple[str, ...]
    first_ad: int | None
    explicit: bool


@dataclass
class Consulted:
    """The oracles consulted so far: results by name, one OracleRun each, and frameworks not yet asked."""

    results: dict[str, OracleResult] = field(default_factory=dict)
    runs: dict[str, OracleRun] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)

    def ordered(self) -> tuple[dict[str, OracleResult], list[OracleRun]]:
        """Results and runs in the canonical oracle order (fd, torch, jax)."""
        order = {n: i for i, n in enumerate(ORACLE_NAMES)}
        results = dict(sorted(self.results.items(), key=lambda kv: order[kv[0]]))
        return results, sorted(self.runs.values(), key=lambda r: order[r.name])


# run_one(name, results so far, fresh, sole) -> OracleResult, raising CannotRun; sole: no other oracle will
# corroborate this one (then a cached compile is checked harder before it is used)
Runner = Callable[[str, dict, bool, bool], OracleResult]


def make_plan(oracles) -> Plan:
    """None: fd plus one framework, the others on demand; "all": every installed oracle; names ("fd,torch" or
    a sequence): exactly those. Parsed by settings.parse_oracles, the one parser of oracle settings."""
    names = parse_oracles(oracles)
    if names is None:
        return Plan(True, AD_ORACLES, 1, False)
    if names == ALL_ORACLES:
        return Plan(True, AD_ORACLES, None, False)
    return Plan("fd" in names, tuple(o for o in AD_ORACLES if o in names), None, True)


def consult(plan: Plan, run_one: Runner, decide: Callable) -> tuple[dict, list[OracleRun], tuple]:
    """Run the plan's rounds: (results, runs, decision). `decide(results)` returns (params, anything else) for
    the results so far; the params say whether the check is settled or leans on a cached result."""
    done = first_round(plan, run_one)
    decision = decide(done.ordered()[0])
    if not settled(decision[0]) and done.pending:
        second_round(plan, done, run_one)
        decision = decide(done.ordered()[0])
    cached = [n for n, r in done.results.items() if r.cached]
    if cached and leans_on(decision[0], cached):
        refresh(plan, done, run_one, cached)
        decision = decide(done.ordered()[0])
    not_consulted(done)
    results, runs = done.ordered()
    return results, runs, decision


def first_round(plan: Plan, run_one: Runner) -> Consulted:
    """Frameworks in order of preference until `plan.first_ad` ran, then fd (its probes use their gradient)."""
    done = Consulted()
    for i, name in enumerate(plan.ad):
        if plan.first_ad is not None and len(done.results) >= plan.first_ad:
            done.pending = list(plan.ad[i:])
            break
        _consult(plan, done, name, run_one)
    if plan.fd:
        _consult(plan, done, "fd", run_one)
    return done


def settled(params: list[ParamReport]) -> bool:
    """A clean pass: every parameter agrees with every oracle that ran, none set aside, none undecided."""
    return all(p.status == "ok" and not p.set_aside for p in params)


def second_round(plan: Plan, done: Consulted, run_one: Runner) -> None:
    """The frameworks not yet asked."""
    for name in list(done.pending):
        _consult(plan, done, name, run_one)
    done.pending = []


def leans_on(params: list[ParamReport], names: list[str]) -> bool:
    """Whether a verdict leans on the results of `names` (served from a cache): one of them set aside, the
    oracles undecided, or a failure that fewer than two other oracles support."""
    for p in params:
        if p.oracles_disagree or any(n in p.set_aside for n in names):
            return True
        if p.status == "mismatch" and len([o for o in p.trusted if o not in names]) < 2:
            return True
    return False


def refresh(plan: Plan, done: Consulted, run_one: Runner, names: list[str]) -> None:
    """Run `names` again from a fresh trace, replacing their cached results."""
    for name in names:
        del done.results[name], done.runs[name]
        _consult(plan, done, name, run_one, fresh=True)


def not_consulted(done: Consulted) -> None:
    """Record the frameworks left out of a settled check, with why (every report states it)."""
    ran = [n for n in ORACLE_NAMES if n in done.results]
    for name in done.pending:
        why = registry.missing(name)
        reason = (
            why
            if why is not None
            else (
                f"not needed: {' and '.join(ran)} agree with each other and with your gradient "
                f"(any disagreement consults it; oracles='all' always runs it)"
            )
        )
        done.runs[name] = OracleRun(name, "skipped", reason=reason)
    done.pending = []


def _consult(plan: Plan, done: Consulted, name: str, run_one: Runner, fresh: bool = False) -> None:
    why = registry.missing(name)
    if why is None:
        sole = not plan.fd and not done.results and name == plan.ad[-1]
        try:
            result = run_one(name, done.results, fresh, sole)
        except CannotRun as exc:
            why = str(exc)
    if why is not None:
        if plan.explicit:
            raise OracleUnavailable(f"oracle {name!r} was asked for but cannot run: {why}")
        done.runs[name] = OracleRun(name, "skipped", reason=why)
        return
    done.results[name] = result
    done.runs[name] = OracleRun(
        name,
        "ran",
        mode=result.mode,
        method=result.method,
        seconds=result.seconds,
        evaluations=result.evaluations,
        ran_as=result.role.ran_as,
    )
