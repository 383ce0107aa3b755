"""Which output entries a wrong forward-mode rule gets wrong, for the input whose tangent it mishandles.

The check's verdict is per input (jvp.py); here fd's directional derivative of f along that input's tangent alone
(central differences extrapolated, with their error) is set beside the rule's output tangent, output by output,
so the diagnosis names the output, how many of its entries are wrong, and a constant factor where there is one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...render import verdict_line
from ...report import ParamReport, Report
from ..oracles.finite_diff import richardson
from ..record.inputs import fresh
from ..tree import flatten
from .scaling import near, scale_factor

_LEVELS = 4
_REL_STEP = 2.0**-7


def rediagnose(report: Report, rule, ins, tangents, steps) -> Report:
    """The report with each wrong input's diagnosis said per output of f."""
    wrong = [p for p in report.params if p.status == "mismatch" and not p.oracles_disagree]
    if not wrong:
        return report
    out = [p if p not in wrong else _diagnosed(p, rule, ins, tangents, steps[p.name]) for p in report.params]
    done = replace(report, params=out)
    return replace(done, verdict=verdict_line(done))


def _diagnosed(p: ParamReport, rule, ins, tangents, k: float) -> ParamReport:
    i = ins.names.index(p.name)
    try:
        ref, err = directional_fd(rule.forward, ins.values, i, tangents[i] * k)
        mine = rule.yours(only(tangents, i), ins.values)
    except Exception:  # fd cannot run the forward off the point: keep the per-input diagnosis
        return replace(p, diagnosis=_words(p.name, rule.label, []), diagnosis_kind="unlocalised")
    names, refs, _ = flatten(ref, "output")
    _, errs, _ = flatten(err, "output")
    _, ys, _ = flatten(mine, "output")
    findings = [
        f
        for n, r, e, y in zip(names, refs, errs, ys)
        if (f := _output_finding(n, np.asarray(y, dtype=np.float64) * k, r, e)) is not None
    ]
    return replace(p, diagnosis=_words(p.name, rule.label, findings), diagnosis_kind="jvp_tangent")


def only(tangents: list, i: int) -> list:
    """The tangents with every one but input i's set to zeros (None stays None)."""
    return [t if j == i or t is None else np.zeros_like(t) for j, t in enumerate(tangents)]


def _words(name: str, label: str, findings: list[str]) -> str:
    where = "; ".join(findings) if findings else "fd's directional derivative did not localise it to an output"
    return f"{label} mishandles the tangent of {name}: {where}"


def _output_finding(name: str, y: np.ndarray, ref: np.ndarray, err: np.ndarray) -> str | None:
    """What is wrong in one output's tangent, or None when it matches fd's directional derivative."""
    if y.shape != ref.shape:
        return f"{name} has shape {y.shape} in yours but {ref.shape} in f's output"
    scale = float(np.max(np.abs(ref), initial=0.0))
    bad = np.abs(y - ref) > 1e-6 * scale + 1e-9 + 10 * err
    if not bad.any():
        return None
    c = scale_factor(y, ref, 1e-5)
    factor = ""
    if c is not None and not near(c, 1, 1e-5):
        factor = f" (yours = {c:.6g} x the directional derivative in every entry)"
    if not np.any(y) and np.any(ref):
        factor = " (yours is zero: the tangent never reaches it)"
    j = int(np.argmax(np.where(bad, np.abs(y - ref), -1).reshape(-1)))
    idx = tuple(int(a) for a in np.unravel_index(j, ref.shape)) if ref.ndim else ()
    return (
        f"{name} wrong in {int(bad.sum())}/{bad.size} entries{factor}, worst at {idx}: "
        f"yours {y[idx] if y.ndim else float(y):.7g}, fd {ref[idx] if ref.ndim else float(ref):.7g}"
    )


def directional_fd(forward, values, i: int, t: np.ndarray):
    """d/ds f(..., x_i + s t, ...) at 0 for every output entry, by central differences at halving steps
    extrapolated; (tangent tree, error tree) like f's outputs."""
    h = _REL_STEP

    def at(s):
        vals = fresh(values)
        vals[i] = values[i] + s * t
        names, leaves, treedef = flatten(forward(vals), "output")
        return [np.asarray(x, dtype=np.float64) for x in leaves], treedef

    diffs, treedef = [], None
    for lvl in range(_LEVELS):
        hi, td = at(h / 2**lvl)
        lo, _ = at(-h / 2**lvl)
        treedef = td
        diffs.append([(a - b) / (2 * h / 2**lvl) for a, b in zip(hi, lo)])
    from ..tree import unflatten

    vals, errs = [], []
    for leaf in range(len(diffs[0])):
        value, _, _ = richardson([d[leaf] for d in diffs])
        prev, _, _ = richardson([d[leaf] for d in diffs[:-1]])
        vals.append(np.asarray(value))
        errs.append(np.abs(np.asarray(value) - np.asarray(prev)))
    return unflatten(treedef, vals), unflatten(treedef, errs)
