"""Fixtures for the case-file tests: the shipped cases, found by discovery (no test names a case id)."""

import json
import shutil
from pathlib import Path

import pytest

from gradcheck.golden import SUFFIX, discover


def pytest_configure(config):
    """pytester, unless the root conftest or the command line (-p pytester) already loaded it."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


SHIPPED = discover()


def smallest_case() -> Path:
    """The quickest shipped case to copy around (whichever it is)."""
    return min(SHIPPED, key=lambda p: p.stat().st_size)


def copy_as(source: Path, directory: Path, new_id: str) -> Path:
    """A copy of `source` in `directory` under a new id (file name and id field)."""
    data = json.loads(source.read_text(encoding="utf-8"))
    data["id"] = new_id
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{new_id}{SUFFIX}"
    from gradcheck.golden.store import dumps

    target.write_text(dumps(data), encoding="utf-8")
    return target


def edit(path, change):
    """Load the JSON at `path`, apply change(data) in place, write it back (plain json)."""
    data = json.loads(Path(path).read_text())
    change(data)
    Path(path).write_text(json.dumps(data))
    return path


@pytest.fixture
def small_case(tmp_path):
    """A copy of the smallest shipped case in tmp_path/reference_cases, under the id 'my-copy'."""
    return copy_as(smallest_case(), tmp_path / "reference_cases", "my-copy")


@pytest.fixture
def shipped_copy(tmp_path):
    """copy(i) -> a copy of the i-th shipped case in tmp_path, same id."""

    def copy(i=0):
        return Path(shutil.copy(SHIPPED[i], tmp_path / SHIPPED[i].name))

    return copy


def header(case_id: str) -> dict:
    """The fields every hand-made test case starts with (format version, id, a placeholder source)."""
    return {
        "gradcheck_case": 1,
        "id": case_id,
        "title": "t",
        "conventions": "",
        "source": {"title": "t", "address": "here", "kind": "tutorial"},
    }
