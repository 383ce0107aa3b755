"""Health checks on the user's functions and the point, each a named HealthCheck said in words: writes into
inputs, state kept between calls, different answers for the same input (in proportion to round-off, as the
judge decided), kinks at the point.

The user's loss and grad always run on copies (calls.py), so the caller's arrays are never written to, and a
write is attributed to the function that made it by comparing its copies afterwards.
"""

from __future__ import annotations

import numpy as np

from ...report import HealthCheck
from ..judge.evidence import Noise, Verdict
from .calls import Call, Repeat
from .inputs import changed_arrays, copy_tree, same_array

MAX_LISTED = 4  # entries named per parameter in a health message


def mutation(names, leaves, args, calls: list[Call]) -> list[HealthCheck]:
    """Report params or args that loss or grad wrote into (they ran on copies; the caller's are intact)."""
    found = []
    first = calls[0]
    for what, (p_copy, a_copy) in (("loss", first.loss_inputs), ("grad", first.grad_inputs)):
        hit = [n for n, x, y in zip(names, leaves, p_copy) if not same_array(x, y)]
        hit += changed_arrays(tuple(args), tuple(a_copy))
        if hit:
            found.append(
                HealthCheck(
                    "mutated_input",
                    f"{what} wrote into its inputs ({', '.join(hit)}): gradcheck ran it on copies, so your arrays "
                    f"are unchanged, but an in-place update of an input corrupts training and any later call; "
                    f"copy before modifying (x = x.copy(), or x = x + ... instead of x += ...)",
                    fails=True,
                    source=what,
                )
            )
    return found


def for_oracles(loss, health: list[HealthCheck]):
    """The loss the oracles evaluate: on fresh copies when it writes into its inputs, so every evaluation
    sees the same point (the write itself is already a failing health check)."""
    if not any(h.name == "mutated_input" and h.source == "loss" for h in health):
        return loss

    def loss_on_copies(params, *args):
        return loss(copy_tree(params), *copy_tree(args))

    return loss_on_copies


def state(repeat: Repeat) -> list[HealthCheck]:
    """Gradient leaves that carried state from one call to the next (judged on the first call's copy)."""
    if not repeat.stateful:
        return []
    where = "; ".join(f"{n}: {how}" for n, how in repeat.stateful.items())
    return [
        HealthCheck(
            "stateful",
            f"grad keeps state between calls ({where}): a later call changed an array an earlier call had returned "
            f"(a gradient buffer "
            f"accumulated with += and never zeroed); gradcheck judged a copy of the first call's result; zero the "
            f"buffer at the start of backward or return a new array (g = ... rather than buffer += ...)",
            fails=True,
        )
    ]


def determinism(noise: tuple[Noise, ...]) -> list[HealthCheck]:
    """Report loss or grad giving different results on two calls at the same point, in proportion."""
    found = []
    loss = [n for n in noise if n.what == "loss"]
    grads = [n for n in noise if n.what != "loss"]
    for n in loss:
        found.append(_noise_check(f"loss returned values {n.difference:.1e} apart for the same params", [n]))
    if grads:
        where = ", ".join(
            f"{n.what} by up to {n.difference:.1e}" if np.isfinite(n.difference) else f"{n.what} in structure"
            for n in grads
        )
        found.append(_noise_check(f"grad returned different values for the same params on two calls ({where})", grads))
    return found


def _noise_check(what: str, noise: list[Noise]) -> HealthCheck:
    held = [n for n in noise if n.withholds]
    if not held:
        level = min(n.level for n in noise)
        return HealthCheck(
            "nondeterministic",
            f"{what}: at the round-off level (below {level:.1e}, 256 eps of its "
            f"magnitude, as a sum taken in another order gives), so the verdict "
            f"is given",
            fails=False,
        )
    worst = max(held, key=lambda n: n.times)
    size = f"{worst.times:.2g} times the round-off level" if np.isfinite(worst.times) else "not comparable"
    return HealthCheck(
        "nondeterministic",
        f"{what}: {size}: fix the random seed or remove randomness (dropout, "
        f"sampling) before checking; no gradient verdict is possible",
        fails=True,
    )


def kinks(verdicts: tuple[Verdict, ...], probes=()) -> list[HealthCheck]:
    """One "kink" entry per parameter with entries at a kink, naming them and which subgradient yours is."""
    found = [_kink_entry(v) for v in verdicts if v.kinks]
    for pr in probes:
        if pr.kind == "kink" and pr.param is not None:
            found.append(
                HealthCheck(
                    "kink",
                    f"{pr.param}: fd probe {pr.index} crossed a point where the loss is not differentiable "
                    f"(a ReLU at 0, abs or max); its directional derivative is one-sided",
                )
            )
    return found


def _kink_entry(v: Verdict) -> HealthCheck:
    idx = [k.index for k in v.kinks]
    more = f" and {len(idx) - MAX_LISTED} more" if len(idx) > MAX_LISTED else ""
    listed = ", ".join(_index(i) for i in idx[:MAX_LISTED]) + more
    inside = [k for k in v.kinks if k.inside]
    words = list(dict.fromkeys(k.position() for k in v.kinks))
    return HealthCheck(
        "kink",
        f"{v.name} at {listed}: the loss is not differentiable there (a ReLU at 0, abs or max), so fd saw "
        f"different left and right slopes at several steps: a kink, not a wrong gradient; yours lies between "
        f"the left and right slopes at {len(inside)} of {len(idx)} (a valid subgradient there); yours is "
        f"{'; '.join(words)}",
    )


def _index(i) -> str:
    return "(" + ", ".join(map(str, i)) + ("," if len(i) == 1 else "") + ")"
