"""Finite-difference oracle: per entry when the parameter count is small, directional probes otherwise.

Probes are signed and normalised (v = s / sqrt(n), s in {-1, +1}^n, one block at a time), drawn from
numpy's generator seeded by (seed, block, probe) so that every probe can be reproduced from the report.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import OracleResult, Probe
from ..finite_diff import CentralRichardson
from ..problem import Problem

NAME = "fd"


@dataclass(frozen=True)
class FiniteDifferences:
    """How the FD oracle works: the method, when to go per entry, how many probes per parameter."""

    method: CentralRichardson = field(default_factory=CentralRichardson)
    max_entries: int = 64  # per-entry FD up to this many parameters in all (when AD oracles also run)
    max_entries_alone: int = 2000  # ... and up to this many when FD is the only oracle
    probes_per_param: int = 2
    mode: str = "auto"  # "auto", "entries" or "probes"

    def __post_init__(self):
        if self.mode not in ("auto", "entries", "probes"):
            raise ValueError(f"Expected mode in ('auto', 'entries', 'probes') but got mode={self.mode!r}")
        if self.probes_per_param < 1:
            raise ValueError(f"Expected probes_per_param >= 1 but got probes_per_param={self.probes_per_param!r}")

    def choose_mode(self, n: int, alone: bool) -> str:
        if self.mode != "auto":
            return self.mode
        return "entries" if n <= (self.max_entries_alone if alone else self.max_entries) else "probes"


def run(problem: Problem, config: FiniteDifferences | None = None, *, alone: bool = False) -> OracleResult:
    """Finite-difference gradient information for the problem, with error estimates."""
    config = config or FiniteDifferences()
    start = time.perf_counter()
    mode = config.choose_mode(problem.n, alone)
    result = entries(problem, config.method) if mode == "entries" else probes(problem, config)
    result.seconds = time.perf_counter() - start
    result.method = repr(config.method)
    return result


def entries(problem: Problem, method: CentralRichardson) -> OracleResult:
    """d loss / d x_j for every entry j, each with an error estimate and one-sided slopes at kinks."""
    work = [x.copy() for x in problem.leaves]
    grads, errors, sided = [], [], []
    for i, x in enumerate(problem.leaves):
        g, e, s = np.empty(x.shape), np.empty(x.shape), np.full(x.shape + (2,), np.nan)
        flat_w = work[i].reshape(-1)
        for j, xj in enumerate(x.reshape(-1)):
            def phi(t, flat_w=flat_w, j=j, xj=xj):
                flat_w[j] = xj + t
                return problem.evaluate(work)

            est = method.derivative(phi, scale=abs(xj), f0=problem.f0)
            flat_w[j] = xj
            idx = np.unravel_index(j, x.shape) if x.ndim else ()
            g[idx], e[idx] = est.value, est.error
            if est.one_sided is not None:
                s[idx] = est.one_sided
        grads.append(g), errors.append(e), sided.append(s)
    return OracleResult(NAME, "entries", grads=grads, errors=errors, one_sided=sided,
                        evaluations=problem.n * method.evaluations)


def probe_direction(seed: int, block: int, index: int, shape) -> np.ndarray:
    """The signed, normalised direction of probe `index` on parameter block `block`."""
    rng = np.random.default_rng([seed, block, index])
    n = int(np.prod(shape)) if len(shape) else 1
    return (rng.integers(0, 2, size=shape) * 2 - 1) / math.sqrt(n)


def probes(problem: Problem, config: FiniteDifferences) -> OracleResult:
    """Directional derivatives along random sign vectors, `probes_per_param` per parameter block."""
    found = []
    for b, (name, x) in enumerate(zip(problem.names, problem.leaves)):
        rms = float(np.sqrt(np.mean(x * x))) if x.size else 0.0
        for k in range(config.probes_per_param):
            v = probe_direction(problem.seed, b, k, x.shape)
            found.append(_probe(problem, config.method, b, name, k, v, max(1.0, rms) * math.sqrt(x.size)))
    return OracleResult(NAME, "probes", probes=found, evaluations=len(found) * config.method.evaluations)


def _probe(problem, method, b, name, k, v, scale) -> Probe:
    base = problem.leaves

    def phi(t):
        leaves = list(base)
        leaves[b] = base[b] + t * v
        return problem.evaluate(leaves)

    est = method.derivative(phi, scale=scale, f0=problem.f0)
    direction = [v if i == b else None for i in range(len(base))]
    return Probe(name, k, est.value, est.error, est.smooth, direction)
