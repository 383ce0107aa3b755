"""Checking a parsed case file against the published JSON Schema (case.schema.json); reading it is strict_json.py.

The schema file is the one definition of the format: editors use it, and this small validator (the subset of
JSON Schema it uses: type, const, enum, pattern, bounds, lengths, properties, required, additionalProperties,
items, $ref, anyOf) enforces it. Every error is a CaseError naming the file and the field, never a traceback.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

from gradcheck.errors import GradcheckError


class CaseError(GradcheckError):
    """A case file that cannot be used; the message names the file and the field."""

    def __init__(self, path, field: str, problem: str):
        self.path, self.field, self.problem = str(path), field, problem
        super().__init__(f"{path}: field '{field}' {problem}" if field else f"{path}: {problem}")


@lru_cache(maxsize=1)
def schema() -> dict:
    """The published schema (package data)."""
    return json.loads(resources.files("gradcheck.golden").joinpath("case.schema.json").read_text(encoding="utf-8"))


def validate(data, path, node: dict | None = None, where: str = "") -> None:
    """Raise CaseError for the first place `data` breaks the schema (`node`, default the whole schema)."""
    node = schema() if node is None else node
    _check(data, node, where, Path(path))


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = schema()["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _check(value, node, where, path):
    node = _resolve(node)
    if "anyOf" in node:
        return _any_of(value, node["anyOf"], where, path)
    if "const" in node and value != node["const"]:
        raise CaseError(path, where, f"must be {node['const']!r} but is {_short(value)}")
    if "enum" in node and (
        value not in node["enum"] or isinstance(value, bool) != any(isinstance(e, bool) for e in node["enum"])
    ):
        raise CaseError(path, where, f"must be one of {', '.join(map(repr, node['enum']))} but is {_short(value)}")
    if "type" in node:
        _type(value, node["type"], where, path)
    if isinstance(value, str):
        _string(value, node, where, path)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _number(value, node, where, path)
    elif isinstance(value, list):
        _array(value, node, where, path)
    elif isinstance(value, dict):
        _object(value, node, where, path)


def _any_of(value, options, where, path):
    options = [_resolve(o) for o in options]
    kinds = {o.get("properties", {}).get("kind", {}).get("const"): o for o in options}
    if isinstance(value, dict) and None not in kinds:  # a tagged union: report errors of the named kind only
        if not isinstance(value.get("kind"), str) or value["kind"] not in kinds:
            raise CaseError(
                path,
                f"{where}.kind",
                f"must be one of {', '.join(map(repr, kinds))} but is {_short(value.get('kind'))}",
            )
        return _check(value, kinds[value["kind"]], where, path)
    errors = []
    for option in options:
        try:
            return _check(value, option, where, path)
        except CaseError as exc:
            errors.append(exc)
    deepest = max(errors, key=lambda e: len(e.field))
    if deepest.field != where:
        raise deepest
    wanted = " or ".join(_describe(o) for o in options)
    raise CaseError(path, where, f"must be {wanted} but is {_short(value)}")


def _describe(node) -> str:
    node = _resolve(node)
    if "pattern" in node and node.get("type") == "string":
        return f"a string matching {node['pattern']}"
    return {
        "number": "a number",
        "integer": "an integer",
        "boolean": "true or false",
        "array": "a list",
        "string": "a string",
        "object": "an object",
    }.get(node.get("type"), node.get("description", "a valid value"))


_TYPES = {"string": str, "number": (int, float), "integer": int, "boolean": bool, "array": list, "object": dict}


def _type(value, kind, where, path):
    ok = isinstance(value, _TYPES[kind]) and (kind == "boolean" or not isinstance(value, bool))
    if kind == "number" and ok and not math.isfinite(value):
        ok = False
    if not ok:
        raise CaseError(
            path, where, f"must be {_describe({'type': kind})} but is {type(value).__name__} ({_short(value)})"
        )


def _length(value, node, key: str, where, path, says: str):
    """min<key>/max<key> (Length of a string, Items of an array) bound len(value); `says` words a violation."""
    low, high = node.get(f"min{key}", 0), node.get(f"max{key}")
    if len(value) < low or (high is not None and len(value) > high):
        raise CaseError(path, where, says.format(low=low, high="any" if high is None else high, n=len(value)))


def _string(value, node, where, path):
    _length(value, node, "Length", where, path, "must be {low} to {high} characters long but is {n}")
    if "pattern" in node and not re.search(node["pattern"], value):
        says = f"is not {node['title']}" if "title" in node else f"does not match {node['pattern']}"
        raise CaseError(path, where, f"is {_short(value)}, which {says}")


def _number(value, node, where, path):
    if "minimum" in node and value < node["minimum"]:
        raise CaseError(path, where, f"must be at least {node['minimum']} but is {value!r}")
    if "maximum" in node and value > node["maximum"]:
        raise CaseError(path, where, f"must be at most {node['maximum']} but is {value!r}")
    if "exclusiveMinimum" in node and value <= node["exclusiveMinimum"]:
        raise CaseError(path, where, f"must be greater than {node['exclusiveMinimum']} but is {value!r}")


def _array(value, node, where, path):
    _length(value, node, "Items", where, path, "must have {low} to {high} items but has {n}")
    if "items" in node:
        for i, item in enumerate(value):
            _check(item, node["items"], f"{where}[{i}]", path)


def _object(value, node, where, path):
    props = node.get("properties", {})
    extra = node.get("additionalProperties", True)
    for key in node.get("required", []):
        if key not in value:
            raise CaseError(path, _join(where, key), "is missing")
    for key, item in value.items():
        if "propertyNames" in node:
            _check(key, node["propertyNames"], _join(where, key), path)
        if key in props:
            _check(item, props[key], _join(where, key), path)
        elif extra is False:
            near = difflib.get_close_matches(key, list(props), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else f" (allowed: {', '.join(props)})"
            raise CaseError(path, _join(where, key), f"is not a field of the format{hint}")
        elif isinstance(extra, dict):
            _check(item, extra, _join(where, key), path)


def _join(where, key) -> str:
    return f"{where}.{key}" if where else key


def _short(value) -> str:
    text = json.dumps(value) if isinstance(value, (dict, list, str, int, float, bool, type(None))) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
