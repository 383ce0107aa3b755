"""The record of the user's calls: loss and grad run twice on fresh copies, every returned array copied at once.

What a second call at the same point gave (the loss, each gradient leaf) is kept as plain data for the judge,
which decides whether a difference is round-off or withholds a verdict. A returned array that is the very object
an earlier call returned (or shares its memory) with new values, or an earlier result changed after it was
returned, is state kept between calls (a gradient buffer accumulated with `+=`): recorded by name, so it is
never mistaken for a wrong gradient.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...errors import GradcheckError
from ..tree import flatten, unflatten
from .inputs import call_user, changed_arrays, copy_tree, grad_value, loss_value, same_array
from .own_dtype import refused_float64

# Above this many entries grad is called once and only the loss twice: a second grad call would cost about
# as much as the whole check (B2); randomness in the loss (dropout, sampling) is still caught.
SECOND_GRAD_UP_TO = 100_000


@dataclass
class Call:
    """One call of loss and of grad, each on its own copies of params and args; the inputs as the first call
    left them (`written`; None for later calls) spot writes."""

    loss: float
    grad: Any  # a copy, taken as soon as grad returned
    loss_inputs: tuple[list, tuple] | None
    grad_inputs: tuple[list, tuple] | None


@dataclass(frozen=True)
class Repeat:
    """Two calls at the same point: the loss values, and per gradient leaf that differs max |g1 - g2| (inf: the
    structure differs) and max |g|; `stateful`: leaves whose returned array carried state from one call to the
    next."""

    losses: tuple[float, float]
    spread: dict[str, float]
    magnitude: dict[str, float]
    stateful: dict[str, str]  # leaf name -> what was seen ("the same array", "changed after it was returned")
    grad_repeated: bool = True  # False above SECOND_GRAD_UP_TO entries: grad was called once


@dataclass(frozen=True)
class Record:
    """Everything the check learned by calling the user's functions (before any oracle ran)."""

    calls: list[Call]
    repeat: Repeat
    f64: float  # the loss at float64 params
    eps: float  # relative precision of the loss values (float64 eps unless it computes in lower precision)
    seconds: float  # per call of loss and grad
    args: tuple  # a private copy of args for the oracles
    grad64: dict[str, np.ndarray] | None = None  # grad at float64 params, when params are of lower precision

    def drop_inputs(self) -> None:
        """Let go of the input copies once the mutation check has read them (at 1e7 entries, two copies)."""
        for c in self.calls:
            c.loss_inputs = c.grad_inputs = None


def record_calls(loss, grad, treedef, leaves, args) -> Record:
    """Call loss and grad on copies (twice, for determinism, unless the problem is large)."""
    t0 = time.perf_counter()
    twice = sum(x.size for x in leaves) <= SECOND_GRAD_UP_TO
    calls, raw, spare = observe(loss, grad, treedef, leaves, args, times=2 if twice else 1)
    seconds = (time.perf_counter() - t0) / len(calls)
    if not twice:  # the loss again; the grad of the first call stands in for a second grad call
        again = loss_value(call_user("loss", loss, unflatten(treedef, spare[0]), *spare[1]))
        calls.append(Call(again, calls[0].grad, calls[0].loss_inputs, calls[0].grad_inputs))
    del spare
    repeat = compare_calls(calls, raw, twice)
    f64_raw = _loss_at_float64(loss, treedef, leaves, args) if any(x.dtype != np.float64 for x in leaves) else None
    f64 = calls[0].loss if f64_raw is None else loss_value(f64_raw)
    grad64 = _grad_at_float64(grad, treedef, leaves, args) if f64_raw is not None else None
    return Record(calls, repeat, f64, _precision(f64_raw), seconds, copy_tree(args), grad64)


def _loss_at_float64(loss, treedef, leaves, args):
    """The loss at float64 copies of lower-precision params, where the oracles run it; code that refuses float64
    is told how to run in its own dtype."""
    try:
        return call_user("loss", loss, unflatten(treedef, [x.astype(np.float64) for x in leaves]), *copy_tree(args))
    except GradcheckError as exc:
        raise refused_float64(exc, [x.dtype.name for x in leaves]) from exc


def _grad_at_float64(grad, treedef, leaves, args) -> dict[str, np.ndarray] | None:
    """Your grad at float64 copies of lower-precision params: the same code, so its difference from the
    lower-precision result is that code's own round-off (a cancellation such as p - y with p ~ 1 in float32).
    None when it cannot run in float64."""
    try:
        g = call_user("grad", grad, unflatten(treedef, [x.astype(np.float64) for x in leaves]), *copy_tree(args))
        return {n: np.array(x, dtype=np.float64) for n, x in _leaves(g)}
    except Exception:
        return None


