"""Tolerances as data: the dtype of the hand-written gradient picks (rtol, atol); user values override.

The default `atol` is relative: it is multiplied by the largest reference gradient entry of the check, so
that a loss scaled by 1e-12 is not passed by an absolute floor. An `atol` given by the caller is absolute.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..validate import parse_flag, parse_number


@dataclass(frozen=True)
class Tolerance:
    """Entry i passes when |yours_i - ref_i| <= atol + rtol * |ref_i| + k_fd * fd_error_i."""

    rtol: float
    atol: float
    atol_is_relative: bool = True
    k_fd: float = 4.0  # how many FD error estimates a difference may span before it counts

    def __post_init__(self):
        for name in ("rtol", "atol", "k_fd"):
            parse_number(getattr(self, name), name)
        parse_flag(self.atol_is_relative, "atol_is_relative")

    def absolute_atol(self, scale: float, floor: float = 0.0) -> float:
        """The atol actually applied, given the largest |reference| entry of the check.

        `floor` is the round-off level of a gradient of this loss (see `roundoff_floor`): where the true
        gradient is exactly zero, the largest reference entry is itself round-off and cannot set the unit.
        """
        if not self.atol_is_relative:
            return self.atol
        return max(self.atol * max(scale, np.finfo(np.float64).tiny), floor)


def roundoff_floor(loss_value: float, eps: float = float(np.finfo(np.float64).eps)) -> float:
    """Gradient entries below ~16 eps |loss| are round-off in float64 evaluations of the loss's terms."""
    return 16.0 * eps * abs(loss_value)


def machine_eps(dtype) -> float:
    """Machine epsilon of a gradient dtype (float64 for anything not floating)."""
    try:
        return float(np.finfo(np.dtype(dtype)).eps)
    except (TypeError, ValueError):
        return float(np.finfo(np.float64).eps)


# dtype of the hand-written gradient -> (rtol, atol relative to max |reference|).
# float64: the hand-written and AD results differ only by round-off; float32 code accumulates ~1e-7
# relative error per operation, so a correct float32 backward lands within ~1e-4 of the float64 truth.
DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "float64": (1e-6, 1e-9),
    "float32": (2e-3, 1e-5),
    "float16": (5e-2, 1e-3),
    "bfloat16": (2e-2, 2e-2),  # rounding.py: 5u of each entry, 4 x the 0.5% of the largest entry its sums leave
}


def _validate(name: str, value) -> float | None:
    from ...settings import parse_tolerance

    return parse_tolerance(value, name)


def default_tolerance(dtype) -> Tolerance:
    """The table's tolerance for a gradient dtype (unknown floating dtypes get the float32 row)."""
    name = np.dtype(dtype).name
    rtol, atol = DEFAULT_TOLERANCES.get(name, DEFAULT_TOLERANCES["float32"])
    return Tolerance(rtol, atol)


def resolve_tolerance(dtype, rtol=None, atol=None) -> Tolerance:
    """Merge the caller's rtol/atol over the dtype default; a caller's atol is absolute."""
    try:
        return _resolved(dtype, rtol, atol)  # a check asks once per parameter and oracle pair: memoised
    except TypeError:  # an unhashable rtol or atol: validate it without the memo
        return _resolve(dtype, rtol, atol)


@lru_cache(maxsize=256)
def _resolved(dtype, rtol, atol) -> Tolerance:
    return _resolve(dtype, rtol, atol)


def _resolve(dtype, rtol, atol) -> Tolerance:
    base = default_tolerance(dtype)
    rtol_v, atol_v = _validate("rtol", rtol), _validate("atol", atol)
    return Tolerance(
        rtol=base.rtol if rtol_v is None else rtol_v,
        atol=base.atol if atol_v is None else atol_v,
        atol_is_relative=atol_v is None,
    )
