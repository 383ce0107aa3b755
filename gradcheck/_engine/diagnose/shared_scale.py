"""One factor shared by every parameter: yours = c x reference with the same c for all of them is one scale
applied to the whole gradient (gradient-norm clipping inside the backward, a loss scale not undone), said once
instead of once per parameter."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...report import ParamReport
from ..dtypes import is_complex
from .scaling import near, scale_factor

RTOL = 1e-6  # two parameters' factors are the same factor when this close


def shared_scale(params: list[ParamReport], rtol: float = RTOL) -> list[ParamReport]:
    """params with one diagnosis for a factor that every parameter shares (the first says it, the others point
    to it); unchanged unless two or more parameters are wrong and every parameter is scaled by the same c."""
    factors = [_factor(p, rtol) for p in params]
    wrong = [p for p in params if p.status == "mismatch"]
    if len(wrong) < 2 or any(c is None for c in factors) or any(p.diagnosis_kind == "stateful" for p in params):
        return params
    c = factors[0]
    if _named(c, rtol) or not all(near(f, c, rtol) for f in factors):
        return params  # 1, or a constant each parameter's diagnosis names (the sign, a loss's 1/2, N, 1/N)
    names = [p.name for p in params]
    first = wrong[0].name
    words = (
        f"every parameter ({_listed(names)}) is yours = {c:.6g} x reference, the same factor {c:.6g}: one scale "
        f"applied to the whole gradient, not a bug of any one parameter; look for gradient-norm clipping inside "
        f"the backward (clip in the optimiser instead), a scaled upstream gradient (dout, or the loss's "
        f"reduction), or a global scale such as a loss scale not undone"
    )
    return [
        p
        if p.status != "mismatch"
        else replace(
            p,
            diagnosis=words if p.name == first else f"the same factor {c:.6g} as every other parameter (see {first})",
            diagnosis_kind="shared_scale",
        )
        for p in params
    ]


def _factor(p: ParamReport, rtol: float) -> float | None:
    """c with yours = c x reference for p (a passing parameter: 1; None when no per-entry reference ran)."""
    if p.status == "ok" or is_complex(p.dtype):
        return 1.0 if p.status == "ok" else None
    ref = next((p.refs[o] for o in p.trusted if o in p.refs), None)
    if p.status != "mismatch" or ref is None or p.yours is None:
        return None
    return scale_factor(np.asarray(p.yours, dtype=np.float64), ref, max(rtol, 1e-6))


def _named(c: float, rtol: float) -> bool:
    """c is 1 or a constant scale_words names by its cause: +-1, +-2, +-1/2, an integer N or a 1/N."""
    m = abs(c)
    return m > 0 and (near(m, round(m), rtol) or near(1 / m, round(1 / m), rtol))


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
