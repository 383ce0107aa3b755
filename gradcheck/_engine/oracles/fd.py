"""Finite-difference oracle: per entry when the parameter count is small, directional probes otherwise.

With an AD oracle beside it, FD is the independent witness that the AD gradient is the derivative of the
same function: a few global probes (and per-block probes up to `block_probes_up_to` entries) confirm the
AD entries for a handful of loss evaluations. Alone, FD probes globally and bisects any failing probe down
to the wrong entries (see probes.py). Directions are reproducible from the seed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..problem.problem import Problem, scalar
from ..validate import bad, parse_choice, parse_int
from . import EntryFD, OracleResult, roundoff
from .finite_diff import CentralRichardson, Stencil
from .probes import bisect, block_direction, global_direction, measure
from .roundoff import measured_noise

NAME = "fd"


@dataclass(frozen=True)
class FiniteDifferences:
    """How the FD oracle works: the method, when to go per entry, how many probes per parameter."""

    method: CentralRichardson = field(default_factory=CentralRichardson)
    max_entries: int = 16  # per-entry FD up to this many parameters in all (when AD oracles also run)
    max_entries_alone: int = 2000  # ... and up to this many when FD is the only oracle
    probes_per_param: int = 1  # per-block probes when an AD oracle also ran (up to block_probes_up_to entries)
    global_probes: int = 2  # signed probes over all parameters
    block_probes_up_to: int = 100_000
    large: int = 100_000  # above this (with AD oracles) one global probe of a 2-level method confirms AD
    bisect_budget: int = 96  # sub-probes allowed per failing probe when FD runs alone
    mode: str = "auto"  # "auto", "entries" or "probes"

    def __post_init__(self):
        if not isinstance(self.method, CentralRichardson):
            raise bad("method", self.method, "a CentralRichardson(...)")
        for name, minimum in (
            ("max_entries", 0),
            ("max_entries_alone", 0),
            ("probes_per_param", 1),
            ("global_probes", 1),
            ("block_probes_up_to", 0),
            ("large", 0),
            ("bisect_budget", 0),
        ):
            parse_int(getattr(self, name), name, minimum)
        parse_choice(self.mode, "mode", ("auto", "entries", "probes"))

    def choose_mode(self, n: int, alone: bool) -> str:
        if self.mode != "auto":
            return self.mode
        return "entries" if n <= (self.max_entries_alone if alone else self.max_entries) else "probes"


def run(problem: Problem, config: FiniteDifferences | None = None, *, alone: bool = False, fails=None) -> OracleResult:
    """Finite-difference gradient information; `fails(probe)` (FD alone) drives bisection to wrong entries."""
    config = config or FiniteDifferences()
    start = time.perf_counter()

    mode = config.choose_mode(problem.n, alone)
    watch = Watch(problem.loss, problem.f0)
    watched = replace(problem, loss=watch)
    result = entries(watched, config.method) if mode == "entries" else probes(watched, config, alone, fails)
    result.seconds = time.perf_counter() - start
    if mode == "probes" or not watch.moved:  # entries mode says per block (entries())
        result.flat = (not watch.moved,) * len(problem.leaves)
    if not watch.moved:  # the quantum of a loss fd never saw move: the round-off it puts into yours and AD's
        result = with_roundoff(result, watched)

    result.method = (
        repr(config.method)
        if mode == "entries" or alone or problem.n <= config.large
        else repr(_confirming(config.method))
    )
    return result


class Watch:
    """The loss, noting whether any value differs from the loss at the point: a loss fd never saw move (it
    moves in quanta coarser than every step fd took) leaves fd nothing to judge with (the judge's rule 7).
    Per entry, the stencils say the same for each parameter (FDEstimate.moved)."""

    def __init__(self, loss, f0: float):
        self.loss, self.f0, self.moved = loss, f0, False

    def __call__(self, *args):
        value = self.loss(*args)
        if not self.moved and scalar(value) != self.f0:
            self.moved = True
        return value


def entries(problem: Problem, method: CentralRichardson) -> OracleResult:
    """d loss / d x_j for every entry j, each with an error estimate and one-sided slopes at kinks (with the
    loss's round-off measured first, roundoff.py: 24 evaluations, cheap beside n x 6)."""
    measured = roundoff.measure(problem)
    noise = measured.noise
    grads = [np.empty(x.shape) for x in problem.leaves]
    errors = [np.empty(x.shape) for x in problem.leaves]
    sided = [np.full(x.shape + (2,), np.nan) for x in problem.leaves]
    gains = [np.zeros(x.shape) for x in problem.leaves]
    resolution, moved = 0.0, [False] * len(problem.leaves)
    for b, j, xj, phi in problem.along_entries():
        est = method.derivative(phi, scale=abs(xj), f0=problem.f0, eps=problem.eps, noise_floor=noise)
        idx = np.unravel_index(j, grads[b].shape) if grads[b].ndim else ()
        grads[b][idx], errors[b][idx], gains[b][idx] = est.value, est.error, est.gain
        moved[b] = moved[b] or est.moved
        resolution = max(resolution, est.quantum)
        if est.one_sided is not None:
            sided[b][idx] = est.one_sided
    if resolution > 0:  # the loss's resolution is a property of the loss at the point, not of one entry
        errors = [np.maximum(e, g * resolution) for e, g in zip(errors, gains)]
    result = OracleResult(
        NAME, "entries", grads=grads, errors=errors, one_sided=sided, evaluations=problem.n * method.evaluations
    )
    result.flat = tuple(not m for m in moved)
    return _with_roundoff(result, measured, problem)


def cancellation(q: float, x: np.ndarray) -> float:
    """The round-off of a gradient entry computed through a loss whose values move in quanta q (a cross-entropy
    of a confident prediction, by cancellation): about q per unit of the parameter, q / rms(x). The loss's terms
    ~ q / eps depend on x with derivatives ~ q / (eps |x|), and so does the gradient's own cancellation: yours
    and an AD framework's each carry that much (p - y for p = 1 - 1e-10 is exact to eps, not to eps p)."""
    if q == 0 or x.size == 0:
        return 0.0
    rms = float(np.sqrt(np.mean(x * x)))
    return q / rms if rms > 0 else 0.0


def at_entries(
    problem: Problem, method: CentralRichardson, picks: dict[int, list[tuple]], noise: float | None = None
) -> dict[int, tuple]:
    """fd one entry at a time, closer (every step), at the chosen entries {block: [index]}: the few where yours
    disagrees with AD or with fd's first look (judge.to_reexamine)."""
    out = {}
    noise = measured_noise(problem) if noise is None else noise  # measured once per check where fd measured it
    for b, indices in picks.items():
        found = []
        for index in indices:
            e = np.zeros(problem.leaves[b].shape)
            e[index] = 1.0
            direction = [e if c == b else None for c in range(len(problem.leaves))]
            est = method.derivative(
                problem.along(direction),
                scale=abs(float(problem.leaves[b][index])),
                f0=problem.f0,
                eps=problem.eps,
                noise_floor=noise,
                closer=True,
            )
            found.append(EntryFD(index, est.value, est.error, est.one_sided))
        out[b] = tuple(found)
    return out


def _confirming(method: CentralRichardson) -> CentralRichardson:
    """The cheaper method used at scale when AD oracles give the entries: two Richardson levels."""
    return replace(method, levels=min(method.levels, 2))


def probes(problem: Problem, config: FiniteDifferences, alone: bool = False, fails=None) -> OracleResult:
    """Global sign probes; beside AD, per-block probes when a global one disagrees with the AD gradient
    (`fails`); alone, bisection of a probe your gradient cannot explain (`fails`)."""
    shapes = [x.shape for x in problem.leaves]
    large = not alone and problem.n > config.large
    method = _confirming(config.method) if large else config.method
    found = [
        measure(problem, method, global_direction(problem.seed, k, shapes), index=k)
        for k in range(1 if large else config.global_probes)
    ]
    # a probe that is not smooth depends on the loss's round-off: measure it (only then), and look again with it
    measured = roundoff.measure(problem) if any(p.kind != Stencil.SMOOTH for p in found) else None
    noise = measured.noise if measured is not None else 0.0
    if noise > 0:
        found = [p if p.kind == Stencil.SMOOTH else _again(problem, method, p, noise) for p in found]
    confirmed = not alone and fails is not None and not any(fails(p) for p in found)
    # beside AD, block probes only attribute a global disagreement to a block: skip them when AD passed
    if not alone and not confirmed and problem.n <= config.block_probes_up_to and len(shapes) > 1:
        found += [
            measure(problem, method, block_direction(problem.seed, b, k, shapes), index=k, noise=noise)
            for b in range(len(shapes))
            for k in range(config.probes_per_param)
        ]
    if alone and fails is not None:
        for p in [p for p in found if fails(p)][:1]:  # one failing probe's bisection finds its wrong entries
            found += bisect(problem, method, p, fails, config.bisect_budget, noise)
    result = OracleResult(NAME, "probes", probes=found, evaluations=sum(p.evaluations for p in found))
    return _with_roundoff(result, measured, problem) if measured is not None else result


def _again(problem: Problem, method: CentralRichardson, p, noise: float):
    """Probe p measured again against the loss's measured round-off (its evaluations counted once more)."""
    again = measure(problem, method, p.direction, name=p.param, index=p.index, scale=p.scale, span=p.span, noise=noise)
    return replace(again, evaluations=again.evaluations + p.evaluations)


def with_roundoff(result: OracleResult, problem: Problem) -> OracleResult:
    """fd's result with the loss's round-off measured now, where its probes did not need it (they were smooth and
    the loss moved): the judge needs it wherever yours and AD disagree (its rule 1's allowance for a loss in
    quanta). Measured once per check: a second round of oracles (jax consulted) finds it in the result's memo."""
    if result.noise is not None:
        return result
    if "roundoff" not in result.memo:  # 24 loss evaluations
        result.memo["roundoff"] = _with_roundoff(result, roundoff.measure(problem), problem)
    return result.memo["roundoff"]


def _with_roundoff(result: OracleResult, measured: roundoff.Roundoff, problem: Problem) -> OracleResult:
    """fd's result with the loss's measured round-off: its quantum, and what that quantum puts into gradients."""
    return replace(
        result,
        noise=measured.noise,
        quantum=measured.quantum,
        cancellation=tuple(cancellation(measured.quantum, x) for x in problem.leaves),
        evaluations=result.evaluations + 24,
    )
