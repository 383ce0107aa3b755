"""Near-kink campaign, fast part (issue 23): right gradients of ReLU, |z| and max layers whose pre-activations lie
within 1e-15..1e-6 of their kink never fail, with fd alone or the default plan (near_kink_cases.py)."""

from __future__ import annotations

import pytest

import gradcheck as gc

from .near_kink_cases import near_kink_case

pytest.importorskip("torch")


def test_a_kink_within_the_round_off_measuring_steps_does_not_inflate_fds_noise_floor():
    """|z| 4.4e-9 from 0 straddled by roundoff.measure()'s steps of 1e-6 and 1e-8: its residue read the kink as
    round-off 8.3e-10 (eps |loss| is 3e-15) and failed a right W1 entry by 1.5e-5 of itself."""
    case = near_kink_case(138, -9, -7.5)
    report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=("fd",))
    assert report.ok, f"{case.about}\n{report}"


@pytest.mark.parametrize("oracles", [("fd",), None])
def test_right_gradients_near_kinks_pass(oracles):
    failed = []
    for seed in range(40):
        case = near_kink_case(seed)
        report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=oracles)
        if not report.ok:
            failed.append(f"{case.about}: {report.verdict}")
    assert not failed, "\n".join(failed)
