"""Triangulation: which oracles to trust for a parameter, and whom to blame when they disagree.

Oracles are independent witnesses. When they agree, the hand-written gradient must agree with them.
When one disagrees with two others that agree, it is the odd one out and the verdict follows the others.
When two disagree and one of them is finite differences that saw a kink or noise, the AD oracle is trusted; when
an AD oracle's loss value at the point is not yours (a branch on the array type), it differentiated another
function and the oracles that compute your value are trusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations


@dataclass(frozen=True)
class Trust:
    """The oracles that count for a parameter's verdict, and a sentence for each one set aside."""

    trusted: tuple[str, ...]
    set_aside: dict[str, str]
    undecided: bool = False
    # undecided only because oracles following one translation count as one witness: the group that would be
    # trusted if they counted as independent (a verdict that agrees with it is withheld, never failed)
    one_translation: tuple[str, ...] = ()


def triangulate(
    ran: list[str], agree: dict[frozenset, bool], fd_rough: bool, other_loss: dict | None = None, shared=frozenset()
) -> Trust:
    """Choose trusted oracles from pairwise agreement; `fd_rough`: FD saw a kink or noise on this block;
    `other_loss`: oracle -> (its loss value, yours) where the loss computes a different value on its arrays;
    `shared`: oracles that follow your numpy code through one translation, which count as one witness."""
    other_loss = other_loss or {}
    if len(ran) < 2 or all(agree.get(frozenset(p), True) for p in combinations(ran, 2)):
        return Trust(tuple(ran), {})
    cliques = _agreeing_groups(ran, agree)
    best = max(_witnesses(c, shared) for c in cliques)
    top = [c for c in cliques if _witnesses(c, shared) == best and not any(set(c) < set(d) for d in cliques)]
    if best >= 2 and len(top) == 1:
        keep = top[0]
        return Trust(keep, {o: _why(o, keep, fd_rough, other_loss.get(o)) for o in ran if o not in keep})
    ad = tuple(o for o in ran if o != "fd")
    if "fd" in ran and fd_rough and ad in cliques:  # fd at a kink or in noise, the frameworks of one mind
        return Trust(ad, {"fd": _why("fd", ad, True)})
    own = tuple(o for o in ran if o not in other_loss)  # the loss computes your value on their arrays
    if "fd" in own and len(own) < len(ran) and all(agree.get(frozenset(p), True) for p in combinations(own, 2)):
        # the others differentiate another function: their loss value at the point is not yours (fd's is)
        return Trust(own, {o: _why(o, own, fd_rough, other_loss[o]) for o in ran if o not in own})
    apart = triangulate(ran, agree, fd_rough, other_loss) if shared else Trust((), {}, undecided=True)
    return Trust(tuple(ran), {}, undecided=True, one_translation=() if apart.undecided else apart.trusted)


def one_translation_words(trust: Trust) -> str:
    """Why a gradient that agrees with the frameworks following your numpy code, but not with the other oracles,
    gets no verdict: those frameworks share one translation of the code, so they are one witness against one."""
    followed = " and ".join(trust.one_translation)
    others = " and ".join(o for o in trust.trusted if o not in trust.one_translation)
    return (
        f"not judged: yours agrees with {followed}, which disagree with {others}; {followed} follow your numpy code "
        f"through one translation, so they count as one witness against {others} and neither side can be set "
        f"aside; write the loss against the array API (torch and jax then run it as written and count as two), or "
        f"check at another point"
    )


def _witnesses(group, shared) -> int:
    """Independent witnesses in a group: oracles sharing one translation of the code count once."""
    return len([o for o in group if o not in shared]) + (1 if any(o in shared for o in group) else 0)


def _agreeing_groups(ran, agree) -> list[tuple[str, ...]]:
    groups = []
    for size in range(len(ran), 0, -1):
        for group in combinations(ran, size):
            if all(agree.get(frozenset(p), True) for p in combinations(group, 2)):
                groups.append(group)
    return groups


def _why(odd: str, others: tuple[str, ...], fd_rough: bool, loss_values: tuple[float, float] | None = None) -> str:
    names = " and ".join(others)
    if loss_values is not None:  # its own evidence: the loss computes something else on that framework's arrays
        value, f0 = loss_values
        return (
            f"{odd} disagrees with the others, and the loss gives {value:.10g} on {odd} arrays against {f0:.10g} "
            f"on yours: it computes a different function there (a branch on the array type, a library call that "
            f"differs between frameworks, or data read differently)"
        )
    if odd == "fd":
        cause = (
            "the function has a kink or noise inside the stencil"
            if fd_rough
            else "its step is too large or too small for this function"
        )
        return f"fd disagrees with {names}, which agree with each other: {cause}"
    return (
        f"{odd} disagrees with {names}, which agree with each other: {odd} may differentiate a "
        f"non-differentiable op its own way, or the loss behaves differently on {odd} arrays"
    )
