"""What a low-precision gradient dtype's rounding earns: the floor under its atol, and the words a report says.

bfloat16 keeps 8 significant bits (unit round-off u = 2^-8, 0.39%), float16 11 (u = 2^-11, 0.049%). A right
gradient computed in such a dtype is off by its final rounding (u of each entry) and by the rounding of the sums
it accumulated, which lands on every entry alike: about 0.5% of the largest entry for bfloat16, up to 17% of a
small entry (benchmarks/low_precision.py measures both). Its (rtol, atol) row in tolerance.py covers these
with a margin (rtol 4u, atol 4 x the accumulated share); an error below that allowance is not caught, and the
detection bound the report states says so. Where your grad also runs on float64 params, its own round-off is
measured on top (judge rule 1), excused only where that float64 run agrees with the reference.

The floor under atol (tolerance.roundoff_floor) is 16 eps |loss| for float32 and float64; for these dtypes 16 eps
would be 12% of |loss| in bfloat16, far above the round-off measured, so it is eps |loss|: the loss's own rounding.
"""

from __future__ import annotations

from ..dtypes import LOW_PRECISION
from .tolerance import Tolerance, machine_eps, roundoff_floor

BITS = {"bfloat16": 8, "float16": 11}  # significant bits (with the implicit one)


def floor(loss_value: float, dtype: str) -> float:
    """The round-off floor under atol for a gradient of this dtype (tolerance.Tolerance.absolute_atol)."""
    eps = machine_eps(dtype)
    if dtype in LOW_PRECISION:
        return eps * abs(loss_value)
    return roundoff_floor(loss_value, eps)


def words(dtype: str, tol: Tolerance) -> str | None:
    """What a low-precision dtype's tolerance is for, in plain words (the report's tolerance line); None otherwise."""
    if dtype not in LOW_PRECISION:
        return None
    u = 2.0 ** -BITS[dtype]
    share = f"{tol.atol:.2g} of the largest entry" if tol.atol_is_relative else f"{tol.atol:.2g}"
    return (
        f"a right {dtype} gradient ({BITS[dtype]} significant bits) is off by its rounding, {u:.2g} of each entry "
        f"plus a share of the largest entry from its sums, so entries are judged to {tol.rtol:.2g} of themselves "
        f"plus {share}, and your grad's own round-off (measured by running it on float64 params) is excused where "
        f"that float64 run agrees; an error below the detection bound is not caught"
    )
