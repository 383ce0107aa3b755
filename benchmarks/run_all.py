"""Run B1-B5 and the detection-rate benchmark, each in a fresh process, and write benchmarks/results.md.

BLAS, OpenMP and torch run single-threaded in every script (same for gradcheck and its peers), so the ratios
do not depend on how busy the shared cores are; s2_threads.py sets one and two threads in its own processes.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

from _common import machine

HERE = Path(__file__).resolve().parent
SCRIPTS = [
    ("S1, S1' and cold start: a suite of checks at distinct shapes vs torch.autograd.gradcheck", "s1_suite.py"),
    ("B1: time to an element-localised verdict", "b1_localise.py"),
    ("B2 / S2: check / one hand-written gradient", "b2_overhead.py"),
    ("S2: the default check / one hand-written gradient at 1e6, two mixes, one and two threads", "s2_threads.py"),
    ("B3: Hypothesis examples per second (default check, shapes drawn per example)", "b3_hypothesis.py"),
    ("B4: pytest start-up added by the plugin", "b4_startup.py"),
    ("B5: finite-difference accuracy vs numdifftools", "b5_fd_accuracy.py"),
    ("Detection rate of planted single-entry errors", "detection_rate.py"),
    ("Memory: a check of a 1e7-entry parameter", "m1_memory.py"),
]


def main():
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    start = time.perf_counter()
    out = [
        f"# gradcheck benchmark results\n\nMachine: {machine()}; single-threaded BLAS/torch.\n"
        f"Load average at start: {os.getloadavg()[0]:.1f} (shared machine; ratios against a peer measured "
        f"in the same run are what count).\n"
    ]
    for title, script in SCRIPTS:
        t = time.perf_counter()
        run = subprocess.run([sys.executable, str(HERE / script)], capture_output=True, text=True, env=env, cwd=HERE)
        text = run.stdout.strip() if run.returncode == 0 else f"FAILED:\n```\n{run.stderr[-2000:]}\n```"
        out.append(f"## {title}\n\n{text}\n\n({script}, {time.perf_counter() - t:.0f} s)\n")
        print(out[-1], flush=True)
    out.append(f"Total: {time.perf_counter() - start:.0f} s.\n")
    (HERE / "results.md").write_text("\n".join(out))


if __name__ == "__main__":
    main()
