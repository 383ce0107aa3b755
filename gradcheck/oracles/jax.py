"""JAX oracle: jax.grad of the loss in float64, with x64 enabled inside this call only."""

from __future__ import annotations

import time

import numpy as np

from . import CannotRun, OracleResult
from ..problem import Problem, convert_args
from ..tree import unflatten
from .torch import _short

NAME = "jax"
HINT = "write the loss against the array API (xp = array_api_compat.array_namespace(W)) so jax can run it"


def run(problem: Problem, config=None) -> OracleResult:
    """Gradient of problem.loss at problem.leaves by jax.grad (not jitted: no compile per shape)."""
    import jax

    start = time.perf_counter()
    with jax.enable_x64(True):
        import jax.numpy as jnp

        leaves = [jnp.asarray(x, dtype=jnp.float64) for x in problem.leaves]
        args = convert_args(problem.args, lambda a: jnp.asarray(a, dtype=jnp.float64) if np.issubdtype(a.dtype, np.floating) else jnp.asarray(a))

        def flat_loss(ls):
            out = problem.loss(unflatten(problem.treedef, ls), *args)
            if not isinstance(out, jax.Array):
                raise CannotRun(f"loss returned {type(out).__name__}, not a jax array, so jax.grad lost the trace; {HINT}")
            if out.size != 1:
                raise CannotRun(f"loss returned an array of shape {tuple(out.shape)} under jax, expected a scalar")
            return out.reshape(())

        try:
            raw = jax.grad(flat_loss)(leaves)
        except CannotRun:
            raise
        except Exception as exc:
            raise CannotRun(f"loss raised {type(exc).__name__} on jax arrays ({_short(exc)}); {HINT}") from exc
        grads = [np.asarray(g, dtype=np.float64).reshape(x.shape) for g, x in zip(raw, problem.leaves)]
    return OracleResult(NAME, "entries", grads=grads, seconds=time.perf_counter() - start, evaluations=1,
                        method=f"jax {jax.__version__} grad, float64")
