"""check_function: the hand-written backward of a `torch.autograd.Function` subclass or a `jax.custom_vjp`
function, checked against finite differences on its forward, the framework's own autograd of the forward's
body (never F.apply, which would reuse the backward under test), and the other framework where a reference
forward written against the array API is given; triangulated as in check_grad.

The framework is imported only when F is one of its objects (it is then already loaded).
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ...errors import GradcheckError
from ...report import HealthCheck, OracleRun, ParamReport, Report
from ...settings import CheckOptions, Options
from ...tracebacks import user_facing
from ..diagnose.likely_bug import Operation
from ..record.inputs import fresh
from ..run.parts import Part, combine
from ..validate import parse_flag, parse_int
from . import adapter
from .backward import not_checked
from .double_backward import second_order_part
from .function_jvp import has_rule, jvp_part
from .gradients import Inputs, match
from .outputs import make_cotangent

if TYPE_CHECKING:
    from typing import Unpack


@user_facing
def check_function(
    F,
    inputs,
    *,
    reference=None,
    cotangent=None,
    names=None,
    float64=True,
    order=1,
    **options: Unpack[CheckOptions],
) -> Report:
    """Check F's hand-written rules: a torch.autograd.Function subclass's backward (and its jvp staticmethod when
    F defines one), a jax.custom_vjp function's bwd rule, or a jax.custom_jvp function's jvp rule.

    inputs: F's positional arguments (arrays or tensors; floating ones are differentiated, others pass
    through); reference: the same forward written against the array API, to add the other framework as an
    oracle (asked for by passing it: with a reference, every installed oracle runs unless `oracles` says
    otherwise); float64: run F in float64 (default) or in the inputs' own dtypes; order=2: also F's backward
    differentiated (its double backward, as torch's gradgradcheck checks), once the first order passes.
    """
    __tracebackhide__ = True
    opts = Options.parse(options, "check_function")
    adapter.require_callable_or_none("reference", reference)
    order = parse_int(order, "order", 1, 2)
    backend = _backend(F, parse_flag(float64, "float64"))
    ins = _inputs(backend, inputs, names)
    outs = backend.forward(fresh(ins.values))
    floating = [i for i, o in enumerate(outs) if o.dtype.kind == "f"]
    if not floating:
        raise GradcheckError(f"{backend.label} returned no floating output: nothing to differentiate")
    picked = outs[floating[0]] if len(floating) == 1 else tuple(outs[i] for i in floating)
    cot = make_cotangent(picked, cotangent, opts.seed, backend.label)
    oracles = "all" if opts.oracles is None and reference is not None else opts.oracles
    run = replace(opts, oracles=oracles, raise_on_failure=False)
    why: dict[str, str] = {}
    parts, diff = [], []
    if callable(getattr(backend, "yours", None)):
        first, diff = _backward_part(backend, reference, ins, (outs, floating, cot), run, why)
        parts.append(Part("", "hand-written backward", first))
    if has_rule(backend):
        rule = jvp_part(backend, reference, ins, floating, run, why)
        parts.append(Part(" (jvp)" if parts else "", backend.jvp_label, rule))
    if order == 2:
        parts.append(_second_order(backend, ins, diff, floating, cot, run, parts))
    report = combine(parts)
    report = replace(report, oracles=[_explain_skip(r, backend, reference, why) for r in report.oracles])
    if opts.raise_on_failure and not report.ok:
        from ...errors import fail

        fail(report)
    return report


def _inputs(backend, inputs, names) -> Inputs:
    """F's arguments as numpy values, named from F's forward (or `names`); floating arrays are differentiated."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise GradcheckError(f"Expected inputs to be a non-empty tuple (F's arguments) but got inputs={inputs!r:.80}")
    values = tuple(backend.to_numpy(v) for v in inputs)
    return Inputs(
        tuple(adapter.input_names(backend.forward_fn, len(values), names, backend.skip)),
        values,
        tuple(isinstance(v, np.ndarray) and v.dtype.kind == "f" for v in values),
    )


def _backward_part(backend, reference, ins: Inputs, first, opts: Options, why: dict) -> tuple[Report, list[str]]:
    """The report of F's backward (first order) and the inputs it differentiates."""
    outs, floating, cot = first
    grads = backend.yours(fresh(ins.values), _full_cotangents(outs, floating, cot))
    found, left = match(grads, ins, backend.backward_label)
    if not found:
        raise GradcheckError(
            f"{backend.backward_label} returned no gradient for any floating input "
            f"({', '.join(ins.names)}): nothing to check"
        )
    diff = [n for n in ins.names if n in found]
    loss, grad = _adapt(backend, reference, ins, diff, floating, why)
    report = adapter.run(
        loss,
        grad,
        {n: ins.values[ins.names.index(n)] for n in diff},
        args=(cot,),
        kind="function",
        options=opts,
        op=Operation.vjp(getattr(backend.F, "__name__", None) or backend.label, {ins.names[0]: ins.values[0]}, cot),
        health=lambda: not_checked(left, backend.backward_label),
    )
    return replace(report, params=[_explain_disagreement(p, backend) for p in report.params]), diff


def _second_order(backend, ins: Inputs, diff: list[str], floating, cot, opts: Options, parts: list) -> Part:
    """The double backward's part, checked once the first order passes (its fd reference is F.backward's values)."""
    what = f"{backend.backward_label} at second order (its double backward)"
    if not diff:
        raise GradcheckError(f"order=2 checks a backward's double backward; {backend.label} has no backward to check")
    if not parts[0].report.ok:
        return Part(" (second order)", what, _not_checked_second_order(parts[0].report, backend))
    return Part(" (second order)", what, second_order_part(backend, ins, diff, floating, cot, opts))


def _not_checked_second_order(first: Report, backend) -> Report:
    """The first-order report with a warning that the second order was not checked (it would rest on it)."""
    note = HealthCheck(
        "second_order_not_checked",
        f"second order not checked: {backend.backward_label} fails at first order, and the second-order "
        f"reference is built from its values; fix the first order, then check order=2",
        source=backend.backward_label,
    )
    return replace(first, params=[], health=[note])


def _backend(F, float64: bool):
    """The framework adapter for F (imports nothing new: F's framework is loaded if F is one of its objects)."""
    torch, jax = sys.modules.get("torch"), sys.modules.get("jax")
    owner = getattr(F, "__self__", None)  # F.apply passed for F: the class it is bound to
    if torch is not None and isinstance(owner, type) and issubclass(owner, torch.autograd.Function):
        F = owner
    if torch is not None and isinstance(F, type) and issubclass(F, torch.autograd.Function):
        from .function_torch import TorchFunction

        return TorchFunction(F, float64)
    if jax is not None and isinstance(F, jax.custom_vjp):
        from .function_jax import JaxFunction

        return JaxFunction(F, float64)
    if jax is not None and isinstance(F, jax.custom_jvp):
        from .function_jax import JaxJvpFunction

        return JaxJvpFunction(F, float64)
    raise GradcheckError(
        f"Expected F to be a torch.autograd.Function subclass or a jax.custom_vjp or jax.custom_jvp function but "
        f"got F={F!r:.80} (type={type(F).__name__}); for a plain backward use check_vjp or "
        f"check_backward"
    )


def _full_cotangents(outs, floating, cot) -> list:
    """One cotangent per output of F (zeros for integer outputs such as indices), as numpy arrays."""
    picked = [cot] if len(floating) == 1 else list(cot)
    full = [np.zeros(o.shape, dtype=o.dtype) for o in outs]
    for i, c in zip(floating, picked):
        full[i] = c
    return full


def _adapt(backend, reference, ins: Inputs, diff: list[str], floating: list[int], why: dict):
    """loss(p, cot): <F's floating outputs, cot> on numpy (fd), on the framework's tensors (its autograd of the
    forward's body) or on the other framework's (the reference forward); grad: the hand-written backward."""
    where = [ins.names.index(n) for n in diff]

    def assemble(p):
        vals = fresh(ins.values)  # every call on its own copies: a forward may pop keys from an options dict
        for i, v in zip(where, p.values()):
            vals[i] = v
        return vals

    def loss(p, cot):
        leaf = next(iter(p.values()))
        cots = [cot] if len(floating) == 1 else list(cot)
        if isinstance(leaf, np.ndarray):
            outs = backend.forward(assemble(p))
            return float(sum(np.sum(outs[i] * c) for i, c in zip(floating, cots)))
        if backend.owns(leaf):
            outs = adapter.noting(why, backend.name, lambda: backend.body(assemble(p), [ins.names[i] for i in where]))
        elif reference is not None:
            outs = adapter.noting(why, "reference", lambda: reference(*assemble(p)))
            outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        else:
            raise GradcheckError("no reference forward was given")
        from array_api_compat import array_namespace

        xp = array_namespace(leaf)
        total = sum(xp.sum(outs[i] * xp.asarray(c)) for i, c in zip(floating, cots))
        if backend.owns(leaf):
            adapter.noting(why, backend.name, lambda: backend.check_graph(total, list(p.values())))
        return total

    def grad(p, cot):
        cots = _full_cotangents(backend.forward(assemble(p)), floating, cot)
        found, _ = match(backend.yours(assemble(p), cots), ins, backend.backward_label)
        return {n: found.get(n) for n in p}

    return loss, grad


def _explain_disagreement(p: ParamReport, backend) -> ParamReport:
    """Where fd and the autograd of the forward's body disagree, say what commonly causes it."""
    if not (p.oracles_disagree and backend.name in p.trusted and "fd" in p.trusted):
        return p
    ok = [o for o in ("fd", backend.name) if p.comparisons[o].ok]
    agrees = f"yours agrees with {ok[0]} only; " if len(ok) == 1 else ""
    note = (
        f"{agrees}{backend.name}'s autograd of {backend.body_label} is differentiated step by "
        f"step: a body that iterates (bisection, Newton) or thresholds gives the derivative of "
        f"its steps, not of the function they converge to; pass reference= for a third oracle, "
        f"or oracles=('fd',) when the body cannot be differentiated as written"
    )
    return replace(p, notes=[*p.notes, note])


def _explain_skip(run: OracleRun, backend, reference, why: dict) -> OracleRun:
    """A skip reason in the words of check_function: what ran in which framework, and what to pass."""
    if run.status != "skipped" or run.name == "fd":
        return run
    if run.name == backend.name and backend.name in why:
        reason = (
            f"{backend.body_label} under {backend.name}'s autograd raised {why[backend.name]} "
            f"(a body outside autograd: numpy, .detach(), in-place or integer ops)"
        )
    elif run.name != backend.name and reference is None:
        reason = (
            f"no reference forward given (pass reference=f, the forward written against the array "
            f"API, to add {run.name} as an oracle)"
        )
    elif run.name != backend.name and "reference" in why:
        reason = f"the reference forward raised {why['reference']} on {run.name} arrays"
    else:
        return run
    return replace(run, reason=reason)
