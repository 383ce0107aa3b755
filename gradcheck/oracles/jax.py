"""JAX oracle: jax.grad of the loss in float64, with x64 enabled inside this call only.

The first check of a loss at given shapes runs jax.grad eagerly (no compile). From the second check of the
same loss function at the same shapes and dtypes (a Hypothesis run, a parametrised test) a jitted grad is
compiled once and reused, so repeated checks cost one fused call instead of op-by-op dispatch. Losses that
read arrays from globals or closures are never jitted (jit would freeze those arrays at trace time).
"""

from __future__ import annotations

import time
import weakref

import numpy as np

from . import CannotRun, OracleResult
from ..problem import Problem, convert_args
from ..tree import unflatten
from .torch import _short

NAME = "jax"
HINT = "write the loss against the array API (xp = array_api_compat.array_namespace(W)) so jax can run it"
JIT_FROM = 2  # compile at the second sighting of a (loss, shapes) key
_CACHE: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # loss -> {shape key: count or jitted grad}


def run(problem: Problem, config=None) -> OracleResult:
    """Gradient of problem.loss at problem.leaves by jax.grad (jitted only for a loss seen before at these shapes)."""
    import jax

    start = time.perf_counter()
    with jax.enable_x64(True):
        import jax.numpy as jnp

        leaves, args = list(problem.leaves), _float64_args(problem.args)

        def flat_loss(ls, args):
            out = problem.loss(unflatten(problem.treedef, ls), *args)
            if not isinstance(out, jax.Array):
                raise CannotRun(f"loss returned {type(out).__name__}, not a jax array, so jax.grad lost the trace; {HINT}")
            if out.size != 1:
                raise CannotRun(f"loss returned an array of shape {tuple(out.shape)} under jax, expected a scalar")
            return out.reshape(())

        try:
            fn = _grad_fn(problem, flat_loss, leaves, args)
            if not _is_jitted(fn):  # eager: the loss sees jax arrays; a compiled grad takes numpy straight in
                leaves, args = [jnp.asarray(x) for x in leaves], convert_args(args, jnp.asarray)
            raw = fn(leaves, args)
        except CannotRun:
            raise
        except Exception as exc:
            raise CannotRun(f"loss raised {type(exc).__name__} on jax arrays ({_short(exc)}); {HINT}") from exc
        grads = [np.asarray(g, dtype=np.float64).reshape(x.shape) for g, x in zip(raw, problem.leaves)]
    return OracleResult(NAME, "entries", grads=grads, seconds=time.perf_counter() - start, evaluations=1,
                        method=f"jax {jax.__version__} grad, float64")


def _float64_args(args):
    """args as numpy arrays, floating ones in float64 (what the eager path converts to)."""
    return convert_args(args, lambda a: a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a)


def _is_jitted(fn) -> bool:
    return hasattr(fn, "lower")


def _grad_fn(problem: Problem, flat_loss, leaves, args):
    """jax.grad eagerly, or a cached jitted grad when this loss was already checked at these shapes."""
    import jax

    key = _key(problem, leaves, args)
    slot = _slots(problem.loss)
    if key is None or slot is None:
        return jax.grad(flat_loss)
    seen = slot.get(key, 0)
    if callable(seen):
        return seen
    if seen + 1 < JIT_FROM:
        slot[key] = seen + 1
        return jax.grad(flat_loss)
    jitted = jax.jit(jax.grad(flat_loss))
    try:
        jitted(leaves, args)  # compile now; a loss that cannot be traced stays eager
    except Exception:
        slot[key] = -10**9
        return jax.grad(flat_loss)
    slot[key] = jitted
    return jitted


def _slots(loss):
    try:
        return _CACHE.setdefault(loss, {})
    except TypeError:  # not weak-referenceable (a builtin): never cached
        return None


def _key(problem: Problem, leaves, args):
    """(treedef, leaf shapes, arg shapes/dtypes and scalar values), or None when jit could freeze hidden data."""
    if _captures_arrays(problem.loss):
        return None
    flat = []

    def walk(a):
        if isinstance(a, dict):
            for k in sorted(a, key=repr):
                flat.append(("k", repr(k)))
                walk(a[k])
        elif isinstance(a, (list, tuple)):
            flat.append(("seq", len(a)))
            for v in a:
                walk(v)
        elif hasattr(a, "shape") and hasattr(a, "dtype"):
            flat.append((tuple(a.shape), str(a.dtype)))
        elif isinstance(a, (int, float, str, bool, type(None))):
            flat.append(("v", a))
        else:
            raise TypeError
    try:
        walk(args)
    except TypeError:
        return None
    return (repr(problem.treedef), tuple(tuple(x.shape) for x in leaves), tuple(flat))


def _captures_arrays(fn) -> bool:
    """True when fn reads an array (or anything mutable we cannot key on) from its globals or closure."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return True
    cells = [c.cell_contents for c in (getattr(fn, "__closure__", None) or ()) if _filled(c)]
    glob = getattr(fn, "__globals__", {})
    values = cells + [glob[n] for n in code.co_names if n in glob]
    return any(hasattr(v, "shape") or isinstance(v, (list, dict)) for v in values)


def _filled(cell) -> bool:
    try:
        cell.cell_contents
        return True
    except ValueError:
        return False
