"""Health checks on the user's functions and the point: writes into inputs, different answers for the
same input, kinks inside the finite-difference stencil. Each is a named HealthCheck, said in words.

The user's loss and grad always run on copies (`observe`), so the caller's arrays are never written to,
and a write is attributed to the function that made it by comparing its copies afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .inputs import call_user, changed_arrays, copy_tree, grad_value, loss_value, same_array
from ..report import HealthCheck, ParamReport
from .tree import flatten, unflatten

MAX_LISTED = 4  # entries named per parameter in a health message


@dataclass
class Call:
    """One call of loss and of grad, each on its own copies of params and args (kept to spot writes)."""

    loss: float
    grad: Any
    loss_inputs: tuple[list, tuple]
    grad_inputs: tuple[list, tuple]


def observe(loss, grad, treedef, leaves, args, times: int = 2) -> list[Call]:
    """Call loss and grad `times` times, every call on fresh copies of params and args."""
    calls = []
    for _ in range(times):
        lp, la = [x.copy() for x in leaves], copy_tree(args)
        f = loss_value(call_user("loss", loss, unflatten(treedef, lp), *la))
        gp, ga = [x.copy() for x in leaves], copy_tree(args)
        g = grad_value(call_user("grad", grad, unflatten(treedef, gp), *ga))
        calls.append(Call(f, g, (lp, la), (gp, ga)))
    return calls


def mutation(names, leaves, args, calls: list[Call]) -> list[HealthCheck]:
    """Report params or args that loss or grad wrote into (they ran on copies; the caller's are intact)."""
    found = []
    first = calls[0]
    for what, (p_copy, a_copy) in (("loss", first.loss_inputs), ("grad", first.grad_inputs)):
        hit = [n for n, x, y in zip(names, leaves, p_copy) if not same_array(x, y)]
        hit += changed_arrays(tuple(args), tuple(a_copy))
        if hit:
            found.append(HealthCheck(
                "mutated_input",
                f"{what} wrote into its inputs ({', '.join(hit)}): gradcheck ran it on copies, so your arrays "
                f"are unchanged, but an in-place update of an input corrupts training and any later call; "
                f"copy before modifying (x = x.copy(), or x = x + ... instead of x += ...)",
                fails=True))
    return found


def for_oracles(loss, health: list[HealthCheck]):
    """The loss the oracles evaluate: on fresh copies when it writes into its inputs, so every evaluation
    sees the same point (the write itself is already a failing health check)."""
    if not any(h.name == "mutated_input" and h.message.startswith("loss wrote") for h in health):
        return loss

    def loss_on_copies(params, *args):
        return loss(copy_tree(params), *copy_tree(args))

    return loss_on_copies


def determinism(calls: list[Call], names=()) -> list[HealthCheck]:
    """Report loss or grad giving different results on two calls at the same point."""
    c1, c2 = calls[0], calls[1]
    found = []
    if c1.loss != c2.loss:
        found.append(HealthCheck(
            "nondeterministic",
            f"loss returned {c1.loss!r} then {c2.loss!r} for the same params (|d| = {abs(c1.loss - c2.loss):.1e}): "
            f"fix the random seed or remove randomness (dropout, sampling) before checking; no gradient verdict "
            f"is possible", fails=True))
    spread = grad_spread(c1.grad, c2.grad)
    if spread:
        where = ", ".join(f"{n} by up to {d:.1e}" if np.isfinite(d) else f"{n} in structure" for n, d in spread.items())
        found.append(HealthCheck(
            "nondeterministic",
            f"grad returned different values for the same params on two calls ({where}): fix the random seed "
            f"or remove randomness (dropout, sampling) before checking; no gradient verdict is possible",
            fails=True))
    return found


def grad_spread(a, b) -> dict[str, float]:
    """{name: max |a - b|} for gradient leaves that differ between two calls (inf: shape or keys differ)."""
    try:
        na, la, _ = flatten(a)
        nb, lb, _ = flatten(b)
    except Exception:
        return {"grad": float("inf")}
    out = {n: float("inf") for n in set(na) ^ set(nb)}
    right = dict(zip(nb, lb))
    for n, x in zip(na, la):
        if n not in right:
            continue
        try:
            if x is right[n]:  # the same object (large checks call grad once): nothing to compare
                continue
            ax, ay = np.asarray(x), np.asarray(right[n])
            if ax.shape != ay.shape:
                out[n] = float("inf")
            elif not same_array(ax, ay):
                d = np.abs(ax.astype(np.float64) - ay.astype(np.float64))
                out[n] = float(np.nanmax(d)) if np.any(np.isfinite(d)) else float("inf")
        except Exception:
            if x is not right[n]:
                out[n] = float("inf")
    return out


def withhold_verdicts(params: list[ParamReport], health: list[HealthCheck], calls: list[Call]) -> None:
    """With a nondeterministic loss or grad, judged parameters become "nondeterministic", not mismatches."""
    if not any(h.name == "nondeterministic" for h in health):
        return
    loss_random = calls[0].loss != calls[1].loss
    spread = grad_spread(calls[0].grad, calls[1].grad)
    for p in params:
        if p.status not in ("ok", "mismatch") or not (loss_random or p.name in spread):
            continue
        why = f"grad differs by up to {spread[p.name]:.1e} between two calls" if p.name in spread \
            else "the loss differs between two calls"
        p.status, p.diagnosis_kind, p.diagnosis = "nondeterministic", "nondeterministic", None
        p.message = f"not judged: {why} at the same params (see health below)"


def kinks(names, fd_result, params: list[ParamReport]) -> list[HealthCheck]:
    """One "kink" entry per parameter where the FD stencil crossed a non-differentiable point."""
    if fd_result is None:
        return []
    found = []
    by_name = {p.name: p for p in params}
    if fd_result.one_sided is not None:
        for b, name in enumerate(names):
            sided = fd_result.one_sided[b]
            at = np.argwhere(~np.isnan(sided[..., 0]))
            if len(at):
                found.append(_kink_entry(name, at, sided, by_name.get(name)))
    for pr in fd_result.probes:
        if pr.kind == "kink" and pr.param is not None:
            found.append(HealthCheck(
                "kink", f"{pr.param}: fd probe {pr.index} crossed a point where the loss is not differentiable "
                        f"(a ReLU at 0, abs or max inside the stencil); its directional derivative is one-sided"))
    return found


def _kink_entry(name, at, sided, p: ParamReport | None) -> HealthCheck:
    idx = [tuple(int(i) for i in row) for row in at]
    listed = ", ".join(_index(i) for i in idx[:MAX_LISTED]) + (f" and {len(idx) - MAX_LISTED} more" if len(idx) > MAX_LISTED else "")
    tail = ""
    if p is not None and p.yours is not None and np.shape(p.yours) == sided.shape[:-1]:
        y = np.asarray(p.yours, dtype=np.float64)
        inside = [i for i in idx if min(sided[i]) - 1e-6 * max(1.0, abs(y[i])) <= y[i] <= max(sided[i]) + 1e-6 * max(1.0, abs(y[i]))]
        tail = (f"; yours lies between the left and right slopes at {len(inside)} of {len(idx)} "
                f"(a valid subgradient there)")
    return HealthCheck(
        "kink", f"{name} at {listed}: the loss is not differentiable there (a ReLU at 0, abs or max inside the "
                f"finite-difference stencil), so fd saw different left and right slopes: a kink, not a wrong "
                f"gradient{tail}")


def _index(i) -> str:
    return "(" + ", ".join(map(str, i)) + ("," if len(i) == 1 else "") + ")"
