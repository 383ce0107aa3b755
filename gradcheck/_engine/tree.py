"""Nested params as named leaves, so reports say `W1[2, 0]`, not "input 0"; rebuilt with the user's own types.

Containers: dict and any Mapping (OrderedDict, defaultdict, ...), list, tuple, NamedTuple and dataclass
instances, nested in any way (a dataclass's fields of text, flags, None or functions are kept, not leaves).
A NamedTuple or a dataclass is rebuilt as its own class, so `params.W` works in the user's loss and grad, and
the names read like attribute access (`W`, `layers[0].b`).
Hand-written rather than optree: optree sorts dict keys (reports would reorder the user's parameters) and
treats an unregistered dataclass as a leaf, and this walk is small.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import GradcheckError

LEAF = "leaf"
KEYED = ("dict", "mapping", "namedtuple", "dataclass")  # children named by key or field
KINDS = (LEAF, "dict", "mapping", "list", "tuple", "namedtuple", "dataclass")
MAX_DEPTH = 200  # containers nested deeper than this (or a container holding itself) are refused, not recursed into


@dataclass(frozen=True)
class TreeDef:
    """The container structure of a params tree, without its arrays."""

    kind: str  # one of KINDS
    keys: tuple = ()
    children: tuple = ()
    cls: type | None = None  # the container's class where it is not a plain dict, list or tuple
    aux: Any = field(
        default=None, repr=False, compare=False
    )  # a defaultdict's default_factory; a dataclass instance (for its fields that are not leaves)

    @cached_property
    def flat(self) -> bool:
        """True when every child is a leaf (a flat dict, list or tuple of arrays)."""
        return all(c.kind == LEAF for c in self.children)

    @property
    def n_leaves(self) -> int:
        return 1 if self.kind == LEAF else sum(c.n_leaves for c in self.children)

    def describe(self) -> str:
        """What the container is, in words: "dict", "NamedTuple Params", "dataclass Layer", "array"."""
        if self.kind == LEAF:
            return "array"
        name = getattr(self.cls, "__name__", self.kind)
        return {"namedtuple": f"NamedTuple {name}", "dataclass": f"dataclass {name}", "mapping": name}.get(
            self.kind, self.kind
        )


def node_kind(tree) -> str:
    """Which kind of container `tree` is (LEAF for an array or anything else)."""
    if isinstance(tree, dict) and type(tree) is dict:
        return "dict"
    if isinstance(tree, Mapping):
        return "mapping"
    if isinstance(tree, tuple):
        return "namedtuple" if hasattr(type(tree), "_fields") else "tuple"
    if isinstance(tree, list):
        return "list"
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        return "dataclass"
    return LEAF


def _items(tree, kind: str) -> tuple[tuple, list]:
    if kind in ("dict", "mapping"):
        keys = tuple(tree.keys())
        return keys, [tree[k] for k in keys]
    if kind == "namedtuple":
        return tuple(type(tree)._fields), list(tree)
    if kind == "dataclass":  # fields holding text, flags, None or functions are settings, not parameters
        keys = tuple(f.name for f in dataclasses.fields(tree) if f.init and not _static(getattr(tree, f.name)))
        return keys, [getattr(tree, k) for k in keys]
    return tuple(range(len(tree))), list(tree)


def _static(value) -> bool:
    return value is None or isinstance(value, (str, bytes, bool)) or callable(value)


def flatten(tree, root: str = "params", like: TreeDef | None = None) -> tuple[list[str], list[Any], TreeDef]:
    """Return (names, leaves, treedef); names read like the user's code: `W1`, `layers[0].b`. `like`: the params'
    structure a gradient is read against, so where params hold an array the gradient's value there is one leaf
    (a nested list such as `W.tolist()`), never flattened into entries."""
    names: list[str] = []
    leaves: list[Any] = []
    treedef = _flatten(tree, "", names, leaves, root, 0, like)
    return names, leaves, treedef


def _join(prefix: str, key) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(tree, prefix, names, leaves, root, depth: int, like: TreeDef | None = None) -> TreeDef:
    kind = node_kind(tree)
    kind = LEAF if like is not None and like.kind == LEAF and kind in ("list", "tuple") else kind
    if kind == LEAF:
        names.append(prefix or root)
        leaves.append(tree)
        return TreeDef(LEAF)
    if depth >= MAX_DEPTH:
        raise _too_deep(root, prefix)
    keys, values = _items(tree, kind)
    base = prefix if kind in KEYED else (prefix or root)
    guides = dict(zip(like.keys, like.children)) if like is not None else {}
    children = tuple(
        _flatten(v, _join(base, k), names, leaves, root, depth + 1, guides.get(k)) for k, v in zip(keys, values)
    )
    cls = None if kind in ("dict", "list", "tuple") else type(tree)
    aux = tree.default_factory if isinstance(tree, defaultdict) else tree if kind == "dataclass" else None
    return TreeDef(kind, keys, children, cls, aux)


def _too_deep(root: str, prefix: str) -> GradcheckError:
    where = prefix if len(prefix) <= 60 else prefix[:28] + " ... " + prefix[-27:]
    return GradcheckError(
        f"Expected {root} to be arrays in containers nested at most {MAX_DEPTH} deep but {root} goes deeper "
        f"(at {where or root}; a container that holds itself never ends): pass the arrays in a flatter dict or list"
    )


def unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a tree of the given structure (and the user's classes) from leaves in flatten order."""
    if treedef.kind == "dict" and treedef.flat:  # {name: array}, the usual params: one step
        return dict(zip(treedef.keys, leaves))
    return _unflatten(treedef, iter(leaves))


def _unflatten(td: TreeDef, it):
    if td.kind == LEAF:
        return next(it)
    values = [_unflatten(c, it) for c in td.children]
    return build(td, values)


def build(td: TreeDef, values: list) -> Any:
    """One container of kind td from its children's values."""
    if td.kind == "dict":
        return dict(zip(td.keys, values))
    if td.kind == "list":
        return values
    if td.kind == "tuple":
        return tuple(values)
    if td.kind == "namedtuple":
        return td.cls(*values)
    if td.kind == "dataclass":
        return dataclasses.replace(td.aux, **dict(zip(td.keys, values)))
    if issubclass(td.cls, defaultdict):
        return td.cls(td.aux, zip(td.keys, values))
    try:
        return td.cls(zip(td.keys, values))
    except TypeError:  # a Mapping that cannot be built from pairs: a plain dict with the same keys
        return dict(zip(td.keys, values))


def map_leaves(tree, fn) -> Any:
    """The same tree (same classes) with every leaf replaced by fn(leaf)."""
    kind = node_kind(tree)
    if kind == LEAF:
        return fn(tree)
    if kind == "list":
        return [map_leaves(v, fn) for v in tree]
    if kind == "tuple":
        return tuple(map_leaves(v, fn) for v in tree)
    if kind == "dict":
        return {k: map_leaves(v, fn) for k, v in tree.items()}
    _, leaves, td = flatten(tree)
    return unflatten(td, [fn(x) for x in leaves])


def convert_args(args, to_array: Callable, is_array: Callable[[Any], bool] = lambda a: isinstance(a, np.ndarray)):
    """Map every array inside args (nested in any container of tree.py, which keeps its class) through `to_array`."""
    return map_leaves(args, lambda a: to_array(a) if is_array(a) else a)
