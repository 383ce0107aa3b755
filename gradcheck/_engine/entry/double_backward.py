"""check_function(order=2): a torch.autograd.Function's backward differentiated, as torch's gradgradcheck does.

The backward's answer g(x, c) (the gradient for inputs x at the cotangent c) is itself a function; pairing it
with a random w gives the scalar L2(x, c) = <g(x, c), w>. Yours is the double backward: autograd through F.apply
and F.backward (create_graph), differentiated again with respect to x and c. The references: fd of L2 computed
from F.backward's own values (right when the first-order check passed), and torch's autograd of the forward's
body differentiated twice (never F.backward). A backward that detaches a saved tensor, or is not differentiable
at all, passes at first order and fails here, naming the input.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...errors import GradcheckError
from ...report import ParamReport, Report
from ...settings import Options
from ..diagnose.likely_bug import Operation
from ..run.check import grad_report
from . import adapter
from .gradients import Inputs, match

W_STREAM = 0x2D2  # the generator stream of the pairing vectors w


def cotangent_names(n_floating: int) -> list[str]:
    """How the report names the cotangents of F's floating outputs."""
    return ["grad_output"] if n_floating == 1 else [f"grad_outputs[{j}]" for j in range(n_floating)]


def second_order_part(backend, ins: Inputs, diff: list[str], floating: list[int], cot, opts: Options) -> Report:
    """The report of F's double backward at the inputs and cotangent of the first-order check."""
    if not callable(getattr(backend, "double_backward", None)):
        raise GradcheckError(
            f"order=2 checks a torch.autograd.Function's double backward; {backend.label} has none to check "
            f"(pass order=1)"
        )
    cots = [cot] if len(floating) == 1 else list(cot)
    gnames = cotangent_names(len(floating))
    where = [ins.names.index(n) for n in diff]
    rng = np.random.default_rng([opts.seed, W_STREAM])
    w = tuple(rng.standard_normal(np.shape(ins.values[i])) for i in where)
    params = {**{n: ins.values[i] for n, i in zip(diff, where)}, **dict(zip(gnames, cots))}
    loss, grad = _adapt(backend, ins, diff, floating, gnames)
    report = grad_report(loss, grad, params, args=(w,), kind="function", label="inputs", **opts.engine())
    report = adapter.finish(report, [], Operation(backend.label, mlp=False, loss=False))
    out = [_diagnosed(p, backend.backward_label) for p in report.params]
    return replace(report, params=out)


def _diagnosed(p: ParamReport, who: str) -> ParamReport:
    """A mismatch at second order, said as what the backward does with that input."""
    if p.status != "mismatch" or p.oracles_disagree or p.yours is None:
        return p
    zero = not np.any(p.yours)
    n, m = int(p.wrong_entries().sum()), int(np.size(p.yours))
    detail = f"zero: autograd sees no dependence of its answer on {p.name}" if zero else f"{n}/{m} entries wrong"
    words = (
        f"second order: {who} differentiated with respect to {p.name} is wrong ({detail}); {who} uses {p.name} "
        f"in a way autograd does not see (a .detach(), .data or numpy on a saved tensor, or a value computed "
        f"outside autograd), or differentiates it wrongly: write the backward in differentiable torch "
        f"operations of the saved tensors"
    )
    return replace(p, diagnosis=words, diagnosis_kind="second_order")


def _adapt(backend, ins: Inputs, diff: list[str], floating: list[int], gnames: list[str]):
    """loss(q, w) = <g(x, c), w> on numpy (F.backward's values) or torch tensors (the body differentiated
    twice); grad(q, w) = F's double backward, by autograd through F.apply and F.backward."""
    where = [ins.names.index(n) for n in diff]

    def split(q):
        vals = list(ins.values)
        for i, n in zip(where, diff):
            vals[i] = q[n]
        return vals, [q[g] for g in gnames]

    def loss(q, w):
        vals, cs = split(q)
        if isinstance(next(iter(q.values())), np.ndarray):
            full = _full(backend.forward(vals), floating, cs)
            found, _ = match(backend.yours(vals, full), ins, backend.backward_label)
            return float(sum(np.sum(np.asarray(found[n]) * wi) for n, wi in zip(diff, w) if found.get(n) is not None))
        if not backend.owns(next(iter(q.values()))):
            raise GradcheckError("no reference forward runs in this framework at second order")
        return backend.body_second_order(vals, [vals[i] for i in where], cs, floating, w)

    def grad(q, w):
        vals, cs = split(q)
        got = backend.double_backward(vals, where, cs, floating, w)
        return dict(zip([*diff, *gnames], got))

    return loss, grad


def _full(outs, floating, cs) -> list:
    """One cotangent per output of F (zeros for the integer ones)."""
    full = [np.zeros(o.shape, dtype=o.dtype) for o in outs]
    for i, c in zip(floating, cs):
        full[i] = np.asarray(c)
    return full
