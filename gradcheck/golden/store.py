"""Finding, running and updating case files. Writes are atomic (a temp file beside the case, then os.replace),
so an interrupted update leaves the old file whole; leftover temp files match `.*.gradcheck-tmp`. Each
process names its temp files with its pid and removes only those of processes that have ended, so updates
running side by side on one directory never pull a file from under each other."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from gradcheck import atomic
from gradcheck.golden.jsonschema import CaseError
from gradcheck.golden.schema import SUFFIX, load
from gradcheck.golden.strict_json import read_json

TEMP_SUFFIX = ".gradcheck-tmp"
STALE_SECONDS = 3600  # a temp file without a live owner we can ask about is left alone this long
#: Keys written first, in this order; the rest follow as written.
ORDER = (
    "gradcheck_case",
    "id",
    "title",
    "source",
    "conventions",
    "model",
    "inputs",
    "loss",
    "train",
    "derived",
    "stated",
    "claims",
    "variants",
    "errata",
    "tolerance",
    "computed",
    "generated_by",
)


def shipped_cases_dir() -> Path:
    """The textbook cases installed with gradcheck (package data)."""
    return Path(str(resources.files("gradcheck.golden").joinpath("cases")))


def discover(*paths) -> list[Path]:
    """`*.gradcheck.json` files: each path is a file or a directory searched recursively (sorted, no duplicates).

    Nothing else is picked up: other JSON, temp files of an interrupted update, hidden directories."""
    found = []
    for p in map(Path, paths or (shipped_cases_dir(),)):
        if p.is_dir():
            found += [
                f for f in p.rglob(f"*{SUFFIX}") if not any(part.startswith(".") for part in f.relative_to(p).parts)
            ]
        elif p.name.endswith(SUFFIX):
            found.append(p)
        else:
            raise CaseError(p, "", f"is not a directory or a *{SUFFIX} file")
    return sorted(set(found))


def run_cases(*paths) -> list:
    """Load and verify every case found under `paths` (default: the shipped cases); a file that cannot be loaded
    gives a failed GoldenResult whose one problem is the load error, so one bad file never stops the others."""
    from gradcheck.golden.verify import GoldenResult, verify

    results = []
    for path in discover(*paths):
        try:
            results.append(verify(load(path)))
        except CaseError as exc:
            results.append(GoldenResult(path.name[: -len(SUFFIX)], path.name, [str(exc)]))
        except Exception as exc:  # a gradcheck bug on one case must not hide the others' results
            error = f"{path}: gradcheck failed on this case ({type(exc).__name__}: {exc}); please report it"
            results.append(GoldenResult(path.name[: -len(SUFFIX)], path.name, [error]))
    return results


def to_jsonable(value):
    """Arrays become nested lists of Python floats (repr round-trips float64 exactly)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def dumps(data: dict) -> str:
    """Indented JSON with innermost lists (matrix rows, node args) on one line, so a diff shows the changed row."""
    ordered = {k: data[k] for k in ORDER if k in data} | {k: v for k, v in data.items() if k not in ORDER}
    return _dump(to_jsonable(ordered), 0) + "\n"


def _dump(value, level: int) -> str:
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if level >= 2 and len(json.dumps(value)) <= 100:
            return json.dumps(value, ensure_ascii=False, allow_nan=False)
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if all(not isinstance(v, (list, dict)) for v in value):
            return json.dumps(value, ensure_ascii=False, allow_nan=False)
        return "[\n" + ",\n".join(f"{inner}{_dump(v, level + 1)}" for v in value) + f"\n{pad}]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def write_atomic(path, text: str) -> None:
    """Write a case file atomically (gradcheck.atomic: the old file or the new one, its mode kept), its temp file
    named with TEMP_SUFFIX and this process's pid, so an abandoned one can be told and removed."""
    atomic.write_atomic(path, text, suffix=TEMP_SUFFIX)


