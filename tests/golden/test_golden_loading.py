"""Robust loading: any malformed case file is one CaseError naming the file and the field, never a traceback."""

import json

import pytest

from gradcheck.golden import CaseError, load, run_cases

from .conftest import copy_as, edit


def _error(path) -> str:
    with pytest.raises(CaseError) as info:
        load(path)
    assert str(info.value).startswith(str(path))
    return str(info.value)


def test_binary_and_non_utf8_files(tmp_path):
    binary = tmp_path / "x.gradcheck.json"
    binary.write_bytes(bytes(range(256)))
    assert "is not UTF-8 text (byte 0x80 at offset 128)" in _error(binary)
    latin = tmp_path / "y.gradcheck.json"
    latin.write_bytes('{"title": "caf\xe9"}'.encode("latin-1"))
    assert "is not UTF-8 text" in _error(latin)


def test_truncated_json_names_line_and_column(small_case):
    small_case.write_text(small_case.read_text()[:300])
    assert "is not valid JSON at line" in _error(small_case)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_in_inputs_are_errors(small_case, constant):
    text = small_case.read_text()
    data = json.loads(text)
    name = next(iter(data["inputs"]["values"]))
    data["inputs"]["values"][name] = "PLACEHOLDER"
    small_case.write_text(json.dumps(data).replace('"PLACEHOLDER"', constant))
    assert f"holds {constant}, which is not a number" in _error(small_case)


def test_huge_number_is_not_finite(small_case):
    data = json.loads(small_case.read_text())
    name = next(iter(data["inputs"]["values"]))
    data["inputs"]["values"][name] = "PLACEHOLDER"
    small_case.write_text(json.dumps(data).replace('"PLACEHOLDER"', "1e999"))
    assert f"field 'inputs.values.{name}' is a number, too large for a float64 (at most 1.8e308)" in _error(small_case)


