"""gradcheck.report: the data of a check, its JSON form and the entries a trusted oracle rejected."""

import json

import numpy as np
import pytest

from gradcheck._engine.compare.entries import Comparison
from gradcheck.report import HealthCheck, OracleRun, ParamReport, Report, write_json


def _comparison(reference, bad_mask, ok=None):
    n_bad = int(bad_mask.sum())
    return Comparison(
        reference,
        "entries",
        n_bad == 0 if ok is None else ok,
        bad_mask.size,
        n_bad,
        0.5,
        0.25,
        worst_index=(0, 1),
        bad_mask=bad_mask,
        detail={"atol": 1e-9},
    )


def _param():
    yours = np.array([[1.0, 2.5], [3.0, 4.0]])
    ref = np.array([[1.0, 2.0], [3.0, 4.0]])
    fd_bad = np.array([[False, True], [False, False]])
    torch_bad = np.array([[False, False], [True, False]])  # an untrusted oracle: its rejections do not count
    return ParamReport(
        "W1",
        (2, 2),
        "float64",
        "mismatch",
        comparisons={"fd": _comparison("fd", fd_bad), "torch": _comparison("torch", torch_bad)},
        trusted=("fd",),
        set_aside={"torch": "it disagrees with fd"},
        diagnosis="scaled",
        diagnosis_kind="scaled",
        yours=yours,
        refs={"fd": ref},
        notes=["a note"],
        bound=np.inf,
    )


def _report():
    ok = ParamReport("b", (2,), "float64", "ok", yours=np.zeros(2))
    return Report(
        False,
        "grad",
        "FAIL",
        [_param(), ok],
        [
            OracleRun("fd", "ran", mode="entries", method="central", seconds=0.1, evaluations=8),
            OracleRun("jax", "skipped", reason="not installed"),
        ],
        health=[HealthCheck("kink", "a ReLU input is near 0")],
        seed=3,
        tolerances={"rtol": 1e-6},
        reproduce="pytest -k t",
    )


def test_wrong_entries_are_those_a_trusted_oracle_rejected():
    assert _param().wrong_entries().tolist() == [[False, True], [False, False]]


def test_wrong_entries_without_comparisons_are_all_false_in_the_params_shape():
    p = ParamReport("b", (3, 1), "float64", "missing")
    assert p.wrong_entries().shape == (3, 1) and not p.wrong_entries().any()


def test_rows_put_the_wrong_entries_first_with_every_reference():
    rows = _param().rows(limit=2)
    assert rows[0] == {"index": [0, 1], "yours": 2.5, "fd": 2.0, "difference": 0.5, "wrong": True}
    assert rows[1]["wrong"] is False and len(rows) == 2


def test_rows_are_empty_without_a_gradient_of_the_right_shape():
    p = _param()
    p.yours = np.zeros(3)
    assert p.rows() == []


def test_to_dict_is_plain_json_and_round_trips():
    report = _report()
    d = report.to_dict()
    again = json.loads(json.dumps(d))
    assert again == d
    assert (d["ok"], d["kind"], d["verdict"], d["seed"], d["reproduce"]) == (False, "grad", "FAIL", 3, "pytest -k t")
    w = d["params"][0]
    assert (w["name"], w["shape"], w["status"], w["trusted"]) == ("W1", [2, 2], "mismatch", ["fd"])
    assert w["set_aside"] == {"torch": "it disagrees with fd"}
    assert w["comparisons"]["fd"]["worst_index"] == [0, 1] and w["comparisons"]["fd"]["atol"] == 1e-9
    assert w["detection_bound"] is None  # an infinite bound is written as null, not as Infinity
    assert w["worst_entries"][0]["wrong"] is True and w["taylor"] is None
    assert d["oracles"][1] == {
        "name": "jax",
        "status": "skipped",
        "reason": "not installed",
        "mode": "",
        "method": "",
        "seconds": 0.0,
        "evaluations": 0,
        "ran_as": "",
    }
    assert d["health"] == [{"name": "kink", "message": "a ReLU input is near 0", "fails": False, "source": ""}]


def test_report_accessors():
    report = _report()
    assert report.ran == ["fd"]
    assert [p.name for p in report.failing] == ["W1"]
    assert report.param("b").ok
    assert report.worst_rel() == 0.25
    with pytest.raises(KeyError, match=r"no parameter named 'W2' in this report \(have \['W1', 'b'\]\)"):
        report.param("W2")


def test_worst_rel_is_none_when_nothing_was_compared():
    assert Report(True, "grad", "PASS", [ParamReport("b", (1,), "float64", "ok")], []).worst_rel() is None


def test_write_json_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = write_json(tmp_path / "sub" / "report.json", {"x": np.float64(1.5), "p": tmp_path})
    assert json.loads(path.read_text()) == {"x": 1.5, "p": str(tmp_path)}
    assert [f.name for f in path.parent.iterdir()] == ["report.json"]


def test_write_json_removes_its_temporary_file_when_writing_fails(tmp_path):
    class Unwritable:
        def __str__(self):
            raise RuntimeError("no")

    with pytest.raises(RuntimeError):
        write_json(tmp_path / "r.json", {"x": Unwritable()})
    assert list(tmp_path.iterdir()) == []
