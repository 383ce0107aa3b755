"""The package surface: __all__ is exact, and importing gradcheck.nets loads neither torch nor jax."""

import subprocess
import sys

import gradcheck.nets as nets


def test_all_lists_exactly_the_public_names():
    public = {n for n in dir(nets) if n.isidentifier() and not n.startswith("_")}  # pytest may add @py_*
    submodules = {
        "activations",
        "attention",
        "conv",
        "dropout",
        "embedding",
        "layers",
        "losses",
        "mlp",
        "normalization",
        "optim",
        "pooling",
        "recurrent",
        "spec",
    }
    assert sorted(nets.__all__) == sorted(public - submodules)
    assert nets.__all__ == sorted(nets.__all__)


def test_import_loads_no_framework():
    code = "import sys, gradcheck.nets; print(sorted(m for m in ('torch', 'jax') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
