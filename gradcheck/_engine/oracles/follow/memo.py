"""What worked for a loss under a framework, remembered per function and shapes: its code as written, its
numpy code followed, or neither (with the reason), so a forward that cannot be followed is tried once.

The memo is one small explicit value per process (`ATTEMPTS`, least recently used dropped): a check builds a
new problem each time, so nothing shorter-lived would see the second check of the same function.
"""

from __future__ import annotations

import types
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import CannotRun
from ..role import Role

SIZE = 256


@dataclass
class Attempts:
    """Outcomes by key: the Role that ran (EXACT_AD: as written, FOLLOWED_AD: followed) or a skip reason."""

    size: int = SIZE
    seen: OrderedDict = field(default_factory=OrderedDict)

    def recall(self, key):
        if key is None or key not in self.seen:
            return None
        self.seen.move_to_end(key)
        return self.seen[key]

    def note(self, key, outcome) -> None:
        if key is None:
            return
        self.seen[key] = outcome
        while len(self.seen) > self.size:
            self.seen.popitem(last=False)


ATTEMPTS = Attempts()


def attempt(oracle: str, problem, native: Callable, followed: Callable, memo: Attempts = ATTEMPTS):
    """(result, Role) of the first way that runs the loss, in the order that worked before; CannotRun with
    the followed attempt's reason (it names the user's line) when neither does, remembered for next time."""
    key = memo_key(oracle, problem)
    known = memo.recall(key)
    if isinstance(known, str):
        raise CannotRun(known)
    ways = {Role.EXACT_AD: native, Role.FOLLOWED_AD: followed}
    order = [Role.FOLLOWED_AD, Role.EXACT_AD] if known is Role.FOLLOWED_AD else [Role.EXACT_AD, Role.FOLLOWED_AD]
    reasons = {}
    for role in order:
        try:
            result = ways[role]()
        except CannotRun as exc:
            reasons[role] = str(exc)
            continue
        memo.note(key, role)
        return result, role
    memo.note(key, reasons[Role.FOLLOWED_AD])
    raise CannotRun(reasons[Role.FOLLOWED_AD])


def memo_key(oracle: str, problem):
    """(oracle, the code the loss runs, structure, shapes and dtypes), or None when the code cannot be told."""
    code = _code(problem.loss, 0)
    if code is None:
        return None
    shapes = tuple((tuple(x.shape), str(x.dtype)) for x in problem.leaves)
    args = tuple(
        (tuple(a.shape), str(a.dtype)) if hasattr(a, "shape") and hasattr(a, "dtype") else type(a) for a in problem.args
    )
    return (oracle, code, repr(problem.treedef), shapes, args)


def _code(fn, depth: int):
    """The code objects (and classes of the objects) a loss closure reaches, a few levels deep."""
    if depth > 4:
        return ()
    if isinstance(fn, types.MethodType):
        return (fn.__func__.__code__, _code(fn.__self__, depth + 1))
    if isinstance(fn, types.FunctionType):
        return (fn.__code__, tuple(_code(v, depth + 1) for v in _cells(fn)))
    if isinstance(fn, (types.BuiltinFunctionType, type, types.ModuleType)):
        return (fn,)
    if hasattr(fn, "__dict__"):  # an object (a layer, the engine's record of calls): its class and members
        return (type(fn), tuple(_code(v, depth + 1) for v in vars(fn).values() if _worth(v)))
    return ()


def _cells(fn) -> list:
    found = []
    for c in fn.__closure__ or ():
        try:
            v = c.cell_contents
        except ValueError:  # an empty cell
            continue
        if _worth(v):
            found.append(v)
    return found


def _worth(v) -> bool:
    """Code or an object holding code (not data: arrays, numbers, containers)."""
    return isinstance(v, (types.FunctionType, types.MethodType)) or (
        hasattr(v, "__dict__") and not isinstance(v, (type, types.ModuleType))
    )
