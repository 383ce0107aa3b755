"""The loss's directional derivative <grad L(p), v>, in whatever array namespace p arrives in: the scalar whose
gradient is the Hessian-vector product H v (H is symmetric), so check_hvp reduces to the check of a gradient.

On torch tensors and jax arrays it is the framework's own gradient paired with v (the oracle then differentiates
it again: reverse over reverse in torch, reverse over jax's gradient in jax: exact H v either way). On numpy
arrays it is one framework's gradient where the loss runs under it (so every oracle's value of it agrees to
round-off), else a fixed central-difference stencil of the loss along v, extrapolated (one smooth function of p,
so the fd oracle's differences of it are mixed second differences of the loss).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..oracles.finite_diff import richardson
from ..tree import convert_args, flatten, unflatten

INNER_REL_STEP = 2.0**-7  # the fixed stencil's first step, relative to the point's scale along v
INNER_LEVELS = 4  # central differences at h, h/2, h/4, h/8: truncation O(h^8)


@dataclass(frozen=True)
class GradientSource:
    """Where the numpy value of <grad L, v> comes from: a framework's gradient ("torch", "jax") or, with no
    framework, the fixed stencil with its step in t (frozen at the check's point so the stencil never changes)."""

    framework: str | None
    step: float = 0.0

    def describe(self) -> str:
        if self.framework is not None:
            return f"fd differentiates {self.framework}'s gradient of the loss paired with the vector"
        return (
            f"fd differentiates a central-difference stencil of the loss along the vector "
            f"(step {self.step:.3g}, {INNER_LEVELS} levels extrapolated): mixed second differences"
        )


def pick_source(loss, params, vector, args, allowed: tuple[str, ...]) -> GradientSource:
    """The first framework in `allowed` whose gradient of the loss runs at the point (its gradient then serves
    the numpy value too), else the fixed stencil."""
    for name in allowed:
        try:
            _FRAMEWORK_GRAD[name](loss, _np_leaves(params), flatten(params)[2], args)
        except Exception:  # the loss does not run under this framework: try the next
            continue
        return GradientSource(name)
    leaves = _np_leaves(params)
    vs = _np_leaves(vector)
    n = sum(x.size for x in leaves)
    rms_x = math.sqrt(sum(float(np.sum(x * x)) for x in leaves) / max(n, 1))
    rms_v = math.sqrt(sum(float(np.sum(x * x)) for x in vs) / max(n, 1)) or 1.0
    h = INNER_REL_STEP * max(1.0, rms_x) / rms_v
    return GradientSource(None, 2.0 ** round(math.log2(h)))


@dataclass(frozen=True)
class Directional:
    """loss2(p, v, *args) = <grad L(p), v>, in p's own namespace (see the module docstring); a type of its own so
    that an oracle following numpy code (oracles/follow/second.py) follows `loss`, then differentiates twice."""

    loss: Callable
    source: GradientSource

    def __call__(self, p, v, *args):
        names, leaves, treedef = flatten(p)
        vs = paired(names, v)
        first = leaves[0]
        if _is_torch(first):
            return _torch_pairing(self.loss, leaves, treedef, vs, args)
        if _is_jax(first):
            return _jax_pairing(self.loss, leaves, treedef, vs, args)
        if self.source.framework is not None:
            grads = _FRAMEWORK_GRAD[self.source.framework](self.loss, leaves, treedef, args)
            return float(sum(np.sum(g * np.asarray(w)) for g, w in zip(grads, vs)))
        return _stencil(self.loss, leaves, treedef, vs, args, self.source.step)


def directional(loss, source: GradientSource) -> Directional:
    """loss2(p, v, *args) = <grad L(p), v> (Directional)."""
    return Directional(loss, source)


def paired(names, v) -> list:
    """v's leaves in the order of params' `names`, by name: jax rebuilds a traced dict with its keys sorted."""
    by_name = dict(zip(*flatten(v)[:2]))
    return [by_name[n] for n in names]


def _stencil(loss, leaves, treedef, vs, args, h: float) -> float:
    """d/dt L(p + t v) at 0 by central differences at h, h/2, ... extrapolated (the same stencil at every p)."""

    def at(t):
        moved = [x + t * np.asarray(w, dtype=np.float64) for x, w in zip(leaves, vs)]
        return float(np.asarray(loss(unflatten(treedef, moved), *args)).reshape(()))

    diffs = [(at(h / 2**k) - at(-h / 2**k)) / (2 * h / 2**k) for k in range(INNER_LEVELS)]
    return richardson(diffs)[0]


def _torch_pairing(loss, leaves, treedef, vs, args):
    import torch

    with torch.enable_grad():
        needs = [t if t.requires_grad else t.detach().requires_grad_(True) for t in leaves]
        out = loss(unflatten(treedef, needs), *args)
        if not isinstance(out, torch.Tensor) or not out.requires_grad:
            return out * 0.0 if isinstance(out, torch.Tensor) else torch.zeros((), dtype=torch.float64)
        grads = torch.autograd.grad(out.reshape(()), needs, create_graph=True, allow_unused=True)
    total = torch.zeros((), dtype=torch.float64)
    for g, w in zip(grads, vs):
        if g is not None:
            total = total + (g * torch.as_tensor(w, dtype=g.dtype)).sum()
    return total


def _jax_pairing(loss, leaves, treedef, vs, args):
    import jax
    import jax.numpy as jnp

    grads = jax.grad(lambda ls: loss(unflatten(treedef, list(ls)), *args))(list(leaves))
    return sum(jnp.sum(g * jnp.asarray(w)) for g, w in zip(grads, vs))


def _torch_grad(loss, leaves, treedef, args) -> list[np.ndarray]:
    """torch's gradient of the loss at numpy leaves, as float64 numpy arrays."""
    import torch

    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    targs = convert_args(args, lambda a: torch.tensor(a, dtype=torch.float64) if a.dtype.kind == "f" else a)
    out = loss(unflatten(treedef, ts), *targs)
    if not isinstance(out, torch.Tensor):
        raise TypeError("the loss did not return a torch tensor")
    if not out.requires_grad:
        return [np.zeros(x.shape) for x in leaves]
    grads = torch.autograd.grad(out.reshape(()), ts, allow_unused=True)
    return [np.zeros(x.shape) if g is None else g.detach().numpy().astype(np.float64) for g, x in zip(grads, leaves)]


def _jax_grad(loss, leaves, treedef, args) -> list[np.ndarray]:
    """jax's gradient of the loss at numpy leaves (x64 inside this call only), as float64 numpy arrays."""
    import jax

    with jax.enable_x64(True):
        import jax.numpy as jnp

        jargs = convert_args(args, lambda a: jnp.asarray(a))
        grads = jax.grad(lambda ls: loss(unflatten(treedef, list(ls)), *jargs))([jnp.asarray(x) for x in leaves])
        return [np.asarray(g, dtype=np.float64) for g in grads]


_FRAMEWORK_GRAD = {"torch": _torch_grad, "jax": _jax_grad}


def _np_leaves(tree) -> list[np.ndarray]:
    return [np.asarray(x, dtype=np.float64) for x in flatten(tree)[1]]


def _is_torch(x) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def _is_jax(x) -> bool:
    jax = sys.modules.get("jax")
    return jax is not None and isinstance(x, jax.Array)
