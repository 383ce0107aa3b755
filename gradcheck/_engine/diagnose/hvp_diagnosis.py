"""The likely bug in a wrong Hessian-vector product, from what a Hessian must be.

A Hessian is symmetric: <u, H w> = <w, H u> for every u, w. So the hand-written product is also asked at random
vectors supported on one parameter each, and an asymmetric pair of blocks names a transposed or one-sided cross
term, with no oracle needed. Beside that: a factor (2, 1/2, N) on the whole product; a residual hvp - H v = c v
(a term c v missing or extra: the L2 penalty's lambda v); and a symmetric product that is wrong in a pattern,
which is a missing curvature term (Gauss-Newton J^T J v leaves out sum_i r_i grad^2 r_i).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ...render import verdict_line
from ...report import ParamReport, Report
from ..record.inputs import copy_tree
from ..tree import flatten, unflatten
from .likely_bug import Diagnosis, reference
from .scaling import near, scale_factor, scale_words

HVP_STREAM = 0x5E7  # the generator stream of the symmetry test's vectors
_KEEP = ("zeros", "transposed", "nondeterministic", "stateful")  # general diagnoses that already say it
_RTOL = {"float64": 1e-6, "float32": 1e-3, "float16": 3e-2}


@dataclass(frozen=True)
class Asymmetry:
    """Blocks a, b where <r_a, hvp(r_b)> and <r_b, hvp(r_a)> differ (a == b: two vectors within one block)."""

    a: str
    b: str
    left: float
    right: float


def rediagnose(report: Report, hvp, params, v, args) -> Report:
    """The report with each mismatch diagnosed as a Hessian's mistake, where one fits."""
    wrong = [
        p for p in report.params if p.status == "mismatch" and p.diagnosis_kind not in _KEEP and not p.oracles_disagree
    ]
    if not wrong:
        return report
    names, leaves, treedef = flatten(params)
    rtol = max(_RTOL.get(p.dtype, 1e-3) for p in wrong)
    pairs = asymmetries(hvp, [np.asarray(x, dtype=np.float64) for x in leaves], names, treedef, args, rtol)
    v_leaves = dict(zip(names, flatten(v, "vector")[1]))
    curvature = _curvature(report, v_leaves)
    out = [
        p if p not in wrong else _diagnosed(p, hvp_diagnosis(p, v_leaves[p.name], pairs, curvature, rtol))
        for p in report.params
    ]
    done = replace(report, params=out)
    return replace(done, verdict=verdict_line(done))


def _diagnosed(p: ParamReport, found: Diagnosis | None) -> ParamReport:
    return p if found is None else replace(p, diagnosis=found.words, diagnosis_kind=found.kind)


def hvp_diagnosis(p: ParamReport, v: np.ndarray, pairs: list[Asymmetry], curvature, rtol: float) -> Diagnosis | None:
    """One parameter's diagnosis: its blocks' asymmetry, a factor, a c v term, or a missing curvature term."""
    ref = reference(p)
    mine = [a for a in pairs if p.name in (a.a, a.b)]
    if mine:
        return _asymmetric(p.name, mine[0])
    if ref is None or p.yours is None:
        return None
    y = np.asarray(p.yours, dtype=np.float64)
    c = scale_factor(y, ref, rtol)
    if c is not None and not near(c, 1.0, rtol):
        return Diagnosis("scaled", _factor_words(p.name, c, rtol))
    alpha = _v_term(y - ref, np.asarray(v, dtype=np.float64), rtol)
    if alpha is not None:
        return Diagnosis(
            "missing_term",
            f"yours - H v = {alpha:.6g} x v in every entry of {p.name}: a term {-alpha:.6g} x v is missing "
            f"(or one of {alpha:.6g} x v is extra); the Hessian of an L2 penalty (lambda/2)||w||^2 adds "
            f"lambda x v, so look for the regulariser's term in the product",
        )
    return _missing_curvature(p.name, curvature)


def _factor_words(name: str, c: float, rtol: float) -> str:
    if near(abs(c), 2.0, rtol) or near(abs(c), 0.5, rtol):
        return (
            f"yours = {c:g} x H v in {name} (scale {'2' if near(abs(c), 2.0, rtol) else '1/2'}): a factor 2 "
            f"the Hessian does not have, or lacks; the Hessian of (1/2)||r||^2 is J^T J + sum_i r_i grad^2 r_i, "
            f"of ||r||^2 twice that, so look for the loss's 1/2 or a term counted twice"
        )
    return scale_words(c, None, rtol).replace("reference", "H v")


