"""Orchestration: run the user's loss and grad on copies, ask the oracles, compare, triangulate, report."""

from __future__ import annotations

import time

import numpy as np

from . import oracles as oracle_registry
from .bound import detection_bound
from .compare import compare_entries, compare_probes, entries_agree, probe_fails, probes_agree
from .diagnose import diagnose
from ..format import verdict_line
from ..errors import GradcheckError, GradientMismatch, OracleUnavailable
from .health import Call, determinism, for_oracles, kinks, mutation, observe, withhold_verdicts
from .inputs import as_param_array, call_user, copy_tree, loss_value, require_callable
from .oracles import ORACLE_NAMES, CannotRun, OracleResult
from .oracles.fd import FiniteDifferences
from .probes import block_direction
from .problem import Problem
from ..report import OracleRun, ParamReport, Report
from .structure import match_structure
from .taylor import along
from .tolerance import resolve_tolerance, roundoff_floor
from .tree import flatten, unflatten
from .triangulate import triangulate


def check_grad(loss, grad, params, *, args=(), oracles=None, rtol=None, atol=None, seed=0, fd=None,
               raise_on_failure=True) -> Report:
    """Check a hand-written gradient `grad(params, *args)` of the scalar `loss(params, *args)`.

    Returns a Report; raises GradientMismatch (an AssertionError carrying the report) when the check fails
    and `raise_on_failure` is true. Bad input raises GradcheckError naming the culprit.
    """
    __tracebackhide__ = True
    report = grad_report(loss, grad, params, args=args, oracles=oracles, rtol=rtol, atol=atol, seed=seed, fd=fd)
    if raise_on_failure and not report.ok:
        raise GradientMismatch(report)
    return report


def grad_report(loss, grad, params, *, args=(), oracles=None, rtol=None, atol=None, seed=0, fd=None,
                kind="grad", label="params") -> Report:
    """The report of check_grad, never raising for a wrong gradient."""
    start = time.perf_counter()
    require_callable("loss", loss), require_callable("grad", grad)
    names, raw, treedef = flatten(params, label)
    leaves = [as_param_array(n, x, label) for n, x in zip(names, raw)]
    requested = _requested(oracles)
    seed = _seed(seed)
    fd = fd if fd is not None else FiniteDifferences()
    if not isinstance(fd, FiniteDifferences):
        raise GradcheckError(f"Expected fd=FiniteDifferences(...) but got fd={fd!r} (type={type(fd).__name__})")
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    run = _run_user(loss, grad, names, leaves, treedef, args)
    health = run["health"]
    structure = match_structure(names, leaves, run["grad"], label, args, treedef)
    problem = Problem(for_oracles(loss, health), tuple(names), tuple(x.astype(np.float64) for x in leaves), treedef,
                      run["args"], run["f64"], seed, run["eps"])
    floor = roundoff_floor(problem.f0)
    results, runs = _run_oracles(problem, requested, fd, _fails_for(structure, rtol, atol, problem.f0), floor)
    params_out = _judge(problem, structure, results, rtol, atol)
    health = health + kinks(problem.names, results.get("fd"), params_out)
    withhold_verdicts(params_out, health, run["calls"])
    return _assemble(kind, params_out, runs, health, seed, start, run["seconds"], rtol, atol)


def _seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise GradcheckError(f"Expected a non-negative integer but got seed={seed!r} (type={type(seed).__name__})")
    return int(seed)


def _requested(oracles) -> tuple[tuple[str, ...], bool]:
    """(oracle names, explicitly asked); default is fd plus every installed framework."""
    if oracles is None:
        return ORACLE_NAMES, False
    names = (oracles,) if isinstance(oracles, str) else tuple(oracles)
    unknown = [o for o in names if o not in ORACLE_NAMES]
    if unknown or not names:
        raise GradcheckError(f"Expected oracles from {ORACLE_NAMES} but got oracles={oracles!r}")
    return tuple(dict.fromkeys(names)), True


# Above this many entries grad is called once and only the loss twice: a second grad call would cost about
# as much as the whole check (B2); randomness in the loss (dropout, sampling) is still caught.
SECOND_GRAD_UP_TO = 100_000


def _run_user(loss, grad, names, leaves, treedef, args) -> dict:
    """Call loss and grad on copies (twice, for determinism); detect writes into params or args."""
    t0 = time.perf_counter()
    small = sum(x.size for x in leaves) <= SECOND_GRAD_UP_TO
    calls = observe(loss, grad, treedef, leaves, args, times=2 if small else 1)  # fresh copies for every call
    seconds = (time.perf_counter() - t0) / len(calls)
    if not small:  # the loss again; the grad of the first call stands in for a second grad call
        again = loss_value(call_user("loss", loss, unflatten(treedef, [x.copy() for x in leaves]), *copy_tree(args)))
        calls.append(Call(again, calls[0].grad, calls[0].loss_inputs, calls[0].grad_inputs))
    health = mutation(names, leaves, args, calls) + determinism(calls, names)
    args64 = copy_tree(args)
    raw = call_user("loss", loss, unflatten(treedef, [x.astype(np.float64) for x in leaves]), *copy_tree(args)) \
        if any(x.dtype != np.float64 for x in leaves) else None
    f64 = calls[0].loss if raw is None else loss_value(raw)
    return {"grad": calls[0].grad, "args": args64, "f64": f64, "health": health, "seconds": seconds, "calls": calls,
            "eps": _precision(raw, leaves)}


