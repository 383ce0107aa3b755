"""gradcheck.errors: bad input is a GradcheckError (a ValueError), a wrong gradient a GradientMismatch."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck.errors import GradcheckError, GradientMismatch, OracleUnavailable


def test_the_hierarchy_lets_callers_catch_what_they_expect():
    assert issubclass(GradcheckError, ValueError)
    assert issubclass(OracleUnavailable, GradcheckError)
    assert issubclass(GradientMismatch, AssertionError) and not issubclass(GradientMismatch, GradcheckError)


def test_the_public_names_are_these_classes():
    assert (gc.GradcheckError, gc.GradientMismatch) == (GradcheckError, GradientMismatch)


def test_a_mismatch_carries_its_report_and_reads_as_it():
    class FakeReport:
        def __str__(self):
            return "FAIL: W1 is transposed"

    report = FakeReport()
    err = GradientMismatch(report)
    assert err.report is report and str(err) == "FAIL: W1 is transposed"


def test_check_grad_raises_a_mismatch_holding_the_full_report():
    def loss(p):
        return float(np.sum(p["w"] ** 2))

    with pytest.raises(GradientMismatch) as e:
        gc.check_grad(loss, lambda p: {"w": 3 * p["w"]}, {"w": np.array([1.0, -2.0])}, oracles="fd")
    assert not e.value.report.ok and e.value.report.param("w").status == "mismatch"
    assert str(e.value) == str(e.value.report)


def _saturated():
    """A softmax cross-entropy whose loss is exactly 0.0 at every step fd takes: fd alone withholds its verdict."""

    def loss(p, y):
        z = p["z"] - p["z"].max()
        return float(np.log(np.exp(z).sum()) - (z * y).sum())

    def grad(p, y):
        e = np.exp(p["z"] - p["z"].max())
        return {"z": e / e.sum() - y}

    return loss, grad, {"z": np.array([60.0, 0.0, -3.0])}, (np.array([1.0, 0.0, 0.0]),)


def test_a_withheld_verdict_raises_outside_hypothesis_and_rejects_the_example_inside():
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import FailedHealthCheck, Unsatisfiable

    loss, grad, params, args = _saturated()
    report = gc.grad_report(loss, grad, params, args=args, oracles=("fd",))
    assert report.withheld and not report.ok
    with pytest.raises(GradientMismatch, match="no verdict for z"):
        gc.check_grad(loss, grad, params, args=args, oracles=("fd",))

    seen = []

    @settings(max_examples=5, database=None)
    @given(shift=st.floats(-1.0, 1.0))
    def always_saturated(shift):
        seen.append(shift)
        gc.check_grad(loss, grad, {"z": params["z"] + shift}, args=args, oracles=("fd",))

    with pytest.raises((FailedHealthCheck, Unsatisfiable)):  # every point rejected: the test fails, never passes
        always_saturated()
    assert seen


def test_inside_hypothesis_a_wrong_gradient_still_fails_and_a_withheld_point_is_skipped():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    loss, grad, params, args = _saturated()
    calls = {"judged": 0}

    def checked(confident):
        z = params["z"] if confident else np.array([0.3, 0.0, -0.2])
        report = gc.check_grad(loss, grad, {"z": z}, args=args, oracles=("fd",))
        calls["judged"] += report.ok

    @settings(max_examples=20, database=None)
    @given(confident=st.booleans())
    def mixed(confident):
        checked(confident)

    mixed()  # the saturated draws are rejected, the others pass
    assert calls["judged"] > 0

    def wrong(p, y):
        return {"z": 2 * grad(p, y)["z"]}

    @settings(max_examples=5, database=None)
    @given(st.just(0))
    def always_wrong(_):
        gc.check_grad(loss, wrong, {"z": np.array([0.3, 0.0, -0.2])}, args=args, oracles=("fd",))

    with pytest.raises(GradientMismatch, match="gradient mismatch"):
        always_wrong()
