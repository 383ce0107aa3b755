"""The report, built once from values: the structural findings, the judge's verdicts, the diagnosis of each
mismatch, the health checks, the oracle runs."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ...render import verdict_line
from ...report import HealthCheck, OracleRun, ParamReport, Report
from ..compare import rounding
from ..compare.tolerance import resolve_tolerance
from ..diagnose.likely_bug import Diagnosis, diagnose, state_diagnosis
from ..diagnose.shared_scale import shared_scale
from ..judge.evidence import Claim, Status, Verdict
from ..problem import complex_params
from ..problem.complex_params import Layout


def claims(structure: list[ParamReport]) -> tuple[Claim, ...]:
    """The parameters whose gradient matched in structure: what the judge judges."""
    return tuple(
        Claim(b, p.name, p.dtype, np.asarray(p.yours, dtype=np.float64))
        for b, p in enumerate(structure)
        if p.status == "ok"
    )


def params(
    structure: list[ParamReport],
    verdicts: tuple[Verdict, ...],
    args,
    stateful: dict,
    layout: Layout | None = None,
    diagnosed: bool = True,
) -> list[ParamReport]:
    """One ParamReport per parameter: structural findings as they are, judged ones from their verdict (with the
    diagnosis of a mismatch unless `diagnosed` is false: a round of oracles the plan may follow with another; a
    complex parameter, checked as its real view, with its own dtype and the convention it was read in)."""
    by_name = {v.name: v for v in verdicts}
    out = [
        p if p.name not in by_name else _judged(p, by_name[p.name], args, stateful, layout, diagnosed)
        for p in structure
    ]
    return shared_scale(out) if diagnosed else out


def _judged(p: ParamReport, v: Verdict, args, stateful: dict, layout: Layout | None, diagnosed: bool) -> ParamReport:
    cx = layout is not None and p.name in layout
    out = ParamReport(
        p.name,
        p.shape,
        layout.dtypes[p.name] if cx else p.dtype,
        v.status.value,
        v.comparisons,
        v.trusted,
        v.set_aside,
        message=v.message,
        yours=p.yours,
        refs=v.refs,
        fd_error=v.fd_error,
        notes=list(v.notes) + complex_params.note(p.name, layout, v.status == Status.OK),
        bound=v.bound,
        taylor=v.taylor,
        oracles_disagree=v.oracles_disagree,
    )
    if v.status == Status.NONDETERMINISTIC:
        return replace(out, diagnosis_kind="nondeterministic")
    if v.status != Status.MISMATCH or not diagnosed:
        return out
    if p.name in stateful:
        found = state_diagnosis(out, stateful[p.name])
    else:
        found = (_convention(p.name, out) if cx else None) or diagnose(out, args)
    return replace(out, diagnosis=found.words, diagnosis_kind=found.kind)


def _convention(name: str, out: ParamReport) -> Diagnosis | None:
    """A complex gradient in another convention than torch's (conjugate, Wirtinger), against a trusted reference."""
    ref = next((out.refs[o] for o in out.trusted if o in out.refs), None)
    found = None if ref is None else complex_params.diagnose(name, out.yours, ref, out.wrong_entries())
    return None if found is None else Diagnosis(*found)


def report(
    kind,
    params_out: list[ParamReport],
    runs: list[OracleRun],
    health: list[HealthCheck],
    seed: int,
    start: float,
    user_seconds: float,
    rtol,
    atol,
) -> Report:
    """The Report with its verdict line, tolerances and timings."""
    ok = all(p.ok for p in params_out) and not any(h.fails for h in health) and any(r.status == "ran" for r in runs)
    tolerances = {}
    for p in params_out:
        t = resolve_tolerance(p.dtype, rtol, atol) if p.dtype in ("bfloat16", "float16", "float32", "float64") else None
        if t is not None:
            tolerances[p.dtype] = {"rtol": t.rtol, "atol": t.atol, "atol_relative_to_max_reference": t.atol_is_relative}
            if why := rounding.words(p.dtype, t):
                tolerances[p.dtype]["why"] = why
    out = Report(
        ok,
        kind,
        "",
        params_out,
        runs,
        health,
        seed,
        tolerances,
        {"total_s": time.perf_counter() - start, "user_grad_s": user_seconds},
    )
    out.verdict = verdict_line(out)
    out.reproduce = f"check_{kind}(..., seed={seed})"
    return out
