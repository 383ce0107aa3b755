"""The plugin as a product: the fixture hands out the package's exceptions, counts agree with pytest's, JUnit XML
gets one line per check, reports are written atomically."""

import json
import os
import xml.etree.ElementTree as ET

import pytest

from .conftest import XDIST

pytest.importorskip("xdist")

TWO_CHECKS = """
import numpy as np
import pytest

def loss(p):
    return float(np.sum(p["a"] ** 2))

def wrong(p):
    return {"a": 3 * p["a"]}

def test_two_expected_mismatches(gradcheck):
    for seed in (1, 2):
        report = gradcheck.grad_report(loss, wrong, {"a": np.ones(3)}, seed=seed)
        assert not report.ok

def test_raises_the_package_exception(gradcheck):
    with pytest.raises(gradcheck.GradientMismatch) as e:
        gradcheck.check_grad(loss, wrong, {"a": np.ones(3)}, label="wrong grad")
    assert isinstance(e.value.report, gradcheck.Report)
    with pytest.raises(gradcheck.GradcheckError):
        gradcheck.check_grad(loss, wrong, {"a": np.ones(3)}, oracles=5)

def test_really_fails(gradcheck):
    gradcheck.check_grad(loss, wrong, {"a": np.ones(3)}, label="wrong grad")

def test_passes(gradcheck):
    gradcheck.check_grad(loss, lambda p: {"a": 2 * p["a"]}, {"a": np.ones(3)}, label="right grad")
"""


@pytest.mark.parametrize("xdist", XDIST)
def test_counts_agree_with_pytest_and_the_fixture_has_the_exceptions(pytester, xdist):
    pytester.makepyfile(test_counts=TWO_CHECKS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-oracles=fd", *xdist)
    result.assert_outcomes(passed=3, failed=1)
    # 5 checks (4 failed, 3 of them in tests that expected it); pytest's count of tests: 3 passed, 1 failed
    result.stdout.fnmatch_lines(["5 gradient checks in 4 tests: 1 passed, 4 failed; tests: 3 passed, 1 failed"])


def test_the_fixture_names_what_it_does_not_have(pytester):
    pytester.makepyfile("""
        def test_a(gradcheck):
            gradcheck.no_such_thing
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["*the gradcheck fixture has no attribute 'no_such_thing' (it offers check_grad,*"])


@pytest.mark.parametrize("xdist", XDIST)
def test_junit_xml_gets_one_line_per_check(pytester, xdist):
    pytester.makepyfile(test_counts=TWO_CHECKS)
    pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradcheck-oracles=fd", "--junitxml=j.xml", "--gradcheck-report=r.json", *xdist
    )
    root = ET.parse(pytester.path / "j.xml").getroot()
    props = {
        case.get("name"): [p.get("value") for p in case.iter("property") if p.get("name") == "gradcheck"]
        for case in root.iter("testcase")
    }
    assert props["test_passes"] == [
        "right grad: gradient check passed: hand-written grad agrees with fd (1 parameter, 3 entries, seed 0)"
    ]
    assert len(props["test_two_expected_mismatches"]) == 2
    assert all("\n" not in v and len(v) < 300 for vs in props.values() for v in vs)
    assert props["test_really_fails"][0].startswith("wrong grad: gradient mismatch in a:")
    checks = json.loads((pytester.path / "r.json").read_text())["checks"]
    assert len(checks) == 5 and all("report" in c for c in checks)  # the full reports go to the JSON report


def test_json_reports_are_written_atomically(tmp_path, monkeypatch):
    from gradcheck.report import write_json

    target = tmp_path / "r.json"
    write_json(target, {"v": 1})

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_json(target, {"v": 2})
    assert json.loads(target.read_text()) == {"v": 1}  # the old report, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]  # and no temp file left behind


def test_the_json_report_gets_the_umasks_mode_not_0600(pytester):
    pytester.makepyfile("""
        import numpy as np

        def test_a(gradcheck):
            gradcheck.check_vjp(lambda x: 2 * x, lambda g, x: (2 * g,), (np.ones(2),))
    """)
    old = os.umask(0o022)
    try:
        pytester.runpytest_inprocess(
            "-p", "no:cacheprovider", "--gradcheck-oracles=fd", "--gradcheck-report=r.json"
        ).assert_outcomes(passed=1)
    finally:
        os.umask(old)
    assert oct(os.stat(pytester.path / "r.json").st_mode & 0o777) == "0o644"
