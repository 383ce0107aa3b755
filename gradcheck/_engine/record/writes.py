"""The writes an entry point's calls into user code made: which arrays a forward or a backward wrote into.

check_backward, check_layer and check_function hand the engine a loss and a gradient built from the user's
functions; those run on copies made here, so the engine never sees a write and the caller's arrays are never
changed. What was written is recorded and said as a health check: into an input (fails, as in check_grad: it
corrupts the caller's data), or into `dout` or an output (a warning: harmless alone, wrong where the array is
shared, e.g. `dout` by a residual branch or an output by the next layer's cache).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np

from ...report import HealthCheck
from .inputs import same_array

WATCHED_CALLS = 8  # calls compared for writes (the engine's first calls; FD's many evaluations are not)


@dataclass
class Record:
    """Writes seen so far, per function and per array name (in first-seen order)."""

    writes: dict[str, list[str]] = field(default_factory=dict)  # "forward"/"backward" -> input names
    dout: bool = False
    outputs: list[str] = field(default_factory=list)
    calls: int = 0

    def watching(self) -> bool:
        """Whether this call is compared for writes (the first few only: FD calls thousands of times)."""
        self.calls += 1
        return self.calls <= WATCHED_CALLS

    def wrote(self, who: str, names) -> None:
        seen = self.writes.setdefault(who, [])
        seen += [n for n in names if n not in seen]

    def health(self, backward: str = "backward", dout: str = "dout") -> list[HealthCheck]:
        """The writes as named health checks."""
        found = []
        for who, names in self.writes.items():
            if names:
                found.append(
                    HealthCheck(
                        "mutated_input",
                        f"{who} wrote into its inputs ({', '.join(names)}): gradcheck ran it on copies, so your arrays "
                        f"are unchanged, but an in-place update of an input corrupts training and any later call "
                        f"(a backward reaches it through the cache); copy before modifying (x = x.copy())",
                        fails=True,
                    )
                )
        if self.dout:
            found.append(
                HealthCheck(
                    "mutated_dout",
                    f"{backward} wrote into {dout} (e.g. dx = {dout}; dx[x <= 0] = 0, or dnext_c += ...): harmless "
                    f"alone, and the gradients were checked on a fresh {dout} per call, but wrong where {dout} is "
                    f"shared (a residual branch, a tied output); write dx = {dout}.copy() or dx = {dout} * mask",
                )
            )
        if self.outputs:
            found.append(
                HealthCheck(
                    "mutated_output",
                    f"{backward} wrote into the forward's outputs ({', '.join(self.outputs)}) through its cache: "
                    f"harmless alone, but wrong where the output is also the next layer's input; copy before modifying",
                )
            )
        return found


def changed(names, before, after) -> list[str]:
    """Names whose numpy array differs between `before` and `after` (other values are not compared)."""
    return [
        n
        for n, b, a in zip(names, before, after)
        if isinstance(b, np.ndarray) and isinstance(a, np.ndarray) and not same_array(b, a)
    ]


def copy_arrays(values) -> list:
    """Copies of the numpy arrays in a flat list (tensors and other values unchanged)."""
    return [v.copy() if isinstance(v, np.ndarray) else v for v in values]


@contextlib.contextmanager
def numpy_seed(seed: int | None):
    """numpy's global generator seeded for one call and restored afterwards (None: untouched), so layers
    that draw from np.random (dropout) draw the same numbers in every call of a check."""
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)
