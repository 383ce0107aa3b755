"""Figures at scale: `gradcheck plot` of a wrong 784 x 100 dense layer, wall time and peak memory, each against
the same target checked without figures (`gradcheck check`, the named peer) in the same run.

Target (issue 14): seconds, under 1 GB, a figure of fixed size. Run: python benchmarks/plot_scale.py
"""

from __future__ import annotations

import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAYER = """
import numpy as np

rng = np.random.default_rng(0)
X, Y = rng.standard_normal((32, 784)), rng.standard_normal((32, 100))
params = {"W": 0.05 * rng.standard_normal((784, 100))}

def loss(p, X, Y):
    r = X @ p["W"] - Y
    return 0.5 * (r * r).sum()

def grad(p, X, Y):
    return {"W": 0.5 * X.T @ (X @ p["W"] - Y)}  # planted: half the gradient

case = {"loss": loss, "grad": grad, "params": params, "args": (X, Y)}
"""


def _run(argv, cwd) -> tuple[float, float, int]:
    """(seconds, peak MB of the child, exit code) of one `python -m gradcheck ...` in a fresh process."""
    code = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True); "
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "gradcheck", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=True,
    )
    seconds = time.perf_counter() - start
    rc, kb = out.stdout.split()
    return seconds, int(kb) / 1024, int(rc)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "layer.py").write_text(LAYER)
        check = _run(["check", "layer:case"], tmp)
        plot = _run(["plot", "layer:case", "--out", "figs"], tmp)
        png = Path(tmp, "figs", "case.W.errors.png").read_bytes()[16:24]
        width, height = struct.unpack(">II", png)
    print(f"gradcheck check (peer): {check[0]:.1f} s, peak {check[1]:.0f} MB, exit {check[2]}")
    print(
        f"gradcheck plot:         {plot[0]:.1f} s, peak {plot[1]:.0f} MB, exit {plot[2]}; heatmap {width}x{height} px"
    )
    print(
        f"plot / check: time {plot[0] / check[0]:.2f}x, memory {plot[1] / check[1]:.2f}x; "
        f"target: seconds and < 1024 MB -> {'met' if plot[1] < 1024 and plot[0] < 60 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
