"""A typo erratum: a printed number one keystroke from the intended one, which matches the computation."""

import pytest

from gradcheck.golden import CaseError, load
from gradcheck.golden.compute import compute
from gradcheck.golden.typo import one_edit

from .test_golden_format import make, problems


def test_one_keystroke_is_a_dropped_added_changed_or_swapped_character():
    assert one_edit("0.29127924", "0.291027924")  # a dropped digit
    assert one_edit("3.5e-06", "3.5e-05")  # an exponent typo
    assert one_edit("0.1293", "0.1239") and one_edit("0.192", "0.219") is False  # a swap of neighbours, not two
    assert one_edit("0.1", "0.1") is False and one_edit("0.12", "0.1234") is False


def _typo_case(tmp_path, name, printed, typo):
    dw = float(compute(load(make(tmp_path, name="probe")))["dw"])
    return make(
        tmp_path,
        name=name,
        errata=[{"id": "typo", "where": "w", "printed": "p", "correct": "c", "explanation": "e", "typo": typo(dw)}],
        stated=[{"field": "dw", "printed": printed(dw), "where": "dE/dw", "erratum": "typo"}],
    )


def test_a_dropped_digit_is_an_erratum_without_a_variant(tmp_path):
    path = _typo_case(tmp_path, "dropped", lambda dw: f"{dw:.6f}"[:-3] + f"{dw:.6f}"[-2:], lambda dw: f"{dw:.6f}")
    assert problems(path) == []


def test_a_typo_cannot_excuse_a_wrong_number(tmp_path):
    wrong = _typo_case(tmp_path, "wrong", lambda dw: f"{1.1 * dw:.6f}", lambda dw: f"{1.1 * dw:.5f}")
    assert problems(wrong) == [
        "field 'stated[0]' (dE/dw; dw): erratum 'typo': "
        "the intended -0.15379 does not match the computed -0.13981071068366963"
    ]
    far = _typo_case(tmp_path, "far", lambda dw: f"{1.1 * dw:.6f}", lambda dw: f"{dw:.6f}")
    assert problems(far) == [
        "field 'stated[0]' (dE/dw; dw): erratum 'typo': printed -0.153792 is not one keystroke from the intended "
        "-0.139811"
    ]


def test_a_typo_of_a_number_that_is_right_no_longer_holds(tmp_path):
    path = _typo_case(tmp_path, "right", lambda dw: f"{dw:.6f}", lambda dw: f"{dw:.5f}")
    assert "the printed values now match, so erratum 'typo' no longer holds" in problems(path)[0]


def test_a_typo_erratum_takes_no_variant(tmp_path):
    with pytest.raises(CaseError, match=r"field 'errata\[0\].typo' is a typo erratum: it explains a print by itself"):
        make(
            tmp_path,
            variants={"vv": {"says": "s", "loss": {"half": False}}},
            errata=[
                {
                    "id": "tt",
                    "where": "w",
                    "printed": "p",
                    "correct": "c",
                    "explanation": "e",
                    "typo": "1",
                    "variant": "vv",
                }
            ],
            stated=[{"field": "dw", "printed": "1", "where": "w", "erratum": "tt"}],
        )
