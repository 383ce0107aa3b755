"""S1, S1' and the cold start: a suite of checks at shapes of their own, against torch.autograd.gradcheck.

Every side runs in a fresh process (`_suite.py`): import, one unrelated warm-up check, then 30 checks of small
sigmoid/softmax nets with distinct shapes. Peer: torch.autograd.gradcheck in slow mode (fast_mode=False, the
mode that localises entries) on the same nets. Sides alternate and repeat; each keeps its best run.
S1: gradcheck's default (fd and one framework, the third on demand). S1': all three oracles (oracles="all")
in a second process whose JAX persistent compilation cache a first process filled, as on a rerun of a suite.
Cold start: import plus the warm-up check, the first check a fresh process runs.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKS = 30
ROUNDS = 2
S1_TARGET, S1P_TARGET, COLD_TARGET = 1.0, 2.0, 2.5


def side(name: str, cache: str | None = None) -> dict:
    cmd = [sys.executable, str(HERE / "_suite.py"), name, str(CHECKS)] + ([cache] if cache else [])
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=HERE)
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(runs: list[dict], key: str) -> float:
    return min(r[key] for r in runs)


def main():
    runs = {"torch": [], "default": [], "cold cache": [], "warm cache": []}
    for _ in range(ROUNDS):
        with tempfile.TemporaryDirectory() as cache:
            runs["torch"].append(side("torch"))
            runs["default"].append(side("default"))
            runs["cold cache"].append(side("all", cache))
            runs["warm cache"].append(side("all", cache))
    peer = best(runs["torch"], "per_check_s")
    ours = best(runs["default"], "per_check_s")
    print(
        f"| {CHECKS} checks, distinct shapes (ms/check) | torch.autograd.gradcheck slow mode | gradcheck default "
        f"| ratio | target |"
    )
    print("|---|---:|---:|---:|---|")
    print(
        f"| S1: fresh process, both warmed by one unrelated check | {peer * 1e3:.1f} | {ours * 1e3:.1f} "
        f"| {ours / peer:.2f}x | <= {S1_TARGET:.0f}x |"
    )
    cold, warm = best(runs["cold cache"], "per_check_s"), best(runs["warm cache"], "per_check_s")
    print(
        f"| S1': all three oracles, first run (JAX cache cold) | {peer * 1e3:.1f} | {cold * 1e3:.1f} "
        f"| {cold / peer:.2f}x | - |"
    )
    print(
        f"| S1': all three oracles, rerun (JAX cache warm) | {peer * 1e3:.1f} | {warm * 1e3:.1f} "
        f"| {warm / peer:.2f}x | <= {S1P_TARGET:.0f}x |"
    )
    print()
    print("| cold start: import + first check (s) | torch.autograd.gradcheck | gradcheck default | ratio | target |")
    print("|---|---:|---:|---:|---|")
    tc, gc_ = best(runs["torch"], "first_check_s"), best(runs["default"], "first_check_s")
    print(f"| fresh process | {tc:.2f} | {gc_:.2f} | {gc_ / tc:.2f}x | <= {COLD_TARGET} s |")
    print(f"\n(best of {ROUNDS} alternating rounds; load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
