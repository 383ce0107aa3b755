"""B6: the cost of locating the first wrong line on a failing check, as a ratio to the check itself.

A failing check runs the whole check, then the search (locate.locate: follow the backward, the forward's
intermediates, reruns). Printed per case: the check without the search, the search, and their ratio. A passing
check never searches (zero cost). Run: `python benchmarks/b6_where.py`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "diagnose"))

import where_units as U  # noqa: E402

import gradcheck  # noqa: E402
from gradcheck._engine.run import check as check_module  # noqa: E402


def _cases():
    rng = np.random.default_rng(0)
    p = {"W1": rng.normal(size=(3, 2)), "W2": rng.normal(size=(1, 3))}
    x, y = rng.normal(size=(2, 1)), np.array([[1.0]])
    bx, gamma, beta = rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=4)
    sw, sy = rng.normal(size=(4, 3)) * 0.1, np.array([0, 2, 1, 1, 0])
    return {
        "mlp (torch forward), missing factor": lambda: gradcheck.check_grad(
            U.mlp_loss, lambda q, a, b: U.mlp_grad(q, a, b, "factor"), p, args=(x, y), raise_on_failure=False
        ),
        "batchnorm (numpy forward), 1/N": lambda: gradcheck.check_backward(
            U.batchnorm_forward,
            lambda d, c: U.batchnorm_backward(d, c, "1/N"),
            (bx, gamma, beta),
            raise_on_failure=False,
        ),
        "svm loss (forward returns loss, dW)": lambda: gradcheck.check_backward(
            U.svm_loss_planted, None, (sw, bx, sy), raise_on_failure=False
        ),
    }


def main(repeats: int = 3) -> None:
    real = check_module.locate
    spent = []

    def timed(*a):
        t = time.perf_counter()
        try:
            return real(*a)
        finally:
            spent.append(time.perf_counter() - t)

    check_module.locate = timed
    print(f"{'case':<40}{'check':>10}{'search':>10}{'ratio':>8}")
    for name, run in _cases().items():
        run()  # warm: imports, compiled caches
        totals, searches = [], []
        for _ in range(repeats):
            spent.clear()
            t = time.perf_counter()
            report = run()
            totals.append(time.perf_counter() - t)
            searches.append(sum(spent))
            assert report.first_wrong is not None, name
        check, search = min(t - s for t, s in zip(totals, searches)), min(searches)
        print(f"{name:<40}{check * 1e3:>8.1f}ms{search * 1e3:>8.1f}ms{search / check:>7.2f}x")
    check_module.locate = real


if __name__ == "__main__":
    main()
