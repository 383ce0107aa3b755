"""Low precision judged fairly (issue 25 item 5): how far right bfloat16 / float16 gradients are from the float64
truth, and a planted campaign: right gradients must all pass (or get an explicit no-verdict), a planted error in
one entry or a whole parameter (1%-20%) must fail unless it lies below the detection bound the report states.

    python benchmarks/low_precision.py                 # 200 cases per dtype
    python benchmarks/low_precision.py --cases 50      # quicker

Cases: the soundness campaign's smooth 2-layer networks (tests/robustness/soundness_cases.py) with params, data
and gradient in the dtype (sums accumulate as ml_dtypes and numpy do them), checked with fd alone and beside torch.
"""

from __future__ import annotations

import argparse
import os
import sys

import ml_dtypes  # noqa: F401  (registers bfloat16 with numpy)
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "robustness"))

import soundness_cases as cases  # noqa: E402

import gradcheck as gc  # noqa: E402


def right_error(case) -> tuple[float, float]:
    """(max error / largest entry, largest relative error of an entry) of the case's right gradient in its dtype
    against the same code at float64."""
    low = case.net.grad(case.params, *case.args)
    p64 = {k: v.astype(np.float64) for k, v in case.params.items()}
    exact = case.net.grad(p64, *(a.astype(np.float64) for a in case.args))
    worst, rel = 0.0, 0.0
    for k in exact:
        e, g = exact[k], low[k].astype(np.float64)
        top = float(np.max(np.abs(e)))
        if top == 0:
            continue
        worst = max(worst, float(np.max(np.abs(g - e))) / top)
        big = np.abs(e) > 1e-3 * top
        rel = max(rel, float(np.max(np.abs(g - e)[big] / np.abs(e)[big])) if big.any() else 0.0)
    return worst, rel


def campaign(dtype: str, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out = {"checks": 0, "false_passes": 0, "below_bound": 0, "false_failures": 0, "withheld": 0, "caught": 0}
    errors, problems = [], []
    for k in range(n):
        case = cases.sized_case(rng, int(rng.integers(20, 200)), dtype=dtype)
        oracles = ("fd",) if k % 2 else ("fd", "torch")
        errors.append(right_error(case))
        right = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=oracles)
        out["checks"] += 1
        if right.verdict.startswith("no verdict"):
            out["withheld"] += 1
        elif not right.ok:
            out["false_failures"] += 1
            problems.append(f"false failure: {case.about}: {right.verdict}")
        rel = float(rng.uniform(0.01, 0.2)) * (1 if rng.random() < 0.5 else -1)
        planted = (cases.plant_whole if k % 5 == 4 else cases.plant_entry)(case, rng, rel)
        report = gc.grad_report(case.net.loss, planted.grad, case.params, args=case.args, oracles=oracles)
        out["checks"] += 1
        if not report.ok:
            out["caught"] += 1
        elif cases.below_stated_resolution(case, planted, report):
            out["below_bound"] += 1
        else:
            out["false_passes"] += 1
            problems.append(f"false pass: {case.about}; {planted.where} x{1 + rel:.3f}")
    e = np.array(errors)
    out["right_error_of_largest_median"], out["right_error_of_largest_max"] = np.median(e[:, 0]), e[:, 0].max()
    out["right_relative_error_max"] = e[:, 1].max()
    out["problems"] = problems[:10]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    for dtype in ("bfloat16", "float16"):
        r = campaign(dtype, a.cases, a.seed)
        print(
            f"{dtype}: {r['checks']} checks; right gradients off by {r['right_error_of_largest_median']:.2%} "
            f"(median; max {r['right_error_of_largest_max']:.2%}) of their largest entry, up to "
            f"{r['right_relative_error_max']:.1%} of an entry above 1e-3 of it"
        )
        print(
            f"  planted caught {r['caught']}, below the stated bound {r['below_bound']}, false passes "
            f"{r['false_passes']}; right: false failures {r['false_failures']}, withheld {r['withheld']}"
        )
        for p in r["problems"]:
            print("   ", p)


if __name__ == "__main__":
    main()
