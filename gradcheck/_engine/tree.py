"""Nested params (array, dict, list, tuple) as named leaves, so reports say `W1[2, 0]`, not "input 0"."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

LEAF = "leaf"


@dataclass(frozen=True)
class TreeDef:
    """The container structure of a params tree, without its arrays."""

    kind: str  # "leaf", "dict", "list" or "tuple"
    keys: tuple = ()
    children: tuple = ()

    @cached_property
    def flat(self) -> bool:
        """True when every child is a leaf (a flat dict, list or tuple of arrays)."""
        return all(c.kind == LEAF for c in self.children)

    @property
    def n_leaves(self) -> int:
        return 1 if self.kind == LEAF else sum(c.n_leaves for c in self.children)


def flatten(tree, root: str = "params") -> tuple[list[str], list[Any], TreeDef]:
    """Return (names, leaves, treedef); names read like the user's code: `W1`, `layers[0].b`."""
    names: list[str] = []
    leaves: list[Any] = []
    treedef = _flatten(tree, "", names, leaves, root)
    return names, leaves, treedef


def _join(prefix: str, key) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(tree, prefix, names, leaves, root) -> TreeDef:
    if isinstance(tree, dict):
        keys = tuple(tree.keys())
        children = tuple(_flatten(tree[k], _join(prefix, k), names, leaves, root) for k in keys)
        return TreeDef("dict", keys, children)
    if isinstance(tree, (list, tuple)):
        children = tuple(
            _flatten(v, _join(prefix or root, i), names, leaves, root) for i, v in enumerate(tree)
        )
        return TreeDef("tuple" if isinstance(tree, tuple) else "list", tuple(range(len(tree))), children)
    names.append(prefix or root)
    leaves.append(tree)
    return TreeDef(LEAF)


def unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a tree of the given structure from leaves in flatten order."""
    if treedef.kind == "dict" and treedef.flat:  # {name: array}, the usual params: one step
        return dict(zip(treedef.keys, leaves))
    it = iter(leaves)
    out = _unflatten(treedef, it)
    return out


def _unflatten(td: TreeDef, it):
    if td.kind == LEAF:
        return next(it)
    values = [_unflatten(c, it) for c in td.children]
    if td.kind == "dict":
        return dict(zip(td.keys, values))
    return tuple(values) if td.kind == "tuple" else values
