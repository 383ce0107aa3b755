"""strict_json: NaN, Infinity, a repeated key, deep nesting, a huge number and broken JSON are refused naming
the file, the JSON path and the line."""

import pytest

from gradcheck.golden import CaseError
from gradcheck.golden.strict_json import MAX_DEPTH, join_path, locate, read_json

CASE = '{\n  "inputs": {\n    "values": {\n      "W1": [[1.0, 2.0], [3.0, VALUE]],\n      "b": 1\n    }\n  }\n}\n'


def _error(tmp_path, text) -> str:
    path = tmp_path / "c.gradcheck.json"
    path.write_text(text)
    with pytest.raises(CaseError) as info:
        read_json(path)
    assert str(info.value).startswith(f"{path}: ")
    return str(info.value)[len(str(path)) + 2 :]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_name_the_path_and_line(tmp_path, constant):
    assert _error(tmp_path, CASE.replace("VALUE", constant)) == (
        f"field 'inputs.values.W1[1][1]' holds {constant}, which is not a number (at line 4 column 32): "
        "case values must be finite"
    )


def test_a_constant_inside_a_string_is_text(tmp_path):
    path = tmp_path / "c.gradcheck.json"
    path.write_text('{"says": "NaN and Infinity, [unbalanced {"}')
    assert read_json(path) == {"says": "NaN and Infinity, [unbalanced {"}


def test_a_repeated_key_names_its_path_and_the_second_line(tmp_path):
    text = CASE.replace("VALUE", "4.0").replace('"b": 1', '"b": 1,\n      "W1": 2')
    assert _error(tmp_path, text) == (
        "field 'inputs.values.W1' repeats the key 'W1' in one object (the second at line 6 column 7)"
    )


def test_deep_nesting_names_where_it_goes_too_deep(tmp_path):
    text = '{"gradcheck_case": 1,\n "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert _error(tmp_path, text) == (
        f"field 'x{'[0]' * (MAX_DEPTH - 1)}' nests deeper than {MAX_DEPTH} levels (at line 2 column {6 + MAX_DEPTH})"
    )


def test_huge_numbers_name_their_path(tmp_path):
    assert _error(tmp_path, CASE.replace("VALUE", "9" * 401)) == (
        "field 'inputs.values.W1[1][1]' is an integer of 401 digits, too large for a float64 (at most 1.8e308)"
    )
    assert _error(tmp_path, CASE.replace("VALUE", "9" * 5000)) == (
        "field 'inputs.values.W1[1][1]' is a number, too large for a float64 (at most 1.8e308)"
    )
    assert _error(tmp_path, CASE.replace("VALUE", "1e999")).startswith("field 'inputs.values.W1[1][1]' is a number")


def test_invalid_json_names_the_field_it_is_in(tmp_path):
    assert _error(tmp_path, CASE.replace("VALUE", "4.0,")) == (
        "field 'inputs.values.W1[1][2]' is not valid JSON at line 4 column 36 (Expecting value); "
        "if an update was interrupted, restore the file from git"
    )


def test_locate_and_join_path():
    text = '{"a": [1, {"b": [2, 3]}], "c": 4}'
    assert locate(text, text.index("3")) == ("a[1].b[1]", "line 1 column 21")
    assert locate(text, text.index("4")) == ("c", "line 1 column 32")
    assert join_path(["inputs", "values", "W1", 0, 1]) == "inputs.values.W1[0][1]"
