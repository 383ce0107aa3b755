"""B4: pytest start-up time added by the installed gradcheck plugin in a run that does not use it."""

import os
import statistics
import subprocess
import sys
import tempfile
import time

RUNS = 9


def once(folder, extra) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, folder],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - t


def main():
    with tempfile.TemporaryDirectory() as folder:
        with open(os.path.join(folder, "test_plain.py"), "w") as f:
            f.write("def test_one():\n    assert 1 + 1 == 2\n")
        with_plugin, without = [], []
        for _ in range(RUNS):  # interleaved, so machine load hits both alike
            with_plugin.append(once(folder, []))
            without.append(once(folder, ["-p", "no:gradcheck"]))
    a, b = statistics.median(with_plugin), statistics.median(without)
    print("| pytest run (median of 9) | with plugin (ms) | -p no:gradcheck (ms) | added (ms) | target |")
    print("|---|---:|---:|---:|---|")
    print(f"| one trivial test | {a * 1e3:.0f} | {b * 1e3:.0f} | {(a - b) * 1e3:.0f} | <= 50 ms |")


if __name__ == "__main__":
    main()
