"""cli/runner: each row of a command is an Outcome; exit 0 all passed, 1 a check failed, 2 an input error."""

import json

import numpy as np
import pytest

from gradcheck import __version__
from gradcheck.cli.runner import Outcome, case_paths, exit_code, run_target, write_json
from gradcheck.cli.target import Target
from gradcheck.errors import GradcheckError
from gradcheck.settings import Settings


def _target(scale=2.0, label="sq"):
    fields = {
        "loss": lambda p: float(np.sum(p["w"] ** 2)),
        "grad": lambda p: {"w": scale * p["w"]},
        "params": {"w": np.array([1.0, -3.0])},
    }
    return Target(label, "grad", fields)


@pytest.mark.parametrize(
    "rows, code",
    [
        ([], 0),
        ([(True, False)], 0),
        ([(True, False), (False, False)], 1),
        ([(False, False), (False, True)], 2),
    ],
)
def test_exit_code(rows, code):
    assert exit_code([Outcome("check", str(i), ok, 0.0, error=err) for i, (ok, err) in enumerate(rows)]) == code


def test_status_words():
    assert [
        Outcome("case", "a", ok, 0.0, error=err).status for ok, err in ((True, False), (False, False), (False, True))
    ] == ["ok", "FAIL", "ERROR"]


def test_run_target_reproduce_line_names_the_target_for_gradcheck_run():
    out = run_target(_target(), Settings(oracles=("fd",)), "gradcheck run")
    assert (out.kind, out.case_id, out.ok, out.status) == ("check", "sq", True, "ok")
    assert out.report.reproduce == "gradcheck run -k 'sq'"
    other = run_target(_target(), Settings(oracles=("fd",)), "gradcheck check m:sq")
    assert other.report.reproduce == "gradcheck check m:sq"


def test_a_wrong_gradient_is_a_failed_row_and_bad_input_an_error_row():
    failed = run_target(_target(scale=3.0), Settings(oracles=("fd",)), "")
    assert (failed.ok, failed.error, failed.report.param("w").status) == (False, False, "mismatch")
    bad = Target("bad", "grad", dict(_target().fields, params={"w": np.array([1, 2])}))
    err = run_target(bad, Settings(oracles=("fd",)), "")
    assert (err.ok, err.error, err.report) == (False, True, None)
    assert err.problems == [
        "params entry 'w' has dtype int64; gradients need floating-point parameters "
        "(pass w.astype(float) or leave integers in args)"
    ]


def test_write_json_has_totals_and_every_row(tmp_path):
    rows = [
        run_target(_target(), Settings(oracles=("fd",)), ""),
        Outcome("case", "c1", False, 0.123456, problems=["off by 2"], detail={"path": "c1.toml"}),
    ]
    write_json(str(tmp_path / "run.json"), rows, {"oracles": "fd"}, 1.23456)
    data = json.loads((tmp_path / "run.json").read_text())
    assert (
        data["gradcheck_version"],
        data["ok"],
        data["exit_code"],
        data["passed"],
        data["total"],
        data["seconds"],
    ) == (__version__, False, 1, 1, 2, 1.235)
    assert data["settings"] == {"oracles": "fd"}
    assert data["results"][1] == {
        "kind": "case",
        "id": "c1",
        "status": "FAIL",
        "ok": False,
        "seconds": 0.1235,
        "problems": ["off by 2"],
        "path": "c1.toml",
    }
    assert data["results"][0]["report"]["params"][0]["name"] == "w"


def test_case_paths_reads_files_and_refuses_a_missing_path(tmp_path):
    f = tmp_path / "one.toml"
    f.write_text("")
    assert case_paths([str(f)]) == [f]
    with pytest.raises(GradcheckError) as e:
        case_paths([str(tmp_path / "gone")])
    assert str(e.value) == f"No such file or directory: {str(tmp_path / 'gone')!r}"
