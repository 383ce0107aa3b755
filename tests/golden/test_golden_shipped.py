"""The shipped cases: found by discovery, all pass, up to date, pure data, cross-checked by the oracles."""

import json

import pytest

from gradcheck.golden import load, run_cases, shipped_cases_dir, update

from .conftest import SHIPPED


def test_at_least_eight_cases_ship_and_one_is_a_graph():
    kinds = [json.loads(p.read_text())["model"]["kind"] for p in SHIPPED]
    assert len(SHIPPED) >= 8 and kinds.count("graph") >= 1
    assert all(p.parent == shipped_cases_dir() for p in SHIPPED)


def test_every_shipped_case_passes():
    failed = [str(r) for r in run_cases() if not r.ok]
    assert failed == []


def test_committed_files_are_what_update_generates():
    summary = update([shipped_cases_dir()], check_only=True)
    assert (summary.updated, summary.broken) == ([], [])
    assert str(summary).endswith(f"0 updated, {len(SHIPPED)} unchanged")


def test_sources_are_named_and_no_case_says_seed_or_points_at_a_machine_path():
    for path in SHIPPED:
        text = path.read_text()
        data = json.loads(text)
        assert data["source"]["title"] and data["source"]["address"]
        machine_dirs = ["/" + d + "/" for d in ("work", "tmp", "home")]
        assert "seed" not in data["id"] and not any(d in text for d in machine_dirs)


def test_every_stated_value_is_a_printed_string_and_every_erratum_has_a_variant_or_evidence():
    for path in SHIPPED:
        data = load(path).data
        for e in data.get("errata", []):
            assert (
                e.get("variant")
                or e.get("evidence")
                or any(c.get("erratum") == e["id"] for c in data.get("claims", []))
            ), (path.name, e["id"])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name.split(".")[0])
def test_every_gradient_and_value_agrees_with_fd_torch_and_jax(path):
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    from gradcheck.golden.crosscheck import crosscheck

    cc = crosscheck(load(path))
    assert cc.problems == []
    assert any("(fd, torch, jax)" in c for c in cc.confirmed) and any("(jax)" in c for c in cc.confirmed)


def test_crosscheck_catches_a_planted_wrong_vjp(monkeypatch):
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    from gradcheck.golden import ops
    from gradcheck.golden.crosscheck import crosscheck

    path = next(p for p in SHIPPED if '"sigmoid"' in p.read_text() and '"graph"' in p.read_text())
    wrong = ops.Op("sigmoid", 1, ops.OPS["sigmoid"].forward, lambda g, args, out: [g * out])  # forgot (1 - s)
    monkeypatch.setitem(ops.OPS, "sigmoid", wrong)
    cc = crosscheck(load(path))
    assert len(cc.problems) == 1 and "disagree with the oracles" in cc.problems[0] and path.name in cc.problems[0]


def test_the_published_schema_is_valid_and_an_independent_validator_accepts_every_shipped_case():
    jsonschema = pytest.importorskip("jsonschema")
    from gradcheck.golden.jsonschema import schema

    validator = jsonschema.Draft202012Validator(schema())
    jsonschema.Draft202012Validator.check_schema(schema())
    for path in SHIPPED:
        assert list(validator.iter_errors(json.loads(path.read_text()))) == [], path.name


def test_the_schema_lists_exactly_the_interpreter_operations():
    from gradcheck.golden.jsonschema import schema
    from gradcheck.golden.ops import OPS

    assert set(schema()["$defs"]["node"]["properties"]["op"]["enum"]) == set(OPS)
