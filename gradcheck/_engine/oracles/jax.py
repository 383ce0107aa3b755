"""JAX oracle: jax.value_and_grad of the loss in float64, with x64 enabled inside this call only.

value_and_grad is jit-compiled at the first check and the compiled executable is kept (in memory, and on disk
when GRADCHECK_JAX_CACHE_DIR names a folder: see jax_disk), keyed by what the loss computes:
its code, the values in its closure, defaults and globals (numbers, strings, tuples, frozen dataclasses,
functions by their own code and closure, modules), the params' structure and shapes, and the args' shapes,
dtypes and scalar values. A Hypothesis run or a parametrised test that builds a new loss object with the same
code reuses the compile at shapes it has seen, instead of dispatching op by op (eager jax compiles every
primitive at every new shape, 0.2-0.9 s). A loss that reads an array or another mutable object from its
closure or globals is never compiled (jit would freeze that data at trace time) and runs eagerly, as does one
whose tracing fails (Python control flow on values). Small problems compile with LLVM's expensive passes
and XLA's fusion emitters off (faster compiles; their run time is negligible either way).
The key looks one level deep, so data a helper reads can change behind it (a monkeypatched module constant):
a cached executable is used only while it reproduces the user's loss value at the point and at a second
point, else it is compiled again; and the check traces afresh before a cached result blames anyone.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import time
import types
from collections import OrderedDict

import numpy as np

from ..dtypes import is_real_floating
from ..problem.problem import Problem
from ..tree import convert_args, unflatten
from . import CannotRun, OracleResult, Role, ad_result, follow, jax_disk, same_value, short_message
from .probes import global_direction

NAME = "jax"
HINT = "write the loss against the array API (xp = array_api_compat.array_namespace(W)) so jax can run it"
CACHE_SIZE = 256  # compiled grads kept (least recently used dropped)
FAST_COMPILE_UP_TO = 100_000  # parameters; above this XLA optimises fully (run time matters more than compile)
FAST_COMPILE = {"xla_llvm_disable_expensive_passes": True, "xla_cpu_use_fusion_emitters": False}
# faster CPU compiles of small graphs; not xla_backend_optimization_level=0, which gave NaN gradients
# for a sigmoid/softmax net at x = 0 (tests/properties, --hypothesis-seed=3)
_CACHE: OrderedDict[tuple, object] = OrderedDict()  # key -> compiled value-and-grad, None: tracing failed
_UNSAFE = object()


def run(problem: Problem, config=None, *, fresh: bool = False, sole: bool = False) -> OracleResult:
    """Gradient of problem.loss at problem.leaves by jax.grad (a cached compile where the loss allows;
    `fresh`: trace and compile again, replacing the cached one; `sole`: no other oracle will corroborate it,
    so a cached compile must also reproduce the loss at a second point)."""
    import jax

    start = time.perf_counter()
    native = lambda: _native(jax, problem, fresh, sole)  # noqa: E731
    (grads, value, cached), role = follow.attempt(NAME, problem, native, follow.jax_run(problem))
    how = "" if role is Role.EXACT_AD else f" of your numpy code followed through {follow.VIA[NAME]}"
    return ad_result(NAME, grads, value, f"jax {jax.__version__} grad{how}, float64", start, cached, role)


def _native(jax, problem: Problem, fresh: bool, sole: bool):
    """(gradients, value, served from a cache?) of the loss as written, on jax arrays."""
    with jax.enable_x64(True):
        import jax.numpy as jnp

        leaves, args = list(problem.leaves), _float64_args(problem.args)
        flat_loss = _flat_loss(jax, problem.loss, problem.treedef)
        try:
            out, cached = _compiled(jax, problem, flat_loss, leaves, args, fresh, sole)  # numpy in, compiled
            if out is None:  # eager: the loss sees jax arrays
                leaves, args = [jnp.asarray(x) for x in leaves], convert_args(args, jnp.asarray)
                out = jax.value_and_grad(flat_loss)(leaves, args)
        except CannotRun:
            raise
        except Exception as exc:
            raise CannotRun(f"loss raised {type(exc).__name__} on jax arrays ({short_message(exc)}); {HINT}") from exc
        value, raw = out
        grads = [np.asarray(g, dtype=np.float64).reshape(x.shape) for g, x in zip(raw, problem.leaves)]
    return grads, float(value), cached


def _float64_args(args):
    """args as numpy arrays, floating ones in float64 (what the eager path converts to)."""
    return convert_args(args, lambda a: a.astype(np.float64) if is_real_floating(a.dtype) else a)


def _flat_loss(jax, loss, treedef):
    """loss as a function of (leaf list, args) returning a 0-d jax array; holds no problem data."""

    def flat_loss(ls, args):
        out = loss(unflatten(treedef, ls), *args)
        if not isinstance(out, jax.Array):
            raise CannotRun(f"loss returned {type(out).__name__}, not a jax array, so jax.grad lost the trace; {HINT}")
        if out.size != 1:
            raise CannotRun(f"loss returned an array of shape {tuple(out.shape)} under jax, expected a scalar")
        return out.reshape(())

    return flat_loss


def _compiled(jax, problem: Problem, flat_loss, leaves, args, fresh: bool = False, sole: bool = False):
    """((value, gradient), served from a cache?) by the compiled value-and-grad, compiling it on first sight;
    (None, False) to run eagerly. A cached compile that no longer reproduces the user's loss is stale (data
    it reads changed behind its key): it is traced and compiled again. `fresh`: skip the caches."""
    key = _key(problem, leaves, args)
    if key is None:
        return None, False
    if not fresh:
        hit = _cache_hit(problem, key, leaves, args, sole)
        if hit is not None:
            return hit
    options = FAST_COMPILE if problem.n <= FAST_COMPILE_UP_TO else None
    try:  # a loss that cannot be traced runs eagerly from now on
        compiled = (
            jax.jit(jax.value_and_grad(flat_loss), compiler_options=options).trace(leaves, args).lower().compile()
        )
    except Exception:
        compiled = None
    _remember(key, compiled)
    if compiled is None:
        return None, False
    jax_disk.save(key, compiled)
    return compiled(leaves, args), False


def _cache_hit(problem: Problem, key, leaves, args, sole: bool = False):
    """From memory or disk: ((value, gradient), True) while the compile still matches the loss, (None, False)
    for a loss known not to trace, None to compile."""
    if key in _CACHE:
        _CACHE.move_to_end(key)
        compiled = _CACHE[key]
        if compiled is None:
            return None, False
    else:
        compiled = jax_disk.load(key, leaves, args)
        if compiled is None:
            return None
        _remember(key, compiled)
    try:
        out = compiled(leaves, args)
    except Exception:  # a stored executable that does not run here (e.g. serialised from jax's own disk cache)
        return None
    return (out, True) if _still_matches(compiled, problem, out, leaves, args, sole) else None


def _remember(key, compiled) -> None:
    _CACHE[key] = compiled
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)


def _still_matches(jitted, problem: Problem, out, leaves, args, sole: bool = True) -> bool:
    """Whether a cached compile still computes the user's loss: the same value at the point and, when no other
    oracle corroborates it (`sole`; otherwise a disagreement traces afresh), at a second point x + t v (v: fd's
    first global probe direction, random signs, drawn once per seed and shapes; every entry moves by
    1e-3 max(1, rms x)). A stale compile differing from the loss by d(x) passes only if d
    vanishes at both points, which for a d whose gradient at x is not 0 has probability 0 over the signs."""
    eps = problem.eps
    if not same_value(float(out[0]), problem.f0, eps):
        return False
    if not sole:  # other oracles corroborate it; any disagreement traces afresh (plan.py)
        return True
    direction = global_direction(problem.seed, 0, [x.shape for x in leaves])
    t = 1e-3 * problem.scale(direction)
    moved = [np.multiply(v, t) + x for x, v in zip(leaves, direction)]
    try:
        theirs = problem.evaluate(moved)
    except Exception:  # the loss cannot be evaluated there (domain): the cache is not trusted
        return False
    return same_value(float(jitted(moved, args)[0]), theirs, eps)


def cached(loss) -> list:
    """The compiled grads (None: tracing failed) kept for functions with the code of `loss`."""
    code = getattr(loss, "__code__", None)
    return [v for k, v in _CACHE.items() if k[0][0] is code]


def _key(problem: Problem, leaves, args):
    """(loss key, treedef, leaf shapes, arg shapes/dtypes and scalar values), or None when jit could freeze data."""
    fn = _fn_key(problem.loss)
    if fn is None:
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
            flat.append(("v", type(a), a))
        else:
            raise TypeError

    try:
        walk(args)
    except TypeError:
        return None
    return (
        fn,
        repr(problem.treedef),
        tuple(tuple(x.shape) for x in leaves),
        tuple(flat),
        problem.n <= FAST_COMPILE_UP_TO,
    )


def _fn_key(fn, depth: int = 0):
    """What a Python function computes: its code and the values it reads (closure, defaults, globals), or None
    when it reads something jit would freeze (an array, a mutable object, a bound method's instance)."""
    if inspect.ismethod(fn) or not isinstance(fn, types.FunctionType) or depth > 4:
        return None
    glob = fn.__globals__
    parts = [
        fn.__code__,
        glob.get("__name__"),
        _value_key(fn.__defaults__, depth),
        _value_key(fn.__kwdefaults__, depth),
    ]
    parts += [_value_key(c.cell_contents, depth) if _filled(c) else "<empty>" for c in fn.__closure__ or ()]
    parts += [(n, _value_key(glob[n], depth)) for n in sorted(_names(fn.__code__)) if n in glob]
    return None if any(p is _UNSAFE or (isinstance(p, tuple) and p[-1] is _UNSAFE) for p in parts) else tuple(parts)


def _names(code) -> set:
    """Global names read by code and the functions defined inside it."""
    names = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            names |= _names(c)
    return names


def _value_key(v, depth: int):
    """A hashable stand-in for a value a loss reads from its closure or defaults (_UNSAFE: never compile)."""
    if depth > 8:  # deeply nested or self-referencing data: not worth keying
        return _UNSAFE
    if v is None or isinstance(v, (bool, int, float, complex, str, bytes, np.generic, np.dtype, enum.Enum)):
        return (type(v), v)
    if isinstance(v, (tuple, list, frozenset)) or type(v) is dict:
        items = (
            sorted(v.items(), key=repr)
            if isinstance(v, dict)
            else sorted(v, key=repr)
            if isinstance(v, frozenset)
            else v
        )
        inner = tuple(_value_key(x, depth + 1) for x in items)
        return _UNSAFE if _UNSAFE in inner else (type(v), inner)
    if isinstance(v, types.FunctionType):
        return _function_key(v, depth)
    if isinstance(v, (types.ModuleType, type, types.BuiltinFunctionType, np.ufunc, functools._lru_cache_wrapper)):
        return v  # code, not data: by identity
    if dataclasses.is_dataclass(v) and not isinstance(v, type) and v.__dataclass_params__.frozen:
        return (type(v), _value_key(tuple(getattr(v, f.name) for f in dataclasses.fields(v)), depth))
    return _UNSAFE  # arrays, sets, objects: could change behind a compiled grad's back


def _function_key(fn, depth: int):
    """A function made by a call (a closure) by its code and values; a module-level one by identity plus
    the data it reads from its module (so a changed table means a new key)."""
    if "<locals>" in fn.__qualname__:
        found = _fn_key(fn, depth + 1)
        return _UNSAFE if found is None else found
    glob, data = fn.__globals__, []
    for name in sorted(fn.__code__.co_names):
        v = glob.get(name, _UNSAFE)
        if v is _UNSAFE or callable(v) or isinstance(v, types.ModuleType):  # helpers it calls: by identity, unread
            continue
        found = _value_key(v, depth + 1)
        if found is _UNSAFE:
            return _UNSAFE
        data.append((name, found))
    return (fn, tuple(data))


def _filled(cell) -> bool:
    try:
        _ = cell.cell_contents  # an empty closure cell raises ValueError
        return True
    except ValueError:
        return False
