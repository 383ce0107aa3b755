"""numpy's constructors answered with followed arrays while the user's code is followed.

Course code fills buffers it made itself (`out = np.zeros((N, F, H, W))`, then `out[n, f, i, j] = ...`) and
converts with `np.asarray`/`np.array`: a plain ndarray could not hold a value autograd follows. For the length
of one followed call, and only for calls from the user's own code (numpy's, the frameworks' and this engine's
own calls get numpy's functions), these constructors return Followed arrays: a buffer the code writes into,
and the array itself (or numpy's view or copy of it, decided on its shadow) for a conversion.
"""

from __future__ import annotations

import contextlib
import sys

import numpy as np
from numpy.lib import stride_tricks

from .array import Followed
from .escape import calls, foreign

CONSTRUCTORS = ("zeros", "ones", "empty", "full", "array", "asarray", "asanyarray", "ascontiguousarray")


@contextlib.contextmanager
def followed_constructors(session):
    """numpy's constructors patched for the user's calls during one followed call, restored after it."""
    saved = {name: getattr(np, name) for name in CONSTRUCTORS}
    made = {name: _constructor(session, name, fn) for name, fn in saved.items()}
    strided = stride_tricks.as_strided
    for name, fn in made.items():
        setattr(np, name, fn)
    stride_tricks.as_strided = _as_strided(session, strided)  # numpy's converts with asarray, not dispatched
    try:
        yield
    finally:
        for name, fn in saved.items():
            setattr(np, name, fn)
        stride_tricks.as_strided = strided


def _constructor(session, name: str, original):
    def constructor(*args, **kwargs):
        caller = sys._getframe(1)
        if foreign(caller) or not calls(caller, name):  # numpy's, a framework's, C code's or the engine's call
            return original(*args, **kwargs)
        return _make(session, name, original, args, kwargs)

    constructor.__wrapped__ = original
    return constructor


def _as_strided(session, original):
    def as_strided(x, *args, **kwargs):
        if isinstance(x, Followed):
            return session.call(original, (x, *args), kwargs)
        return original(x, *args, **kwargs)

    as_strided.__wrapped__ = original
    return as_strided


def _make(session, name: str, original, args, kwargs):
    xnp = session.backend.xnp
    if name in ("zeros", "ones", "empty", "full"):
        shape = args[0] if args else kwargs["shape"]
        dtype = kwargs.get(
            "dtype", args[2 if name == "full" else 1] if len(args) > (2 if name == "full" else 1) else None
        )
        fill = {"zeros": 0, "ones": 1, "empty": 0}.get(name)
        fill = session.unwrap(args[1] if len(args) > 1 else kwargs["fill_value"]) if fill is None else fill
        if dtype is None and name == "full":
            return session.new(xnp.full(shape, fill))
        return session.new(xnp.full(shape, fill, dtype=session._dtype(np.float64 if dtype is None else dtype)))
    obj = args[0] if args else kwargs.get("object", kwargs.get("a"))
    if not _holds_followed(obj):
        return original(*args, **kwargs)
    dtype = kwargs.get("dtype", args[1] if len(args) > 1 else None)
    got = _stacked(session, obj) if not isinstance(obj, Followed) else obj
    if name == "array" and kwargs.get("copy", True) is not False:
        got = got.copy() if got is obj else got
    elif name == "ascontiguousarray":
        got = got.restructure(_contiguous)
    if dtype is not None and np.dtype(dtype) != got.dtype:
        got = got.astype(dtype)
    return got


def _contiguous(idx):
    return idx.copy() if not idx.flags.c_contiguous else idx


def _holds_followed(obj) -> bool:
    if isinstance(obj, Followed):
        return True
    return isinstance(obj, (list, tuple)) and any(_holds_followed(o) for o in obj)


def _stacked(session, obj):
    """A nested list of arrays and numbers as one followed array (np.array([a, b]))."""
    if isinstance(obj, (list, tuple)):
        parts = [_stacked(session, o) for o in obj]
        return session.call(np.stack, ([p if isinstance(p, Followed) else session.new(p) for p in parts],), {})
    return obj if isinstance(obj, Followed) else session.new(obj)
