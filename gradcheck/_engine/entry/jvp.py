"""check_jvp: a hand-written forward-mode rule checked input by input, as the gradient of a scalar.

For each differentiated input i, s_i scales its tangent: L(s) = <c, f(..., x_i + s_i k_i t_i, ...)> with c a
random cotangent and k_i a power of two that gives the step a natural size. dL/ds_i at s = 0 is k_i <c, J_i t_i>,
which yours gives as k_i <c, jvp(t with only t_i)>: so every oracle of check_grad (fd along s_i, torch's and
jax's autograd of f) judges each input's tangent on its own, and a failure names the input whose tangent the
rule mishandles. Which output entries are wrong is then read from fd's directional derivative of f along t_i
(jvp_diagnosis.py). A rule that is not linear in the tangents (the sum of the per-input answers is not the
answer for all tangents at once) fails as a health check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ...errors import GradcheckError, fail
from ...report import HealthCheck, OracleRun, Report
from ...settings import CheckOptions, Options
from ...tracebacks import user_facing
from ..diagnose.jvp_diagnosis import only, rediagnose
from ..diagnose.likely_bug import Operation
from ..record.inputs import call_user, fresh, require_callable
from ..run.check import grad_report
from ..tree import flatten
from . import adapter
from .backward import read_inputs
from .gradients import Inputs
from .outputs import make_cotangent, pairing

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Unpack

TANGENT_STREAM = 0x7A6  # the generator stream of check_jvp's random tangents


@dataclass(frozen=True)
class Rule:
    """A forward-mode rule to check: `forward(vals)` runs f on inputs in any namespace (numpy for fd, tensors
    for an AD oracle), `yours(tangents, vals)` returns the rule's output tangents as numpy arrays (a tree like
    f's outputs), `label` names the rule in messages ("jvp", "F.jvp")."""

    forward: Callable
    yours: Callable
    label: str
    op: Operation


@user_facing
def check_jvp(fn, jvp, inputs, *, tangent=None, names=None, **options: Unpack[CheckOptions]) -> Report:
    """Check `jvp(tangents, *inputs)`, the output tangent(s) of `fn(*inputs)` (one array, or a tuple / dict like
    fn's outputs). tangent: one array per input (None for an input not differentiated), default seeded standard
    normal entries for every floating input; names: the inputs' names (default: fn's parameter names)."""
    __tracebackhide__ = True
    require_callable("fn", fn), require_callable("jvp", jvp)
    opts = Options.parse(options, "check_jvp")
    ins = read_inputs(fn, inputs, names, who="fn")

    def yours(tangents, vals):
        return call_user("jvp", jvp, tuple(tangents), *fresh(vals))

    rule = Rule(lambda vals: fn(*vals), yours, "jvp", Operation(getattr(fn, "__name__", None), mlp=False, loss=False))
    report = jvp_report(rule, ins, tangent, opts)
    if opts.raise_on_failure and not report.ok:
        fail(report)
    return report


def jvp_report(rule: Rule, ins: Inputs, tangent, opts: Options) -> Report:
    """The report of a forward-mode rule's check (never raising for a wrong rule)."""
    tangents = make_tangents(ins, tangent, opts.seed)
    diff = [i for i, t in enumerate(tangents) if t is not None and np.any(t)]
    if not diff:
        raise GradcheckError("every tangent is zero or None: nothing to check")
    out = call_user(rule.label.split(".")[0], rule.forward, fresh(ins.values))
    cot = make_cotangent(out, None, opts.seed, "fn")
    steps = {ins.names[i]: _step(ins.values[i], tangents[i]) for i in diff}
    loss, grad = _as_loss_and_grad(rule, ins, tangents, diff, steps)
    params = {ins.names[i]: np.zeros(()) for i in diff}
    report = grad_report(loss, grad, params, args=(cot,), kind="jvp", label="inputs", **opts.engine())
    health = _linearity(rule, ins, tangents, diff, cot)
    report = adapter.finish(report, health, rule.op)
    report = replace(report, oracles=[_of_fn(run, rule.label) for run in report.oracles])
    return rediagnose(report, rule, ins, tangents, steps)


def _of_fn(run: OracleRun, label: str) -> OracleRun:
    """A skip reason about the adapted loss said of the function whose rule is checked."""
    reason = run.reason.replace("loss raised ", "the function raised ", 1)
    reason = reason.replace("write the loss against", "write the function against").replace(
        "loss returned", "it returned"
    )
    return replace(run, reason=reason)


