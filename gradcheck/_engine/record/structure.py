"""Match the hand-written gradient's structure to the params: missing or extra keys, shapes, NaN.

Each structural problem is a ParamReport with a status, a `message` (what is wrong) and a `diagnosis`
(the likely fix), and `diagnosis_kind` equal to the status.
"""

from __future__ import annotations

import difflib

import numpy as np

from ...report import ParamReport
from ..diagnose.scaling import BatchSize, batch_size
from ..dtypes import is_real_floating
from ..tree import flatten
from .inputs import all_finite


def match_structure(names, leaves, grad_tree, label: str = "params", args=(), treedef=None) -> list[ParamReport]:
    """One ParamReport per parameter (aligned with `names`), then one per extra gradient key."""
    g_names, g_leaves, g_def = flatten(grad_tree, label, treedef) if grad_tree is not None else ([], [], None)
    given = dict(zip(g_names, g_leaves))
    batch = batch_size(args)
    out = [_match_one(n, x, given.get(n, _MISSING), batch) for n, x in zip(names, leaves)]
    extra = [n for n in g_names if n not in set(names)]
    container = ""
    if extra and all(p.status == "missing" for p in out):
        container = f" (grad returned {_a(g_def.describe())} but {label} is {_a(_treedef_kind(treedef))})"
    missing = [p.name for p in out if p.status == "missing"]
    for p in out:
        if grad_tree is None:
            p.message, p.diagnosis = "grad returned None", "return the gradients (a missing return statement?)"
        elif p.status == "missing" and p.diagnosis is None:
            p.diagnosis = _missing_fix(p.name, extra, g_names, label)
    for n in extra:
        out.append(
            ParamReport(
                n,
                tuple(np.shape(given[n])),
                "-",
                "extra",
                diagnosis_kind="extra",
                message=f"grad returned {n!r}, which is not in {label}{container}",
                diagnosis=_extra_fix(n, missing, names, label),
            )
        )
    return out


_MISSING = object()


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _treedef_kind(treedef) -> str:
    """What the params container is, in words ("dict", "NamedTuple Params", "array")."""
    return treedef.describe() if treedef is not None else "array"


def _like(name: str, candidates) -> str | None:
    """The candidate that looks like `name` (dW1 for W1, W1 for dW1), if any."""
    for c in candidates:
        if c.lstrip("d") == name.lstrip("d") or c.lower() == name.lower():
            return c
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return close[0] if close else None


def _missing_fix(name, extra, g_names, label) -> str:
    like = _like(name, extra)
    if like is not None:
        return f"grad returned {like!r}, which looks like it: name the gradient's keys exactly as in {label}"
    have = ", ".join(repr(n) for n in g_names[:8]) or "nothing"
    return f"add {name!r} to what grad returns (it returned {have}); every parameter needs a gradient"


def _extra_fix(name, missing, names, label) -> str:
    like = _like(name, missing)
    if like is not None:
        return f"it looks like {like!r}: name the gradient's keys exactly as in {label}"
    return f"drop it, or add it to {label} if it is a parameter ({label} has {', '.join(map(repr, names[:8]))})"


