"""The golden-case file format (JSON, data only) and its validation: every error names the file and the field.

A case file holds: format, id, title, source, model (an MLPSpec as data), inputs, recipes (named computations
beyond the MLP trace), expected (every computed value, full float64), stated (the document's printed numbers as
strings, or its printed shapes), claims (relations the document asserts), errata (in words, with evidence
fields), tolerance and generated_by. See docs/golden.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gradcheck.errors import GradcheckError

#: The version this gradcheck reads and writes; any other version means "regenerate".
FORMAT_VERSION = 1
REGENERATE = "python -m gradcheck.golden.generate"
REQUIRED = ("format", "id", "title", "source", "conventions", "model", "inputs", "recipes", "expected", "stated", "claims",
            "errata", "tolerance", "generated_by")
RELATIONS = ("equal", "ratio")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class GoldenCase:
    """One validated case: `data` is the raw JSON dict (kept for rewriting), the rest are parsed views."""

    path: Path
    data: dict
    spec: object  # gradcheck.nets.MLPSpec
    params: dict[str, np.ndarray]
    x: np.ndarray
    y: np.ndarray
    lr: float | None
    expected: dict[str, np.ndarray] = field(repr=False)

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def batch_size(self) -> int:
        return int(self.x.shape[self.spec.batch_axis])

    def field(self, name: str) -> np.ndarray:
        """An expected value by name, or an input as "inputs.x", "inputs.y", "inputs.params.W1"."""
        if name.startswith("inputs.params."):
            return self.params[name[len("inputs.params."):]]
        if name in ("inputs.x", "inputs.y"):
            return self.x if name == "inputs.x" else self.y
        return self.expected[name]

    def has_field(self, name: str) -> bool:
        try:
            self.field(name)
        except KeyError:
            return False
        return True


class _Where:
    """Builds error messages "<file>: field '<path>' <problem>"."""

    def __init__(self, path):
        self.path = str(path)

    def error(self, fieldpath: str, problem: str) -> GradcheckError:
        return GradcheckError(f"{self.path}: field '{fieldpath}' {problem}")


def read_json(path) -> dict:
    """Parse the file as JSON; a truncated or malformed file raises naming the file, line and column."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GradcheckError(f"{path}: cannot read golden case ({exc.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GradcheckError(
            f"{path}: not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); the file may be "
            f"truncated: restore it from git or regenerate it with `{REGENERATE}`"
        ) from None
    if not isinstance(data, dict):
        raise GradcheckError(f"{path}: expected a JSON object at the top level but got {type(data).__name__}")
    return data


def load(path) -> GoldenCase:
    """Read and validate one case file; raises GradcheckError naming the file and the field."""
    path = Path(path)
    return parse(read_json(path), path)


def parse(data: dict, path) -> GoldenCase:
    """Validate the raw dict of a case (see `load`)."""
    w = _Where(path)
    _check_format(data, w)
    for name in REQUIRED:
        if name not in data:
            raise w.error(name, f"is missing (a case needs {', '.join(REQUIRED)})")
    _check_id(data, Path(path), w)
    for name in ("title", "conventions"):
        _require_type(data, name, str, w)
    for name in ("source", "model", "inputs", "expected", "tolerance", "generated_by"):
        _require_type(data, name, dict, w)
    for name in ("recipes", "stated", "claims", "errata"):
        _require_type(data, name, list, w)
    _check_source(data["source"], w)
    spec = _spec(data["model"], w)
    params, x, y, lr = _inputs(data["inputs"], spec, w)
    _check_recipes(data["recipes"], w)
    expected = {k: _array(v, f"expected.{k}", w) for k, v in data["expected"].items()}
    case = GoldenCase(Path(path), data, spec, params, x, y, lr, expected)
    _check_expected_shapes(case, w)
    _check_tolerance(data["tolerance"], w)
    errata_ids = _check_errata(case, w)
    _check_stated(case, errata_ids, w)
    _check_claims(case, errata_ids, w)
    return case


def _check_format(data, w):
    if "format" not in data:
        raise w.error("format", f"is missing: this is not a gradcheck golden case (format {FORMAT_VERSION})")
    version = data["format"]
    if version != FORMAT_VERSION:
        raise w.error("format", f"is {version!r} but this gradcheck reads format {FORMAT_VERSION}: "
                                f"regenerate the case with `{REGENERATE}` (an old format never passes silently)")


def _check_id(data, path, w):
    case_id = data["id"]
    if not isinstance(case_id, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", case_id):
        raise w.error("id", f"must be a non-empty name of letters, digits, '_', '-', '.' but got id={case_id!r}")
    if path.suffix == ".json" and path.stem != case_id:
        raise w.error("id", f"is {case_id!r} but the file is named {path.name!r}: one file per case, named by its id")


def _require_type(data, name, typ, w, prefix=""):
    value = data.get(name)
    if not isinstance(value, typ) or isinstance(value, bool):
        raise w.error(prefix + name, f"must be a {typ.__name__} but got {type(value).__name__} ({_short(value)})")
    return value


def _short(value) -> str:
    text = json.dumps(value) if not isinstance(value, np.ndarray) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_source(source, w):
    for key in ("file", "title"):
        _require_type(source, key, str, w, "source.")


def _spec(model, w):
    from gradcheck.nets import MLPSpec

    kind = model.get("kind")
    if kind != "mlp":
        raise w.error("model.kind", f"must be 'mlp' but got {kind!r}")
    fields = {k: v for k, v in model.items() if k != "kind"}
    for key in ("widths", "activations"):
        if key not in fields:
            raise w.error(f"model.{key}", "is missing")
    try:
        return MLPSpec(**fields)
    except TypeError as exc:
        raise w.error("model", f"has an unknown key ({exc})") from None
    except GradcheckError as exc:
        raise w.error("model", f"is not a valid MLPSpec: {exc}") from None


def _array(value, fieldpath, w) -> np.ndarray:
    """A number or a rectangular nested list of numbers, as float64."""
    if isinstance(value, bool) or value is None or isinstance(value, (str, dict)):
        raise w.error(fieldpath, f"must be a number or a nested list of numbers but got {_short(value)}")
    try:
        arr = np.array(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise w.error(fieldpath, f"must be a rectangular nested list of numbers but got {_short(value)}") from None
    return arr


def _inputs(inputs, spec, w):
    params_raw = _require_type(inputs, "params", dict, w, "inputs.")
    params = {k: _array(v, f"inputs.params.{k}", w) for k, v in params_raw.items()}
    shapes = spec.param_shapes()
    if set(params) != set(shapes):
        raise w.error("inputs.params", f"must have keys {sorted(shapes)} for the model but has {sorted(params)}")
    for name, shape in shapes.items():
        _shape_is(params[name], shape, f"inputs.params.{name}", w)
    x = _array(inputs.get("x"), "inputs.x", w)
    y = _array(inputs.get("y"), "inputs.y", w)
    for name, arr, width in (("x", x, spec.widths[0]), ("y", y, spec.widths[-1])):
        if arr.ndim != 2 or arr.shape[1 - spec.batch_axis] != width:
            want = f"({width}, N)" if spec.convention == "column" else f"(N, {width})"
            raise w.error(f"inputs.{name}", f"must have shape {want} for convention={spec.convention!r} "
                                            f"but has shape {arr.shape}")
    if x.shape[spec.batch_axis] != y.shape[spec.batch_axis]:
        raise w.error("inputs.y", f"has {y.shape[spec.batch_axis]} examples but inputs.x has {x.shape[spec.batch_axis]}")
    lr = inputs.get("lr")
    if lr is not None and (isinstance(lr, bool) or not isinstance(lr, (int, float))):
        raise w.error("inputs.lr", f"must be a number or null but got {_short(lr)}")
    return params, x, y, (None if lr is None else float(lr))


def _shape_is(arr, shape, fieldpath, w):
    if tuple(arr.shape) != tuple(shape):
        raise w.error(fieldpath, f"must have shape {tuple(shape)} but has shape {tuple(arr.shape)}")


def _check_recipes(recipes, w):
    from gradcheck.golden.recipes import RECIPES

    for i, name in enumerate(recipes):
        if name not in RECIPES:
            raise w.error(f"recipes[{i}]", f"is {name!r}, not a known recipe ({', '.join(sorted(RECIPES))})")


def _check_expected_shapes(case, w):
    from gradcheck.golden.recipes import trace_shapes

    for name, shape in trace_shapes(case).items():
        if name in case.expected:
            _shape_is(case.expected[name], shape, f"expected.{name}", w)


def _check_tolerance(tol, w):
    for key in ("rtol", "atol"):
        value = tol.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise w.error(f"tolerance.{key}", f"must be a number in [0, 1) but got {_short(value)}")


def _check_errata(case, w) -> set[str]:
    ids = set()
    for i, erratum in enumerate(case.data["errata"]):
        where = f"errata[{i}]"
        if not isinstance(erratum, dict):
            raise w.error(where, f"must be an object but got {_short(erratum)}")
        for key in ("id", "where", "printed", "correct", "explanation"):
            _require_type(erratum, key, str, w, f"{where}.")
        if erratum["id"] in ids:
            raise w.error(f"{where}.id", f"repeats the erratum id {erratum['id']!r}")
        ids.add(erratum["id"])
        for j, name in enumerate(erratum.get("evidence", [])):
            if not case.has_field(name):
                raise w.error(f"{where}.evidence[{j}]", f"names {name!r}, which is not a field of expected or inputs")
    return ids


def _check_ref(entry, key, errata_ids, where, w):
    ref = entry.get(key)
    if ref is not None and ref not in errata_ids:
        raise w.error(f"{where}.{key}", f"names {ref!r}, which is not an erratum id ({sorted(errata_ids)})")


def _check_stated(case, errata_ids, w):
    for i, entry in enumerate(case.data["stated"]):
        where = f"stated[{i}]"
        if not isinstance(entry, dict):
            raise w.error(where, f"must be an object but got {_short(entry)}")
        for key in ("field", "where"):
            _require_type(entry, key, str, w, f"{where}.")
        for key in ("field", "reproduced_by"):
            name = entry.get(key)
            if name is not None and not case.has_field(name):
                raise w.error(f"{where}.{key}", f"names {name!r}, which is not a field of expected or inputs")
        _check_ref(entry, "erratum", errata_ids, where, w)
        if ("printed" in entry) == ("shape" in entry):
            raise w.error(where, "must have exactly one of 'printed' (numbers as strings) or 'shape'")
        if "printed" in entry:
            _check_printed(entry["printed"], case.field(entry["field"]).shape, f"{where}.printed", w)
        else:
            _check_stated_shape(entry["shape"], f"{where}.shape", w)


def _check_printed(printed, shape, where, w):
    """printed: strings as the document printed them, nested in the field's shape."""
    arr = np.array(printed, dtype=object)
    if arr.shape != tuple(shape) and not (arr.shape == () and int(np.prod(shape)) == 1):
        raise w.error(where, f"must be strings nested in the field's shape {tuple(shape)} but has shape {arr.shape}")
    for text in arr.reshape(-1):
        if not isinstance(text, str) or not _NUMBER.match(text):
            raise w.error(where, f"must hold numbers as printed strings like \"0.689\" but holds {text!r}")


def _check_stated_shape(shape, where, w):
    if not isinstance(shape, list) or not all(s == "N" or (isinstance(s, int) and s > 0) for s in shape):
        raise w.error(where, f"must be a list of positive ints or \"N\" (the batch size) but got {_short(shape)}")


def _check_claims(case, errata_ids, w):
    for i, claim in enumerate(case.data["claims"]):
        where = f"claims[{i}]"
        if not isinstance(claim, dict):
            raise w.error(where, f"must be an object but got {_short(claim)}")
        for key in ("relation", "left", "right", "says"):
            _require_type(claim, key, str, w, f"{where}.")
        if claim["relation"] not in RELATIONS:
            raise w.error(f"{where}.relation", f"must be one of {RELATIONS} but got {claim['relation']!r}")
        if claim["relation"] == "ratio":
            _check_factor(claim, where, w)
        for key in ("left", "right"):
            if not case.has_field(claim[key]):
                raise w.error(f"{where}.{key}", f"names {claim[key]!r}, which is not a field of expected or inputs")
        _check_ref(claim, "erratum", errata_ids, where, w)


def _check_factor(claim, where, w):
    factor = claim.get("factor")
    if isinstance(factor, bool) or not isinstance(factor, (int, float)):
        raise w.error(f"{where}.factor", f"must be a number (left = factor x right) but got {_short(factor)}")
