"""Following the user's code as it runs: every statement's writes, with file, line and the values written.

sys.settrace sees each line of the user's frames (and of the helpers they call); when a statement finishes (the
next line starts, or the frame returns), the values it wrote are copied, so later in-place writes do not change
them. A rerun can put another value in place of one write (`swap`), to ask what the rest of the code makes of it.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass, field
from types import CodeType, FrameType

import numpy as np

from .source import Statement, Target, statement_at

_OURS = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # the gradcheck package
_LIBRARY = tuple(
    os.path.abspath(p) + os.sep
    for p in {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
)
MAX_STEPS = 4000  # statements recorded in one run; later ones are followed for their dataflow only


def is_user_code(code: CodeType) -> bool:
    """True for the user's own Python functions: not gradcheck's, not the standard library's or an installed
    package's, not a comprehension or lambda (their statement is the line that made them)."""
    f = code.co_filename
    if code.co_name.startswith("<") or f.startswith("<"):
        return False
    f = os.path.abspath(f)
    return not (f.startswith(_OURS + os.sep) or f.startswith(_LIBRARY) or f"{os.sep}site-packages{os.sep}" in f)


@dataclass
class Step:
    """One statement's write as it ran: where, what was written, and which earlier steps it read."""

    index: int
    file: str
    line: int
    function: str
    statement: Statement
    name: str | None  # the target written (None: a returned value)
    value: object  # a copy of what was written (numpy for arrays and tensors)
    call: int  # which call of which function (steps of one call share it)
    reads: tuple[tuple[str, tuple[int, ...]], ...] = ()  # each name read, with the steps that wrote it
    argument: bool = False  # a function's argument as it arrived, not a statement's write
    root: bool = False  # in a call made by gradcheck, not by the user's code (its arguments are given)
    live: object = field(default=None, repr=False)  # the object written, while the run lasts (for swaps)


def copy_value(v, depth: int = 0):
    """A snapshot of a written value: arrays and tensors as numpy copies, containers of them copied."""
    if isinstance(v, np.ndarray):
        return v.copy()
    if type(v).__module__.startswith("torch") and hasattr(v, "detach"):
        return v.detach().cpu().numpy().copy()
    if isinstance(v, (bool, int, float, complex, np.generic)) or v is None:
        return v
    if depth < 2 and isinstance(v, (list, tuple)) and len(v) <= 64:
        return (
            type(v)(copy_value(x, depth + 1) for x in v)
            if type(v) in (list, tuple)
            else tuple(copy_value(x, depth + 1) for x in v)
        )
    if depth < 2 and isinstance(v, dict) and len(v) <= 64:
        return {k: copy_value(x, depth + 1) for k, x in v.items()}
    return None


@dataclass
class _Frame:
    call: int
    root: bool = False
    pending: Statement | None = None
    lasti: int = -1
    writers: dict = field(default_factory=dict)  # base name -> indices of the steps that wrote it since whole


