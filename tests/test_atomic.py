"""gradcheck.atomic: whole files only, the umask's mode (not mkstemp's 0600), concurrent writers kept apart."""

import os
import stat
import threading

import pytest

from gradcheck.atomic import new_mode, umask, write_atomic


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_0666_less_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        assert umask() == mask
        write_atomic(tmp_path / "r.json", "{}\n")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "r.json") == 0o666 & ~mask
    assert (tmp_path / "r.json").read_text() == "{}\n"


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "case.gradcheck.json"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomic(target, b"new")
    assert _mode(target) == 0o640 and new_mode(target) == 0o640 and target.read_bytes() == b"new"


def test_a_failed_write_leaves_the_old_file_and_removes_only_its_own_temp(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    write_atomic(target, "1")
    other = tmp_path / ".r.json.another-process.tmp"  # another writer's temp file, mid-write
    other.write_text("partial")

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "2")
    assert target.read_text() == "1" and sorted(p.name for p in tmp_path.iterdir()) == [other.name, "r.json"]


def test_concurrent_writers_each_leave_a_whole_file(tmp_path):
    target, errors = tmp_path / "r.json", []

    def write(i):
        try:
            for _ in range(20):
                write_atomic(target, str(i) * 1000, suffix=".x-tmp")
        except Exception as exc:  # collected: a thread's exception would not fail the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and target.read_text() in {str(i) * 1000 for i in range(4)}
    assert list(tmp_path.glob("*.x-tmp")) == []
