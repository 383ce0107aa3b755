"""check_function's forward-mode part: the jvp rule of a torch.autograd.Function (its `jvp` staticmethod, called
by torch's forward-mode AD) or of a jax.custom_jvp function, checked input by input as check_jvp checks a
hand-written jvp: against fd on F's forward, the framework's autograd of the forward's body (never F's rule),
and the other framework on the reference forward where one is given."""

from __future__ import annotations

import numpy as np

from ...errors import GradcheckError
from ...report import Report
from ...settings import Options
from ..diagnose.likely_bug import Operation
from . import adapter
from .gradients import Inputs
from .jvp import Rule, jvp_report


def has_rule(backend) -> bool:
    """Whether F brings a forward-mode rule to check."""
    return callable(getattr(backend, "rule", None)) and getattr(backend, "jvp_label", None) is not None


def jvp_part(backend, reference, ins: Inputs, floating: list[int], opts: Options, why: dict) -> Report:
    """The report of F's jvp rule, its inputs named as in the backward's report."""

    def pick(outs):
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        return outs[floating[0]] if len(floating) == 1 else tuple(outs[i] for i in floating)

    def forward(vals):
        moved = [v for v, f in zip(vals, ins.floating) if f and not isinstance(v, np.ndarray)]
        if not moved:
            return pick(backend.forward(vals))
        if backend.owns(moved[0]):
            return pick(adapter.noting(why, backend.name, lambda: backend.body(vals, list(ins.names))))
        if reference is None:
            raise GradcheckError("no reference forward was given")
        return pick(adapter.noting(why, "reference", lambda: reference(*vals)))

    def yours(tangents, vals):
        return pick(backend.rule(tangents, vals))

    rule = Rule(forward, yours, backend.jvp_label, Operation(backend.label, mlp=False, loss=False))
    return jvp_report(rule, ins, None, opts)
