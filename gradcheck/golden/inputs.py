"""A case's inputs as float64 arrays: written inline, drawn by an RNG recipe, or read from a CSV file
whose sha256 is recorded (so a changed data file is an error, not a silently different case)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from gradcheck.golden.jsonschema import CaseError


def load_inputs(data: dict, path) -> tuple[dict[str, np.ndarray], tuple[str, ...]]:
    """(name -> array, parameter names); a name defined twice is an error naming the second place."""
    spec, path = data["inputs"], Path(path)
    out: dict[str, np.ndarray] = {}
    for name, value in spec.get("values", {}).items():
        out[name] = tensor(value, path, f"inputs.values.{name}")
    if "rng" in spec:
        _add(out, draw(spec["rng"], path), path, "inputs.rng")
    if "data" in spec:
        _add(out, read_data(spec["data"], path), path, "inputs.data")
    params = spec.get("params")
    if params is None:
        params = [k for k in out if data["model"]["kind"] == "mlp" and k[:1] in "Wb"]
    for i, name in enumerate(params):
        if name not in out:
            raise CaseError(path, f"inputs.params[{i}]", f"is {name!r}, which no input defines ({sorted(out)})")
    return out, tuple(params)


def _add(out, new, path, where):
    for name, value in new.items():
        if name in out:
            raise CaseError(path, where, f"defines {name!r}, which inputs.values already defines")
        out[name] = value


def tensor(value, path, where) -> np.ndarray:
    """`value` (a number or nested lists of numbers) as a float64 array; a ragged list names `where`."""
    try:
        arr = np.array(value, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise CaseError(path, where, "must be a number or a rectangular nested list of numbers") from None
    return arr


def input_field(data: dict, name: str) -> str:
    """Where input `name` is written: inputs.values.W1, inputs.rng.draws[2] or inputs.data.columns.x."""
    spec = data["inputs"]
    if name in spec.get("values", {}):
        return f"inputs.values.{name}"
    for i, d in enumerate(spec.get("rng", {}).get("draws", [])):
        if d["name"] == name:
            return f"inputs.rng.draws[{i}]"
    return f"inputs.data.columns.{name}" if name in spec.get("data", {}).get("columns", {}) else "inputs"


def draw(rng_spec: dict, path) -> dict[str, np.ndarray]:
    """Arrays drawn in order from numpy.random.default_rng(seed), each by its distribution."""
    rng = np.random.default_rng(rng_spec["seed"])
    out = {}
    for i, d in enumerate(rng_spec["draws"]):
        where = f"inputs.rng.draws[{i}]"
        need = {
            "glorot_uniform": ("shape", "fan_in", "fan_out"),
            "uniform": ("shape",),
            "standard_normal": ("shape",),
            "one_hot": ("classes", "n"),
            "labels": ("classes", "n"),
        }[d["dist"]]
        for key in need:
            if key not in d:
                raise CaseError(path, f"{where}.{key}", f"is missing (dist {d['dist']!r} needs {', '.join(need)})")
        if d["name"] in out:
            raise CaseError(path, f"{where}.name", f"draws {d['name']!r} twice")
        out[d["name"]] = _draw_one(rng, d)
    return out


def _draw_one(rng, d) -> np.ndarray:
    if d["dist"] == "glorot_uniform":
        limit = np.sqrt(6.0 / (d["fan_in"] + d["fan_out"]))  # Glorot: U(-l, l), l = sqrt(6 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=tuple(d["shape"])).astype(np.float64)
    if d["dist"] == "uniform":
        return rng.uniform(d.get("low", 0.0), d.get("high", 1.0), size=tuple(d["shape"]))
    if d["dist"] == "standard_normal":
        return rng.standard_normal(tuple(d["shape"]))
    labels = rng.integers(0, d["classes"], size=d["n"])
    if d["dist"] == "labels":
        return labels.astype(np.float64)  # class indices, for a one_hot node or an accuracy
    onehot = np.eye(d["classes"])[labels]  # (n, classes)
    return onehot if d.get("layout", "rows") == "rows" else onehot.T


def read_data(spec: dict, path) -> dict[str, np.ndarray]:
    """Columns of a CSV beside the case file, after checking its sha256."""
    file = Path(path).parent / spec["file"]
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise CaseError(
            path, "inputs.data.file", f"names {spec['file']!r}, which cannot be read ({exc.strerror})"
        ) from None
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec["sha256"]:
        raise CaseError(
            path,
            "inputs.data.sha256",
            f"is {spec['sha256']} but {spec['file']} has sha256 {digest}: the data file changed",
        )
    try:
        table = np.loadtxt(file, delimiter=",", skiprows=spec.get("skip_rows", 0), ndmin=2, dtype=np.float64)
    except ValueError as exc:
        raise CaseError(path, "inputs.data.file", f"{spec['file']} is not a CSV of numbers ({exc})") from None
    out = {}
    for name, cols in spec["columns"].items():
        if any(c >= table.shape[1] for c in cols):
            raise CaseError(
                path, f"inputs.data.columns.{name}", f"uses column {max(cols)} but the file has {table.shape[1]}"
            )
        block = table[:, cols]
        out[name] = block if spec.get("layout", "rows") == "rows" else block.T
    if not all(np.all(np.isfinite(v)) for v in out.values()):
        raise CaseError(path, "inputs.data.file", f"{spec['file']} holds a value that is not finite")
    return out
