"""On-disk store of the jax oracle's compiled value-and-grad executables, so a rerun of a suite skips tracing
and compiling (the pytest plugin points GRADCHECK_JAX_CACHE_DIR at pytest's cache directory).

An executable is filed under a digest of the in-memory cache key made stable across processes: code by its
content (bytecode, constants, names, file), module-level functions, modules and types by their names, values
by their repr, plus the Python, jax and jaxlib versions. Keys holding anything else are not stored. A loaded
executable is used only after it reproduces the user's loss at two points, and is traced afresh before it
blames anyone (see jax.py), so a file left by older code is never trusted blindly.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import os
import platform
import sys
import types
from pathlib import Path

import numpy as np

FOLDER_VARIABLE = "GRADCHECK_JAX_CACHE_DIR"
FORMAT = 1  # bump when the key or the file layout changes


class Unstable(Exception):
    """A key part has no representation that is the same in another process."""


def path_for(key) -> Path | None:
    """Where the executable for `key` lives, or None (no folder configured, or a key with no stable form)."""
    folder = os.environ.get(FOLDER_VARIABLE)
    if not folder:
        return None
    try:
        text = canonical(key)
    except Unstable:
        return None
    import jax
    import jaxlib

    head = f"{FORMAT}|{sys.version}|{platform.machine()}|{jax.__version__}|{jaxlib.__version__}|"
    return Path(folder) / "executables" / (hashlib.sha256((head + text).encode()).hexdigest() + ".xla")


def load(key, leaves, args):
    """The stored executable for `key`, loaded for these leaves and args, or None."""
    path = path_for(key)
    if path is None or not path.is_file():
        return None
    import jax
    from jax.experimental.serialize_executable import deserialize_and_load

    try:
        payload = path.read_bytes()
        in_tree = jax.tree_util.tree_structure(((leaves, args), {}))
        out_tree = jax.tree_util.tree_structure((0.0, [0] * len(leaves)))
        return deserialize_and_load(payload, in_tree, out_tree)
    except Exception:  # a truncated or foreign file: compile instead (and overwrite it)
        return None


def save(key, compiled) -> None:
    """Store `compiled` for `key` (atomically: a concurrent reader sees the old file or the new one)."""
    path = path_for(key)
    if path is None:
        return
    from jax.experimental.serialize_executable import serialize

    try:
        payload = serialize(compiled)[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(payload)
        os.replace(tmp, path)
    except Exception:  # a read-only or full disk, an executable that cannot be serialised: keep going
        return


def canonical(x) -> str:
    """A text for `x` that is the same in every process where `x` means the same (raises Unstable)."""
    if x is None or isinstance(x, (bool, int, float, complex, str, bytes)):
        return f"{type(x).__name__}:{x!r}"
    if isinstance(x, (np.generic, np.dtype)):
        return f"{type(x).__name__}:{x!r}"
    if isinstance(x, enum.Enum):
        return f"enum:{canonical(type(x))}.{x.name}"
    if isinstance(x, (tuple, list, frozenset)):
        items = sorted(map(canonical, x)) if isinstance(x, frozenset) else map(canonical, x)
        return f"{type(x).__name__}(" + ",".join(items) + ")"
    if isinstance(x, types.CodeType):
        return (
            f"code({x.co_filename}:{x.co_qualname}:{x.co_code.hex()}:{canonical(x.co_consts)}:"
            f"{x.co_names}:{x.co_varnames})"
        )
    if isinstance(x, types.FunctionType):
        return f"function({x.__module__}.{x.__qualname__}:{canonical(x.__code__)})"
    if isinstance(x, types.ModuleType):
        return f"module({x.__name__})"
    if isinstance(x, functools._lru_cache_wrapper):
        return f"lru({canonical(x.__wrapped__)})"
    if isinstance(x, (type, types.BuiltinFunctionType)):
        return f"{type(x).__name__}({getattr(x, '__module__', None)}.{x.__qualname__})"
    if isinstance(x, np.ufunc):
        return f"ufunc({x.__name__})"
    raise Unstable(type(x).__name__)
