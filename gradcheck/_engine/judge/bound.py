"""The detection bound: the smallest error in a single entry that the check would have caught.

Against an oracle with entries, entry i fails once |d_i| > atol + rtol |ref_i| + k err_i, so no entry is off by
more than the largest such allowance. A sign probe v (|v_i| = 1/sqrt(n)) sees a single entry off by d as a
shift d/sqrt(n) of <g, v>, caught once it exceeds the probe's allowance plus its own FD error, so probes bound
single entries by sqrt(n) (allowance + error). The Taylor test sees d |v_i| as a slope error. A parameter's
bound is the best of its trusted oracles': an error above it fails at least one of them.
"""

from __future__ import annotations

import math

import numpy as np


def detection_bound(comparisons: dict, trusted, taylor=None, set_aside=(), shape=()) -> float:
    """Smallest single-entry error the trusted oracles (or the Taylor test where it decided) would catch."""
    found = [c.detail.get("bound", math.inf) for o, c in comparisons.items() if o in trusted]
    if taylor is not None and taylor.verdict == "consistent":
        per_entry = taylor.bound * math.sqrt(int(np.prod(shape)) if len(shape) else 1)
        found = [per_entry] if "fd" in set_aside else found + [per_entry]
    return float(min(found, default=math.inf))
