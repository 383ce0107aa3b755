"""PyTorch autograd oracle: the loss re-run on float64 tensors, differentiated by torch.autograd.grad.

The parameter tensors share memory with the check's float64 point, which for a float64 param is your array
(torch.from_numpy: no copy at 1e7 entries). Autograd refuses in-place writes into a leaf that requires grad.
A loss that writes into its inputs anyway was seen doing it on numpy copies first and then runs on clones
(health.for_oracles, inputs.copy_tree); one that writes only under torch (torch.no_grad, .detach()) moves the
leaf's version counter and is an error that says so. A write through `.data` is the one torch hides.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from ...errors import GradcheckError
from ..problem import Problem, convert_args
from ..tree import unflatten
from . import CannotRun, OracleResult, ad_result, short_message

NAME = "torch"
ONE_THREAD_UP_TO = 100_000
HINT = "write the loss against the array API (xp = array_api_compat.array_namespace(W)) so torch can run it"


def run(problem: Problem, config=None, *, fresh: bool = False, sole: bool = False) -> OracleResult:
    """Gradient of problem.loss at problem.leaves by reverse-mode autograd in float64 (eager: always fresh)."""
    import torch

    start = time.perf_counter()
    threads = torch.get_num_threads()
    if problem.n <= ONE_THREAD_UP_TO and threads > 1:
        torch.set_num_threads(1)  # small graphs: thread hand-offs cost more than they save on a busy machine
    try:
        grads, value = _grads(torch, problem)
    finally:
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    return ad_result(NAME, grads, value, f"torch {torch.__version__} autograd, float64", start)


def _grads(torch, problem: Problem) -> tuple[list[np.ndarray], float]:
    """(gradients, loss value) at the point."""
    leaves = [_shared(torch, x) for x in problem.leaves]
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
    """Raise when the loss wrote into a parameter tensor in place (its version counter moved): that memory is
    shared with your array, which the write changed."""
    wrote = [n for n, t in zip(problem.names, leaves) if t._version]
    if wrote:
        raise GradcheckError(
            f"loss wrote into params {', '.join(wrote)} in place under torch (no_grad or .detach(), hidden "
            f"from autograd); the torch oracle runs on your float64 arrays' memory, so they changed: compute "
            f"the loss without writing into its inputs"
        )


def _shared(torch, x: np.ndarray):
    """A float64 leaf tensor that requires grad, on x's memory (x is float64: the problem's point)."""
    with warnings.catch_warnings():  # the point is a read-only view; autograd does not write into leaves
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(np.asarray(x, dtype=np.float64)).requires_grad_(True)


def _value(out) -> float | None:
    try:
        return float(out.detach().reshape(()))
    except (TypeError, RuntimeError):  # a complex loss: no real value to compare
        return None


def _to_tensor(a):
    import torch

    if np.issubdtype(a.dtype, np.floating):
        return torch.tensor(a, dtype=torch.float64)
    if np.issubdtype(a.dtype, np.complexfloating):
        return torch.tensor(a, dtype=torch.complex128)
    return torch.tensor(a)
