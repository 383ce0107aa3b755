"""README's "Second order and forward mode" shows what examples/second_order.py prints."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .test_readme import normalise

ROOT = Path(__file__).resolve().parents[2]


def test_the_second_order_example_prints_what_readme_shows():
    pytest.importorskip("torch"), pytest.importorskip("jax")
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Second order and forward mode", 1)[1]
    shown = re.search(r"```text\n(.*?)```", section, flags=re.S).group(1)
    out = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "second_order.py")], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert normalise(out.stdout) == normalise(shown)
