"""The thing every oracle differentiates: a scalar loss at a point, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .tree import TreeDef, map_leaves, unflatten


@dataclass(frozen=True)
class Problem:
    """loss(params, *args) at the point `leaves` (float64 copies owned by gradcheck)."""

    loss: Callable
    names: tuple[str, ...]
    leaves: tuple[np.ndarray, ...]
    treedef: TreeDef
    args: tuple = ()
    f0: float = float("nan")  # loss at the point, already computed by the check
    seed: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(int(x.size) for x in self.leaves)

    @property
    def n(self) -> int:
        return int(sum(self.sizes))

    def evaluate(self, leaves) -> float:
        """loss at other leaves, with the same args."""
        return scalar(self.loss(unflatten(self.treedef, leaves), *self.args))


def scalar(value: Any) -> float:
    """A loss value as a Python float (accepts 0-d and size-1 arrays)."""
    if isinstance(value, float):  # Python and numpy float64 scalars: the common case, kept cheap for FD
        return float(value)
    arr = np.asarray(value)
    return float(arr.reshape(()))


def convert_args(args, to_array: Callable, is_array: Callable[[Any], bool] = lambda a: isinstance(a, np.ndarray)):
    """Map every array inside args (nested in any container of tree.py, which keeps its class) through `to_array`."""
    return map_leaves(args, lambda a: to_array(a) if is_array(a) else a)
