"""One followed call of the user's numpy code: wrapping values, dispatching numpy's calls, recording escapes.

The session is the explicit state of a call (its backend and the escapes seen); Followed arrays hold it and
ask it to run every numpy function and ufunc they are handed.
"""

from __future__ import annotations

import numpy as np

from . import functions
from .array import Followed, Root
from .escape import CannotFollow, Escape, escape_here


class Session:
    """The backend numpy code is followed under, and the escapes recorded during the call."""

    def __init__(self, backend):
        self.backend = backend
        self.escapes: list[Escape] = []

    # --- values ------------------------------------------------------------------------------------------------
    def input(self, value) -> Followed:
        return Followed(self, Root(self.backend.inner(value), is_input=True))

    def new(self, value) -> Followed:
        return Followed(self, Root(self.backend.inner(value)))

    def unwrap(self, x):
        """Followed arrays (inside lists, tuples, dicts) replaced by their framework values, numpy's float and
        complex scalars by 0-d framework arrays of their own dtype."""
        if isinstance(x, Followed):
            return x.v
        if isinstance(x, np.inexact):  # np.float64 subclasses float: torch._numpy takes it for a Python scalar
            return self.backend.inner(np.asarray(x))  # and fails (KeyError); a 0-d array keeps numpy's dtype
        if isinstance(x, (list, tuple)):
            return type(x)(self.unwrap(v) for v in x)
        if isinstance(x, dict):
            return {k: self.unwrap(v) for k, v in x.items()}
        return x

    def wrap(self, x):
        """Framework values (inside tuples and lists) as Followed arrays; everything else as it is."""
        if self.backend.is_inner(x):
            return self.new(x)
        if isinstance(x, (list, tuple)):
            return type(x)(self.wrap(v) for v in x)
        return x

    def constant(self, x: Followed) -> np.ndarray:
        """x as a plain array where nothing is lost: integers and booleans (derivative 0 almost everywhere), or
        a value that does not depend on the parameters."""
        if x.dtype.kind in "biu" or not self.backend.depends(x.v):
            return self.backend.to_numpy(x.v)
        return self.plain(x, "to a plain value")

    def plain(self, x: Followed, what: str, dtype=None, call: str | None = None) -> np.ndarray:
        """x as a plain numpy array when it does not depend on the parameters, else an escape."""
        if self.backend.depends(x.v):
            whose = "its input" if x._root.is_input and x._shadow is None else "an array computed from its inputs"
            self.escape(f"converted {whose} {what}", call)
        out = self.backend.to_numpy(x.v)
        return out if dtype is None else out.astype(dtype)

    def plain_key(self, key):
        """An index with every Followed in it as plain integers or booleans (an index carries no gradient)."""
        if isinstance(key, Followed):
            return self.constant(key)
        if isinstance(key, tuple):
            return tuple(self.plain_key(k) for k in key)
        if isinstance(key, list) and any(isinstance(k, Followed) for k in key):
            return [self.plain_key(k) for k in key]
        return key

    def escape(self, what: str, call: str | None = None):
        found = escape_here(what, call)
        self.escapes.append(found)
        raise CannotFollow(found)

    def astype(self, value, dtype):
        return value.astype(np.dtype(dtype)) if self.backend.name == "jax" else value.astype(np.dtype(dtype).name)

    # --- ufuncs ------------------------------------------------------------------------------------------------
    def ufunc(self, ufunc, method: str, inputs, kwargs):
        kwargs = dict(kwargs)
        out = kwargs.pop("out", None)
        if method == "at":
            return self._at(ufunc, *inputs)
        fn = self._ufunc_fn(ufunc, method)
        if method == "outer":
            a, b = inputs
            a = (
                a.reshape(*np.shape(a), *([1] * np.ndim(b)))
                if isinstance(a, Followed)
                else np.reshape(a, np.shape(a) + (1,) * np.ndim(b))
            )
            inputs = (a, b)
        if method in ("reduce", "accumulate"):
            kwargs.setdefault("axis", 0)
        result = self.wrap(fn(*self.unwrap(inputs), **self._kwargs(kwargs)))
        return result if out is None else self._into(out, result, ufunc.__name__)

    def _ufunc_fn(self, ufunc, method: str):
        name = ufunc.__name__
        if method in ("reduce", "accumulate"):
            table = functions.REDUCE if method == "reduce" else functions.ACCUMULATE
            fn = getattr(self.backend.xnp, table.get(name, ""), None)
        elif method in ("__call__", "outer"):
            numpy_own = getattr(np, name, None) is ufunc
            fn = getattr(self.backend.xnp, name, None) if numpy_own else self.backend.special_fn(name)
        else:
            fn = None
        if fn is None:
            where = "np" if getattr(np, name, None) is ufunc else (type(ufunc).__module__ or "ufunc").split(".")[0]
            suffix = "" if method == "__call__" else f".{method}"
            self.escape(f"called a function {self.backend.name} has no mapping for", f"{where}.{name}{suffix}")
        return fn

    def _at(self, ufunc, a, indices, b=None):
        """np.add.at / np.subtract.at: entries at repeated indices accumulate."""
        if ufunc not in (np.add, np.subtract) or not isinstance(a, Followed):
            if not isinstance(a, Followed) and not (isinstance(b, Followed) and self.backend.depends(b.v)):
                plain_b = self.constant(b) if isinstance(b, Followed) else b
                return ufunc.at(a, self.plain_key(indices), plain_b)
            what = f"wrote into an array with a ufunc {self.backend.name} cannot follow"
            self.escape(what, f"np.{ufunc.__name__}.at")
        value = b if ufunc is np.add else self.ufunc(np.negative, "__call__", (b,), {})
        a.write(indices, value, accumulate=True)

    def _into(self, out, result, name: str):
        """A result written into `out=` arrays; a plain numpy `out` can only take a constant."""
        outs = out if isinstance(out, tuple) else (out,)
        results = result if isinstance(result, tuple) else (result,)
        for o, r in zip(outs, results):
            if isinstance(o, Followed):
                o.write(Ellipsis, r)
            elif isinstance(r, Followed) and self.backend.depends(r.v):
                self.escape("wrote an array computed from its inputs into a plain numpy array", f"np.{name}(out=...)")
            else:
                o[...] = self.constant(r) if isinstance(r, Followed) else r
        return out if isinstance(out, tuple) and len(out) > 1 else outs[0]

    # --- functions ---------------------------------------------------------------------------------------------
    def call(self, func, args, kwargs):
        """numpy's `func(*args, **kwargs)` with Followed arrays among the arguments."""
        if func in functions.SHAPES:
            return functions.SHAPES[func](*args, **kwargs)
        first = args[0] if args else None
        if isinstance(first, Followed) and func in functions.STRUCTURAL:
            rest, kw = self.plain_key(tuple(args[1:])), {k: self.plain_key(v) for k, v in kwargs.items()}
            return first.restructure(lambda idx: func(idx, *rest, **kw))
        if isinstance(first, Followed) and func is functions.AS_STRIDED:
            return self._as_strided(first, *args[1:], **kwargs)
        if func in functions.LIKE:
            return self._like(func, *args, **kwargs)
        if func is np.copyto:
            if isinstance(args[0], Followed):
                args[0].write(Ellipsis, args[1])
            else:
                self._into(args[0], args[1], "copyto")
            return None
        if func in (np.result_type, np.can_cast, np.promote_types, np.min_scalar_type):
            return func(*[a.dtype if isinstance(a, Followed) else a for a in args], **kwargs)
        return self._mapped(func, args, kwargs)

    def _mapped(self, func, args, kwargs):
        kwargs = dict(kwargs)
        out = kwargs.pop("out", None)
        fn = self._function(func)
        if fn is None:
            name = f"{func.__module__.split('._')[0]}.{func.__name__}".replace("numpy.", "np.", 1)
            name = "np." + func.__name__ if func.__module__ == "numpy" else name
            self.escape(f"called a function {self.backend.name} has no mapping for", name)
        result = self.wrap(fn(*self.unwrap(args), **self._kwargs(kwargs)))
        return result if out is None else self._into(out, result, func.__name__)

    def _kwargs(self, kwargs: dict) -> dict:
        """Keyword arguments for the backend: arrays unwrapped, a dtype in the backend's own words."""
        kwargs = self.unwrap(kwargs)
        if kwargs.get("dtype") is not None:
            kwargs["dtype"] = self._dtype(kwargs["dtype"])
        return kwargs

    def _function(self, func):
        """The backend's function of numpy's `func`, found by its module path and name."""
        space = self.backend.xnp
        module = func.__module__ or ""
        if module.startswith("numpy."):
            for part in module.split(".")[1:]:
                if part.startswith("_"):
                    break
                space = getattr(space, part, None)
                if space is None:
                    return None
        return getattr(space, func.__name__, None)

    def _as_strided(self, x: Followed, shape=None, strides=None, subok=False, writeable=True):
        """as_strided through the shadow: strides in the user's bytes, rescaled to the shadow's 8-byte items."""
        if strides is not None:
            strides = tuple(int(s) * 8 // x.itemsize for s in strides)
        return x.restructure(lambda idx: functions.AS_STRIDED(idx, shape, strides, writeable=writeable))

    def _like(self, func, a, *rest, dtype=None, shape=None, **kwargs):
        shape = np.shape(a) if shape is None else shape
        dtype = np.dtype(a.dtype if dtype is None else dtype)
        xnp = self.backend.xnp
        if functions.LIKE[func] == "full_like":
            fill = self.unwrap(rest[0] if rest else kwargs["fill_value"])
            return self.new(xnp.full(shape, fill, dtype=self._dtype(dtype)))
        make = xnp.ones if functions.LIKE[func] == "ones_like" else xnp.zeros
        return self.new(make(shape, dtype=self._dtype(dtype)))

    def _dtype(self, dtype):
        return np.dtype(dtype) if self.backend.name == "jax" else np.dtype(dtype).name
