"""The array the user's numpy code is handed under torch or jax: numpy's semantics over a framework value.

numpy dispatches its functions to it (`__array_function__`, NEP 18) and its ufuncs (`__array_ufunc__`,
NEP 13); operators, methods and indexing are its own. Values live in a *root* (one framework array, replaced
on every write, never changed in place, so autograd never sees a saved value modified). A view keeps numpy's
aliasing through a *shadow*: the same numpy operation applied to an integer array of the root's flat indices,
so numpy itself decides what is a view (the shadow shares memory with the root's) and which entries it holds;
reading a view gathers those entries, writing through it puts values at them, and every other view of the
root sees the write. Anything numpy would hand to plain code (`__array__`, `float`, `.item()`) is an escape
(escape.py) unless the value does not depend on the parameters.
"""

from __future__ import annotations

import numpy as np

from . import functions
from .escape import CannotFollow


class Root:
    """One framework array, replaced (never modified) on each write; `version` counts the writes."""

    __slots__ = ("value", "version", "_index", "is_input")

    def __init__(self, value, is_input: bool = False):
        self.value, self.version, self._index, self.is_input = value, 0, None, is_input

    def index(self, shape) -> np.ndarray:
        """The flat index of every entry, as an int64 array of the root's shape (made on first use)."""
        if self._index is None:
            self._index = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)
        return self._index


