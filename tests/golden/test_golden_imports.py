"""Loading and running cases (what the pytest plugin does on collection) never imports torch or jax."""

import subprocess
import sys

from .conftest import smallest_case


def test_golden_and_pytest_items_import_no_framework():
    code = (
        "import sys, gradcheck.golden.pytest_items, gradcheck.golden; "
        f"from gradcheck.golden import load, verify; assert verify(load({str(smallest_case())!r})).ok; "
        "print(sorted(m for m in ('torch', 'jax') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
