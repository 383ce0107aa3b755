"""The near-kink campaign, fast part (issue 23): ReLU, |z| and max layers with pre-activations 1e-15..1e-6 from
their kink, where fd's steps straddle it. Right gradients (either one-sided slope at the kink) pass with fd alone
and with the default plan; planted errors that no nearby kink can excuse never pass (caught, or below the bound the
report states). The cases come from near_kink_cases.py; the large run is benchmarks-style (docs/trust.md).
"""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck as gc

from .near_kink_cases import detectable, near_kink_case
from .soundness_cases import below_stated_resolution, plant_entry, plant_whole

pytest.importorskip("torch")

PLANS = {"fd alone": ("fd",), "default plan": None}


def test_a_max_unit_7_8e_7_from_its_kink_beside_an_exact_kink_passes_with_fd_alone():
    """Seed 4113, the one false failure of 5,000 fd-alone near-kink nets before the one-sided residue: the
    residue's steps of 1e-6 straddled the max 7.8e-7 away and inflated the round-off fd worked against."""
    case = near_kink_case(4113)
    assert "unit 4 example 0 at +7.8e-07" in case.about
    report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=("fd",))
    assert report.ok, str(report)
    assert (
        report.verdict == "gradient check passed: hand-written grad agrees with fd (4 parameters, 26 entries, seed 0)"
    )


def test_an_abs_unit_4_4e_9_from_its_kink_does_not_inflate_fds_noise_floor():
    """|z| 4.4e-9 from 0 straddled by roundoff.measure()'s steps of 1e-6 and 1e-8: its residue read the kink as
    round-off 8.3e-10 (eps |loss| is 3e-15) and failed a right W1 entry by 1.5e-5 of itself."""
    case = near_kink_case(138, -9, -7.5)
    report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=("fd",))
    assert report.ok, f"{case.about}\n{report}"


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("seed", range(0, 40))
def test_right_gradients_near_a_kink_pass(seed, plan):
    case = near_kink_case(seed)
    report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=PLANS[plan])
    assert report.ok, f"{case.about}\n{report}"


def _planted(seed):
    case = near_kink_case(seed)
    rng = np.random.default_rng(10**6 + seed)
    rel = float(rng.uniform(0.01, 0.2)) * (1 if rng.random() < 0.5 else -1)
    return case, (plant_whole if seed % 5 == 4 else plant_entry)(case, rng, rel)


FALSE_PASS_SEEDS = {42}  # float32 relu, W1[2, 1] x1.091 at a pre-activation -9.6e-10: passes "agrees with fd and torch"


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("seed", list(range(0, 40)) + sorted(FALSE_PASS_SEEDS))
def test_planted_errors_no_kink_excuses_never_pass(seed, plan, request):
    if seed in FALSE_PASS_SEEDS and plan == "default plan":
        request.applymarker(pytest.mark.xfail(strict=True, reason="open: float32 near a kink, AD substituted"))
    case, planted = _planted(seed)
    if not detectable(case, planted):
        pytest.skip("the planted error lies within the subgradients the nearby kinks allow")
    report = gc.grad_report(case.net.loss, planted.grad, case.params, args=case.args, oracles=PLANS[plan])
    assert not report.ok or below_stated_resolution(case, planted, report), f"{case.about}\n{report}"