def make_tangents(ins: Inputs, given, seed: int) -> list:
    """One tangent per input: `given` checked (a tuple with one array per input, None for an input not
    differentiated: zeros), else standard normal entries from the seed for every floating input; None for an
    input that is not a floating array."""
    if given is None:
        rng = np.random.default_rng([seed, TANGENT_STREAM])
        return [rng.standard_normal(np.shape(v)) if f else None for v, f in zip(ins.values, ins.floating)]
    listed = list(given) if isinstance(given, (list, tuple)) else [given] if ins.n == 1 else None
    if listed is None or len(listed) != ins.n:
        raise GradcheckError(
            f"Expected tangent to be a tuple with one array per input ({ins.n}: {', '.join(ins.names)}; None for "
            f"an input not differentiated) but got tangent={given!r:.60} (type={type(given).__name__})"
        )
    out = []
    for name, v, f, t in zip(ins.names, ins.values, ins.floating, listed):
        if t is None:  # not differentiated: zeros for a floating input (the rule is still given an array)
            out.append(np.zeros(np.shape(v)) if f else None)
            continue
        if not f:
            raise GradcheckError(
                f"Expected no tangent for {name} (not a floating array) but got tangent={given!r:.60} "
                f"(type={type(given).__name__})"
            )
        try:
            arr = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.shape != np.shape(v):
            raise GradcheckError(
                f"Expected the tangent for {name} of shape {np.shape(v)} but got "
                f"{'shape ' + str(arr.shape) if arr is not None else 'no array'} in tangent={given!r:.60} "
                f"(type={type(given).__name__})"
            )
        out.append(arr)
    return out


def _step(x, t) -> float:
    """k: a power of two with k rms(t) ~ max(1, rms(x)), so s moves the input by its own scale."""
    rms = lambda a: math.sqrt(float(np.mean(np.square(np.asarray(a, dtype=np.float64)))))  # noqa: E731
    return 2.0 ** round(math.log2(max(1.0, rms(x)) / rms(t)))


def _as_loss_and_grad(rule: Rule, ins: Inputs, tangents, diff, steps):
    """loss(s, c) = <c, f(x + s k t)> in s's namespace; grad(s, c) = {input: k <c, yours(t_i only)>}."""
    names = [ins.names[i] for i in diff]

    def moved(s):
        vals = list(ins.values)
        for n, i in zip(names, diff):
            si = s[n]
            if isinstance(si, np.ndarray):
                vals[i] = ins.values[i] + float(si) * steps[n] * tangents[i]
            else:
                from array_api_compat import array_namespace

                xp = array_namespace(si)
                x, t = xp.asarray(ins.values[i]), xp.asarray(tangents[i] * steps[n])
                vals[i] = x + si * t
        return vals

    def loss(s, cot):
        return pairing(rule.forward(moved(s)), cot)

    def grad(s, cot):
        vals = moved(s)
        return {n: steps[n] * float(pairing(rule.yours(only(tangents, i), vals), cot)) for n, i in zip(names, diff)}

    return loss, grad


def _linearity(rule: Rule, ins: Inputs, tangents, diff, cot) -> list[HealthCheck]:
    """A failing health check when the rule's answer for all tangents is not the sum of its per-input answers."""
    if len(diff) < 2:
        return []
    whole = float(pairing(rule.yours(tangents, ins.values), cot))
    parts = [float(pairing(rule.yours(only(tangents, i), ins.values), cot)) for i in diff]
    size = sum(abs(p) for p in parts) + abs(whole)
    if abs(whole - sum(parts)) <= 1e-6 * max(size, 1e-300):
        return []
    return [
        HealthCheck(
            "jvp_not_linear",
            f"{rule.label} is not linear in the tangents: <c, {rule.label}(all tangents)> = {whole:.6g} but the sum "
            f"over each input's tangent alone is {sum(parts):.6g}; a jvp must be J t summed over the inputs "
            f"(look for a product of two tangents, or a tangent used for another input's)",
            fails=True,
            source=rule.label,
        )
    ]


def output_names(out) -> list[str]:
    """The names of fn's output leaves, as reports say them (`output`, `output[1]`, `output.h`)."""
    return flatten(out, "output")[0]
