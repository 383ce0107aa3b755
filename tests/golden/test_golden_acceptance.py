"""A user's project: a copied case under a new id is picked up and passes; a changed computed number fails
naming the file and the field; unrelated JSON in reference_cases/ is left alone; a broken case stops nothing."""

import json

import pytest

from gradcheck.golden import load, run_cases, verify

from .conftest import SHIPPED, copy_as, edit

ARGS = ("-p", "no:cacheprovider")


def _first_computed_number(data):
    """(field, path into it) of the first number stored in 'computed'."""
    for name, value in data["computed"].items():
        path = []
        while isinstance(value, list):
            path.append(0)
            value = value[0]
        if value != 0:
            return name, path
    raise AssertionError("no nonzero computed value")


@pytest.mark.parametrize("source", SHIPPED, ids=lambda p: p.name.split(".")[0])
def test_any_shipped_case_copied_under_a_new_id_is_found_and_passes(source, tmp_path):
    copy = copy_as(source, tmp_path / "reference_cases", "copied-case")
    results = run_cases(tmp_path / "reference_cases")
    assert [(r.case_id, r.ok) for r in results] == [("copied-case", True)], [str(r) for r in results]
    assert load(copy).id == "copied-case"


def test_the_copy_runs_under_pytest_and_a_changed_number_fails_naming_file_and_field(pytester, small_case):
    target = pytester.path / "reference_cases"
    target.mkdir()
    copy = target / small_case.name
    copy.write_text(small_case.read_text())
    result = pytester.runpytest("-v", *ARGS)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*reference_cases/my-copy.gradcheck.json::my-copy PASSED*"])

    data = json.loads(copy.read_text())
    name, index = _first_computed_number(data)

    def bump(d):
        holder = d["computed"]
        key = name
        for i in index:
            holder, key = holder[key], i
        holder[key] = holder[key] * 1.001 + 1e-3

    edit(copy, bump)
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*my-copy.gradcheck.json: 1 problem(s)*",
            f"*field 'computed.{name}': 1 of * entries differ*",
            "*run `gradcheck golden update my-copy.gradcheck.json`*",
        ]
    )


def test_a_project_with_unrelated_reference_cases_json_runs_unaffected(pytester):
    (pytester.path / "reference_cases").mkdir()
    (pytester.path / "reference_cases" / "fixtures.json").write_text('{"not": "a gradcheck case"}')
    (pytester.path / "reference_cases" / "broken.json").write_text("{ this is not json")
    pytester.makepyfile(test_mine="def test_mine():\n    assert True\n")
    result = pytester.runpytest("-v", *ARGS)
    result.assert_outcomes(passed=1)
    assert "fixtures.json" not in result.stdout.str() and "broken.json" not in result.stdout.str()


def test_one_broken_case_file_fails_alone_naming_file_and_field(pytester, small_case):
    target = pytester.path / "reference_cases"
    target.mkdir()
    (target / small_case.name).write_text(small_case.read_text())
    bad = copy_as(small_case, target, "bad-case")
    edit(bad, lambda d: d["stated"][0].update(eratum="x"))
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(passed=1, failed=1)
    assert (
        "bad-case.gradcheck.json: field 'stated[0].eratum' is not a field of the format (did you mean 'erratum'?)"
    ) in result.stdout.str()


def test_a_stated_value_problem_under_pytest_says_a_hand_edit_fixes_it_not_an_update(pytester, small_case):
    target = pytester.path / "reference_cases"
    copy = copy_as(small_case, target, "printed-wrong")
    i = next(i for i, s in enumerate(json.loads(copy.read_text())["stated"]) if isinstance(s.get("printed"), str))
    edit(copy, lambda d: d["stated"][i].update(printed="987654"))
    result = pytester.runpytest(*ARGS)
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert (
        "a printed value, claim or erratum disagrees with what gradcheck computes, and `gradcheck golden update` "
        "cannot fix that (it rewrites computed fields only)"
    ) in out
    assert "run `gradcheck golden update" not in out


def test_a_changed_printed_value_fails_naming_the_stated_entry(tmp_path):
    def plain(path):
        return [
            i
            for i, s in enumerate(json.loads(path.read_text())["stated"])
            if isinstance(s.get("printed"), str) and not s.get("erratum") and not s.get("rule")
        ]

    source = next(p for p in SHIPPED if plain(p))
    copy = copy_as(source, tmp_path, "printed-changed")
    data = json.loads(copy.read_text())
    i = plain(copy)[0]
    wrong = data["stated"][i]["printed"] + "7"
    edit(copy, lambda d: d["stated"][i].update(printed=wrong))
    result = verify(load(copy))
    assert not result.ok and any(
        p.startswith(f"field 'stated[{i}]'") and f"printed {wrong} but computed" in p for p in result.problems
    ), result.problems
