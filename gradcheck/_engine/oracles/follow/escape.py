"""Where the user's numpy code leaves what torch or jax can follow: the file, line and call, in words.

An escape is a point past which a framework cannot see the computation (an array turned into a plain numpy
array or a Python float, a function without a mapping). It is recorded on the session before the exception is
raised, so a user's `try/except` that swallows it still makes the oracle skip.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
from dataclasses import dataclass

# modules whose frames are never "the user's line": numpy's own Python code, the frameworks, this engine
FOREIGN = ("numpy", "torch", "jax", "jaxlib", "scipy", "gradcheck._engine", "functools", "contextlib")


class CannotFollow(Exception):
    """The user's code left what the framework can follow; `escape` says where and how."""

    def __init__(self, escape: Escape):
        super().__init__(escape.reason("the framework"))
        self.escape = escape


@dataclass(frozen=True)
class Escape:
    """The user's function, file and line where following stopped, the call there and what it did."""

    function: str
    file: str
    line: int
    call: str
    what: str

    def reason(self, oracle: str) -> str:
        """The skip reason, e.g. `softmax_loss (layers.py:42) converted its input to a plain numpy array
        (np.asarray): torch cannot follow it past that line`."""
        where = f"{self.function} ({os.path.basename(self.file)}:{self.line})" if self.file else "your code"
        call = f" ({self.call})" if self.call else ""
        return f"{where} {self.what}{call}: {oracle} cannot follow it past that line"


def foreign(frame) -> bool:
    """Whether a frame runs numpy's, a framework's or this engine's code (not the user's)."""
    name = frame.f_globals.get("__name__", "") or ""
    return any(name == m or name.startswith(m + ".") for m in FOREIGN)


def user_frame(depth: int = 1):
    """The innermost frame of the user's code above this call (None when only foreign frames are found)."""
    frame = sys._getframe(depth)
    while frame is not None and foreign(frame):
        frame = frame.f_back
    return frame


def escape_here(what: str, call: str | None = None) -> Escape:
    """An Escape at the user's innermost frame; `call`: the call's name, else read from the source there."""
    frame = user_frame(2)
    if frame is None:
        return Escape("", "", 0, call or "", what)
    code = frame.f_code
    return Escape(code.co_name, code.co_filename, frame.f_lineno, call or _called(frame), what)


def escape_in_traceback(tb, what: str) -> Escape:
    """An Escape at the innermost user frame of a traceback (an exception the user's code raised)."""
    found = None
    while tb is not None:
        if not foreign(tb.tb_frame):
            found = tb
        tb = tb.tb_next
    if found is None:
        return Escape("", "", 0, "", what)
    code = found.tb_frame.f_code
    return Escape(code.co_name, code.co_filename, found.tb_lineno, _source(code.co_filename, found.tb_lineno), what)


def calls(frame, name: str) -> bool:
    """Whether the frame's current instruction calls something named `name` (`np.zeros(...)` for "zeros"): a
    constructor reached from compiled code in between (numpy's random module) is not the user's call."""
    text = _called(frame)
    return text.split(".")[-1] == name or re.search(rf"\b{name}\s*\(", text) is not None


def _called(frame) -> str:
    """The name called by the frame's current instruction (`np.asarray` in `a = np.asarray(x) + 1`), else the
    source line."""
    try:
        positions = list(frame.f_code.co_positions())[frame.f_lasti // 2]
    except (AttributeError, IndexError):
        positions = (None,) * 4
    line, end, col, end_col = positions
    if line is not None and line == end and col is not None and end_col is not None:
        text = linecache.getline(frame.f_code.co_filename, line)[col:end_col]
        return text.split("(", 1)[0].strip() if "(" in text else text.strip()
    return _source(frame.f_code.co_filename, frame.f_lineno)


def _source(file: str, line: int) -> str:
    text = linecache.getline(file, line).strip()
    return text[:60] + ("..." if len(text) > 60 else "")