def observe(loss, grad, treedef, leaves, args, times: int = 2) -> tuple[list[Call], list, tuple[list, tuple]]:
    """Call loss and grad `times` times on fresh copies; (calls with copied results, the raw grad results (none
    when called once, so the user's array is not held beside its copy), copies of the inputs for one more call).

    A copy the first call was seen not to write into equals its original bit for bit, so it is handed to the
    next call instead of a new one (at 1e6 entries a copy costs ~1 ms; the comparison is made anyway)."""
    calls, raw = [], []
    spare = [x.copy() for x in leaves], copy_tree(args)
    for i in range(times):
        lp, la = spare if i == 0 else ([x.copy() for x in leaves], copy_tree(args))
        f = loss_value(call_user("loss", loss, unflatten(treedef, lp), *la))
        lp, la, spare = _seen(leaves, args, lp, la) if i == 0 else (None, None, spare)  # copies let go
        gp, ga = spare if i == 0 else ([x.copy() for x in leaves], copy_tree(args))
        g = grad_value(call_user("grad", grad, unflatten(treedef, gp), *ga))
        gp, ga, spare = _seen(leaves, args, gp, ga) if i == 0 else (None, None, spare)
        raw.append(g)
        calls.append(Call(f, copy_tree(g), (lp, la), (gp, ga)))  # copied at once: a later call cannot change it
    return calls, raw if times > 1 else [], spare


def _seen(leaves, args, params_copy: list, args_copy: tuple) -> tuple[list, tuple, tuple[list, tuple]]:
    """(what `written` keeps of a call's inputs, copies for the next call: those it left unchanged, new ones
    where it wrote)."""
    params, kept_args = written(leaves, args, params_copy, args_copy)
    fresh = [c if p is x else x.copy() for x, p, c in zip(leaves, params, params_copy)]
    return params, kept_args, (fresh, args_copy if kept_args is args else copy_tree(args))


def written(leaves, args, params_copy: list, args_copy: tuple) -> tuple[list, tuple]:
    """The inputs as a call left them, holding only what it wrote into: a param copy equal to its original is
    replaced by the original (the copy is freed), and so are the args when no array in them changed."""
    params = [x if same_array(x, y) else y for x, y in zip(leaves, params_copy)]
    return params, args if not changed_arrays(args, args_copy) else args_copy


def compare_calls(calls: list[Call], raw: list, grad_repeated: bool = True) -> Repeat:
    """What the two calls' results say about randomness and state."""
    c1, c2 = calls[0], calls[1]
    spread = grad_spread(c1.grad, c2.grad) if grad_repeated else {}
    magnitude = {n: _absmax(x) for n, x in _leaves(c1.grad) if n in spread}  # the scale of each spread only
    stateful = state_kept(raw, c1.grad) if len(raw) > 1 else {}
    return Repeat((c1.loss, c2.loss), spread, magnitude, stateful, grad_repeated)


def state_kept(raw: list, first_copy) -> dict[str, str]:
    """Leaves whose first result changed after it was returned: the second call returned that same array (or
    its memory) with new values, or wrote into it. A constant array returned twice unchanged is no state."""
    first, second, copied = dict(_leaves(raw[0])), dict(_leaves(raw[1])), dict(_leaves(first_copy))
    found = {}
    for name, a in first.items():
        b = second.get(name)
        if not isinstance(a, np.ndarray) or name not in copied or same_array(a, np.asarray(copied[name])):
            continue
        shared = isinstance(b, np.ndarray) and (a is b or np.shares_memory(a, b))
        found[name] = "the same array, changed by the second call" if shared else "changed after it was returned"
    return found


def _leaves(tree) -> list[tuple[str, Any]]:
    try:
        names, leaves, _ = flatten(tree)
    except Exception:
        return []
    return list(zip(names, leaves))


_NATIVE_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def _absmax(x) -> float:
    try:
        a = np.asarray(x)
        if a.dtype in _NATIVE_FLOATS and a.size:  # two reductions, no array-sized temporary (1e6 entries: 0.3 ms)
            top = max(float(np.fmax.reduce(a, axis=None)), -float(np.fmin.reduce(a, axis=None)))
            if np.isfinite(top):  # a finite largest |entry|: what nanmax(|a|) over a finite-holding array gives
                return top
        if np.iscomplexobj(a):  # a complex gradient is named by structure.py; its size here is |z|
            a = np.abs(a)
        a = a.astype(np.float64)
        return float(np.nanmax(np.abs(a))) if a.size and np.any(np.isfinite(a)) else 0.0
    except (TypeError, ValueError):
        return 0.0


def grad_spread(a, b) -> dict[str, float]:
    """{name: max |a - b|} for gradient leaves that differ between two calls (inf: shape or keys differ)."""
    try:
        na, la, _ = flatten(a)
        nb, lb, _ = flatten(b)
    except Exception:
        return {"grad": float("inf")}
    out = {n: float("inf") for n in set(na) ^ set(nb)}
    right = dict(zip(nb, lb))
    for n, x in zip(na, la):
        if n not in right:
            continue
        try:
            ax, ay = np.asarray(x), np.asarray(right[n])
            if ax.shape != ay.shape:
                out[n] = float("inf")
            elif not same_array(ax, ay):
                d = np.abs(ax.astype(np.float64) - ay.astype(np.float64))
                out[n] = float(np.nanmax(d)) if np.any(np.isfinite(d)) else float("inf")
        except Exception:
            if x is not right[n]:
                out[n] = float("inf")
    return out


def _precision(raw) -> float:
    """Relative precision of the loss at float64 params: float64 eps unless it comes back in lower precision."""
    dtype = getattr(raw, "dtype", None)
    if raw is None or dtype is None or not np.issubdtype(np.dtype(dtype), np.floating):
        return float(np.finfo(np.float64).eps)
    return float(max(np.finfo(np.dtype(dtype)).eps, np.finfo(np.float64).eps))