@dataclass
class UpdateSummary:
    """What `update` did: files rewritten, files already current, files that could not be loaded."""

    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # "path: error"
    changes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [*self.changes, *(f"cannot update {b}" for b in self.broken)]
        lines.append(
            f"{len(self.updated)} updated, {len(self.unchanged)} unchanged"
            + (f", {len(self.broken)} broken" if self.broken else "")
        )
        return "\n".join(lines)


def update(paths, check_only: bool = False) -> UpdateSummary:
    """Recompute `computed` (and `generated_by`) of every case under `paths` (files or directories); never
    stated values, claims or errata. With check_only nothing is written (the summary says what would change)."""
    from gradcheck.golden.compute import compute
    from gradcheck.golden.stored import stored_fields

    if not paths:
        raise CaseError(Path("."), "", "update needs the case files or directories to rewrite")
    summary = UpdateSummary()
    for path in discover(*paths):
        _remove_stale_temp(path)
        try:
            case = load(path)
            data = dict(read_json(path))
            data["computed"] = to_jsonable(stored_fields(case, compute(case)))
        except CaseError as exc:
            summary.broken.append(str(exc))
            continue
        data["generated_by"] = provenance()
        new = dumps(data)
        old = path.read_text(encoding="utf-8")
        if _same(old, new):
            summary.unchanged.append(str(path))
            continue
        summary.changes += [f"{path.name}: {c}" for c in describe_changes(case.computed, data["computed"])] or [
            f"{path.name}: layout"
        ]
        summary.updated.append(str(path))
        if not check_only:
            write_atomic(path, new)
    return summary


def _same(old: str, new: str) -> bool:
    """Equal apart from the versions in generated_by (an update on another machine is not a change)."""
    strip = lambda t: {k: v for k, v in json.loads(t).items() if k != "generated_by"}  # noqa: E731
    try:
        return strip(old) == strip(new) and dumps(json.loads(old)) == old
    except ValueError:
        return False


def _remove_stale_temp(path: Path) -> None:
    """Remove temp files that an interrupted update left beside `path`: never one another process is writing."""
    for tmp in path.parent.glob(f".{path.name}.*{TEMP_SUFFIX}"):
        if _abandoned(tmp, path.name):
            tmp.unlink(missing_ok=True)


def _abandoned(tmp: Path, name: str) -> bool:
    """The temp file's writer (the pid in its name) has ended; without a pid to ask, it is an hour old."""
    pid = tmp.name[len(name) + 2 :].split(".", 1)[0]
    if pid.isdigit() and os.name == "posix":  # os.kill(pid, 0) only asks on POSIX (on Windows it kills)
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:  # alive, owned by someone else
            return False
        return False
    try:
        return time.time() - tmp.stat().st_mtime > STALE_SECONDS
    except FileNotFoundError:
        return False


def provenance() -> dict:
    """The command and versions that wrote `computed` (an update elsewhere changes only these)."""
    import gradcheck

    return {
        "command": "gradcheck golden update",
        "gradcheck": gradcheck.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def describe_changes(old: dict, new: dict) -> list[str]:
    """Differences between two `computed` dicts in words (field, how many entries, the largest change)."""
    if not old:
        return [f"computed: {len(new)} fields written"]
    changes = []
    for name in sorted(set(old) | set(new)):
        if name not in old or name not in new:
            changes.append(f"computed.{name}: {'added' if name not in old else 'removed'}")
            continue
        a, b = np.asarray(old[name], dtype=np.float64), np.asarray(new[name], dtype=np.float64)
        if a.shape != b.shape:
            changes.append(f"computed.{name}: shape {a.shape} -> {b.shape}")
        elif not np.array_equal(a, b):
            d = np.abs(b - a)
            ix = np.unravel_index(int(np.argmax(d)), d.shape) if d.ndim else ()
            changes.append(
                f"computed.{name}: {int((a != b).sum())} of {a.size} entries changed, largest at "
                f"[{', '.join(map(str, ix))}]: {float(a[ix])!r} -> {float(b[ix])!r}"
            )
    return changes
