"""What a backward pass returned, matched to the inputs it differentiates.

One gradient per input (a tuple in input order, a dict by name or by d+name), `None` for an input that is not
differentiated, integer and boolean inputs skipped, trailing gradients omitted or `None`; a gradient given as a
nested list of numbers is read as an array (so it is not reported as `X[0] extra`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import GradcheckError
from ..dtypes import is_complex, is_real_floating


@dataclass(frozen=True)
class Inputs:
    """The inputs of a user function: names, values, and which can carry a gradient (floating arrays)."""

    names: tuple[str, ...]
    values: tuple
    floating: tuple[bool, ...]

    @property
    def n(self) -> int:
        return len(self.values)

    def floating_names(self) -> list[str]:
        return [n for n, f in zip(self.names, self.floating) if f]


def is_floating_array(x) -> bool:
    """A numpy array or tensor of floating dtype (what a gradient can be taken for)."""
    if isinstance(x, np.ndarray):
        return is_real_floating(x.dtype) or is_complex(x.dtype)
    if not hasattr(x, "shape") or getattr(x, "dtype", None) is None:
        return False
    if hasattr(x, "is_floating_point"):  # torch
        return bool(x.is_floating_point())
    return is_real_floating(x.dtype)


def as_gradient(g):
    """A returned gradient as an array where it is a (nested) list or tuple of numbers; else unchanged."""
    if isinstance(g, (list, tuple)):
        try:
            arr = np.asarray(g, dtype=np.float64)
        except (TypeError, ValueError):
            return g
        return arr
    return g


def match(returned, inputs: Inputs, who: str) -> tuple[dict, list[str]]:
    """({input name: gradient} for the floating inputs given a gradient, [floating inputs left out])."""
    if isinstance(returned, dict):
        return _by_name(returned, inputs, who)
    grads = list(returned) if isinstance(returned, (list, tuple)) else [returned]
    given = len(grads)
    while grads and grads[-1] is None and len(grads) != inputs.n:
        grads.pop()  # trailing Nones (torch's style for non-tensor arguments)
    floats = [i for i, f in enumerate(inputs.floating) if f]
    if len(grads) > inputs.n:
        raise GradcheckError(
            f"Expected {who} to return at most {inputs.n} gradients (one per input: "
            f"{', '.join(inputs.names)}) but it returned {len(grads)}"
        )
    if len(grads) == inputs.n:
        slots = list(range(inputs.n))
    elif len(grads) <= len(floats):
        slots = floats[: len(grads)]  # integer inputs (indices, labels) have no gradient to return
    else:
        slots = list(range(len(grads)))
    found = {inputs.names[i]: as_gradient(g) for i, g in zip(slots, grads) if inputs.floating[i] and g is not None}
    left = [inputs.names[i] for i in floats[given:]] if given < len(floats) else []  # omitted, not None
    return found, left


def _by_name(returned: dict, inputs: Inputs, who: str) -> tuple[dict, list[str]]:
    found = {}
    known = set()
    for name, floating in zip(inputs.names, inputs.floating):
        for key in (name, f"d{name}", f"grad_{name}"):
            if key in returned:
                known.add(key)
                if floating and returned[key] is not None:
                    found[name] = as_gradient(returned[key])
                break
    unknown = [k for k in returned if k not in known]
    if unknown:
        raise GradcheckError(
            f"{who} returned gradients for {', '.join(map(repr, unknown))}, which match no input "
            f"(inputs: {', '.join(inputs.names)}; keys may be a name or d + name)"
        )
    return found, [n for n in inputs.floating_names() if n not in found and not _named(returned, n)]


def _named(returned: dict, name: str) -> bool:
    return any(k in returned for k in (name, f"d{name}", f"grad_{name}"))
