"""One report from the parts of a check of several rules: check_function's backward, its jvp rule and its
double backward are each checked by the pipeline on their own, then reported together, each part's parameters
named with the part's suffix ("x (jvp)", "x (second order)") so a failure says which rule it is about."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ...render import verdict_line
from ...report import OracleRun, Report


@dataclass(frozen=True)
class Part:
    """One rule's report: `suffix` added to its parameter names, `what` the rule in words."""

    suffix: str
    what: str
    report: Report


def combine(parts: list[Part]) -> Report:
    """The parts as one report (a single part is returned as it is)."""
    if len(parts) == 1:
        return parts[0].report
    first = parts[0].report
    params = [replace(p, name=p.name + part.suffix) for part in parts for p in part.report.params]
    health = []
    for part in parts:
        health += [h for h in part.report.health if h not in health]
    out = replace(
        first,
        ok=all(part.report.ok for part in parts),
        params=params,
        oracles=_runs([part.report.oracles for part in parts]),
        health=health,
        timings={"total_s": sum(part.report.timings.get("total_s", 0.0) for part in parts)},
    )
    failing = [part.what for part in parts if not part.report.ok]
    what = _and(failing or [part.what for part in parts])
    verdict = verdict_line(out, what)
    if not out.ok and not out.failing:  # a failing health check or no oracle: the failing part's own words
        verdict = next(part.report.verdict for part in parts if not part.report.ok)
    return replace(out, verdict=verdict)


def _runs(runs: list[list[OracleRun]]) -> list[OracleRun]:
    """One run per oracle: ran if it ran in any part (work and time summed), else the first part's skip."""
    merged: dict[str, OracleRun] = {}
    for part in runs:
        for r in part:
            had = merged.get(r.name)
            if had is None or (had.status != "ran" and r.status == "ran"):
                merged[r.name] = r
            elif had.status == "ran" and r.status == "ran":
                work = {"seconds": had.seconds + r.seconds, "evaluations": had.evaluations + r.evaluations}
                merged[r.name] = replace(had, **work)
    return list(merged.values())


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
