"""`gradcheck run`: reference cases plus the built-in network sweep, as one list of outcomes, a table and JSON.

Exit status: 0 every check passed, 1 a check failed, 2 an input error (a case that cannot be loaded).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import GradcheckError


@dataclass
class Outcome:
    """One row of the run: a reference case, a sweep entry or a user check."""

    kind: str  # "case", "sweep" or "check"
    case_id: str
    ok: bool
    seconds: float
    report: object = None  # a Report (sweep, check)
    problems: list[str] = field(default_factory=list)  # what a golden case got wrong, or why it could not run
    error: bool = False  # an input error (exit 2), not a failed check
    detail: dict = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "ERROR" if self.error else "ok" if self.ok else "FAIL"

    def to_dict(self) -> dict:
        out = {"kind": self.kind, "id": self.case_id, "status": self.status, "ok": self.ok,
               "seconds": round(self.seconds, 4), "problems": self.problems, **self.detail}
        if self.report is not None:
            out["report"] = self.report.to_dict()
        return out


def default_case_dir() -> Path | None:
    """reference_cases/ in the current directory, else the textbook cases installed with gradcheck."""
    from ..golden import shipped_cases_dir

    for d in (Path.cwd() / "reference_cases", shipped_cases_dir()):
        if d.is_dir():
            return d
    return None


def case_paths(paths: list[str]) -> list[Path]:
    """Case files named on the command line (directories are searched); a missing path is an input error."""
    from ..golden import discover

    found = []
    for p in map(Path, paths):
        if p.is_dir():
            found += discover(p)
        elif p.is_file():
            found.append(p)
        else:
            raise GradcheckError(f"No such file or directory: {str(p)!r}")
    return found


def run_case(path: Path) -> Outcome:
    """Load and verify one golden case; a file that cannot be loaded is an ERROR row."""
    from .. import golden

    start = time.perf_counter()
    try:
        result = golden.verify(golden.load(path))
    except GradcheckError as exc:
        return Outcome("case", path.stem, False, time.perf_counter() - start, problems=[str(exc)], error=True,
                       detail={"path": str(path)})
    return Outcome("case", str(result.case_id), bool(result.ok), time.perf_counter() - start,
                   problems=[str(p) for p in result.problems], detail={"path": str(path)})


def run_sweep_case(case, oracles, seed: int) -> Outcome:
    from .sweep import check

    start = time.perf_counter()
    report = check(case, oracles=oracles, seed=seed)
    return Outcome("sweep", case.case_id, report.ok, time.perf_counter() - start, report=report,
                   detail={"spec": case.describe()})


def worst_rel(report) -> float | None:
    """Largest relative error of the hand-written gradient against a trusted oracle."""
    rels = [c.max_rel for p in report.params for o, c in p.comparisons.items() if o in p.trusted]
    return max(rels, default=None)


def _oracles(o: Outcome) -> str:
    if o.report is None:
        return "-"
    return " ".join(r.name for r in o.report.oracles if r.status == "ran") or "none"


def _rel(o: Outcome) -> str:
    w = worst_rel(o.report) if o.report is not None else None
    return "-" if w is None else f"{w:.1e}" if math.isfinite(w) else str(w)


def table(outcomes: list[Outcome], only_failures: bool = False) -> list[str]:
    """status, check, oracles that ran, worst relative error, seconds: one line per outcome."""
    rows = [o for o in outcomes if not (only_failures and o.ok)]
    width = max([len(o.case_id) for o in rows] + [5])
    lines = [f"{'status':<7}{'check':<{width + 2}}{'oracles':<14}{'worst rel':>10}{'time':>8}"]
    for o in rows:
        lines.append(f"{o.status:<7}{o.case_id:<{width + 2}}{_oracles(o):<14}{_rel(o):>10}{o.seconds:>7.2f}s")
    return lines


def failure_details(outcomes: list[Outcome], reproduce: str) -> list[str]:
    """For each failed row: its report (or problems), and how to rerun just that row."""
    lines = []
    for o in outcomes:
        if o.ok:
            continue
        lines += ["", f"{o.status} {o.case_id}"]
        lines += [f"  {p}" for p in o.problems]
        if o.report is not None:
            o.report.reproduce = f"{reproduce} -k '{o.case_id}'"
            lines += str(o.report).split("\n")
    return lines


def totals(outcomes: list[Outcome], seconds: float) -> str:
    n_ok = sum(o.ok for o in outcomes)
    kinds = {k: sum(o.kind == k for o in outcomes) for k in ("case", "sweep", "check")}
    parts = [f"{n} {name}" for n, name in ((kinds["case"], "reference cases"), (kinds["sweep"], "sweep checks"),
                                           (kinds["check"], "checks")) if n]
    verdict = "all passed" if n_ok == len(outcomes) else f"{len(outcomes) - n_ok} FAILED"
    return f"{verdict}: {n_ok}/{len(outcomes)} ({', '.join(parts) or 'nothing ran'}) in {seconds:.1f}s"


def exit_code(outcomes: list[Outcome]) -> int:
    if any(o.error for o in outcomes):
        return 2
    return 0 if all(o.ok for o in outcomes) else 1


def write_json(path: str, outcomes: list[Outcome], settings: dict, seconds: float) -> None:
    """The run as JSON for CI dashboards: settings, totals and every row with its full report."""
    out = {"gradcheck_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "settings": settings, "ok": exit_code(outcomes) == 0, "exit_code": exit_code(outcomes),
           "passed": sum(o.ok for o in outcomes), "total": len(outcomes), "seconds": round(seconds, 3),
           "results": [o.to_dict() for o in outcomes]}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=1, default=str) + "\n")
