"""check_hvp: a hand-written Hessian-vector product checked as the gradient of <grad L(p), v>.

H is symmetric, so H v = grad_p <grad L(p), v>: the check of a gradient (its oracles, judge, per-entry
localisation and report) applies unchanged to the scalar directional.directional builds. torch and jax
differentiate their own gradient of the loss again (a numpy loss followed: oracles/follow/second.py); fd
differentiates a framework's gradient where the loss runs under one, else a fixed stencil of the loss along v
(mixed second differences). A mismatch is then diagnosed as a Hessian's mistakes (hvp_diagnosis.py): a term
c v, an asymmetric block, a missing curvature term.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ...errors import GradcheckError, fail
from ...report import OracleRun, Report
from ...settings import CheckOptions, Options
from ...tracebacks import user_facing
from ..diagnose.hvp_diagnosis import rediagnose
from ..diagnose.likely_bug import Operation
from ..oracles import AD_ORACLES, missing
from ..oracles.fd import FiniteDifferences
from ..problem.directional import GradientSource, directional, pick_source
from ..record.inputs import as_param_array, require_callable
from ..run.check import grad_report
from ..tree import flatten, unflatten
from . import adapter

if TYPE_CHECKING:
    from typing import Unpack

VECTOR_STREAM = 0x4E5  # the generator stream of check_hvp's random vectors
STENCIL_ENTRIES = 250  # fd alone, entry by entry, up to this many parameters when fd differentiates the stencil


@user_facing
def check_hvp(loss, hvp, params, *, args=(), vector=None, **options: Unpack[CheckOptions]) -> Report:
    """Check a hand-written Hessian-vector product `hvp(params, v, *args)` of the scalar `loss(params, *args)`.

    vector: v, a tree like params (default: standard normal entries drawn from the seed). Returns a Report;
    raises GradientMismatch when the check fails and `raise_on_failure` is true, as check_grad does.
    """
    __tracebackhide__ = True
    require_callable("loss", loss), require_callable("hvp", hvp)
    opts = Options.parse(options, "check_hvp")
    args = tuple(args) if isinstance(args, (list, tuple)) else (args,)
    v = make_vector(params, vector, opts.seed)
    source = pick_source(loss, params, v, args, _frameworks(opts.oracles))
    engine = {**opts.engine(), "fd": opts.fd or _fd_for(source)}
    report = grad_report(directional(loss, source), _as_grad(hvp), params, args=(v, *args), kind="hvp", **engine)
    report = adapter.finish(report, [], Operation(getattr(loss, "__name__", None), mlp=False), args)
    report = replace(report, oracles=[_described(run, source) for run in report.oracles])
    report = rediagnose(report, hvp, params, v, args)
    if opts.raise_on_failure and not report.ok:
        fail(report)
    return report


def make_vector(params, given, seed: int):
    """v for the check: `given` checked against params' structure and shapes (as float64), else standard normal
    entries from the seed, one draw per leaf in order, in params' own containers."""
    names, leaves, treedef = flatten(params)
    shapes = [np.shape(as_param_array(n, x)) for n, x in zip(names, leaves)]
    if given is None:
        rng = np.random.default_rng([seed, VECTOR_STREAM])
        return unflatten(treedef, [rng.standard_normal(s) for s in shapes])
    g_names, g_leaves, _ = flatten(given, "vector")
    if g_names != names:
        raise GradcheckError(
            f"Expected vector to be a tree like params (entries {', '.join(names)}) but got "
            f"vector={given!r:.60} (type={type(given).__name__}) with entries {', '.join(g_names)}"
        )
    out = []
    for n, s, g in zip(names, shapes, g_leaves):
        arr = as_param_array(n, g, "vector").astype(np.float64)
        if arr.shape != s:
            raise GradcheckError(
                f"Expected vector entry {n!r} of shape {s} (like params) but got shape {arr.shape} in "
                f"vector={given!r:.60} (type={type(given).__name__})"
            )
        out.append(arr)
    return unflatten(treedef, out)


def _frameworks(oracles) -> tuple[str, ...]:
    """The installed frameworks the check may use, in the plan's order (none when oracles names only fd)."""
    allowed = AD_ORACLES if oracles is None or oracles == "all" else tuple(o for o in AD_ORACLES if o in oracles)
    return tuple(o for o in allowed if missing(o) is None)


def _fd_for(source: GradientSource) -> FiniteDifferences | None:
    """fd's default settings, but over the stencil (each of its values costs 2 x INNER_LEVELS loss evaluations)
    fd alone looks entry by entry only up to STENCIL_ENTRIES parameters, then by probes and bisection."""
    return None if source.framework is not None else FiniteDifferences(max_entries_alone=STENCIL_ENTRIES)


def _as_grad(hvp):
    """The engine's grad(p, v, *args): the hand-written product, called as the user wrote it."""

    def grad(p, v, *args):
        return hvp(p, v, *args)

    return grad


SECOND_ORDER = {  # how an AD oracle's H v was computed, by (oracle, how it ran the loss)
    (
        "torch",
        "as written",
    ): "H v: torch's gradient paired with the vector, differentiated again (reverse over reverse)",
    ("jax", "as written"): "H v: jax.grad of jax's gradient paired with the vector (reverse over reverse)",
    ("torch", "numpy code followed"): "H v: the followed loss's gradient differentiated again (reverse over reverse)",
    ("jax", "numpy code followed"): "H v: jax.jvp of jax.grad of the followed loss (forward over reverse)",
}


def _described(run: OracleRun, source: GradientSource) -> OracleRun:
    """An oracle's run, saying how it got H v (fd: a framework's gradient or the loss's stencil differentiated)."""
    if run.status != "ran":
        return run
    if run.name in AD_ORACLES:
        how = SECOND_ORDER.get((run.name, run.ran_as))
        return run if how is None else replace(run, method=f"{run.method}; {how}")
    return replace(run, method=f"{run.method}; {source.describe()}")
