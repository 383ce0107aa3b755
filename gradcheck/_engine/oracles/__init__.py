"""Oracles: independent ways to get the true gradient (finite differences, PyTorch autograd, JAX grad).

Every oracle module exposes `NAME`, `missing() -> str | None` (why it cannot be imported) and
`run(problem, config) -> OracleResult`, raising `CannotRun` when the loss cannot run in it.
Frameworks are imported inside `run`, never at module load.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import sys
import time
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .role import Role

ORACLE_NAMES = ("fd", "torch", "jax")
AD_ORACLES = ("torch", "jax")


class CannotRun(Exception):
    """The oracle is installed but cannot run this loss; the message says why."""


@dataclass
class Probe:
    """One finite-difference directional derivative: d/dt loss(x + t v) with its error estimate."""

    param: str | None  # None for a probe over all parameters
    index: int
    value: float
    error: float
    smooth: bool
    direction: list  # the per-leaf direction arrays (kept in memory only, never serialised)
    kind: Literal["smooth", "kink", "noisy"] = "smooth"  # see finite_diff.FDEstimate
    one_sided: tuple[float, float] | None = None  # (left, right) directional derivatives at a kink
    blocks: tuple[int, ...] = ()  # the parameter blocks the direction touches
    span: tuple[int, int] | None = None  # flat entry range within a single block (bisection), None = all
    scale: float = 1.0  # the t-scale of the step (kept by sub-probes so every entry moves by the same amount)
    evaluations: int = 0
    # comparisons memoised on the probe, by kind ("gaps", "partials", "largest"): never serialised or compared
    memo: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class EntryFD:
    """fd's per-entry look at one chosen entry: value, error, and the one-sided slopes where it found a kink."""

    index: tuple
    value: float
    error: float
    one_sided: tuple[float, float] | None = None


@dataclass
class OracleResult:
    """What an oracle produced: full gradients (AD, FD per entry) and/or directional probes (FD)."""

    name: str
    mode: str  # "entries" or "probes"
    grads: list[np.ndarray] | None = None
    errors: list[np.ndarray] | None = None  # per-entry error estimates (FD), None for AD
    one_sided: list[np.ndarray] | None = None  # (…, 2) left/right slopes where FD saw a kink, else nan
    probes: list[Probe] = field(default_factory=list)
    seconds: float = 0.0
    evaluations: int = 0
    method: str = ""
    located: dict = field(default_factory=dict)  # block -> [(index, fd value, fd error)] found by bisection
    value: float | None = None  # the loss at the point as this oracle computed it (AD), for set-aside reasons
    cached: bool = False  # served from a compile cache (jax): confirmed by a fresh trace before it blames anyone
    flat: tuple[bool, ...] = ()  # fd, per block: the loss never moved along it (every value equal to f0)
    cancellation: tuple[float, ...] = ()  # fd, per block: round-off a gradient of a loss with a quantum carries
    quantum: float = 0.0  # fd: the quantum the loss's values showed near the point (0: none)
    noise: float | None = None  # fd: the loss's measured round-off per value (roundoff.py; None: not measured)
    # comparisons of gradients with this result, memoised by the arrays they read (compare.compare_memo)
    memo: dict = field(default_factory=dict, repr=False, compare=False)
    role: Role | None = None  # what the oracle is (role.py): the judge asks this, never the name

    def __post_init__(self):
        if self.role is None:  # results built without one (tests, older callers): fd's or a framework's own
            self.role = Role.FINITE_DIFFERENCES if self.name == "fd" else Role.EXACT_AD


def ad_result(name: str, grads, value, method: str, start: float, cached=False, role=Role.EXACT_AD) -> OracleResult:
    """An AD framework's result: every entry from one evaluation of the loss, timed from `start` (perf_counter);
    `role`: the code as written, or numpy code followed (follow/)."""
    return OracleResult(
        name,
        "entries",
        grads=grads,
        seconds=time.perf_counter() - start,
        evaluations=1,
        method=method,
        value=value,
        cached=cached,
        role=role,
    )


# the pinned way of README "Set-up on a fresh machine": an unpinned `pip install torch` pulls a multi-GB CUDA build
INSTALL_HINT = (
    "pip install -c constraints.txt 'gradcheck[{extra}]': the pinned CPU builds, "
    'see README "Set-up on a fresh machine"'
)


def missing(name: str) -> str | None:
    """Why oracle `name` cannot be imported here, or None when it can."""
    if name == "fd" or name in sys.modules:  # imported already: installed
        return None
    for mod in ("jax", "jaxlib") if name == "jax" else (name,):
        if not _installed(mod):
            return f"{mod} not installed ({INSTALL_HINT.format(extra=name)})"
    return None


@functools.cache
def _installed(module: str) -> bool:
    """Whether `module` can be imported, asked once a process: find_spec stats the path (~0.2 ms), and every
    default check asks it of the framework it leaves out."""
    return importlib.util.find_spec(module) is not None


def oracle_module(name: str):
    """The module implementing oracle `name` (imports it, not the framework)."""
    return importlib.import_module(f".{name}", __name__)


def short_message(exc: Exception) -> str:
    """The first line of an exception message, cut to 120 characters, for a skip reason."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text[:120] + ("..." if len(text) > 120 else "")


def same_value(value: float, f0: float, eps: float) -> bool:
    """Whether two evaluations of the loss at one point agree up to round-off: |v - f0| <= 1e3 eps max|.|
    (eps: the loss's relative precision)."""
    if not (np.isfinite(value) and np.isfinite(f0)):
        return bool(value == f0 or (np.isnan(value) and np.isnan(f0)))
    return abs(value - f0) <= 1e3 * max(eps, float(np.finfo(np.float64).eps)) * max(abs(value), abs(f0), 1e-300)
