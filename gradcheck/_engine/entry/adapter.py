"""Entry points as adapters: each reduces the user's functions to a loss and its gradient, runs the engine's
check on them, then adds what it saw of the user's calls (health) and advice that fits the operation."""

from __future__ import annotations

import inspect
import re
from dataclasses import replace

from ...errors import fail
from ...render import verdict_line
from ...report import HealthCheck, ParamReport, Report
from ...settings import Options
from ..diagnose.likely_bug import Operation, diagnose
from ..dtypes import is_complex
from ..record.own_dtype import in_own_dtypes
from ..run.check import grad_report
from ..validate import bad


def require_callable_or_none(name: str, fn) -> None:
    if fn is not None and not callable(fn):
        raise bad(name, fn, f"{name} to be a callable or None")


def signature_names(fn, n: int, skip: int = 0) -> list[str] | None:
    """Names of fn's first n positional parameters after `skip` (ctx, self), or None when they cannot be read."""
    try:
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ][skip:]
    except (TypeError, ValueError):
        return None
    names = [p.name for p in params[:n]]
    return names if len(names) == n and len(set(names)) == n else None


def input_names(fn, n: int, given=None, skip: int = 0, who: str = "names") -> list[str]:
    """`given` names (checked), else fn's parameter names, else inputs[i]."""
    if given is not None:
        from ...errors import GradcheckError

        names = list(given) if isinstance(given, (list, tuple)) else None
        if names is None or len(names) != n or len(set(names)) != n or not all(isinstance(x, str) and x for x in names):
            raise GradcheckError(
                f"Expected {who} to be {n} distinct non-empty strings (one per input) but got "
                f"{who}={given!r} (type={type(given).__name__})"
            )
        return names
    return signature_names(fn, n, skip) or [f"inputs[{i}]" for i in range(n)]


def positional_arity(fn) -> int | None:
    """How many positional arguments fn requires, or None when it takes *args (or cannot be inspected)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty for p in params)


def noting(why: dict, who: str, run):
    """run(), keeping the first line of what it raised (the oracle's skip reason is then said in those words)."""
    try:
        return run()
    except Exception as exc:
        text = str(exc).strip()
        why.setdefault(who, f"{type(exc).__name__}: {text.splitlines()[0][:160] if text else ''}")
        raise


def run(
    loss,
    grad,
    params,
    *,
    args,
    kind: str,
    options: Options,
    health=lambda: [],
    op: Operation | None = None,
) -> Report:
    """grad_report on the adapted loss and grad, then the adapter's health checks and advice; raises
    GradientMismatch when the check fails and `options.raise_on_failure` is true."""
    __tracebackhide__ = True
    loss = loss if options.float64 else in_own_dtypes(loss, params)
    report = grad_report(loss, grad, params, args=args, kind=kind, label="inputs", **options.engine())
    report = finish(report, health(), op, args)
    if options.raise_on_failure and not report.ok:
        fail(report)
    return report


# "loss raised GradcheckError on <where> (<who> (<name>) raised <error>)<; advice>": the oracle's words
_ADAPTED_SKIP = re.compile(
    r"loss raised GradcheckError on (torch tensors|jax arrays) \(([\w.]+) \((.*?)\) raised (.*?)\)((?:; .*)?)$", re.S
)


def _in_user_words(reason: str) -> str:
    """An oracle's skip reason about the adapted loss, said of the user's function that raised:
    "loss raised GradcheckError on torch tensors (forward (f) raised E: ...); write the loss ..." becomes
    "forward (f) raised on torch tensors: E: ...; write forward ..."."""
    m = _ADAPTED_SKIP.match(reason)
    if m is None:
        return reason
    where, who, name, error, advice = m.groups()
    advice = advice.replace("write the loss against", f"write {who} against")
    return f"{who} ({name}) raised on {where}: {error}{advice}"


def finish(report: Report, extra: list[HealthCheck], op: Operation | None, args=()) -> Report:
    """A new report: the adapter's health checks added, mismatches re-diagnosed for the operation, skip reasons
    said of the user's function, and the verdict re-stated."""
    params = [_rediagnosed(p, op, args) for p in report.params]  # a shared factor was said by run/assemble
    oracles = [replace(run, reason=_in_user_words(run.reason)) for run in report.oracles]
    health = report.health + list(extra)
    ok = all(p.ok for p in params) and not any(h.fails for h in health) and bool(report.ran)
    done = replace(report, params=params, oracles=oracles, health=health, ok=ok)
    return replace(done, verdict=verdict_line(done))


def _rediagnosed(p: ParamReport, op: Operation | None, args) -> ParamReport:
    if op is None or p.status != "mismatch" or is_complex(p.dtype) or p.diagnosis_kind in ("stateful", "shared_scale"):
        return p  # complex: diagnosed in its convention; state and a shared factor are seen by the engine's diagnosis
    found = diagnose(p, args, op)
    return replace(p, diagnosis=found.words, diagnosis_kind=found.kind)
