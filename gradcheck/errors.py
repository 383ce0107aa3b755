"""Exceptions: bad input is a GradcheckError, a wrong gradient is a GradientMismatch; `fail` raises for a check
that did not pass (the one place the entry points, the pytest fixture and the CLI's library calls do it)."""

from __future__ import annotations

import sys


class GradcheckError(ValueError):
    """Bad input to gradcheck: the message names the offending parameter, field or file."""


class OracleUnavailable(GradcheckError):
    """An oracle that was asked for by name cannot run; the message says why."""


class GradientMismatch(AssertionError):
    """A hand-written gradient disagrees with the oracles; `.report` holds the full Report."""

    def __init__(self, report):
        super().__init__(str(report))
        self.report = report


def fail(report):
    """Raise for a check that did not pass: GradientMismatch. Inside a Hypothesis test, a check that only withheld
    its verdict (every parameter passes or gets no verdict: this point cannot tell right from wrong, as at a
    cross-entropy saturated to 0.0) rejects the example instead, as `assume(False)` does, with the reason as a
    Hypothesis event: the property test goes on with other points, and fails as unsatisfiable if none can be
    judged. Never a pass."""
    __tracebackhide__ = True
    hypothesis = sys.modules.get("hypothesis")  # imported already wherever a Hypothesis test runs
    in_test = getattr(hypothesis, "currently_in_test_context", None)
    if report.withheld and in_test is not None and in_test():
        hypothesis.event(f"gradcheck: {report.verdict}")
        hypothesis.reject()
    raise GradientMismatch(report)
