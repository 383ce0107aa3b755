"""Validation of what the caller hands in, and safe calls into user code (copies in, errors named)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import GradcheckError
from ..dtypes import is_complex, is_real_floating
from ..tree import convert_args, flatten


def require_callable(name: str, fn) -> None:
    if not callable(fn):
        raise GradcheckError(f"Expected a callable but got {name}={fn!r} (type={type(fn).__name__})")


def as_param_array(name: str, value, label: str = "params") -> np.ndarray:
    """A parameter leaf as a floating numpy array, or a GradcheckError naming it."""
    where = f"{label} entry {name!r}" if name != label else label
    if value is None or isinstance(value, (str, bytes)) or callable(value):
        raise GradcheckError(f"Expected an array but got {where}={value!r} (type={type(value).__name__})")
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise GradcheckError(f"{where} cannot be read as an array: {exc}") from exc
    if arr.dtype == object:
        raise GradcheckError(f"Expected a numeric array but got {where} of dtype object (type={type(value).__name__})")
    if is_complex(arr.dtype):
        raise GradcheckError(f"{where} is complex ({arr.dtype}); gradcheck checks real gradients only")
    if not is_real_floating(arr.dtype):
        raise GradcheckError(
            f"{where} has dtype {arr.dtype}; gradients need floating-point parameters "
            f"(pass {name}.astype(float) or leave integers in args)"
        )
    if arr.size == 0:
        raise GradcheckError(f"{where} is empty (shape {arr.shape}); there is no gradient to check")
    bad = None if all_finite(arr) else ~np.isfinite(arr)
    if bad is not None and bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise GradcheckError(
            f"{where} has {int(bad.sum())} non-finite entries (first at {first}: {arr[first]}); "
            f"gradients are checked at finite points only"
        )
    return arr


def all_finite(arr: np.ndarray) -> bool:
    """No NaN or Inf in a floating array: a finite sum says so in one pass; otherwise look entry by entry."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(arr).all())


def copy_tree(x):
    """Deep copy of every numpy array and torch tensor in a nested structure (a tensor is cloned, which keeps
    autograd's graph); other leaves are shared (jax arrays are immutable)."""
    return convert_args(x, lambda a: a.clone() if _is_tensor(a) else a.copy(), _copyable)


def fresh(values) -> list:
    """Inputs for one call: copies of arrays, deep copies of everything else (a forward may update a dict of
    running statistics it was given; the caller's stays as it was)."""
    return [v.copy() if hasattr(v, "copy") and hasattr(v, "shape") else copy.deepcopy(v) for v in values]


def _copyable(a) -> bool:
    return isinstance(a, np.ndarray) or _is_tensor(a)


def _is_tensor(a) -> bool:
    return type(a).__module__.split(".")[0] == "torch" and hasattr(a, "clone")


def same_array(a: np.ndarray, b: np.ndarray) -> bool:
    """a and b hold equal values (NaN equal to NaN); identical bytes are checked first, in one cheap pass."""
    if a is b:
        return True
    if a.shape != b.shape:
        return False
    if a.dtype == b.dtype and a.dtype.kind in "fiub" and a.flags.c_contiguous and b.flags.c_contiguous:
        bits = np.dtype(f"u{a.dtype.itemsize}") if a.dtype.itemsize in (1, 2, 4, 8) else None
        if bits is not None and _same_bits(a.reshape(-1).view(bits), b.reshape(-1).view(bits)):
            return True  # unchanged bits: the usual case, ~10x cheaper than a NaN-aware comparison
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


BITS_CHUNK = 1 << 16  # entries compared at a time: no array-sized boolean temporary (10 MB at 1e7 entries)


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Flat unsigned views a and b are equal, a chunk at a time (stops at the first chunk that differs)."""
    return all(np.array_equal(a[lo : lo + BITS_CHUNK], b[lo : lo + BITS_CHUNK]) for lo in range(0, a.size, BITS_CHUNK))


def changed_arrays(before, after, prefix: str = "args") -> list[str]:
    """Names of arrays in `after` that differ from `before` (NaN equal to NaN)."""
    if after is before:  # the inputs a call was seen not to write into (calls.written)
        return []
    names, old, _ = flatten(before, prefix)
    new = dict(zip(*flatten(after, prefix)[:2]))
    return [
        n
        for n, b in zip(names, old)
        if isinstance(b, np.ndarray) and not (isinstance(new.get(n), np.ndarray) and same_array(b, new[n]))
    ]


def call_user(what: str, fn: Callable, *call_args) -> Any:
    """Call the user's loss or grad; an exception becomes a GradcheckError that says which one raised."""
    try:
        return fn(*call_args)
    except GradcheckError:
        raise
    except Exception as exc:
        name = getattr(fn, "__qualname__", getattr(fn, "__name__", repr(fn)))
        raise GradcheckError(f"{what} ({name}) raised {type(exc).__name__}: {exc}") from exc


def loss_value(value, what: str = "loss") -> float:
    """A user loss value as a float; a non-scalar, non-numeric or non-finite value is a GradcheckError."""
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise GradcheckError(f"{what} returned {type(value).__name__}, which is not a number: {exc}") from exc
    numeric = np.issubdtype(arr.dtype, np.number) or arr.dtype == bool or is_real_floating(arr.dtype)
    if arr.dtype == object or not numeric:
        raise GradcheckError(
            f"Expected {what} to return a real scalar but it returned {type(value).__name__} {value!r:.80}"
        )
    if arr.size != 1:
        raise GradcheckError(
            f"Expected {what} to return a scalar but it returned an array of shape {arr.shape} "
            f"(sum or average it to a scalar, e.g. np.sum(...) or np.mean(...))"
        )
    if np.iscomplexobj(arr):
        raise GradcheckError(f"{what} returned a complex value {arr.reshape(())}; a loss must be real")
    v = float(arr.reshape(()))
    if not np.isfinite(v):
        raise GradcheckError(f"{what} returned {v} at the given params; gradients are checked where the loss is finite")
    return v


GRAD_SHAPES = "gradients shaped like params (a dict, list, tuple, NamedTuple, dataclass or array)"


def grad_value(value, what: str = "grad"):
    """The user's gradient tree as returned, or a GradcheckError for a return that cannot be one.

    A str, a generator or any other one-shot iterator is not a gradient (it would be read as a single leaf or
    consumed on first use), and a torch tensor still attached to the autograd graph cannot become an array.
    """
    import collections.abc as abc

    if (
        isinstance(value, (str, bytes))
        or (isinstance(value, abc.Iterator) and not hasattr(value, "shape"))
        or isinstance(value, (abc.Set, abc.Generator))
    ):
        raise GradcheckError(
            f"Expected {what} to return {GRAD_SHAPES} but it returned {value!r:.60} (type={type(value).__name__})"
        )
    names, leaves, _ = flatten(value, what)
    attached = [
        n
        for n, x in zip(names, leaves)
        if getattr(x, "requires_grad", False) and type(x).__module__.split(".")[0] == "torch"
    ]
    if attached:
        raise GradcheckError(
            f"{what} returned torch tensors that still require grad ({', '.join(attached[:4])}): "
            f"return them detached, e.g. g.detach().numpy() (or compute them under "
            f"torch.no_grad())"
        )
    return value
