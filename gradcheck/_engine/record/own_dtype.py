"""Your code run in its own dtype: `float64=False` for a forward that only accepts float32 (a library checking its
inputs' dtype). The oracles then call your loss with the params cast back to the dtypes you gave them; fd works
against that dtype's round-off and the judge compares in float64 as always."""

from __future__ import annotations

import numpy as np

from ...errors import GradcheckError
from ..tree import flatten, unflatten


def in_own_dtypes(loss, params):
    """loss(p, *args) with p's numpy arrays cast to the dtypes of `params` (the point as the caller gave it; an AD
    oracle's tensors pass as they are)."""
    _, leaves, _ = flatten(params)
    dtypes = [np.asarray(x).dtype for x in leaves]

    def loss_in_own_dtypes(p, *args):
        _, got, treedef = flatten(p)
        cast = [x.astype(d, copy=False) if _floating(x, d) else x for x, d in zip(got, dtypes)]
        return loss(unflatten(treedef, cast), *args)

    return loss_in_own_dtypes


def _floating(x, dtype: np.dtype) -> bool:
    return isinstance(x, np.ndarray) and dtype.kind == "f"


def refused_float64(exc: GradcheckError, dtypes) -> GradcheckError:
    """What raised at float64 copies of lower-precision params, with the way to run it in its own dtype."""
    low = sorted({d for d in dtypes if d != "float64"})
    return GradcheckError(
        f"{exc} (at float64 copies of the {' and '.join(low)} arrays, where the oracles run your code: pass "
        f"float64=False to run it in its own dtype, judged in float64 all the same)"
    )
