"""Orchestration: record the user's calls, set up the problem, ask the oracles, let the judge decide, report.

Every rule that turns results into a verdict lives in the judge package (judge/); this module only runs the pipeline.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ...errors import fail
from ...report import Report
from ...settings import CheckOptions, Options, parse_fd, parse_seed, parse_tolerance
from ...tracebacks import user_facing
from ..judge import judge, to_reexamine
from ..judge.evidence import Evidence, Judgement
from ..locate import locate, with_location
from ..oracles import OracleResult
from ..oracles.consult import reexamine, runner, taylor_runs, with_roundoff
from ..problem import complex_params
from ..problem.problem import Problem, float64_point
from ..record.calls import record_calls
from ..record.health import determinism, for_oracles, kinks, mutation, state
from ..record.inputs import as_param_array, require_callable
from ..record.own_dtype import in_own_dtypes
from ..record.structure import match_structure
from ..tree import flatten
from ..validate import bad, parse_choice
from . import assemble
from . import plan as oracle_plan

if TYPE_CHECKING:
    from typing import Unpack


@user_facing
def check_grad(loss, grad, params, *, args=(), **options: Unpack[CheckOptions]) -> Report:
    """Check a hand-written gradient `grad(params, *args)` of the scalar `loss(params, *args)`.

    Returns a Report; raises GradientMismatch (an AssertionError carrying the report) when the check fails and
    `raise_on_failure` is true (inside a Hypothesis test, a check that only withheld its verdict rejects the
    example instead: errors.fail). Bad input raises GradcheckError naming the culprit.
    """
    __tracebackhide__ = True
    opts = Options.parse(options, "check_grad")
    loss = loss if opts.float64 else in_own_dtypes(loss, params)
    report = grad_report(loss, grad, params, args=args, **opts.engine())
    if opts.raise_on_failure and not report.ok:
        fail(report)
    return report


@user_facing
def grad_report(
    loss, grad, params, *, args=(), oracles=None, rtol=None, atol=None, seed=0, fd=None, kind="grad", label="params"
) -> Report:
    """The report of check_grad, never raising for a wrong gradient."""
    start = time.perf_counter()
    require_callable("loss", loss), require_callable("grad", grad)
    plan, seed = oracle_plan.make_plan(oracles), parse_seed(seed)
    rtol, atol = parse_tolerance(rtol, "rtol"), parse_tolerance(atol, "atol")
    parse_choice(kind, "kind", ("grad", "vjp", "backward", "layer", "function", "hvp", "jvp"))
    if not isinstance(label, str) or not label:
        raise bad("label", label, "a non-empty string")
    loss, grad, params, layout = complex_params.split(loss, grad, params, label)  # complex z as (Re z, Im z)
    names, raw, treedef = flatten(params, label)
    leaves = [as_param_array(n, x, label) for n, x in zip(names, raw)]
    fd = parse_fd(fd)
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    record = record_calls(loss, grad, treedef, leaves, args)
    health = mutation(names, leaves, args, record.calls)
    structure = match_structure(names, leaves, record.calls[0].grad, label, args, treedef)
    record.drop_inputs()  # the input copies served the mutation check; the oracles need not hold them
    problem = Problem(
        for_oracles(loss, health),
        tuple(names),
        tuple(float64_point(x) for x in leaves),
        treedef,
        record.args,
        record.f64,
        seed,
        record.eps,
    )
    claims = assemble.claims(structure)

    def decide(results: dict[str, OracleResult]) -> tuple[list, Judgement]:
        picks = to_reexamine(claims, results, problem.f0, rtol, atol, record.grad64)
        if picks and (measured := with_roundoff(problem, results)) is not results:  # yours and AD disagree:
            results = measured  # how much of it can the loss's round-off explain?
            picks = to_reexamine(claims, results, problem.f0, rtol, atol, record.grad64)
        evidence = Evidence(
            claims,
            results,
            record.repeat,
            problem.f0,
            record.eps,
            rtol,
            atol,
            reexamine(problem, fd, picks, *((results["fd"].noise, results["fd"].memo) if "fd" in results else ())),
            taylor_runs(problem, claims, results),
            record.grad64 or {},
        )
        judgement = judge(evidence)  # the plan reads the verdicts; the diagnosis waits for the last round
        return assemble.params(structure, judgement.verdicts, args, record.repeat.stateful, layout, False), judgement

    results, runs, (_, judgement) = oracle_plan.consult(plan, runner(problem, fd, claims, rtol, atol), decide)
    params_out = assemble.params(structure, judgement.verdicts, args, record.repeat.stateful, layout)
    health += state(record.repeat) + determinism(judgement.noise)
    health += kinks(judgement.verdicts, results["fd"].probes if "fd" in results else ())
    report = assemble.report(kind, params_out, runs, health, seed, start, record.seconds, rtol, atol)
    return report if report.ok else with_location(report, locate(loss, grad, params, args, report))
