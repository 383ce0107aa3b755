"""H v of a numpy loss followed under a framework: check_hvp's oracles where the loss is plain numpy code.

check_hvp's problem is the directional derivative <grad L(p), v> (problem/directional.py), whose gradient is
H v. Its numpy value cannot be followed (it converts a gradient to float), so the loss L itself is followed and
differentiated twice: torch's gradient built with create_graph, paired with v and differentiated again (reverse
over reverse); jax.jvp of jax.grad along v (forward over reverse). Either is H v exactly (to round-off). The
followed forward must compute the user's own loss value at the point, as for a gradient (run.same_as_yours).
"""

from __future__ import annotations

import numpy as np

from ...problem.directional import Directional, paired
from ...problem.problem import Problem, scalar
from ...tree import unflatten
from .backends import JaxBackend, TorchBackend
from .run import followed_value, same_as_yours


def follows_twice(problem: Problem) -> bool:
    """Whether the problem is check_hvp's <grad L, v> (then its loss L is followed, not the pairing)."""
    return isinstance(problem.loss, Directional)


def inner_problem(problem: Problem) -> tuple[Problem, list[np.ndarray]]:
    """(the problem of L itself at the point, v's leaves in params' order as float64)."""
    loss, (v, *args) = problem.loss.loss, problem.args
    f0 = scalar(loss(unflatten(problem.treedef, list(problem.leaves)), *args))
    inner = Problem(loss, problem.names, problem.leaves, problem.treedef, tuple(args), f0, problem.seed, problem.eps)
    return inner, [np.asarray(w, dtype=np.float64) for w in paired(problem.names, v)]


def torch_hvp(problem: Problem) -> tuple[list[np.ndarray], float]:
    """(H v, <grad L, v>) by torch: the followed loss's gradient with create_graph, paired with v, differentiated."""
    inner, vs = inner_problem(problem)
    backend = TorchBackend()
    torch = backend.torch
    leaves = [backend.leaf(x) for x in inner.leaves]
    out = followed_value(backend, inner, leaves)
    same_as_yours("torch", float(out.detach()), inner)
    zeros = [np.zeros(x.shape) for x in inner.leaves]
    if not out.requires_grad:
        return zeros, 0.0
    grads = torch.autograd.grad(out, leaves, create_graph=True, allow_unused=True)
    pairs = [(g * torch.as_tensor(w)).sum() for g, w in zip(grads, vs) if g is not None]
    dot = sum(pairs, torch.zeros((), dtype=torch.float64))
    if not dot.requires_grad:  # the gradient does not depend on the params: H = 0
        return zeros, float(dot.detach())
    raw = torch.autograd.grad(dot, leaves, allow_unused=True)
    hv = [z if h is None else h.detach().numpy().astype(np.float64) for h, z in zip(raw, zeros)]
    return hv, float(dot.detach())


def jax_hvp(problem: Problem) -> tuple[list[np.ndarray], float]:
    """(H v, <grad L, v>) by jax.jvp of jax.grad of the followed loss along v, eagerly (x64 inside this call)."""
    inner, vs = inner_problem(problem)
    backend = JaxBackend()
    jax = backend.jax
    with jax.enable_x64(True):
        leaves = [backend.leaf(x) for x in inner.leaves]
        tangents = [backend.leaf(w) for w in vs]

        def gradient(ls):
            value, g = jax.value_and_grad(lambda xs: followed_value(backend, inner, xs))(ls)
            return g, value

        grads, hv, value = jax.jvp(gradient, (leaves,), (tangents,), has_aux=True)
        same_as_yours("jax", float(value), inner)
        dot = float(sum(float(np.sum(np.asarray(g) * w)) for g, w in zip(grads, vs)))
        return [np.asarray(h, dtype=np.float64).reshape(x.shape) for h, x in zip(hv, inner.leaves)], dot
