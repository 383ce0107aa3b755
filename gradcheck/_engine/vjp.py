"""check_vjp: a layer's backward checked as the gradient of <fn(*inputs), cotangent>."""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping

import numpy as np

from .check import grad_report
from ..errors import GradcheckError, GradientMismatch
from .inputs import call_user, require_callable
from ..settings import Settings, bad, parse_flag
from .oracles.fd import FiniteDifferences


def _input_names(fn, n: int) -> list[str]:
    """Names of fn's positional parameters (so reports say `W`, not `inputs[1]`), else inputs[i]."""
    try:
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params[:n]]
    if len(names) < n or len(set(names)) < n:
        return [f"inputs[{i}]" for i in range(n)]
    return names


def _cotangent(fn, inputs, cotangent, seed):
    out = np.asarray(call_user("fn", fn, *[np.array(x, copy=True) if isinstance(x, np.ndarray) else x for x in inputs]))
    if not np.issubdtype(out.dtype, np.floating):
        raise GradcheckError(f"Expected fn to return a floating array but it returned dtype {out.dtype}")
    if cotangent is None:
        return np.random.default_rng([seed, 0x7C7]).standard_normal(out.shape)
    cot = np.asarray(cotangent, dtype=np.float64)
    if cot.shape != out.shape:
        raise GradcheckError(f"Expected cotangent of shape {out.shape} (fn's output) but got cotangent.shape={cot.shape}")
    return cot


def check_vjp(fn, vjp, inputs, *, cotangent=None, oracles=None, rtol=None, atol=None, seed=0, fd=None,
              raise_on_failure=True):
    """Check `vjp(cotangent, *inputs)` (one gradient per input, None if not differentiated) against fn."""
    __tracebackhide__ = True
    require_callable("fn", fn), require_callable("vjp", vjp)
    parse_flag(raise_on_failure, "raise_on_failure")
    Settings.parse(oracles=oracles, seed=seed, rtol=rtol, atol=atol)  # named before any user code runs
    if fd is not None and not isinstance(fd, FiniteDifferences):
        raise bad("fd", fd, "fd=FiniteDifferences(...)")
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise GradcheckError(f"Expected inputs to be a non-empty tuple of arrays but got inputs={inputs!r:.80}")
    inputs = tuple(inputs)
    cot = _cotangent(fn, inputs, cotangent, seed)
    first = call_user("vjp", vjp, cot.copy(), *[np.array(x, copy=True) if isinstance(x, np.ndarray) else x for x in inputs])
    if isinstance(first, (Mapping, str, bytes, Iterator)) or \
            (len(inputs) > 1 and not isinstance(first, (list, tuple))):
        raise GradcheckError(f"Expected vjp to return a tuple of {len(inputs)} gradients (one per input, None for "
                             f"an input not differentiated) but it returned {first!r:.60} (type={type(first).__name__})")
    first = tuple(first) if isinstance(first, (list, tuple)) else (first,)
    if len(first) != len(inputs):
        raise GradcheckError(f"Expected vjp to return {len(inputs)} gradients (one per input, None for an input "
                             f"not differentiated) but it returned {len(first)}")
    names = _input_names(fn, len(inputs))
    diff = [i for i, g in enumerate(first) if g is not None]
    if not diff:
        raise GradcheckError("vjp returned None for every input: nothing to check")
    report = grad_report(*_as_loss_and_grad(fn, vjp, inputs, diff), {names[i]: inputs[i] for i in diff},
                         args=(cot,), oracles=oracles, rtol=rtol, atol=atol, seed=seed, fd=fd,
                         kind="vjp", label="inputs")
    if raise_on_failure and not report.ok:
        raise GradientMismatch(report)
    return report


def _as_loss_and_grad(fn, vjp, inputs, diff):
    """loss(p, cot) = <fn(*inputs with p), cot>; grad(p, cot) = the vjp's gradients for the inputs in p."""

    diff, n = tuple(diff), len(inputs)
    fixed = tuple((i, x) for i, x in enumerate(inputs) if i not in diff)  # the only inputs the closures hold

    def assemble(p):
        full = [None] * n
        for i, x in fixed:
            full[i] = x
        for i, v in zip(diff, p.values()):
            full[i] = v
        return full

    def loss(p, cot):
        from array_api_compat import array_namespace

        out = fn(*assemble(p))
        xp = array_namespace(out)
        return xp.sum(out * xp.asarray(cot))

    def grad(p, cot):
        gs = vjp(cot, *assemble(p))
        gs = tuple(gs) if isinstance(gs, (list, tuple)) else (gs,)
        return {k: gs[i] for k, i in zip(p, diff)}

    return loss, grad
