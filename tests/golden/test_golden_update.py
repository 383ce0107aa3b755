"""`gradcheck golden update`: recomputes `computed` only, atomically, and says "N updated, M unchanged"."""

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gradcheck.cli import main
from gradcheck.golden import load, update, verify
from gradcheck.golden.store import STALE_SECONDS, TEMP_SUFFIX, write_atomic

from .conftest import copy_as, edit


def _stale(path):
    name = next(k for k, v in json.loads(path.read_text())["computed"].items() if v != 0)
    edit(
        path,
        lambda d: (
            d["computed"].update({name: 123.0})
            if not isinstance(d["computed"][name], list)
            else d["computed"].pop(name)
        ),
    )
    return name


def test_update_rewrites_only_computed_and_reports_counts(small_case):
    second = copy_as(small_case, small_case.parent, "already-current")
    before = json.loads(small_case.read_text())
    name = _stale(small_case)
    summary = update([small_case.parent])
    assert str(summary).splitlines()[-1] == "1 updated, 1 unchanged"
    assert any(line.startswith(f"my-copy.gradcheck.json: computed.{name}: ") for line in summary.changes)
    after = json.loads(small_case.read_text())
    assert after["computed"] == before["computed"]
    assert {k: v for k, v in after.items() if k not in ("computed", "generated_by")} == {
        k: v for k, v in before.items() if k not in ("computed", "generated_by")
    }
    assert verify(load(small_case)).ok and verify(load(second)).ok
    assert str(update([small_case.parent])).splitlines()[-1] == "0 updated, 2 unchanged"


def test_update_never_fixes_a_printed_value(small_case):
    data = json.loads(small_case.read_text())
    i = next(i for i, s in enumerate(data["stated"]) if isinstance(s.get("printed"), str))
    edit(small_case, lambda d: d["stated"][i].update(printed="999"))
    update([small_case])
    assert json.loads(small_case.read_text())["stated"][i]["printed"] == "999"
    assert any(p.startswith(f"field 'stated[{i}]'") for p in verify(load(small_case)).problems)


def test_broken_files_are_reported_and_the_others_updated(small_case):
    broken = small_case.parent / "broken.gradcheck.json"
    broken.write_text('{"gradcheck_case": 1, "id": "broken"')
    _stale(small_case)
    summary = update([small_case.parent])
    assert summary.updated == [str(small_case)] and len(summary.broken) == 1
    assert str(summary).splitlines()[-1] == "1 updated, 0 unchanged, 1 broken"
    assert "cannot update" in str(summary) and "broken.gradcheck.json: field 'id' is not valid JSON" in str(summary)


def test_check_only_writes_nothing(small_case):
    _stale(small_case)
    text = small_case.read_text()
    assert update([small_case], check_only=True).updated == [str(small_case)]
    assert small_case.read_text() == text


def test_an_interrupted_write_leaves_the_old_file_and_no_temp_file(small_case, monkeypatch):
    _stale(small_case)
    text = small_case.read_text()

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        update([small_case])
    assert small_case.read_text() == text
    assert list(small_case.parent.glob(f"*{TEMP_SUFFIX}")) == []


def _ended_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_only_temp_files_of_ended_writers_are_removed_by_the_next_update(small_case):
    temp = lambda tag: small_case.parent / f".{small_case.name}.{tag}.x1y2{TEMP_SUFFIX}"  # noqa: E731
    ended, writing, old, fresh = temp(_ended_pid()), temp(os.getppid()), temp("nopid"), temp("nopid2")
    for leftover in (ended, writing, old, fresh):
        leftover.write_text("{partial")
    os.utime(old, (time.time() - 2 * STALE_SECONDS,) * 2)
    update([small_case])
    assert [p.exists() for p in (ended, writing, old, fresh)] == [False, True, False, True]


def test_an_update_keeps_the_file_mode_and_a_new_file_gets_the_umask(small_case, tmp_path):
    _stale(small_case)
    small_case.chmod(0o664)
    update([small_case])
    assert stat.S_IMODE(small_case.stat().st_mode) == 0o664
    new = tmp_path / "new.txt"
    old_mask = os.umask(0o027)
    try:
        write_atomic(new, "x")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE(new.stat().st_mode) == 0o640


def test_concurrent_updates_of_one_directory_all_succeed_and_leave_every_file_whole(small_case):
    """A few `gradcheck golden update` processes at once on stale files: none dies, every file verifies."""
    cases = [small_case] + [copy_as(small_case, small_case.parent, f"copy-{i}") for i in range(3)]
    for case in cases:
        _stale(case)
        case.chmod(0o644)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
    command = [sys.executable, "-m", "gradcheck", "golden", "update", str(small_case.parent)]
    runs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outcomes = [(run.wait(timeout=300), run.stderr.read().decode()) for run in runs]
    assert outcomes == [(0, "")] * 4
    assert all(verify(load(case)).ok for case in cases)
    assert {stat.S_IMODE(case.stat().st_mode) for case in cases} == {0o644}
    assert list(small_case.parent.glob(f".*{TEMP_SUFFIX}")) == []


def test_cli_update_and_check(small_case, capsys):
    _stale(small_case)
    assert main(["golden", "update", "--check", str(small_case.parent)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "1 updated, 0 unchanged"
    assert main(["golden", "update", str(small_case.parent)]) == 0
    assert main(["golden", "update", "--check", str(small_case.parent)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 updated, 1 unchanged"
    assert main(["golden", "run", str(small_case)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 passed, 0 failed"
    (small_case.parent / "broken.gradcheck.json").write_bytes(b"\x00\x01")
    assert main(["golden", "update", str(small_case.parent)]) == 2


def test_pytest_update_option_rewrites_a_stale_case_and_passes(pytester, small_case):
    target = pytester.path / "reference_cases"
    target.mkdir()
    copy = target / small_case.name
    copy.write_text(small_case.read_text())
    name = _stale(copy)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(failed=1)
    result = pytester.runpytest("--gradcheck-update-golden", "-rP", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert f"my-copy.gradcheck.json: computed.{name}: " in result.stdout.str()
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_update_without_a_path_uses_reference_cases_and_never_the_installed_cases(
    tmp_path, capsys, monkeypatch, small_case
):
    monkeypatch.chdir(tmp_path / "reference_cases" / "..")
    assert main(["golden", "update"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "0 updated, 1 unchanged"
    monkeypatch.chdir(tmp_path / "reference_cases")
    assert main(["golden", "update"]) == 2
    assert "reference_cases: does not exist: name the case files or directories to update" in capsys.readouterr().err