class Follower:
    """Run a function with its user code followed; `steps` lists every write in execution order.

    `swap=(index, value)` writes `value` in place of step `index`'s value as it happens (a rerun's question);
    `on_write(step, frame)` sees each step as it is recorded (the reference run keeps tensors alive with it)."""

    def __init__(self, swap: tuple[int, object] | None = None, on_write=None, snapshot=True):
        self.steps: list[Step] = []
        self.swap = swap
        self.swapped = False
        self.on_write = on_write
        self.snapshot = snapshot
        self.keep = True  # False: count and swap only (a rerun that needs no record)
        self._frames: dict[FrameType, _Frame] = {}
        self._calls = 0
        self.count = 0

    def run(self, fn, *args):
        old = sys.gettrace()
        sys.settrace(self._global)
        try:
            return fn(*args)
        finally:
            sys.settrace(old)
            self._frames.clear()

    def current_line(self) -> tuple[FrameType, int] | None:
        """The innermost followed frame and its line (where an operation seen now belongs), or None."""
        f = sys._getframe(1)
        while f is not None:
            if f in self._frames:
                return f, f.f_lineno
            f = f.f_back
        return None

    def _global(self, frame, event, arg):
        if event != "call" or not is_user_code(frame.f_code):
            return None
        self._calls += 1
        state = self._frames[frame] = _Frame(self._calls, frame.f_back not in self._frames)
        self._arguments(frame, state)
        return self._local

    def _arguments(self, frame: FrameType, state: _Frame) -> None:
        code = frame.f_code
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        stmt = Statement(code.co_firstlineno, code.co_firstlineno, f"def {code.co_name}(...)", (), ())
        for name in names:
            v = frame.f_locals.get(name)
            if isinstance(v, (np.ndarray, tuple, list, dict)) or hasattr(v, "detach"):
                self._record(frame, state, stmt, Target(name), v, argument=True)

    def _local(self, frame, event, arg):
        state = self._frames.get(frame)
        if state is None:
            return None
        if event == "line":
            stmt = statement_at(frame.f_code.co_filename, frame.f_lineno)
            if stmt is not state.pending or frame.f_lasti <= state.lasti:
                if state.pending is not None:
                    self._finish(frame, state)
                state.pending = stmt
            state.lasti = frame.f_lasti
        elif event == "return":
            if state.pending is not None:
                self._finish(frame, state, arg)
            self._frames.pop(frame, None)
        return self._local

    def _finish(self, frame: FrameType, state: _Frame, returned=None) -> None:
        stmt, state.pending = state.pending, None
        if stmt.returns:
            self._record(frame, state, stmt, None, returned)
        for t in stmt.writes:
            found, v = _resolve(frame, t)
            if found:
                self._record(frame, state, stmt, t, v)

    def _record(self, frame, state: _Frame, stmt: Statement, target: Target | None, v, argument=False) -> None:
        index = self.count
        self.count += 1
        if self.swap is not None and self.swap[0] == index and target is not None:
            self.swapped = _write(frame, target, self.swap[1])
            if self.swapped and target.whole:
                v = self.swap[1]  # (reading frame.f_locals again would undo the write until the frame resumes)
        reads = tuple((n, tuple(state.writers.get(n, ()))) for n in stmt.reads)
        if target is not None:
            prior = state.writers.get(target.base, []) if not (target.whole and target.key is None) else []
            state.writers[target.base] = [*prior, index]
        if not self.keep or len(self.steps) >= MAX_STEPS:
            return
        code = frame.f_code
        step = Step(
            index,
            code.co_filename,
            stmt.line,
            code.co_name,
            stmt,
            None if target is None else target.name,
            copy_value(v) if self.snapshot else v,
            state.call,
            reads,
            argument,
            state.root,
            v,
        )
        self.steps.append(step)
        if self.on_write is not None:
            self.on_write(step, frame)


def _resolve(frame: FrameType, t: Target) -> tuple[bool, object]:
    loc = frame.f_locals
    if t.base in loc:
        v = loc[t.base]
    elif t.base in frame.f_globals:
        v = frame.f_globals[t.base]
    else:
        return False, None
    try:
        if t.attr is not None:
            return True, getattr(v, t.attr)
        if t.key is not None:
            return True, v[t.key]
    except Exception:
        return False, None
    return True, v


def _write(frame: FrameType, t: Target, new) -> bool:
    """Put `new` where target t was just written (a name rebound; an array, a keyed entry or an attribute
    overwritten). True when it could be done."""
    try:
        if t.attr is not None:
            setattr(frame.f_locals[t.base], t.attr, new)
            return True
        if t.key is not None:
            frame.f_locals[t.base][t.key] = new
            return True
        old = frame.f_locals.get(t.base)
        if t.whole and t.base in frame.f_locals:
            frame.f_locals[t.base] = _like(new, old)
            return True
        if isinstance(old, np.ndarray) and np.shape(new) == old.shape:
            old[...] = new
            return True
    except Exception:
        return False
    return False


def _like(new, old):
    """new in old's kind: a numpy array of old's dtype for a numpy old value."""
    if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
        return new.astype(old.dtype, copy=True)
    return new
