"""The wheel carries py.typed and the LICENSE file (MIT, as pyproject.toml says)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_has_py_typed_and_the_license(tmp_path):
    pytest.importorskip("setuptools")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    (wheel,) = tmp_path.glob("gradcheck-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gradcheck/py.typed" in names
    license_file = [n for n in names if n.endswith("licenses/LICENSE") or n.endswith(".dist-info/LICENSE")]
    assert license_file, names
    text = zipfile.ZipFile(wheel).read(license_file[0]).decode()
    assert text.startswith("MIT License")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()  # the SPDX expression in the metadata
