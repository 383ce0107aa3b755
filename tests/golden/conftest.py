"""Fixtures for the golden-case tests: the shipped cases, and a scratch copy to break."""

import json
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "reference_cases"
SEED002 = CASES / "seed002_w1_update.json"


def pytest_configure(config):
    """pytester, unless the root conftest or the command line (-p pytester) already loaded it."""
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")


@pytest.fixture
def case_copy(tmp_path):
    """copy(name="seed002_w1_update") -> path of a copy in tmp_path/reference_cases, safe to edit."""
    target = tmp_path / "reference_cases"
    target.mkdir(exist_ok=True)

    def copy(name="seed002_w1_update"):
        return Path(shutil.copy(CASES / f"{name}.json", target / f"{name}.json"))

    return copy


@pytest.fixture
def golden_project(pytester):
    """A pytester project with a copy of every shipped case in reference_cases/."""
    shutil.copytree(CASES, pytester.path / "reference_cases", ignore=shutil.ignore_patterns("*.obtained.json"))
    return pytester


def edit(path, change):
    """Load the JSON at `path`, apply change(data) in place, write it back (plain json, not atomic)."""
    data = json.loads(Path(path).read_text())
    change(data)
    Path(path).write_text(json.dumps(data))
    return path
