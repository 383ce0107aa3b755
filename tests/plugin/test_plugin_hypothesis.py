"""The plugin inside Hypothesis tests (pytester): a failing `@given` test keeps Hypothesis's failing-example block
with the drawn arrays printed as values, the `gradcheck` fixture is safe to reuse across examples, and the
checks Hypothesis ran while shrinking are not counted as failed checks."""

import json

import pytest

from .conftest import XDIST

pytest.importorskip("xdist")

PROPERTY = """
import numpy as np
from hypothesis import given, settings
from gradcheck.strategies import finite_arrays

def loss(p, x):
    return float(np.sum((x @ p["W"]) ** 2))

def wrong(p, x):
    return {"W": 2 * x.T @ (x @ p["W"]) * 1.001}  # planted bug: a constant off by 1e-3

def right(p, x):
    return {"W": 2 * x.T @ (x @ p["W"])}

@settings(max_examples=10, deadline=None, database=None, derandomize=True)
@given(x=finite_arrays((2, 3)), w=finite_arrays((3, 2)))
def test_planted(gradcheck, x, w):
    gradcheck.check_grad(loss, wrong, {"W": w}, args=(x,))

@settings(max_examples=6, deadline=None, database=None, derandomize=True)
@given(x=finite_arrays((2, 3)), w=finite_arrays((3, 2)))
def test_right(gradcheck, x, w):
    before = len(gradcheck.reports)
    gradcheck.check_grad(loss, right, {"W": w}, args=(x,))
    assert len(gradcheck.reports) == before + 1 and gradcheck.settings["oracles"] == ("fd",)
"""


def _run(pytester, *extra):
    pytester.makepyfile(test_prop=PROPERTY)
    return pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradcheck-oracles=fd", "--gradcheck-report=r.json", *extra
    )


@pytest.mark.parametrize("xdist", XDIST)
def test_a_failing_given_test_keeps_hypothesis_block_with_the_arrays(pytester, xdist):
    result = _run(pytester, *xdist)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "gradient mismatch in W: hand-written grad disagrees with fd (the only oracle that ran)",
            'at test_prop.py:17 in test_planted: gradcheck.check_grad(loss, wrong, {"W": w}, args=(x,))',
            "  diagnosis: yours = 1.001 x reference*",
            "reproduce: pytest test_prop.py::test_planted --gradcheck-seed=0",
            "Fa* test_planted(",  # "Failing test case:" (Hypothesis >= 6.1xx), "Falsifying example:" before
            "    gradcheck=<gradcheck fixture>,",
            "    x=array([[]*",
            "    w=array([[]*",
            ")",
        ]
    )
    assert "fill(" not in result.stdout.str()
    assert "FailedHealthCheck" not in result.stdout.str()  # the session-scoped fixture inside @given


@pytest.mark.parametrize("xdist", XDIST)
def test_checks_made_while_hypothesis_shrinks_are_not_counted(pytester, xdist):
    """The failing test counts the check of the example Hypothesis replays; the passing one every example's."""
    result = _run(pytester, *xdist)
    result.stdout.fnmatch_lines(
        [
            "7 gradient checks in 2 tests: 6 passed, 1 failed; tests: 1 passed, 1 failed",
            "agreement with oracles: fd 6/7",
        ]
    )
    checks = json.loads((pytester.path / "r.json").read_text())["checks"]
    planted = [c for c in checks if c["test"] == "test_prop.py::test_planted"]
    assert [(c["ok"], c["hypothesis_example"]) for c in planted] == [(False, "final")]
    assert {c["hypothesis_example"] for c in checks if c["test"] == "test_prop.py::test_right"} == {"search"}


def test_a_check_outside_hypothesis_is_recorded_as_such(pytester):
    pytester.makepyfile("""
        import numpy as np

        def test_plain(gradcheck):
            gradcheck.check_grad(lambda p: float(np.sum(p["a"] ** 2)), lambda p: {"a": 2 * p["a"]}, {"a": np.ones(2)})
    """)
    pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradcheck-oracles=fd", "--gradcheck-report=r.json"
    ).assert_outcomes(passed=1)
    (check,) = json.loads((pytester.path / "r.json").read_text())["checks"]
    assert check["hypothesis_example"] is None