def _v_term(diff: np.ndarray, v: np.ndarray, rtol: float) -> float | None:
    """c when hvp - H v = c v (least squares, then verified to rtol of the residual), else None."""
    vv = float(np.sum(v * v))
    if vv == 0.0 or not np.any(diff):
        return None
    alpha = float(np.sum(diff * v)) / vv
    return alpha if np.all(np.abs(diff - alpha * v) <= 1e2 * rtol * np.max(np.abs(diff))) else None


def _asymmetric(name: str, a: Asymmetry) -> Diagnosis:
    if a.a == a.b:
        where, term = f"within {a.a}", f"its block d^2L/d{a.a}^2"
    else:
        where, term = f"between {a.a} and {a.b}", f"the cross term d^2L/d{a.a}d{a.b}"
    return Diagnosis(
        "asymmetric",
        f"your hvp is not symmetric {where}: <u, hvp(w)> = {a.left:.6g} but <w, hvp(u)> = {a.right:.6g} "
        f"for random u, w on those blocks; a Hessian is symmetric, so {term} is wrong on one side "
        f"(transposed, or left out of one of the two products)",
    )


def _missing_curvature(name: str, curvature) -> Diagnosis:
    yours_q, ref_q = curvature
    psd = (
        f" v^T hvp(v) = {yours_q:.6g} >= 0 while v^T H v = {ref_q:.6g} < 0: yours is positive where the Hessian"
        f" is not, as a Gauss-Newton or Fisher product is;"
        if yours_q >= 0 > ref_q
        else ""
    )
    return Diagnosis(
        "missing_term",
        f"your hvp is symmetric, as a Hessian is, but {name} differs from H v in a pattern that is no constant "
        f"factor:{psd} a curvature term is missing or extra (a Gauss-Newton product J^T H_out J v leaves out "
        f"sum_i r_i grad^2 r_i, the model's second derivative weighted by the residuals)",
    )


def _curvature(report: Report, v: dict) -> tuple[float, float]:
    """(v^T hvp(v), v^T H v) over the parameters with a per-entry reference."""
    yours = ref = 0.0
    for p in report.params:
        r = reference(p)
        if r is None or p.yours is None or p.name not in v:
            continue
        yours += float(np.sum(np.asarray(p.yours, dtype=np.float64) * v[p.name]))
        ref += float(np.sum(r * v[p.name]))
    return yours, ref


def asymmetries(hvp, leaves, names, treedef, args, rtol: float) -> list[Asymmetry]:
    """Pairs of blocks where the hand-written product is not symmetric: two random vectors per block, the product
    at each (2 calls a block), then <r_a, hvp(r_b)_a> against <r_b, hvp(r_a)_b> for every pair a <= b."""
    rng = np.random.default_rng(HVP_STREAM)
    r = [rng.standard_normal(x.shape) for x in leaves]
    s = [rng.standard_normal(x.shape) for x in leaves]
    try:
        hr = [_product(hvp, leaves, treedef, args, b, r[b]) for b in range(len(leaves))]
        hs = [_product(hvp, leaves, treedef, args, b, s[b]) for b in range(len(leaves))]
    except Exception:  # the product cannot be asked at these vectors: no symmetry evidence
        return []
    found = []
    for a in range(len(leaves)):
        for b in range(a, len(leaves)):
            u, hu, w, hw = (r[a], hr[a], s[a], hs[a]) if a == b else (r[a], hr[a], r[b], hr[b])
            left, right = float(np.sum(u * hw[a])), float(np.sum(w * hu[b]))
            size = np.linalg.norm(u) * np.linalg.norm(hw[a]) + np.linalg.norm(w) * np.linalg.norm(hu[b])
            if abs(left - right) > 1e2 * rtol * max(size, 1e-300):
                found.append(Asymmetry(names[a], names[b], left, right))
    return found


def _product(hvp, leaves, treedef, args, block: int, direction) -> list[np.ndarray]:
    """The hand-written product at a vector supported on one block, on copies of the params and args."""
    vec = [direction if i == block else np.zeros(x.shape) for i, x in enumerate(leaves)]
    out = hvp(unflatten(treedef, [x.copy() for x in leaves]), unflatten(treedef, vec), *copy_tree(args))
    return [np.asarray(g, dtype=np.float64) for g in flatten(out)[1]]
