"""The false failures the 10,000-example Hypothesis run of right gradients found (benchmarks/soundness.py), frozen:
each right gradient must pass with fd alone, and a 1% error planted beside the rule that let it pass must still
be caught, at its entry.

(a) a softmax cross-entropy of one confident right prediction, computed by cancellation: the loss moves in
    quanta of ulp(logit) x 1e12 ~ 8.9e-4, far above eps |loss|, so fd's error must be measured, not assumed
    (roundoff.py: the values lie on a lattice);
(b) a ReLU pre-activation near (not at) 0: fd's larger steps straddle the kink and are biased, the smaller
    steps do not (finite_diff.py: deeper steps while no window converges and round-off allows).
"""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck as gc

from .soundness_cases import right_case

FD = ("fd",)

# the configuration and the arrays' seed, as the campaign's failure lines printed them
CANCELLATION = dict(
    seed=7376961, act="tanh", head="softmax", n=1, dtype="float64", scale=1e12, logit_scale=10.0, shuffled=True
)
NEAR_KINK = dict(seed=929, act="relu", head="softmax", n=5, dtype="float64", scale=1.0, logit_scale=1.0, kink="near")
CASES = {"cancellation": CANCELLATION, "near kink": NEAR_KINK}


def frozen(name: str):
    config = dict(CASES[name])
    return right_case(config.pop("seed"), **config)


@pytest.mark.parametrize("name", list(CASES))
def test_the_right_gradient_passes_with_fd_alone(name):
    case = frozen(name)
    report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=FD)
    assert report.ok, f"{case.about}\n{report}"


def test_a_loss_computed_by_cancellation_has_an_honest_fd_error_that_stays_small():
    """fd's error covers the quanta (no entry is closer than a quarter of its allowance to failing by luck)
    but is still far below the gradient: the detection bound is under 0.2% of the largest entry."""
    case = frozen("cancellation")
    report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=FD)
    largest = max(float(np.abs(g).max()) for g in case.net.grad(case.params, *case.args).values())
    for p in report.params:
        assert 0 < p.bound <= 2e-3 * largest, p.name


def planted(case, name: str, index: tuple, rel: float):
    def grad(p, *args):
        out = case.net.grad(p, *args)
        out[name] = out[name].copy()
        out[name][index] *= 1 + rel
        return out

    return grad


@pytest.mark.parametrize(
    "name, param, index, rel",
    [
        ("cancellation", "W1", (0, 3), 0.01),  # the largest entry
        ("cancellation", "W2", (0, 0), -0.01),
        ("near kink", "W1", (1, 1), 0.01),  # the entry whose kink lies 2.8e-4 away, inside fd's first steps
        ("near kink", "W1", (1, 1), -0.01),
    ],
)
def test_a_one_percent_error_beside_the_rule_is_caught_at_its_entry(name, param, index, rel):
    case = frozen(name)
    report = gc.grad_report(case.net.loss, planted(case, param, index, rel), case.params, args=case.args, oracles=FD)
    assert not report.ok
    p = report.param(param)
    assert p.status == "mismatch" and np.argwhere(p.wrong_entries()).tolist() == [list(index)]
    assert [q.name for q in report.params if q.status != "ok"] == [param]
    assert f"only 1 of {p.wrong_entries().size} entries wrong, at {index}" in str(report)
