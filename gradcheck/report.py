"""The Report: verdict first, then where, how big, against which oracle, and what to do next."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Literal

import numpy as np

from ._engine.compare.entries import MAX_ROWS, Comparison
from .atomic import write_atomic

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
    ran_as: str = ""  # how an AD oracle ran your code: "as written" or "numpy code followed"

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


StepStatus = Literal["right", "wrong", "unknown"]


@dataclass(frozen=True)
class Counterpart:
    """What a backward quantity is (or should be): the forward's value of a quantity, its adjoint dL/dz, or the
    gradient of a parameter; `convention` says how it is laid out ("" for the same shape, "transposed", ...)."""

    kind: Literal["value", "adjoint", "gradient"]
    label: str  # "a2", "p['W1'] @ x", or a parameter's name
    file: str = ""  # where the forward computes it ("" for a parameter or input)
    line: int = 0
    convention: str = ""
    named: bool = True  # a variable (False: an unnamed sub-expression)

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Step:
    """One quantity the backward computed, in execution order: right, wrong or unknown (no counterpart)."""

    file: str  # as in the code object's co_filename
    line: int
    code: str
    name: str | None  # the variable written (the array or list written into for an in-place write)
    function: str
    status: StepStatus
    matched: Counterpart | None = None

    def to_dict(self) -> dict:
        return {**self.__dict__, "matched": None if self.matched is None else self.matched.to_dict()}


@dataclass(frozen=True)
class FirstWrong:
    """The first wrong line of the user's backward: wrong while everything it is computed from is right."""

    file: str  # as in the code object's co_filename
    line: int  # 1-based
    code: str  # that source line, stripped
    name: str | None  # the variable written there
    function: str
    expected: Counterpart  # what it should be
    shape: tuple
    inputs: tuple[tuple[str, int, Counterpart], ...] = ()  # what it is computed from: (name, line, what it is)

    def to_dict(self) -> dict:
        return {
            **{k: getattr(self, k) for k in ("file", "line", "code", "name", "function")},
            "expected": self.expected.to_dict(),
            "shape": list(self.shape),
            "inputs": [{"name": n, "line": line, "is": c.to_dict()} for n, line, c in self.inputs],
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
    first_wrong: FirstWrong | None = None  # where in the user's backward (failing checks only)
    steps: list[Step] = field(default_factory=list)  # the backward's quantities as they were followed
    not_located: str = ""  # on a failing check with no first_wrong: why, in one line

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
        from .render import where_line

        nested = {"params": self.params, "oracles": self.oracles, "health": self.health, "steps": self.steps}
        out = {
            f.name: [x.to_dict() for x in nested[f.name]] if f.name in nested else getattr(self, f.name)
            for f in fields(self)
        }
        out["first_wrong"] = None if self.first_wrong is None else self.first_wrong.to_dict()
        out["where"] = where_line(self)
        return out

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
    """Write a JSON report atomically (gradcheck.atomic: a reader or a crash never sees half a file, and the file
    gets the umask's mode). Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, json.dumps(data, indent=1, default=str) + "\n")
