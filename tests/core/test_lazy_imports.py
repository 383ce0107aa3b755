"""`import gradcheck` loads neither torch nor jax: a project pays for them only when an oracle runs."""

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "; import sys; print(' '.join(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


def test_import_gradcheck_loads_no_framework():
    mods = _modules_after("import gradcheck")
    assert "torch" not in mods and "jax" not in mods and "matplotlib" not in mods


def test_fd_only_check_loads_no_framework():
    code = (
        "import numpy as np, gradcheck as gc; "
        "gc.check_grad(lambda x: float((x**2).sum()), lambda x: 2*x, np.ones(3), oracles=['fd'])"
    )
    mods = _modules_after(code)
    assert "torch" not in mods and "jax" not in mods


def test_jax_oracle_does_not_enable_x64_globally():
    code = (
        "import numpy as np, gradcheck as gc; from array_api_compat import array_namespace as ns; "
        "gc.check_grad(lambda x: ns(x).sum(x**2), lambda x: 2*x, np.ones(3), oracles=['jax']); "
        "import jax, jax.numpy as jnp; assert jnp.ones(2).dtype == jnp.float32, jnp.ones(2).dtype"
    )
    _modules_after(code)
