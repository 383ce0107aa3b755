"""Loading the golden machinery (what the pytest plugin does on collection) never imports torch or jax."""

import subprocess
import sys


def test_golden_and_pytest_items_import_no_framework():
    code = ("import sys, gradcheck.golden.pytest_items, gradcheck.golden; "
            "from gradcheck.golden import load, verify; verify(load('reference_cases/seed002_w1_update.json')); "
            "print(sorted(m for m in ('torch', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=__file__.rsplit("/tests/", 1)[0])
    assert out.stdout.strip() == "[]"