class Followed:
    """A numpy-like array over a framework value, followed by a Session (session.py)."""

    __slots__ = ("_s", "_root", "_shadow", "_seen")
    __array_priority__ = 1000  # ndarray's operators defer to ours
    __hash__ = None

    def __init__(self, session, root: Root, shadow: np.ndarray | None = None):
        self._s, self._root, self._shadow, self._seen = session, root, shadow, None

    # --- the value -------------------------------------------------------------------------------------------
    @property
    def v(self):
        """The framework value of this array (a view gathers its entries from the root's current value)."""
        root = self._root
        if self._shadow is None:
            return root.value
        if self._seen is None or self._seen[0] != root.version:
            self._seen = (root.version, self._s.backend.gather(root.value, self._shadow))
        return self._seen[1]

    def index(self) -> np.ndarray:
        """The flat indices into the root that this array's entries are."""
        return self._root.index(self.shape_of_root()) if self._shadow is None else self._shadow

    def shape_of_root(self):
        return tuple(self._root.value.shape)

    def restructure(self, op):
        """numpy's `op` (a view or a rearrangement of entries) applied through the shadow: a view when numpy
        gives a view, else a new array holding the entries op picked."""
        full = self._root.index(self.shape_of_root())
        got = op(self.index())
        if isinstance(got, (list, tuple)):
            return type(got)(self._picked(full, g) for g in got)
        return self._picked(full, got)

    def _picked(self, full, got):
        got = np.asarray(got)
        if got.size and np.may_share_memory(got, full):
            return Followed(self._s, self._root, got)
        return self._s.new(self._s.backend.gather(self._root.value, got))

    def write(self, key, value, accumulate: bool = False) -> None:
        """self[key] = value (or += with repeated indices summed, np.add.at) as a new root value."""
        root = self._root
        if key is Ellipsis and self._shadow is None:  # the whole array: one new value, no scatter
            root.value = self._s.backend.replace(root.value, self._s.unwrap(value))
            root.version += 1
            return
        target = self.index()[self._s.plain_key(key)]
        root.value = self._s.backend.put(root.value, np.asarray(target), self._s.unwrap(value), accumulate)
        root.version += 1

    # --- attributes numpy code reads -----------------------------------------------------------------------
    @property
    def shape(self):
        return tuple(self.index().shape) if self._shadow is not None else self.shape_of_root()

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self):
        return self._s.backend.dtype(self._root.value)

    @property
    def itemsize(self):
        return self.dtype.itemsize

    @property
    def nbytes(self):
        return self.size * self.itemsize

    @property
    def strides(self):
        return tuple(s // 8 * self.itemsize for s in self.index().strides)

    @property
    def T(self):
        return self.restructure(np.transpose)

    @property
    def mT(self):
        return self.restructure(lambda a: np.swapaxes(a, -1, -2))

    @property
    def real(self):
        return self._s.call(np.real, (self,), {})

    def __len__(self):
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self):
        return f"followed({self.v!r})"

    # --- indexing ----------------------------------------------------------------------------------------------
    def __getitem__(self, key):
        key = self._s.plain_key(key)
        return self.restructure(lambda a: a[key])

    def __setitem__(self, key, value):
        self.write(key, value)

    # --- numpy's protocols ---------------------------------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return self._s.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return self._s.call(func, args, kwargs)

    def __array__(self, dtype=None, copy=None):
        return self._s.plain(self, "to a plain numpy array", dtype)

    def __float__(self):
        return float(self._s.plain(self, "to a Python float", call="float"))

    def __complex__(self):
        return complex(self._s.plain(self, "to a Python complex", call="complex"))

    def __int__(self):  # an integer has derivative 0 almost everywhere: nothing is lost
        return int(self._s.constant(self))

    def __index__(self):
        return int(self._s.constant(self))

    def __bool__(self):  # control flow at the point: the same branch numpy takes
        return bool(self._s.constant(self))

    def item(self, *args):
        kind = self.dtype.kind
        if kind in "biu":
            return self._s.constant(self)[args or ...].item() if args else self._s.constant(self).item()
        return self._s.plain(self, "to a Python number", call=".item()").item(*args)

    def tolist(self):
        return self._s.plain(self, "to a Python list", call=".tolist()").tolist()

    def __copy__(self):
        return self.copy()

    def __deepcopy__(self, memo):
        return self.copy()

    # --- methods -------------------------------------------------------------------------------------------------
    def copy(self, order="C"):
        return self._s.new(self.v)

    def astype(self, dtype, *args, **kwargs):
        return self._s.new(self._s.astype(self.v, dtype))

    def reshape(self, *shape, order="C"):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return self.restructure(lambda a: a.reshape(shape, order=order))

    def transpose(self, *axes):
        axes = axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return self.restructure(lambda a: a.transpose(*axes))

    def view(self, *args):
        if args:
            self._s.escape("reinterpreted its bytes", ".view(dtype)")
        return self.restructure(lambda a: a.view())

    def fill(self, value):
        self.write(Ellipsis, value)

    def sort(self, axis=-1, **kwargs):
        self.write(Ellipsis, self._s.call(np.sort, (self,), {"axis": axis}))

    def __getattr__(self, name):
        func = functions.METHODS.get(name)
        if func is None:
            raise AttributeError(f"followed array has no attribute {name!r}")
        if name == "flatten":
            return lambda order="C": self.ravel().copy()
        return lambda *a, **k: self._s.call(func, (self, *a), k)

    # --- operators ------------------------------------------------------------------------------------------------
    def __neg__(self):
        return self._s.ufunc(np.negative, "__call__", (self,), {})

    def __pos__(self):
        return self._s.ufunc(np.positive, "__call__", (self,), {})

    def __abs__(self):
        return self._s.ufunc(np.absolute, "__call__", (self,), {})

    def __invert__(self):
        return self._s.ufunc(np.invert, "__call__", (self,), {})


def _binary(ufunc):
    def forward(self, other):
        return self._s.ufunc(ufunc, "__call__", (self, other), {})

    def reflected(self, other):
        return self._s.ufunc(ufunc, "__call__", (other, self), {})

    def inplace(self, other):
        self.write(Ellipsis, self._s.ufunc(ufunc, "__call__", (self, other), {}))
        return self

    return forward, reflected, inplace


for _name, _ufunc in functions.OPERATORS.items():
    _f, _r, _i = _binary(_ufunc)
    setattr(Followed, f"__{_name}__", _f)
    setattr(Followed, f"__r{_name}__", _r)
    setattr(Followed, f"__i{_name}__", _i)
for _name, _ufunc in functions.COMPARISONS.items():
    setattr(Followed, f"__{_name}__", _binary(_ufunc)[0])

__all__ = ["CannotFollow", "Followed", "Root"]
