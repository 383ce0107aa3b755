"""The step-free Taylor test: the remainder of the first-order expansion falls as h^2 only if g is right.

Along a direction v, r(h) = |f(x + h v) - f(x) - h <g, v>| = h^2 |v^T H v| / 2 + O(h^3) for the true g, but
|h <e, v>| + O(h^2) for g = true + e. The slope of log r against log h over the smallest steps whose remainder
stands above round-off is the order: ~2 right, ~1 wrong. The order comes with an uncertainty: half the spread
of the local orders log2(r(h) / r(h/2)) over those steps (a remainder still bending towards its asymptote, as
at large steps on a float32 loss, is not read as order 1) plus what round-off can move them. No step has to
be chosen well, so it can decide what finite-difference error estimates leave open (float32 or noisy losses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..validate import parse_int, parse_number

EPS64 = float(np.finfo(np.float64).eps)


@dataclass
class TaylorResult:
    """The fitted order, the verdict it implies, the smallest slope error it would catch, and the data."""

    order: float | None
    verdict: str  # "consistent", "wrong" or "undecided"
    bound: float  # a slope error |<e, v>| above this shows as order 1 on the steps used
    h: list[float] = field(default_factory=list)
    remainder: list[float] = field(default_factory=list)
    floor: float = 0.0  # remainders below this are round-off
    used: int = 0  # how many of the smallest steps entered the fit
    uncertainty: float | None = None  # of the order (None when no order was fitted)
    slope_error: float = 0.0  # r(h) / h at the smallest step used: the slope error |<e, v>| an order 1 implies

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def sentence(self) -> str:
        if self.order is None:
            return f"Taylor test: remainder at round-off level at every step (floor {self.floor:.1e}): {self.verdict}"
        kept = [h for h, r in zip(self.h, self.remainder) if r > self.floor][-self.used :]
        near = "~2: " if self.verdict == "consistent" else "~1: " if self.verdict == "wrong" else ""
        return (
            f"Taylor test: remainder order {self.order:.2f} +- {self.uncertainty or 0.0:.2f} over h in "
            f"[{kept[-1]:.1e}, {kept[0]:.1e}] ({near}{self.verdict})"
        )


def steps(first: float, count: int) -> list[float]:
    """first, first/2, ..., halving `count` - 1 times."""
    return [first / 2**k for k in range(count)]


def remainders(phi, f0: float, slope: float, hs: list[float]) -> tuple[list[float], float]:
    """r(h) = |phi(h) - f0 - h slope| for each h, and the largest |phi| seen (for the round-off floor)."""
    rs, fmax = [], abs(f0)
    for h in hs:
        fh = float(phi(h))
        fmax = max(fmax, abs(fh))
        rs.append(abs(fh - f0 - h * slope))
    return rs, fmax


def fit_order(
    hs: list[float], rs: list[float], floor: float, tail: int = 4, noise: float = 0.0
) -> tuple[float | None, int, float | None]:
    """(least-squares slope of log r on log h over the `tail` smallest steps with r above the floor, the number
    of steps used, its uncertainty): half the spread of the local orders plus what `noise` in each phi value
    can move them (a relative change 2 noise / r in r moves a local order by up to 4 noise / (r ln 2))."""
    keep = [(h, r) for h, r in zip(hs, rs) if r > floor]
    if len(keep) < 3:
        return None, len(keep), None
    pts = keep[-tail:]
    x = np.log([h for h, _ in pts])
    y = np.log([r for _, r in pts])
    local = np.diff(y) / np.diff(x)
    spread = float(local.max() - local.min()) / 2
    jitter = max(4 * noise / (r * np.log(2)) for _, r in pts)
    return float(np.polyfit(x, y, 1)[0]), len(pts), spread + jitter


def judge(order: float | None, uncertainty: float | None = 0.0) -> str:
    """~2 consistent, ~1 wrong, only when the uncertainty keeps the order on its side of 1.5; else undecided."""
    if order is None:
        return "consistent"
    u = uncertainty or 0.0
    if order >= 1.7 and order - 2 * u >= 1.3:
        return "consistent"
    if order <= 1.3 and order + 2 * u <= 1.5:
        return "wrong"
    return "undecided"


def taylor_test(
    phi, f0: float, slope: float, scale: float, *, eps: float = EPS64, first: float = 2.0**-3, count: int = 12
) -> TaylorResult:
    """The Taylor test of `slope` as phi'(0); steps start at first * scale and halve `count` - 1 times."""
    hs = steps(first * scale, count)
    rs, fmax = remainders(phi, f0, slope, hs)
    floor = 64 * eps * max(fmax, np.finfo(np.float64).tiny)
    order, used, uncertainty = fit_order(hs, rs, floor, noise=eps * fmax)
    keep = [(h, r) for h, r in zip(hs, rs) if r > floor]
    h_min, r_min = keep[-1] if keep else (hs[0], floor)
    # a slope error d adds d h to r: it dominates (order -> 1) on the smallest steps once d h_min > r(h_min)
    bound = 2 * r_min / h_min
    return TaylorResult(order, judge(order, uncertainty), bound, hs, rs, floor, used, uncertainty, r_min / h_min)


def along(problem, direction: list, grads: list, *, eps: float | None = None, **kw) -> TaylorResult:
    """The Taylor test of the gradient `grads` (per block, None where direction is None) along `direction`."""
    return taylor_test(
        problem.along(direction),
        problem.f0,
        directional(grads, direction),
        problem.scale(direction),
        eps=eps or problem.eps,
        **kw,
    )


def directional(grads: list, direction: list) -> float:
    """<g, v> over the blocks the direction covers."""
    return sum(float(np.sum(np.asarray(g, dtype=np.float64) * v)) for g, v in zip(grads, direction) if v is not None)


def taylor_data(loss, grad, params, args=(), *, seed: int = 0, count: int = 16, first: float = 2.0**-2) -> dict:
    """Error-versus-step data for a plot: Taylor remainders and central-difference errors along one probe.

    Returns {"h", "remainder", "fd_error", "order", "verdict", "floor", "slope", "seed"}: the remainder
    |f(x + h v) - f(x) - h <grad, v>| and |(f(x + h v) - f(x - h v)) / 2h - <grad, v>| for each step h, v the
    first global sign probe of `seed`.
    """
    from ...settings import parse_seed
    from ..problem.problem import Problem
    from ..record.inputs import require_callable
    from ..tree import flatten
    from .probes import global_direction

    require_callable("loss", loss), require_callable("grad", grad)
    seed, count = parse_seed(seed), parse_int(count, "count", 3, 60)
    first = parse_number(first, "first", 0.0, 1.0, open_low=True)
    problem = Problem.at(loss, params, args, seed=seed)
    _, graw, _ = flatten(grad(params, *problem.args))
    v = global_direction(seed, 0, [x.shape for x in problem.leaves])
    res = along(problem, v, graw, first=first, count=count)
    phi, slope = problem.along(v), directional(graw, v)
    fd_err = [abs((phi(h) - phi(-h)) / (2 * h) - slope) for h in res.h]
    return {
        "h": res.h,
        "remainder": res.remainder,
        "fd_error": fd_err,
        "order": res.order,
        "verdict": res.verdict,
        "floor": res.floor,
        "slope": slope,
        "seed": seed,
        "scale": problem.scale(v),
    }
