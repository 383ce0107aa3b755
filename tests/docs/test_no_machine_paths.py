"""No tracked file names a path of the machine it was written on, and every install line uses the constraints."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MACHINE = re.compile("/" + "(work|tmp|home|root|Users)/")  # built so that this file does not match itself


def _tracked() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [ROOT / line for line in out.splitlines() if (ROOT / line).is_file()]


def test_no_machine_paths_in_tracked_files():
    found = []
    for path in _tracked():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [
            f"{path.relative_to(ROOT)}:{i}" for i, line in enumerate(text.splitlines(), 1) if MACHINE.search(line)
        ]
    assert found == []


def test_every_documented_pip_install_uses_the_constraints():
    lines = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "examples").rglob("*.md"))]:
        lines += [
            (doc.name, line) for line in doc.read_text().splitlines() if re.search(r"pip install .*(-e|\.\[)", line)
        ]
    assert lines, "no install lines found"
    assert [(name, line) for name, line in lines if "-c " not in line] == []
