"""PyTorch autograd oracle: the loss re-run on float64 tensors, differentiated by torch.autograd.grad.

The parameter tensors are torch's own copies of the check's float64 point (which for a float64 param is a view of
your array), so nothing a loss does under torch can change your arrays. Autograd refuses in-place writes into a
leaf that requires grad; a loss that writes into its params anyway, hidden from autograd (torch.no_grad,
.detach(), .data), changes the copy, which is compared with the point afterwards: an error that says so, since
torch then differentiated at another point.
"""

from __future__ import annotations

import time

import numpy as np

from ...errors import GradcheckError
from ..dtypes import is_real_floating
from ..problem.problem import Problem
from ..record.inputs import same_array
from ..tree import convert_args, unflatten
from . import CannotRun, OracleResult, Role, ad_result, follow, short_message

NAME = "torch"
HINT = "write the loss against the array API (xp = array_api_compat.array_namespace(W)) so torch can run it"


def run(problem: Problem, config=None, *, fresh: bool = False, sole: bool = False) -> OracleResult:
    """Gradient of problem.loss at problem.leaves by reverse-mode autograd in float64 (eager: always fresh)."""
    import torch

    start = time.perf_counter()
    threads = torch.get_num_threads()
    if threads > 1:  # torch's OpenMP workers and your BLAS's share the cores: each pool's spinning workers slow the
        torch.set_num_threads(1)  # other (two threads, 1e6 entries: torch 15.8 -> 9.4 ms, your loss after it 1.5x)
    try:
        (grads, value), role = follow.attempt(NAME, problem, lambda: _grads(torch, problem), follow.torch_run(problem))
    finally:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    how = "" if role is Role.EXACT_AD else f" of your numpy code followed through {follow.VIA[NAME]}"
    return ad_result(NAME, grads, value, f"torch {torch.__version__} autograd{how}, float64", start, role=role)


def _grads(torch, problem: Problem) -> tuple[list[np.ndarray], float]:
    """(gradients, loss value) at the point."""
    leaves = [_leaf(torch, x) for x in problem.leaves]
    args = convert_args(problem.args, _to_tensor)
    try:
        out = problem.loss(unflatten(problem.treedef, leaves), *args)
    except Exception as exc:  # the user's numpy-only code meeting a tensor
        raise CannotRun(f"loss raised {type(exc).__name__} on torch tensors ({short_message(exc)}); {HINT}") from exc
    _unwritten(problem, leaves)
    if not isinstance(out, torch.Tensor):
        raise CannotRun(f"loss returned {type(out).__name__}, not a torch tensor, so autograd lost the graph; {HINT}")
    if out.numel() != 1:
        raise CannotRun(f"loss returned a tensor of shape {tuple(out.shape)} under torch, expected a scalar")
    if not out.requires_grad:
        grads = [np.zeros(x.shape) for x in problem.leaves]  # loss does not depend on params
    else:
        raw = torch.autograd.grad(out.reshape(()), leaves, allow_unused=True)
        grads = [
            np.zeros(x.shape) if g is None else np.asarray(g.detach().numpy(), dtype=np.float64)
            for g, x in zip(raw, problem.leaves)
        ]
    return grads, _value(out)


def _unwritten(problem: Problem, leaves: list) -> None:
    """Raise when the loss wrote into a parameter tensor in place, hidden from autograd (its version counter
    moved, or through .data its values changed): torch then differentiated at another point."""
    wrote = [
        n
        for n, t, x in zip(problem.names, leaves, problem.leaves)
        if t._version or not same_array(t.detach().numpy(), x)
    ]
    if wrote:
        raise GradcheckError(
            f"loss wrote into params {', '.join(wrote)} in place under torch (torch.no_grad, .detach() or "
            f".data, hidden from autograd), so torch differentiated at another point; your arrays are unchanged "
            f"(torch ran on its own copy): compute the loss without writing into its inputs"
        )


def _leaf(torch, x: np.ndarray):
    """A float64 leaf tensor that requires grad, on its own copy of x (the problem's float64 point)."""
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def _value(out) -> float | None:
    try:
        return float(out.detach().reshape(()))
    except (TypeError, RuntimeError):  # a complex loss: no real value to compare
        return None


def _to_tensor(a):
    import torch

    if is_real_floating(a.dtype):  # bfloat16 too: torch cannot read ml_dtypes' arrays, float64 holds them exactly
        return torch.tensor(a.astype(np.float64), dtype=torch.float64)
    if np.issubdtype(a.dtype, np.complexfloating):
        return torch.tensor(a, dtype=torch.complex128)
    return torch.tensor(a)
