"""The fixture's check_hvp and check_jvp: the marker's settings apply, each check is recorded, and a wrong one fails
the test with its report."""

import json

import pytest

from .conftest import XDIST

SECOND_ORDER = """
import numpy as np
import pytest

A = np.array([[2.0, 0.5], [0.5, 1.0]])


def loss(p):
    return 0.5 * p["x"] @ A @ p["x"]


def hvp(p, v):
    return {"x": A @ v["x"]}


def hvp_half(p, v):
    return {"x": 0.5 * A @ v["x"]}


def sine_jvp(t, x):
    return np.cos(x) * t[0]


@pytest.mark.gradcheck(oracles="fd", seed=5)
def test_marked(gradcheck):
    report = gradcheck.check_hvp(loss, hvp, {"x": np.ones(2)})
    assert report.ran == ["fd"] and report.seed == 5
    assert gradcheck.check_jvp(np.sin, sine_jvp, (np.linspace(0, 1, 3),), names=("x",)).seed == 5


def test_wrong_hvp(gradcheck):
    gradcheck.check_hvp(loss, hvp_half, {"x": np.ones(2)})
"""


@pytest.mark.parametrize("xdist", XDIST)
def test_check_hvp_and_check_jvp_through_the_fixture(pytester, xdist):
    pytester.makepyfile(test_second=SECOND_ORDER)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-report=r.json", *xdist)
    result.assert_outcomes(passed=1, failed=1)
    assert "gradient mismatch in x: hand-written hvp disagrees with" in result.stdout.str()
    checks = json.loads((pytester.path / "r.json").read_text())["checks"]
    got = sorted((c["test"].split("::")[1], c["label"], c["ok"]) for c in checks)
    assert got == [
        ("test_marked", "hvp", True),
        ("test_marked", "sine_jvp", True),
        ("test_wrong_hvp", "hvp_half", False),
    ]
