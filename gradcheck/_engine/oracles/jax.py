"""JAX oracle: jax.grad of the loss in float64, with x64 enabled inside this call only.

jax.grad is jit-compiled at the first check and the compiled grad is kept, keyed by what the loss computes:
its code, the values in its closure, defaults and globals (numbers, strings, tuples, frozen dataclasses,
functions by their own code and closure, modules), the params' structure and shapes, and the args' shapes,
dtypes and scalar values. A Hypothesis run or a parametrised test that builds a new loss object with the same
code reuses the compile at shapes it has seen, instead of dispatching op by op (eager jax compiles every
primitive at every new shape, 0.2-0.9 s). A loss that reads an array or another mutable object from its
closure or globals is never compiled (jit would freeze that data at trace time) and runs eagerly, as does one
whose tracing fails (Python control flow on values). Small problems compile with LLVM's expensive passes
and XLA's fusion emitters off (faster compiles; their run time is negligible either way).
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

from . import CannotRun, OracleResult, short_message
from ..problem import Problem, convert_args
from ..tree import unflatten

NAME = "jax"
HINT = "write the loss against the array API (xp = array_api_compat.array_namespace(W)) so jax can run it"
CACHE_SIZE = 256  # compiled grads kept (least recently used dropped)
FAST_COMPILE_UP_TO = 100_000  # parameters; above this XLA optimises fully (run time matters more than compile)
FAST_COMPILE = {"xla_llvm_disable_expensive_passes": True, "xla_cpu_use_fusion_emitters": False}
# faster CPU compiles of small graphs; not xla_backend_optimization_level=0, which gave NaN gradients
# for a sigmoid/softmax net at x = 0 (tests/properties, --hypothesis-seed=3)
_CACHE: "OrderedDict[tuple, object]" = OrderedDict()  # key -> jitted grad, or None where tracing failed
_UNSAFE = object()


def run(problem: Problem, config=None) -> OracleResult:
    """Gradient of problem.loss at problem.leaves by jax.grad (a cached compile where the loss allows)."""
    import jax

    start = time.perf_counter()
    with jax.enable_x64(True):
        import jax.numpy as jnp

        leaves, args = list(problem.leaves), _float64_args(problem.args)
        flat_loss = _flat_loss(jax, problem.loss, problem.treedef)
        try:
            raw = _compiled(jax, problem, flat_loss, leaves, args)  # numpy goes straight into a compiled grad
            if raw is None:  # eager: the loss sees jax arrays
                leaves, args = [jnp.asarray(x) for x in leaves], convert_args(args, jnp.asarray)
                raw = jax.grad(flat_loss)(leaves, args)
        except CannotRun:
            raise
        except Exception as exc:
            raise CannotRun(f"loss raised {type(exc).__name__} on jax arrays ({short_message(exc)}); {HINT}") from exc
        grads = [np.asarray(g, dtype=np.float64).reshape(x.shape) for g, x in zip(raw, problem.leaves)]
    return OracleResult(NAME, "entries", grads=grads, seconds=time.perf_counter() - start, evaluations=1,
                        method=f"jax {jax.__version__} grad, float64")


def _float64_args(args):
    """args as numpy arrays, floating ones in float64 (what the eager path converts to)."""
    return convert_args(args, lambda a: a.astype(np.float64) if np.issubdtype(a.dtype, np.floating) else a)


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


def _compiled(jax, problem: Problem, flat_loss, leaves, args):
    """The gradient from the cached compiled grad (compiling it on first sight), or None to run eagerly."""
    key = _key(problem, leaves, args)
    if key is None:
        return None
    if key in _CACHE:
        _CACHE.move_to_end(key)
        jitted = _CACHE[key]
        return None if jitted is None else jitted(leaves, args)
    options = FAST_COMPILE if problem.n <= FAST_COMPILE_UP_TO else None
    jitted = jax.jit(jax.grad(flat_loss), compiler_options=options)
    try:
        raw = jitted(leaves, args)  # traces and compiles; a loss that cannot be traced runs eagerly from now on
    except Exception:
        jitted, raw = None, None
    _CACHE[key] = jitted
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)
    return raw


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
    return (fn, repr(problem.treedef), tuple(tuple(x.shape) for x in leaves), tuple(flat),
            problem.n <= FAST_COMPILE_UP_TO)


def _fn_key(fn, depth: int = 0):
    """What a Python function computes: its code and the values it reads (closure, defaults, globals), or None
    when it reads something jit would freeze (an array, a mutable object, a bound method's instance)."""
    if inspect.ismethod(fn) or not isinstance(fn, types.FunctionType) or depth > 4:
        return None
    glob = fn.__globals__
    parts = [fn.__code__, id(glob), _value_key(fn.__defaults__, depth), _value_key(fn.__kwdefaults__, depth)]
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
        items = sorted(v.items(), key=repr) if isinstance(v, dict) else sorted(v, key=repr) if isinstance(v, frozenset) else v
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
        cell.cell_contents
        return True
    except ValueError:
        return False
