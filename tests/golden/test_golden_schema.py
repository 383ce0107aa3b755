"""Loading and validation: every malformed case is an error naming the file and the field."""

import json
import re

import numpy as np
import pytest

from gradcheck.errors import GradcheckError
from gradcheck.golden import FORMAT_VERSION, load

from .conftest import SEED002, edit


def _raises(path, *fragments):
    with pytest.raises(GradcheckError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(str(path) + ":"), message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_shipped_case_loads_as_data():
    case = load(SEED002)
    assert case.id == "seed002_w1_update"
    np.testing.assert_array_equal(case.params["W1"], [[0.1, 0.8], [0.4, 0.6]])
    assert case.expected["W1_new"].shape == (2, 2) and case.expected["loss"].shape == ()
    assert case.spec.bias == "none" and case.lr == 1.0


@pytest.mark.parametrize("keep", [0, 100, 2000])
def test_truncated_file_names_file_and_position(case_copy, keep):
    path = case_copy()
    path.write_text(path.read_text()[:keep])
    message = _raises(path, "not valid JSON", "truncated", "python -m gradcheck.golden.generate")
    assert re.search(r"line \d+ column \d+", message)


@pytest.mark.parametrize("field", ["id", "model", "inputs", "expected", "stated", "errata", "tolerance", "conventions"])
def test_missing_field_is_named(case_copy, field):
    path = edit(case_copy(), lambda d: d.pop(field))
    _raises(path, f"field '{field}' is missing")


@pytest.mark.parametrize("version", [0, FORMAT_VERSION + 1, "1"])
def test_other_format_version_says_regenerate(case_copy, version):
    path = edit(case_copy(), lambda d: d.update(format=version))
    _raises(path, "field 'format'", f"reads format {FORMAT_VERSION}", "regenerate", "python -m gradcheck.golden.generate")


def test_missing_format_is_not_a_case(case_copy):
    path = edit(case_copy(), lambda d: d.pop("format"))
    _raises(path, "field 'format' is missing", "not a gradcheck golden case")


def test_wrong_shape_of_an_expected_value(case_copy):
    path = edit(case_copy(), lambda d: d["expected"].update(W1_new=[[0.1, 0.8, 0.0], [0.4, 0.6, 0.0]]))
    _raises(path, "field 'expected.W1_new'", "must have shape (2, 2) but has shape (2, 3)")


def test_ragged_expected_value(case_copy):
    path = edit(case_copy(), lambda d: d["expected"].update(dW1=[[0.1, 0.8], [0.4]]))
    _raises(path, "field 'expected.dW1'", "rectangular")


def test_non_numeric_expected_value(case_copy):
    path = edit(case_copy(), lambda d: d["expected"].update(loss="0.05"))
    _raises(path, "field 'expected.loss'", "number")


def test_wrong_shape_of_an_input_weight(case_copy):
    path = edit(case_copy(), lambda d: d["inputs"]["params"].update(W2=[[0.3], [0.9]]))
    _raises(path, "field 'inputs.params.W2'", "(1, 2)", "(2, 1)")


def test_input_x_in_the_wrong_convention(case_copy):
    path = edit(case_copy(), lambda d: d["inputs"].update(x=[[0.3, 0.9]]))
    _raises(path, "field 'inputs.x'", "(2, N)", "convention='column'")


def test_invalid_model_names_the_model_field(case_copy):
    path = edit(case_copy(), lambda d: d["model"].update(bias="sometimes"))
    _raises(path, "field 'model'", "bias")


def test_unknown_recipe(case_copy):
    path = edit(case_copy(), lambda d: d["recipes"].append("magic"))
    _raises(path, "field 'recipes[1]'", "'magic'")


def test_id_must_match_the_file_name(case_copy):
    path = edit(case_copy(), lambda d: d.update(id="another_case"))
    _raises(path, "field 'id'", "seed002_w1_update.json")


def test_printed_value_must_be_a_string_as_printed(case_copy):
    path = edit(case_copy(), lambda d: d["stated"][0].update(printed=[[0.75], [0.66]]))
    _raises(path, "field 'stated[0].printed'", "printed strings")


def test_printed_value_in_the_wrong_shape(case_copy):
    path = edit(case_copy(), lambda d: d["stated"][0].update(printed=["0.75", "0.66"]))
    _raises(path, "field 'stated[0].printed'", "shape (2, 1)")


def test_stated_value_for_an_unknown_field(case_copy):
    path = edit(case_copy(), lambda d: d["stated"][0].update(field="z9"))
    _raises(path, "field 'stated[0].field'", "'z9'")


def test_stated_reference_to_a_missing_erratum(case_copy):
    path = edit(case_copy(), lambda d: d["stated"][0].update(erratum="no-such-erratum"))
    _raises(path, "field 'stated[0].erratum'", "'no-such-erratum'")


def test_erratum_without_explanation(case_copy):
    path = edit(case_copy(), lambda d: d["errata"][0].pop("explanation"))
    _raises(path, "field 'errata[0].explanation'")


def test_claim_with_unknown_relation(case_copy):
    path = edit(case_copy(), lambda d: d["claims"][0].update(relation="similar"))
    _raises(path, "field 'claims[0].relation'", "'similar'")


def test_top_level_must_be_an_object(case_copy):
    path = case_copy()
    path.write_text(json.dumps([1, 2, 3]))
    _raises(path, "JSON object")
