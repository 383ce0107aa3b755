"""The Report: verdict first, then where, how big, against which oracle, and what to do next."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

import numpy as np

from ._engine.compare import MAX_ROWS, Comparison

RunStatus = Literal["ran", "skipped"]
# judged (evidence.Status): ok, mismatch, nondeterministic, unresolved; structural (structure.py): grad left a
# parameter out, returned one that params lacks, returned a wrong shape, or returned NaN/inf
Status = Literal["ok", "mismatch", "nondeterministic", "unresolved", "missing", "extra", "shape", "nonfinite"]
Kind = Literal["grad", "vjp", "backward", "layer", "function", "hvp", "jvp"]


@dataclass
class OracleRun:
    """One oracle's part in a check: ran or skipped (and why), its mode, work and time."""

    name: str
    status: RunStatus
    reason: str = ""
    mode: str = ""
    method: str = ""
    seconds: float = 0.0
    evaluations: int = 0

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class HealthCheck:
    """Something suspicious about the inputs or the user's functions, said in words."""

    name: str  # e.g. "nondeterministic", "mutated_input", "kink"
    message: str
    fails: bool = False  # True when it makes the check fail (a mutated input), False for a warning
    source: str = ""  # whose call it is about ("loss", "grad", "forward", ...), "" when it is about the point

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class ParamReport:
    """One parameter: its status, its comparison against every reference, and the likely bug."""

    name: str
    shape: tuple
    dtype: str
    status: Status
    comparisons: dict[str, Comparison] = field(default_factory=dict)
    trusted: tuple[str, ...] = ()
    set_aside: dict[str, str] = field(default_factory=dict)
    diagnosis: str | None = None
    diagnosis_kind: str | None = None  # stable machine-readable category (diagnose.KINDS), e.g. "transposed"
    message: str = ""  # for structural statuses: what is wrong, in words
    yours: np.ndarray | None = field(default=None, repr=False)
    refs: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    fd_error: np.ndarray | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)  # kinks accepted, Taylor test results, said in words
    bound: float | None = None  # detection bound: a single entry off by more than this would have failed
    taylor: object | None = field(default=None, repr=False)  # taylor.TaylorResult where the Taylor test ran
    oracles_disagree: bool = False  # the oracles disagree with each other and none is clearly wrong

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def wrong_entries(self) -> np.ndarray:
        """The entries any trusted oracle rejected (all False where no entry-wise comparison ran)."""
        bad = np.zeros(np.shape(self.yours) if self.yours is not None else tuple(self.shape), bool)
        for o in self.trusted:
            c = self.comparisons.get(o)
            if c is not None and c.bad_mask is not None:
                bad |= c.bad_mask
        return bad

    def rows(self, limit: int = MAX_ROWS) -> list[dict]:
        """The worst wrong entries (or the worst entries if none is wrong), as table rows."""
        if self.yours is None or not self.refs or self.yours.shape != tuple(self.shape):
            return []
        main = next((o for o in self.trusted if o in self.refs), next(iter(self.refs)))
        diff = np.asarray(self.yours, dtype=np.float64) - self.refs[main]
        bad = self.wrong_entries()
        score = np.where(np.isnan(diff), np.inf, np.abs(diff)).reshape(-1)
        order = np.lexsort((-score, ~bad.reshape(-1)))[:limit]  # wrong entries first, then by size
        out = []
        for j in order:
            idx = np.unravel_index(int(j), diff.shape) if diff.ndim else ()
            out.append(
                {
                    "index": [int(i) for i in idx],
                    "yours": float(self.yours[idx]),
                    **{o: float(r[idx]) for o, r in self.refs.items()},
                    "difference": float(diff[idx]),
                    "wrong": bool(bad.reshape(-1)[j]),
                }
            )
        return out

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "shape": list(self.shape),
            "dtype": self.dtype,
            "status": self.status,
            "message": self.message,
            "diagnosis": self.diagnosis,
            "diagnosis_kind": self.diagnosis_kind,
            "trusted": list(self.trusted),
            "set_aside": dict(self.set_aside),
            "comparisons": {k: c.to_dict() for k, c in self.comparisons.items()},
            "worst_entries": self.rows(),
            "notes": list(self.notes),
            "detection_bound": self.bound if self.bound is None or np.isfinite(self.bound) else None,
            "taylor": self.taylor.to_dict() if self.taylor is not None else None,
            "oracles_disagree": self.oracles_disagree,
        }


@dataclass
class Report:
    """The result of one check; `str(report)` is the table a person reads, `to_dict()` the JSON."""

    ok: bool
    kind: Kind  # which entry point made it
    verdict: str
    params: list[ParamReport]
    oracles: list[OracleRun]
    health: list[HealthCheck] = field(default_factory=list)
    seed: int = 0
    tolerances: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    reproduce: str = ""

    @property
    def ran(self) -> list[str]:
        return [o.name for o in self.oracles if o.status == "ran"]

    def param(self, name: str) -> ParamReport:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(f"no parameter named {name!r} in this report (have {[p.name for p in self.params]})")

    @property
    def failing(self) -> list[ParamReport]:
        return [p for p in self.params if not p.ok]

    @property
    def withheld(self) -> bool:
        """No verdict only because this point cannot tell right from wrong: some parameter is unresolved, every
        other passes, and every health check passes."""
        statuses = {p.status for p in self.params}
        return "unresolved" in statuses and statuses <= {"ok", "unresolved"} and not any(h.fails for h in self.health)

    def worst_rel(self) -> float | None:
        """Largest relative error of the hand-written gradient against a trusted oracle (None if none compared)."""
        rels = [c.max_rel for p in self.params for o, c in p.comparisons.items() if o in p.trusted]
        return max(rels, default=None)

    def to_dict(self) -> dict:
        """Every field as plain data; params, oracles and health each by their own to_dict."""
        nested = {"params": self.params, "oracles": self.oracles, "health": self.health}
        return {
            f.name: [x.to_dict() for x in nested[f.name]] if f.name in nested else getattr(self, f.name)
            for f in fields(self)
        }

    def __str__(self) -> str:
        from .render import text

        return text(self)

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the verdict, a table per parameter with the wrong entries marked."""
        from .render import html

        return html(self)

    def _repr_markdown_(self) -> str:
        from .render import markdown

        return markdown(self)


def write_json(path, data: dict) -> Path:
    """Write a JSON report atomically (temp file in the same directory, then os.replace): a reader or a crash
    never sees half a file. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=1, default=str) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
