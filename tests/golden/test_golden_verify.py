"""verify: every shipped case reproduces; one changed number fails naming the case and the field."""

import numpy as np
import pytest

from gradcheck.golden import discover, load, verify
from gradcheck.golden.verify import printed_mismatches

from .conftest import CASES, edit

SHIPPED = discover(CASES)


def test_one_case_per_seed_document():
    seeds = {load(p).data["source"]["file"][:3] for p in SHIPPED}
    assert seeds == {"000", "001", "002", "003", "004"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_case_verifies(path):
    result = verify(load(path))
    assert result.ok, str(result)
    assert result.case_id == path.stem and result.problems == []
    assert result.checked["expected fields"] == len(load(path).expected) > 10


def test_result_says_what_was_checked():
    result = verify(load(CASES / "seed002_w1_update.json"))
    assert str(result) == ("golden case seed002_w1_update: ok (29 expected fields, 17 stated values, 4 claims, "
                           "5 errata)")


def test_changed_expected_number_names_case_field_and_numbers(case_copy):
    path = edit(case_copy(), lambda d: d["expected"]["W1_new"][1].__setitem__(0, 0.5))
    result = verify(load(path))
    assert not result.ok
    assert result.problems == [
        "seed002_w1_update: expected.W1_new: 1 of 4 entries differ (rtol 1e-12, atol 1e-14): "
        "[1, 0] expected 0.5 but gradcheck computes 0.40403481119175166"
    ]


def test_tiny_change_beyond_tolerance_is_caught(case_copy):
    path = edit(case_copy("seed004_three_layer_no_bias"),
                lambda d: d["expected"]["dW2"][2].__setitem__(4, d["expected"]["dW2"][2][4] * (1 + 1e-9)))
    (problem,) = verify(load(path)).problems
    assert problem.startswith("seed004_three_layer_no_bias: expected.dW2: 1 of 15 entries differ") and "[2, 4]" in problem


def test_missing_and_extra_expected_fields(case_copy):
    def change(d):
        d["expected"].pop("delta1")
        d["expected"]["delta9"] = [[0.0]]

    problems = verify(load(edit(case_copy(), change))).problems
    assert problems == [
        "seed002_w1_update: expected.delta1 is computed by gradcheck but missing from the case (update the case)",
        "seed002_w1_update: expected.delta9 is in the case but gradcheck no longer computes it (update the case)",
    ]


def test_changed_printed_value_names_the_stated_entry(case_copy):
    path = edit(case_copy(), lambda d: d["stated"][8]["printed"][0].__setitem__(1, "0.805"))
    (problem,) = verify(load(path)).problems
    assert problem == ("seed002_w1_update: stated[8] (question: The correct answer is) for field 'W1_new': "
                       "1 printed value(s) disagree at their printed decimals: [0, 1] printed 0.805 but computed "
                       "0.80391373")


def test_an_erratum_that_no_longer_holds_is_a_problem(case_copy):
    """Printing the asker's update as the correct numbers makes erratum 'asker-update' stale (and unreproduced)."""
    path = edit(case_copy(), lambda d: d["stated"][7].update(printed=[["0.101", "0.804"], ["0.404", "0.612"]]))
    problems = verify(load(path)).problems
    assert any("erratum 'asker-update' no longer holds" in p for p in problems), problems
    assert any("'doc.asker_W1_new' does not reproduce what it printed" in p for p in problems), problems


def test_a_broken_claim_is_a_problem(case_copy):
    path = edit(case_copy("seed004_three_layer_no_bias"), lambda d: d["claims"][0].update(factor=3))
    (problem,) = verify(load(path)).problems
    assert problem.startswith("seed004_three_layer_no_bias: claims[0] (the forward-pass summary's E")


def test_shapes_stated_by_the_document(case_copy):
    path = edit(case_copy("seed004_three_layer_no_bias"), lambda d: d["stated"][0].update(shape=[3, 2]))
    (problem,) = verify(load(path)).problems
    assert "printed shape (3, 2) but the field has shape (2, 3)" in problem


@pytest.mark.parametrize("printed, value, bad", [
    ("0.689", 0.68935, False), ("0.689", 0.6895, False), ("0.689", 0.68951, True),
    ("0.08", 0.0803, False), ("0.066", 0.06652, True), ("0", 0.4, False), ("0.1820", 0.181955, False),
])
def test_printed_decimals_rule(printed, value, bad):
    """A printed number matches when the value is within half a unit of its last printed digit."""
    assert bool(printed_mismatches(printed, np.array([[value]]))) is bad
