"""Run the user's numpy loss under a framework, followed: its value and the framework's gradient.

The gradient is returned only when the followed forward computes the user's own value at the point (to
round-off): a translation that changed what the code computes is never differentiated in its place.
"""

from __future__ import annotations

import numpy as np

from ....errors import GradcheckError
from ...problem.problem import Problem
from ...tree import convert_args, unflatten
from .. import CannotRun, same_value, short_message
from .backends import JaxBackend, TorchBackend
from .creation import followed_constructors
from .escape import CannotFollow, escape_in_traceback
from .session import Session

METHOD = "numpy code followed through {via}"


def followed_value(backend, problem: Problem, leaves):
    """The loss as a 0-d framework value, computed by the user's numpy code on Followed parameters."""
    session = Session(backend)
    params = unflatten(problem.treedef, [session.input(t) for t in leaves])
    args = convert_args(problem.args, session.new)  # constants, so `X.dot(W)` is ours too, not ndarray's
    try:
        with followed_constructors(session):
            out = problem.loss(params, *args)
    except Exception as exc:
        raise CannotRun(_reason(backend.name, exc)) from exc
    if session.escapes:  # an escape the user's code caught and went on past
        raise CannotRun(session.escapes[0].reason(backend.name))
    return _scalar(backend, session, out)


def _scalar(backend, session: Session, out):
    from .array import Followed

    if isinstance(out, Followed):
        if out.size != 1:
            noun = "a tensor" if backend.name == "torch" else "an array"
            raise CannotRun(f"loss returned {noun} of shape {out.shape} under {backend.name}, expected a scalar")
        return backend.scalar_tensor(out.v)
    raise CannotRun(
        f"loss returned a plain {type(out).__name__} under {backend.name}, not an array it follows: it computed "
        f"its value outside what {backend.name} can follow"
    )


def _reason(oracle: str, exc: Exception) -> str:
    """Why following stopped: the escape it met, else the exception the code raised and where."""
    seen = exc
    while seen is not None:
        if isinstance(seen, CannotFollow):
            return seen.escape.reason(oracle)
        if isinstance(seen, CannotRun):
            return str(seen)
        seen = seen.__cause__ or seen.__context__
    cause = exc.__cause__ if isinstance(exc, GradcheckError) and exc.__cause__ is not None else exc
    found = escape_in_traceback(cause.__traceback__, f"raised {type(cause).__name__} ({short_message(cause)})")
    return found.reason(oracle)


def same_as_yours(oracle: str, value: float, problem: Problem) -> None:
    """Raise CannotRun unless the followed forward equals the user's numpy forward at the point."""
    if not same_value(value, problem.f0, problem.eps):
        raise CannotRun(
            f"your numpy loss followed under {oracle} gives {value:.12g} against {problem.f0:.12g} in plain numpy: "
            f"{oracle}'s translation of it computes something else, so its gradient is not used"
        )


def torch_gradients(problem: Problem) -> tuple[list[np.ndarray], float]:
    """(gradients, value) by torch autograd of the followed loss."""
    backend = TorchBackend()
    torch = backend.torch
    leaves = [backend.leaf(x) for x in problem.leaves]
    out = followed_value(backend, problem, leaves)
    value = float(out.detach())
    same_as_yours("torch", value, problem)
    if not out.requires_grad:
        return [np.zeros(x.shape) for x in problem.leaves], value
    raw = torch.autograd.grad(out, leaves, allow_unused=True)
    return [
        np.zeros(x.shape) if g is None else g.detach().numpy().astype(np.float64) for g, x in zip(raw, problem.leaves)
    ], value


def jax_gradients(problem: Problem) -> tuple[list[np.ndarray], float]:
    """(gradients, value) by jax.value_and_grad of the followed loss, eagerly (x64 on inside this call)."""
    backend = JaxBackend()
    jax = backend.jax
    with jax.enable_x64(True):
        leaves = [backend.leaf(x) for x in problem.leaves]
        value, raw = jax.value_and_grad(lambda ls: followed_value(backend, problem, ls))(leaves)
        value = float(value)
        same_as_yours("jax", value, problem)
        grads = [np.asarray(g, dtype=np.float64).reshape(x.shape) for g, x in zip(raw, problem.leaves)]
    return grads, value
