"""Rows of a command: golden cases, sweep entries and user targets run into Outcomes, a table and JSON.

Exit status: 0 every check passed, 1 a check failed, 2 an input error (a case or target that cannot run).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import GradcheckError
from ..report import write_json as write_json_atomic


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
        out = {
            "kind": self.kind,
            "id": self.case_id,
            "status": self.status,
            "ok": self.ok,
            "seconds": round(self.seconds, 4),
            "problems": self.problems,
            **self.detail,
        }
        if self.report is not None:
            out["report"] = self.report.to_dict()
        return out


def default_case_dir() -> Path | None:
    """gradcheck's own textbook cases: the package data installed with gradcheck (a wheel or a checkout)."""
    from ..golden import shipped_cases_dir

    d = shipped_cases_dir()
    return d if d.is_dir() else None


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
        return Outcome(
            "case",
            path.stem,
            False,
            time.perf_counter() - start,
            problems=[str(exc)],
            error=True,
            detail={"path": str(path)},
        )
    return Outcome(
        "case",
        str(result.case_id),
        bool(result.ok),
        time.perf_counter() - start,
        problems=[str(p) for p in result.problems],
        detail={"path": str(path)},
    )


def run_sweep_case(case, oracles, seed: int) -> Outcome:
    from .sweep import check

    start = time.perf_counter()
    report = check(case, oracles=oracles, seed=seed)
    return Outcome(
        "sweep", case.case_id, report.ok, time.perf_counter() - start, report=report, detail={"spec": case.describe()}
    )


def run_target(target, settings, reproduce: str) -> Outcome:
    """One user check; bad input from the target (a GradcheckError) is an ERROR row, not a crash."""
    start = time.perf_counter()
    try:
        report = target.run(settings)
    except GradcheckError as exc:
        return Outcome("check", target.label, False, time.perf_counter() - start, problems=[str(exc)], error=True)
    report.reproduce = f"{reproduce} -k '{target.label}'" if reproduce.startswith("gradcheck run") else reproduce
    return Outcome("check", target.label, report.ok, time.perf_counter() - start, report=report)


def exit_code(outcomes: list[Outcome]) -> int:
    if any(o.error for o in outcomes):
        return 2
    return 0 if all(o.ok for o in outcomes) else 1


def write_json(path: str, outcomes: list[Outcome], settings: dict, seconds: float) -> None:
    """The run as JSON for CI dashboards: settings, totals and every row with its full report."""
    out = {
        "gradcheck_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": settings,
        "ok": exit_code(outcomes) == 0,
        "exit_code": exit_code(outcomes),
        "passed": sum(o.ok for o in outcomes),
        "total": len(outcomes),
        "seconds": round(seconds, 3),
        "results": [o.to_dict() for o in outcomes],
    }
    write_json_atomic(path, out)
