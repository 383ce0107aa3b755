"""Exceptions: bad input is a GradcheckError, a wrong gradient is a GradientMismatch."""

from __future__ import annotations


class GradcheckError(ValueError):
    """Bad input to gradcheck: the message names the offending parameter, field or file."""


class OracleUnavailable(GradcheckError):
    """An oracle that was asked for by name cannot run; the message says why."""


class GradientMismatch(AssertionError):
    """A hand-written gradient disagrees with the oracles; `.report` holds the full Report."""

    def __init__(self, report):
        super().__init__(str(report))
        self.report = report
