"""A numpy loss that branches on the array type computes another function on a framework's arrays: that oracle
is set aside (it differentiated something else), fd decides, and a gradient of the other branch still fails."""

import numpy as np
import pytest

import gradcheck as gc

pytest.importorskip("jax")


def branching_loss(p):
    if isinstance(p, np.ndarray):
        return np.sum(p**2)
    return np.sum(p**3)  # what the loss computes on any array that is not numpy's own


def right_grad(p):
    return 2 * p


P = np.array([0.5, -1.2, 2.0])


def test_the_right_gradient_passes_with_the_framework_that_computed_another_value_set_aside():
    report = gc.grad_report(branching_loss, right_grad, P, oracles="all")
    assert report.verdict == (
        "gradient check passed: hand-written grad agrees with fd (1 parameter, 3 entries, seed 0; torch skipped; "
        "jax set aside, see notes)"
    )
    assert (
        report.params[0]
        .set_aside["jax"]
        .startswith("jax disagrees with the others, and the loss gives 6.397 on jax arrays against 5.69 on yours")
    )
    torch = next(o for o in report.oracles if o.name == "torch")
    assert torch.status == "skipped" and "gives 6.397 against 5.69 in plain numpy" in torch.reason


def test_the_gradient_of_the_other_branch_fails_against_fd():
    report = gc.grad_report(branching_loss, lambda p: 3 * p**2, P, oracles="all")
    assert report.verdict == "gradient mismatch in params: hand-written grad disagrees with fd (jax set aside)"