def _precision(raw, leaves) -> float:
    """Relative precision of the loss at float64 params: float64 eps unless it comes back in lower precision."""
    dtype = getattr(raw, "dtype", None)
    if raw is None or dtype is None or not np.issubdtype(np.dtype(dtype), np.floating):
        return float(np.finfo(np.float64).eps)
    return float(max(np.finfo(np.dtype(dtype)).eps, np.finfo(np.float64).eps))


def _fails_for(structure, rtol, atol, f0=0.0):
    """For FD alone: whether the hand-written gradient explains a probe (drives bisection), or None."""
    if any(p.status != "ok" or p.yours is None for p in structure):
        return None
    yours = [np.asarray(p.yours, dtype=np.float64) for p in structure]
    scale = max(float(np.nanmax(np.abs(y))) for y in yours)
    tols = [resolve_tolerance(p.dtype, rtol, atol) for p in structure]
    atols = [t.absolute_atol(scale, roundoff_floor(f0, _eps(p.dtype))) for t, p in zip(tols, structure)]
    return lambda probe: probe_fails(probe, yours, tols[probe.blocks[0]], atols[probe.blocks[0]])


def _eps(dtype) -> float:
    """Machine epsilon of a gradient dtype (float64 for anything not floating)."""
    try:
        return float(np.finfo(np.dtype(dtype)).eps)
    except (TypeError, ValueError):
        return float(np.finfo(np.float64).eps)


def _ad_fails(grads, floor=0.0):
    """Beside AD: whether the AD gradient cannot explain an FD probe (then FD probes block by block)."""
    tol = resolve_tolerance(np.float64)
    atol = tol.absolute_atol(max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads), floor)
    return lambda probe: probe_fails(probe, grads, tol, atol)


def _run_oracles(problem: Problem, requested, fd, fails=None,
                 floor: float = 0.0) -> tuple[dict[str, OracleResult], list[OracleRun]]:
    names, explicit = requested
    results, runs = {}, []
    for name in [n for n in names if n != "fd"] + (["fd"] if "fd" in names else []):
        why = oracle_registry.missing(name)
        if why is None:
            try:
                module = oracle_registry.oracle_module(name)
                judge = fails if not results else _ad_fails(next(iter(results.values())).grads, floor)
                res = module.run(problem, fd, alone=not results, fails=judge) if name == "fd" else module.run(problem)
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


def _judge(problem, structure, results, rtol, atol) -> list[ParamReport]:
    scale = _scale(results, structure)
    ad = next((r.grads for o, r in results.items() if o != "fd"), None)
    others = ad if ad is not None else [p.yours if p.status == "ok" else None for p in structure]
    out = []
    for b, p in enumerate(structure):
        if p.status == "ok":
            _judge_param(p, b, problem, results, resolve_tolerance(p.dtype, rtol, atol), scale, others)
        out.append(p)
    return out


def _scale(results, structure) -> float:
    """Largest |reference gradient entry|: the unit of the default (relative) atol."""
    refs = [g for r in results.values() if r.grads is not None for g in r.grads]
    if not refs:
        refs = [p.yours for p in structure if p.yours is not None and p.status == "ok"]
    return max((_absmax(g) for g in refs if g.size), default=0.0)


def _absmax(g) -> float:
    """max |g| ignoring NaN (nanmax of |g|), in two passes without a temporary."""
    g = np.asarray(g)
    return max(float(np.fmax.reduce(g, axis=None)), -float(np.fmin.reduce(g, axis=None)))


