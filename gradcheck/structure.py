"""Match the hand-written gradient's structure to the params: missing or extra keys, shapes, NaN."""

from __future__ import annotations

import numpy as np

from .diagnose import shape_hint
from .report import ParamReport
from .tree import flatten


def _kind(tree) -> str:
    return type(tree).__name__ if isinstance(tree, (dict, list, tuple)) else "array"


def match_structure(names, leaves, grad_tree, label: str = "params") -> list[ParamReport]:
    """One ParamReport per parameter (aligned with `names`), then one per extra gradient key."""
    g_names, g_leaves, _ = flatten(grad_tree, label) if grad_tree is not None else ([], [], None)
    given = dict(zip(g_names, g_leaves))
    out = [_match_one(n, x, given.get(n, _MISSING)) for n, x in zip(names, leaves)]
    extra = [n for n in g_names if n not in set(names)]
    container = ""
    if extra and all(p.status == "missing" for p in out):
        container = f" (grad returned a {_kind(grad_tree)} but {label} is a {_kind(_tree_kind_hint(names))})"
    for n in extra:
        out.append(ParamReport(n, tuple(np.shape(given[n])), "-", "extra",
                               message=f"grad returned {n!r}, which is not in {label}{container}"))
    return out


_MISSING = object()


def _tree_kind_hint(names):
    return {} if names and not names[0].startswith(("params[", "inputs[")) else []


def _match_one(name, x, g) -> ParamReport:
    shape = tuple(x.shape)
    if g is _MISSING:
        return ParamReport(name, shape, "-", "missing", message="grad returned no entry for it")
    if g is None:
        return ParamReport(name, shape, "-", "missing", message="grad returned None for it")
    try:
        arr = np.asarray(g)
    except Exception as exc:
        return ParamReport(name, shape, "-", "missing", message=f"grad returned {type(g).__name__}, not an array: {exc}")
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        return ParamReport(name, shape, str(arr.dtype), "missing", message=f"grad returned {type(g).__name__} of dtype {arr.dtype}, not numbers")
    dtype = arr.dtype.name if np.issubdtype(arr.dtype, np.floating) else "float64"
    if arr.shape != shape:
        return ParamReport(name, shape, dtype, "shape", yours=arr,
                           message=f"grad has shape {arr.shape}, params has {shape}: {shape_hint(arr, shape)}")
    if np.iscomplexobj(arr):
        return ParamReport(name, shape, dtype, "nonfinite", yours=arr, message="grad is complex; a real gradient was expected")
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
        kinds = " and ".join(k for k, m in (("NaN", np.isnan(arr)), ("Inf", np.isinf(arr))) if m.any())
        return ParamReport(name, shape, dtype, "nonfinite", yours=arr,
                           message=f"{int(bad.sum())} of {arr.size} entries are {kinds} (first at {first}): "
                                   f"look for log(0), 0/0 or an overflowing exp in the backward pass")
    return ParamReport(name, shape, dtype, "ok", yours=arr.astype(np.float64) if arr.dtype != np.float64 else arr)
