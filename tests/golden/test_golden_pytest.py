"""pytest integration, end to end with pytester: one item per case, obtained.json on failure, update mode."""

import json

import pytest

from gradcheck.golden import load

from .conftest import edit

ARGS = ("-p", "no:cacheprovider")
IDS = ["seed000_ones_column_softmax_ce", "seed001_softmax_jacobian", "seed002_w1_update", "seed003_delta1_xT",
       "seed004_three_layer_no_bias"]


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["no-xdist", "xdist-2"])
def test_one_item_per_case_named_by_its_id(golden_project, xdist):
    result = golden_project.runpytest("reference_cases", "-v", *ARGS, *xdist)
    result.assert_outcomes(passed=len(IDS))
    for case_id in IDS:
        node = f"reference_cases/{case_id}.json::{case_id}"
        assert any(node in line and "PASSED" in line for line in result.stdout.lines), node


def test_mismatch_fails_naming_case_and_field_and_writes_obtained(golden_project):
    case = golden_project.path / "reference_cases" / "seed002_w1_update.json"
    edit(case, lambda d: d["expected"]["dW1"][0].__setitem__(1, 0.25))
    result = golden_project.runpytest("reference_cases", *ARGS)
    result.assert_outcomes(passed=len(IDS) - 1, failed=1)
    out = result.stdout.str()
    assert ("seed002_w1_update: expected.dW1: 1 of 4 entries differ (rtol 1e-12, atol 1e-14): [0, 1] expected 0.25 "
            "but gradcheck computes -0.00391373") in out
    result.stdout.fnmatch_lines(["obtained values written to *seed002_w1_update.obtained.json*--gradcheck-update-golden*"])
    obtained = case.with_name("seed002_w1_update.obtained.json")
    assert load(obtained.rename(golden_project.path / "seed002_w1_update.json")).expected["dW1"][0, 1] != 0.25


def test_update_option_rewrites_expected_and_reports_the_change(golden_project):
    case = golden_project.path / "reference_cases" / "seed003_delta1_xT.json"
    edit(case, lambda d: d["expected"].update(loss=123.0))
    before = json.loads(case.read_text())
    result = golden_project.runpytest("reference_cases", "--gradcheck-update-golden", "-rP", *ARGS)
    result.assert_outcomes(passed=len(IDS))
    assert "seed003_delta1_xT.json: expected.loss: 1 of 1 entries changed, largest at []: 123.0 -> " in result.stdout.str()
    after = json.loads(case.read_text())
    assert after["expected"]["loss"] != 123.0
    assert {k: v for k, v in after.items() if k != "expected"} == {k: v for k, v in before.items() if k != "expected"}
    golden_project.runpytest("reference_cases", *ARGS).assert_outcomes(passed=len(IDS))


def test_update_never_fixes_a_printed_value(golden_project):
    case = golden_project.path / "reference_cases" / "seed002_w1_update.json"
    edit(case, lambda d: d["stated"][3].update(printed=[["0.700"]]))
    result = golden_project.runpytest("reference_cases", "--gradcheck-update-golden", *ARGS)
    result.assert_outcomes(passed=len(IDS) - 1, failed=1)
    assert "stated[3] (question: y_hat = a^(3) = sigmoid(0.797)) for field 'y_hat'" in result.stdout.str()
    assert "[0, 0] printed 0.700 but computed 0.689351223" in result.stdout.str()
    assert json.loads(case.read_text())["stated"][3]["printed"] == [["0.700"]]


def test_a_broken_case_file_is_a_collection_error_naming_file_and_field(golden_project):
    case = golden_project.path / "reference_cases" / "seed001_softmax_jacobian.json"
    case.write_text(case.read_text()[:500])
    result = golden_project.runpytest("reference_cases", "--continue-on-collection-errors", *ARGS)
    result.assert_outcomes(passed=len(IDS) - 1, errors=1)
    result.stdout.fnmatch_lines(["*seed001_softmax_jacobian.json: not valid JSON at line*truncated*"])


def test_only_case_files_are_collected(golden_project):
    (golden_project.path / "reference_cases" / "seed002_w1_update.obtained.json").write_text("{}")
    (golden_project.path / "other").mkdir()
    (golden_project.path / "other" / "data.json").write_text("{}")
    result = golden_project.runpytest("reference_cases", "other", "--collect-only", "-q", *ARGS)
    assert sorted(line for line in result.stdout.lines if "::" in line) == \
        [f"reference_cases/{case_id}.json::{case_id}" for case_id in IDS]