def _judge_param(p: ParamReport, b: int, problem, results, tol, scale, others) -> None:
    atol_abs = tol.absolute_atol(scale, roundoff_floor(problem.f0, _eps(p.dtype)))
    p.refs = {o: r.grads[b] for o, r in results.items() if r.grads is not None}
    fd = results.get("fd")
    if fd is not None and fd.errors is not None:
        p.fd_error = fd.errors[b]
    kinks = fd.one_sided[b] if fd is not None and fd.one_sided is not None else None
    p.comparisons = {o: _compare(o, p.yours, b, r, tol, atol_abs, kinks, others) for o, r in results.items()}
    names = list(results)
    agree = _agreement(results, b, scale, kinks, roundoff_floor(problem.f0))
    rough = fd is not None and _fd_rough(fd, b)
    trust = triangulate(names, agree, rough)
    p.trusted, p.set_aside = trust.trusted, dict(trust.set_aside)
    good = all(p.comparisons[o].ok for o in trust.trusted)
    if fd is not None and set(p.trusted) == {"fd"} and _noisy(problem, fd, b):
        good = _taylor(p, b, problem, good)
    p.status = "ok" if good else "mismatch"
    if not good:
        found = diagnose(p, problem.args)
        p.diagnosis, p.diagnosis_kind = found.words, found.kind
    if trust.undecided:
        p.set_aside = {"-": "the oracles disagree with each other and none is clearly wrong: "
                            "check the loss for non-differentiable points or randomness"}
    at_kinks = max((c.kinks for o, c in p.comparisons.items() if o in p.trusted), default=0)
    if at_kinks:
        p.notes.append(f"{at_kinks} entries sit on a kink (fd's left and right slopes differ); yours lies between "
                       f"them there, a valid subgradient, so they count as right whatever AD chose")
    p.bound = detection_bound(p, b)


def _noisy(problem, fd: OracleResult, b: int) -> bool:
    """FD's error is dominated by round-off of a low-precision or noisy loss on block b."""
    if problem.eps > 1e-10:
        return True
    return any(pr.kind == "noisy" for pr in fd.probes if b in pr.blocks)


def _taylor(p: ParamReport, b: int, problem, fd_ok: bool) -> bool:
    """Let the step-free Taylor test decide where FD is too imprecise; returns the block's verdict."""
    direction = block_direction(problem.seed, b, 0, [x.shape for x in problem.leaves])
    grads = [p.yours if i == b else None for i in range(len(problem.leaves))]
    p.taylor = along(problem, direction, grads)
    words = p.taylor.sentence()
    if p.taylor.verdict == "undecided":
        p.notes.append(f"fd is limited by round-off here; {words}; the fd comparison stands")
        return fd_ok
    if p.taylor.verdict == "consistent" and not fd_ok:
        p.set_aside["fd"] = ("fd's differences are dominated by round-off (the loss is computed in low precision "
                             "or is noisy); the step-free Taylor test decides instead")
    p.notes.append(f"fd is limited by round-off here; {words}")
    return p.taylor.verdict == "consistent"


def _agreement(results: dict[str, OracleResult], b: int, scale: float, kinks=None,
               floor: float = 0.0) -> dict[frozenset, bool]:
    """Whether each pair of oracles agrees on block b, at the float64 tolerance (kinks: any subgradient)."""
    tol = resolve_tolerance(np.float64)
    atol = tol.absolute_atol(scale, floor)
    agree = {}
    names = list(results)
    for i, a in enumerate(names):
        for c in names[i + 1:]:
            ad, ref = (a, c) if c == "fd" else (c, a) if a == "fd" else (a, c)
            agree[frozenset((a, c))] = _agrees(results[ad].grads[b], b, results[ref], tol, atol, kinks,
                                               results[ad].grads)
    return agree


def _agrees(grad, b, result: OracleResult, tol, atol_abs, kinks, others) -> bool:
    """_compare(...).ok, computed without the statistics a report needs."""
    if result.mode == "probes":
        return probes_agree(grad, b, result.probes, tol, atol_abs, others)
    err = result.errors[b] if result.errors is not None else None
    return entries_agree(grad, result.grads[b], tol, atol_abs, err, kinks)


def _compare(oracle, yours, b, result: OracleResult, tol, atol_abs, kinks=None, others=None):
    if result.mode == "probes":
        return compare_probes(oracle, yours, b, result.probes, tol, atol_abs, others)
    err = result.errors[b] if result.errors is not None else None
    return compare_entries(oracle, yours, result.grads[b], tol, atol_abs, err, kinks)


def _fd_rough(fd: OracleResult, b: int) -> bool:
    if fd.one_sided is not None:
        return bool(np.any(~np.isnan(fd.one_sided[b])))
    return any(not p.smooth for p in fd.probes if b in p.blocks)


def _assemble(kind, params, runs, health, seed, start, user_seconds, rtol, atol) -> Report:
    ok = all(p.ok for p in params) and not any(h.fails for h in health) and any(r.status == "ran" for r in runs)
    tolerances = {}
    for p in params:
        t = resolve_tolerance(p.dtype, rtol, atol) if p.dtype in ("float16", "float32", "float64") else None
        if t is not None:
            tolerances[p.dtype] = {"rtol": t.rtol, "atol": t.atol, "atol_relative_to_max_reference": t.atol_is_relative}
    report = Report(ok, kind, "", params, runs, health, seed, tolerances,
                    {"total_s": time.perf_counter() - start, "user_grad_s": user_seconds})
    report.verdict = verdict_line(report)
    report.reproduce = f"check_{kind}(..., seed={seed})"
    return report
