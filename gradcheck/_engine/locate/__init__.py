"""Where in your code: on a failing check, the first wrong line of the user's backward.

Takes the check's loss and gradient functions, its point and its report; returns `Located` (the first wrong
line, the followed steps, or why nothing was located). Runs only when a check failed: a passing check never
comes here. Stages: trace.py follows the backward as it runs, reference.py gets the forward's quantities and
their adjoints, match.py says which of them a backward quantity is, search.py finds the first wrong one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...report import Report
from ..record.inputs import copy_tree
from ..tree import flatten
from .match import is_quantity
from .reference import Quantity, forward_quantities
from .search import Located, Problem, search
from .trace import Follower

NO_SOURCE = "the backward's source cannot be read (code made by exec or compiled), so its lines cannot be followed"


def locate(loss, grad, params, args, report: Report) -> Located:
    """The first wrong line of `grad`'s code (followed into the helpers it calls), or why there is none."""
    truth, wrong = _truth(report)
    if not wrong:
        return Located(None, [], "")
    follower = Follower()
    try:
        returned = follower.run(grad, copy_tree(params), *copy_tree(args))
    except Exception as exc:  # the check ran it; a second run that fails is not this module's to report
        return Located(None, [], f"the backward could not be run again to follow it ({type(exc).__name__})")
    if not follower.steps:
        return Located(None, [], NO_SOURCE)
    forward = forward_quantities(loss, params, args, truth)
    forward.quantities += _given(follower.steps, forward.quantities)
    dtype = min((p.dtype for p in report.params), key=lambda d: {"float16": 0, "float32": 1}.get(d, 2))
    problem = Problem(
        _backward_steps(follower.steps, forward.quantities),
        forward.quantities,
        _flat(returned),
        truth,
        wrong,
        _rerun(grad, params, args),
        {"float16": 1e-2, "float32": 1e-4}.get(dtype, 1e-6 if forward.how == "torch" else 1e-5),
    )
    return search(problem)


def with_location(report: Report, located: Located) -> Report:
    """The report with where in the user's code the first wrong quantity is (or why it could not be told)."""
    return replace(report, first_wrong=located.first_wrong, steps=located.steps, not_located=located.why)


def _truth(report: Report) -> tuple[dict[str, np.ndarray], list[str]]:
    """Each parameter's true gradient (a trusted oracle's; yours where it passed) and the wrong ones' names."""
    truth, wrong = {}, []
    for p in report.params:
        ref = next((p.refs[o] for o in p.trusted if o in p.refs), None)
        if p.ok and p.yours is not None:
            truth[p.name] = np.asarray(p.yours, dtype=np.float64)
        elif p.status == "mismatch" and ref is not None:
            truth[p.name] = np.asarray(ref, dtype=np.float64)
            wrong.append(p.name)
    return truth, wrong


def _flat(tree) -> dict[str, np.ndarray]:
    try:
        names, leaves, _ = flatten(tree, "params")
    except Exception:
        return {}
    return {n: np.asarray(x) for n, x in zip(names, leaves) if x is not None}


def _backward_steps(steps, quantities):
    """The steps of the backward's own lines: a forward the gradient function runs first (check_backward's
    call of forward before backward) is left out, unless nothing else ran (a forward returning (loss, dx))."""
    forward = {(q.file, q.function) for q in quantities if q.file}
    own = [s for s in steps if (s.file, s.function) not in forward]
    return own if any(not s.argument for s in own) else steps


def _given(steps, quantities) -> list[Quantity]:
    """The arrays gradcheck hands the backward (a cotangent `dout`, data): right as they come."""
    have = {q.label for q in quantities if q.leaf}
    out = []
    for s in steps:
        if s.argument and s.root and is_quantity(s.value) and s.name not in have:
            have.add(s.name)
            out.append(Quantity(s.name, "", 0, s.value.astype(np.float64), None, leaf=True))
    return out


def _rerun(grad, params, args):
    def rerun(swap):
        f = Follower(swap=swap, snapshot=False)
        f.keep = False
        try:
            out = f.run(grad, copy_tree(params), *copy_tree(args))
        except Exception:
            return None
        return _flat(out) if f.swapped else None

    return rerun