def _match_one(name, x, g, batch) -> ParamReport:
    shape = tuple(x.shape)

    def report(status, dtype, message, diagnosis=None, yours=None):
        return ParamReport(
            name,
            shape,
            dtype,
            status,
            message=message,
            diagnosis=diagnosis,
            diagnosis_kind=status if status != "ok" else None,
            yours=yours,
        )

    if g is _MISSING:
        return report("missing", "-", "grad returned no entry for it")
    if g is None:
        return report(
            "missing", "-", "grad returned None for it", "return an array of zeros if the loss does not depend on it"
        )
    try:
        arr = np.asarray(g)
    except Exception as exc:
        return report(
            "missing",
            "-",
            f"grad returned {type(g).__name__}, not an array: {exc}",
            "return a numpy array (call .detach().numpy() on a tensor)",
        )
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or is_real_floating(arr.dtype)):
        return report(
            "missing",
            str(arr.dtype),
            f"grad returned {type(g).__name__} of dtype {arr.dtype}, not numbers",
            "return a floating-point numpy array of the parameter's shape",
        )
    dtype = arr.dtype.name if is_real_floating(arr.dtype) else "float64"
    if arr.shape != shape:
        return report(
            "shape", dtype, f"grad has shape {arr.shape}, params has {shape}", shape_hint(arr, shape, batch), yours=arr
        )
    if np.iscomplexobj(arr):
        return report(
            "nonfinite",
            dtype,
            "grad is complex; a real gradient was expected",
            "take the real part only if the imaginary part is zero; a real loss has a real gradient",
            yours=arr,
        )
    bad = None if all_finite(arr) else ~np.isfinite(arr)
    if bad is not None and bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
        kinds = " and ".join(k for k, m in (("NaN", np.isnan(arr)), ("Inf", np.isinf(arr))) if m.any())
        return report(
            "nonfinite",
            dtype,
            f"{int(bad.sum())} of {arr.size} entries are {kinds} (first at {first})",
            "look for log(0), 0/0 or an overflowing exp in the backward pass (use the stable "
            "forms: log-sum-exp, sigmoid via tanh, softmax minus its max)",
            yours=arr,
        )
    return ParamReport(name, shape, dtype, "ok", yours=arr.astype(np.float64) if arr.dtype != np.float64 else arr)


def _n(k: int, batch: BatchSize | None) -> str:
    return f" (N = {k}, the batch size)" if batch is not None and batch.n == k else ""


def shape_hint(arr: np.ndarray, shape: tuple, batch: BatchSize | None = None) -> str:
    """The likely fix for a gradient of the wrong shape."""
    shape, got = tuple(shape), tuple(arr.shape)
    if 0 in got and 0 not in shape and len(got) == len(shape):
        return (
            "it has an empty axis: a slice such as dx[:, :, pad:-pad] with pad = 0 selects nothing; crop the "
            "padded gradient with dx[:, :, pad:pad + H] instead"
        )
    if len(got) == len(shape) == 2 and got == shape[::-1]:  # a matrix's transpose first, even at (1, n)
        also = (
            f" (with an axis of length 1 it is also the same {arr.size} entries in another layout: reshape only "
            f"if the product was right)"
            if 1 in got
            else ""
        )
        return f"it is the transpose of the expected shape: for z = W a, dW = delta a^T; for Z = X W, dW = X^T dZ{also}"
    if arr.size == int(np.prod(shape)) and sum(d > 1 for d in got) <= 1 and sum(d > 1 for d in shape) <= 1:
        return (
            f"same {arr.size} entries in another layout: reshape to {shape} ((n,) against (n, 1) is the usual "
            f"cause; keepdims=True on the sum keeps (n, 1))"
        )
    if len(got) == len(shape) + 1 and got[1:] == shape:
        return (
            f"it has an extra leading axis of {got[0]}{_n(got[0], batch)}: sum over axis 0 (not summed over the batch)"
        )
    if len(got) == len(shape) + 1 and got[:-1] == shape:
        return (
            f"it has an extra last axis of {got[-1]}{_n(got[-1], batch)}: sum over the last axis "
            f"(not summed over the batch)"
        )
    if len(got) == len(shape) == 2 and got[1] == shape[1] and shape[0] == 1 and got[0] > 1:
        return (
            f"it has {got[0]} rows where one is expected{_n(got[0], batch)}: sum over the batch rows "
            f"(axis=0, keepdims=True)"
        )
    if len(got) == len(shape) == 2 and got[0] == shape[0] and shape[1] == 1 and got[1] > 1:
        return (
            f"it has {got[1]} columns where one is expected{_n(got[1], batch)}: sum over the batch columns "
            f"(axis=1, keepdims=True; not summed over the batch)"
        )
    if arr.size == int(np.prod(shape)):
        return f"same number of entries: reshape to {shape}, after checking the axes are in the right order"
    return "the shapes are unrelated: check which layer's delta and activations were multiplied"
