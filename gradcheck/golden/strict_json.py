"""Reading a case file as strict JSON, and saying where in it a problem is.

UTF-8 only; no NaN or Infinity; no repeated key; no number too large for a float64; nesting at most MAX_DEPTH.
Each refusal is a CaseError naming the file, the field (a JSON path such as `inputs.values.W1[0][1]`) and the
line and column, found by `locate`, a scan of the text that follows the brackets outside strings.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from gradcheck.golden.jsonschema import CaseError

MAX_DEPTH = 24  # deepest nesting a case file may have (a 4-d tensor inside a variant is ~10)
MAX_BYTES = 20_000_000
MAX_INT_DIGITS = 4000  # longer integer literals are read as float (Python refuses to parse them as int)
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]|-?Infinity|NaN')


def read_json(path) -> object:
    """Parse the file as strict JSON (see the module docstring); a CaseError names where it is not."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CaseError(path, "", f"cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise CaseError(path, "", f"is {len(raw)} bytes; a case file is at most {MAX_BYTES}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError(
            path, "", f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): a case file is JSON"
        ) from None
    _check_tokens(text, path)
    try:
        data = json.loads(text, object_pairs_hook=_Object, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        field, _ = locate(text, exc.pos)
        raise CaseError(
            path,
            field,
            f"is not valid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
            "if an update was interrupted, restore the file from git",
        ) from None
    _check_values(data, text, path)
    return data


def _check_tokens(text, path):
    """Nesting depth and the NaN/Infinity constants, found before parsing (so json never recurses too far)."""
    depth = 0
    for token in _TOKEN.finditer(text):
        t = token.group()
        if t in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                field, at = locate(text, token.start())
                raise CaseError(path, _short_path(field), f"nests deeper than {MAX_DEPTH} levels (at {at})")
        elif t in "]}":
            depth -= 1
        elif t[0] != '"' and t not in ",:":
            field, at = locate(text, token.start())
            raise CaseError(path, field, f"holds {t}, which is not a number (at {at}): case values must be finite")


def locate(text: str, pos: int) -> tuple[str, str]:
    """(JSON path of the value at character `pos`, "line L column C")."""
    stack: list[list] = []  # ["obj", key or None, expecting a key] or ["arr", index]
    for token in _TOKEN.finditer(text, 0, pos):
        t = token.group()
        if t == "{":
            stack.append(["obj", None, True])
        elif t == "[":
            stack.append(["arr", 0])
        elif t in "]}" and stack:
            stack.pop()
        elif t == "," and stack:
            if stack[-1][0] == "arr":
                stack[-1][1] += 1
            else:
                stack[-1][2] = True
        elif t[0] == '"' and stack and stack[-1][0] == "obj" and stack[-1][2]:
            stack[-1][1], stack[-1][2] = json.loads(t), False
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    return join_path(f[1] for f in stack if f[1] is not None), f"line {line} column {column}"


def join_path(parts) -> str:
    """("inputs", "values", "W1", 0) -> "inputs.values.W1[0]"."""
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _short_path(field: str, most: int = 80) -> str:
    return field if len(field) <= most else field[:most] + "..."


class _Object(dict):
    """A JSON object that remembers the first key it saw twice (reported with its path after parsing)."""

    def __init__(self, pairs):
        super().__init__()
        self.repeated = None
        for k, v in pairs:
            if k in self and self.repeated is None:
                self.repeated = k
            self[k] = v


def _parse_int(s: str):
    return int(s) if len(s) <= MAX_INT_DIGITS else float(s)  # float(s) of a huge literal is inf, refused below


def _check_values(value, text, path, where=()) -> None:
    """A repeated key, or a number no float64 holds, is refused naming its path."""
    if isinstance(value, _Object):
        if value.repeated is not None:
            field = join_path((*where, value.repeated))
            raise CaseError(
                path,
                field,
                f"repeats the key {value.repeated!r} in one object{_second_key(text, field, value.repeated)}",
            )
        for k, v in value.items():
            _check_values(v, text, path, (*where, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_values(v, text, path, (*where, i))
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and not abs(value) <= sys.float_info.max:
        size = f"an integer of {len(str(abs(value)))} digits" if isinstance(value, int) else "a number"
        raise CaseError(path, join_path(where), f"is {size}, too large for a float64 (at most 1.8e308)")


def _second_key(text: str, field: str, key: str) -> str:
    """ " (the second at line L column C)" for the repeated `key` at `field`, found by scanning."""
    seen = 0
    for m in re.finditer(re.escape(json.dumps(key)) + r"\s*:", text):
        if locate(text, m.end())[0] == field:
            seen += 1
            if seen == 2:
                return f" (the second at {locate(text, m.start())[1]})"
    return ""
