"""The low-precision campaign, fast part: the tolerance bfloat16 and float16 rounding earns never hides a bug.

Smooth 2-layer networks with params, data and gradient in the dtype; planted single-entry and whole-parameter
errors of 1%-20%: none passes unless it lies below the detection bound the report states; right gradients never
fail. The large run, with the measured size of a right gradient's own error, is benchmarks/low_precision.py.
"""

import numpy as np
import pytest

import gradcheck as gc

from .soundness_cases import below_stated_resolution, plant_entry, plant_whole, sized_case

pytest.importorskip("ml_dtypes")
pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_planted_errors_fail_or_lie_below_the_stated_bound_and_right_ones_pass(dtype):
    rng = np.random.default_rng(7)
    problems, caught = [], 0
    for k in range(12):
        case = sized_case(rng, int(rng.integers(20, 150)), dtype=dtype)
        oracles = ("fd",) if k % 2 else ("fd", "torch")
        right = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=oracles)
        if not right.ok:
            problems.append(f"right failed: {case.about}: {right.verdict}")
        rel = float(rng.uniform(0.01, 0.2)) * (1 if rng.random() < 0.5 else -1)
        planted = (plant_whole if k % 4 == 3 else plant_entry)(case, rng, rel)
        report = gc.grad_report(case.net.loss, planted.grad, case.params, args=case.args, oracles=oracles)
        caught += not report.ok
        if report.ok and not below_stated_resolution(case, planted, report):
            problems.append(f"false pass: {case.about}; {planted.where} x{1 + rel:.3f}")
        if not report.ok:
            assert report.param(planted.where[0][0]).status == "mismatch"
    assert problems == []
    assert caught >= 3  # the campaign plants errors the check can see, not only ones below its bound
