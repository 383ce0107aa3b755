"""Compare a gradient against a reference, entry by entry or through directional probes.

Entry i passes when |yours_i - ref_i| <= atol + rtol |ref_i| + k_fd err_i (err_i: the reference's own FD
error estimate, zero for AD). A probe along v passes when |<yours, v> - D_v| <= k_fd err_v +
rtol ||yours * v||_2 + atol ||v||_2: the root-sum-square of per-entry tolerances, so a single entry off
by more than sqrt(n) times its tolerance is caught by any sign probe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .tolerance import Tolerance

MAX_ROWS = 8


@dataclass
class Comparison:
    """How one gradient block compares with one reference (an oracle, or another oracle)."""

    reference: str
    mode: str  # "entries" or "probes"
    ok: bool
    n_total: int
    n_bad: int
    max_abs: float
    max_rel: float
    worst_index: tuple | None = None
    bad_mask: np.ndarray | None = field(default=None, repr=False)  # entries mode only
    kinks: int = 0  # entries accepted as a valid subgradient at a kink
    detail: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "reference": self.reference, "mode": self.mode, "ok": self.ok, "n_total": self.n_total,
            "n_bad": self.n_bad, "max_abs": self.max_abs, "max_rel": self.max_rel,
            "worst_index": list(self.worst_index) if self.worst_index is not None else None,
            "kinks": self.kinks, **self.detail,
        }


def relative(diff: np.ndarray, ref: np.ndarray, atol: float) -> np.ndarray:
    """|diff| / (|ref| + atol): finite even where the reference is zero."""
    return np.abs(diff) / (np.abs(ref) + max(atol, np.finfo(np.float64).tiny))


def compare_entries(reference: str, yours: np.ndarray, ref: np.ndarray, tol: Tolerance, atol: float,
                    err: np.ndarray | None = None, one_sided: np.ndarray | None = None) -> Comparison:
    """Entry-wise comparison; an FD entry at a kink passes when yours lies between its one-sided slopes."""
    yours = np.asarray(yours, dtype=np.float64)
    diff = yours - ref
    bound = atol + tol.rtol * np.abs(ref) + (tol.k_fd * err if err is not None else 0.0)
    bad = ~(np.abs(diff) <= bound)  # NaN counts as bad
    kinks = 0
    if one_sided is not None:
        at_kink = ~np.isnan(one_sided[..., 0])
        lo = np.where(at_kink, np.minimum(one_sided[..., 0], one_sided[..., 1]), np.inf)
        hi = np.where(at_kink, np.maximum(one_sided[..., 0], one_sided[..., 1]), -np.inf)
        slack = atol + tol.rtol * np.where(at_kink, np.maximum(np.abs(lo), np.abs(hi)), 0.0)
        inside = at_kink & (yours >= lo - slack) & (yours <= hi + slack)
        kinks = int(np.count_nonzero(inside))
        bad &= ~inside
    absd = np.where(np.isnan(diff), np.inf, np.abs(diff))
    rel = relative(np.where(np.isnan(diff), np.inf, diff), ref, atol)
    worst = np.unravel_index(int(np.argmax(rel)), ref.shape) if ref.size else None
    return Comparison(reference, "entries", not bad.any(), int(ref.size), int(np.count_nonzero(bad)),
                      float(absd.max(initial=0.0)), float(rel.max(initial=0.0)),
                      tuple(int(i) for i in worst) if worst is not None else None, bad, kinks)


def probe_bound(yours_block: np.ndarray, v: np.ndarray, err: float, tol: Tolerance, atol: float) -> float:
    """The largest |<yours, v> - D_v| a correct gradient can show on this probe."""
    return tol.k_fd * err + tol.rtol * float(np.linalg.norm(yours_block * v)) + atol * float(np.linalg.norm(v))


def compare_probes(reference: str, yours: np.ndarray, block: int, probes: list, tol: Tolerance,
                   atol: float) -> Comparison:
    """Compare <yours, v> with the FD directional derivative on each probe of this block."""
    yours = np.asarray(yours, dtype=np.float64)
    mine = [p for p in probes if p.direction[block] is not None]
    worst_abs, worst_rel, n_bad, rows = 0.0, 0.0, 0, []
    for p in mine:
        v = p.direction[block]
        dot = float(np.sum(yours * v))
        gap = abs(dot - p.value) if np.isfinite(dot) else np.inf
        bound = probe_bound(yours, v, p.error, tol, atol)
        n_bad += not (gap <= bound)
        worst_abs = max(worst_abs, gap)
        worst_rel = max(worst_rel, gap / (abs(p.value) + atol + np.finfo(np.float64).tiny))
        rows.append({"probe": p.index, "yours": dot, "fd": p.value, "fd_error": p.error, "bound": bound})
    return Comparison(reference, "probes", n_bad == 0, len(mine), n_bad, worst_abs, worst_rel,
                      detail={"probes": rows})