def test_deep_nesting_is_an_error_not_a_recursion_error(small_case):
    small_case.write_text('{"gradcheck_case": 1, "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
    assert "nests deeper than" in _error(small_case)


def test_a_list_where_a_string_belongs(small_case):
    edit(small_case, lambda d: d.update(title=["not", "a", "string"]))
    assert "field 'title' must be a string but is list" in _error(small_case)


def test_a_number_where_a_name_belongs(small_case):
    edit(small_case, lambda d: d["loss"].update(output=3))
    assert "field 'loss.output' must be a string" in _error(small_case)


def test_misspelt_keys_are_errors_with_a_suggestion(small_case):
    edit(small_case, lambda d: d.update(erata=[]))
    assert "field 'erata' is not a field of the format (did you mean 'errata'?)" in _error(small_case)


def test_the_old_reproduce_by_key_is_an_error_listing_the_allowed_keys(small_case):
    edit(small_case, lambda d: d["stated"][0].update(reproduce_by="f"))
    assert "field 'stated[0].reproduce_by' is not a field of the format (allowed: field, where" in _error(small_case)


def test_a_tolerance_looser_than_the_format_allows(small_case):
    edit(small_case, lambda d: d.update(tolerance={"rtol": 1e-3}))
    assert "field 'tolerance.rtol' must be at most 1e-09 but is 0.001" in _error(small_case)


def test_an_abs_tol_rule_looser_than_its_printed_digits(small_case):
    def loosen(d):
        entry = next(s for s in d["stated"] if isinstance(s.get("printed"), str))
        entry["rule"] = {"kind": "abs_tol", "abs_tol": "100", "why": "anything goes"}

    edit(small_case, loosen)
    assert "rule' allows 100" in _error(small_case) and "more than 10 units of the last printed digit" in _error(
        small_case
    )


def test_missing_format_key_and_other_versions(small_case):
    edit(small_case, lambda d: d.pop("gradcheck_case"))
    assert "field 'gradcheck_case' must be 1" in _error(small_case)
    edit(small_case, lambda d: d.update(gradcheck_case=2))
    assert "is 2" in _error(small_case)


def test_id_must_be_the_file_name(small_case):
    edit(small_case, lambda d: d.update(id="another-name"))
    assert "field 'id' is 'another-name' but the file is 'my-copy.gradcheck.json'" in _error(small_case)


def test_unknown_names_in_stated_claims_and_nodes(small_case):
    edit(small_case, lambda d: d["stated"][0].update(field="no_such_field"))
    assert "field 'stated[0].field' names 'no_such_field', which is not a field of the case" in _error(small_case)


def test_a_node_using_an_unknown_name_and_a_shape_error(tmp_path):
    case = tmp_path / "bad-node.gradcheck.json"
    base = {
        "gradcheck_case": 1,
        "id": "bad-node",
        "title": "t",
        "conventions": "",
        "source": {"title": "t", "address": "a", "kind": "tutorial"},
        "inputs": {"values": {"a": [[1.0, 2.0]], "b": [[1.0, 2.0, 3.0]]}},
        "loss": {"kind": "none", "output": "f"},
        "stated": [],
    }
    case.write_text(
        json.dumps(
            {
                **base,
                "model": {"kind": "graph", "output": "f", "nodes": [{"name": "f", "op": "add", "args": ["a", "c"]}]},
            }
        )
    )
    assert "field 'model.nodes' node 'f' uses 'c', which is no input or node" in _error(case)
    case.write_text(
        json.dumps(
            {
                **base,
                "model": {"kind": "graph", "output": "f", "nodes": [{"name": "f", "op": "matmul", "args": ["a", "b"]}]},
            }
        )
    )
    assert "node 'f' (matmul of [(1, 2), (1, 3)]) fails" in _error(case)
    case.write_text(
        json.dumps(
            {
                **base,
                "model": {"kind": "graph", "output": "f", "nodes": [{"name": "f", "op": "explode", "args": ["a"]}]},
            }
        )
    )
    assert "field 'model.nodes[0].op' must be one of 'add'" in _error(case)


def test_one_bad_file_does_not_stop_the_others(tmp_path, small_case):
    directory = small_case.parent
    (directory / "zz-broken.gradcheck.json").write_bytes(b"\xff\xfe")
    results = run_cases(directory)
    assert [(r.case_id, r.ok) for r in results] == [("my-copy", True), ("zz-broken", False)]
    assert "is not UTF-8 text" in results[1].problems[0]


def test_temp_files_of_an_interrupted_update_are_ignored_and_git_ignores_them(small_case):
    from gradcheck.golden import discover
    from gradcheck.golden.store import TEMP_SUFFIX

    (small_case.parent / f".{small_case.name}.abc{TEMP_SUFFIX}").write_text("{partial")
    (small_case.parent / "notes.json").write_text("{}")
    assert discover(small_case.parent) == [small_case]
    gitignore = (__import__("pathlib").Path(__file__).parents[2] / ".gitignore").read_text()
    assert f".*{TEMP_SUFFIX}" in gitignore.split()


def test_copy_as_keeps_a_case_loadable(tmp_path, small_case):
    again = copy_as(small_case, tmp_path / "elsewhere", "second-copy")
    assert load(again).id == "second-copy"


def test_golden_run_says_a_file_does_not_load_instead_of_counting_checks(small_case, capsys):
    from gradcheck.cli import main

    (small_case.parent / "zz-broken.gradcheck.json").write_text("{")
    assert main(["golden", "run", str(small_case.parent)]) == 1
    out = capsys.readouterr().out
    assert "zz-broken.gradcheck.json: does not load\n  " in out and "( checked)" not in out


def test_a_loss_without_its_target_or_of_another_shape_names_loss_target(small_case):
    data = json.loads(small_case.read_text())
    if data["loss"]["kind"] == "none":
        data["loss"] = {"kind": "squared_error", "output": data["loss"]["output"]}
        small_case.write_text(json.dumps(data))
        assert "field 'loss.target' is missing (loss kind 'squared_error' compares with a target)" in _error(small_case)
        data["loss"]["target"] = "t_extra"
        data["inputs"]["values"]["t_extra"] = [1.0, 2.0, 3.0]
        small_case.write_text(json.dumps(data))
        assert "field 'loss.target' is 't_extra' of shape (3,) but the output" in _error(small_case)


def test_a_graph_model_output_other_than_the_loss_output_is_refused(small_case):
    data = json.loads(small_case.read_text())
    other = next(n["name"] for n in data["model"]["nodes"] if n["name"] != data["loss"]["output"])
    edit(small_case, lambda d: d["model"].update(output=other))
    assert f"field 'model.output' is '{other}' but loss.output is '{data['loss']['output']}'" in _error(small_case)


def test_an_erratum_evidence_index_outside_its_field_is_named(small_case):
    def add(d):
        d["errata"] = [{"id": "ev", "where": "w", "printed": "p", "correct": "c", "explanation": "x"}]
        d["errata"][0]["evidence"] = [f"{d['loss']['output']}[7, 7]"]

    edit(small_case, add)
    with pytest.raises(
        CaseError, match=r"field 'errata\[0\].evidence\[0\]' indexes \w+ at \[7, 7\], outside its shape"
    ):
        __import__("gradcheck.golden").golden.verify(load(small_case))
