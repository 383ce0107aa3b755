"""Finding, writing and updating case files: text JSON, written atomically (temp file + os.replace)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from gradcheck.golden.schema import load, read_json

OBTAINED_SUFFIX = ".obtained.json"


def discover(directory="reference_cases") -> list[Path]:
    """The case files in `directory` (sorted; `*.obtained.json` left out)."""
    return sorted(p for p in Path(directory).glob("*.json") if not p.name.endswith(OBTAINED_SUFFIX))


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
    """Indented JSON with innermost lists (matrix rows) kept on one line, so a diff shows the changed row."""
    return _dump(to_jsonable(data), 0) + "\n"


def _dump(value, level: int) -> str:
    pad, inner = "  " * level, "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(k)}: {_dump(v, level + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if all(not isinstance(v, (list, dict)) for v in value):
            return json.dumps(value)
        return "[\n" + ",\n".join(f"{inner}{_dump(v, level + 1)}" for v in value) + f"\n{pad}]"
    return json.dumps(value, allow_nan=False)


def write_atomic(path, data: dict) -> None:
    """Write `data` as a case file: a temp file in the same directory, fsync, then os.replace; a crash at any
    point leaves the old file whole (and no partial new one)."""
    path = Path(path)
    text = dumps(data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def describe_changes(old: dict, new: dict) -> list[str]:
    """Human-readable differences between two `expected` dicts (field, biggest change, where)."""
    changes = []
    for name in sorted(set(old) | set(new)):
        if name not in old:
            changes.append(f"expected.{name}: added")
        elif name not in new:
            changes.append(f"expected.{name}: removed")
        else:
            a, b = np.asarray(old[name], dtype=np.float64), np.asarray(new[name], dtype=np.float64)
            if a.shape != b.shape:
                changes.append(f"expected.{name}: shape {a.shape} -> {b.shape}")
            elif not np.array_equal(a, b):
                d = np.abs(b - a)
                ix = np.unravel_index(int(np.nanargmax(d)), d.shape) if d.ndim else ()
                changes.append(f"expected.{name}: {int((a != b).sum())} of {a.size} entries changed, largest at "
                               f"[{', '.join(map(str, ix))}]: {float(a[ix])!r} -> {float(b[ix])!r}")
    return changes


def update(path) -> list[str]:
    """Recompute the `expected` fields of the case at `path` and rewrite it atomically if they changed.

    Never touches `stated` or `errata` (or anything else); returns the changes in words ([] when none).
    """
    from gradcheck.golden.recipes import compute

    path = Path(path)
    case = load(path)
    obtained = {k: v for k, v in compute(case).items()}
    changes = describe_changes(case.expected, obtained)
    if changes:
        data = read_json(path)
        data["expected"] = to_jsonable(obtained)
        write_atomic(path, data)
    return [f"{path.name}: {c}" for c in changes]


def obtained_path(path) -> Path:
    """`<case>.obtained.json` beside the case."""
    path = Path(path)
    return path.with_name(path.stem + OBTAINED_SUFFIX)


def write_obtained(case, obtained: dict) -> Path:
    """Write the case with its expected values replaced by what gradcheck computes now; returns the path."""
    data = dict(case.data)
    data["expected"] = to_jsonable(obtained)
    target = obtained_path(case.path)
    write_atomic(target, data)
    return target
