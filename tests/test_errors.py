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
