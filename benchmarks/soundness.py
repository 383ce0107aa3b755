"""Soundness campaign (issue 11): false passes, missed entries and false failures over planted checks, the share
of entries declared kinks on smooth functions, and a Hypothesis run of right gradients (0 false failures,
0 withheld verdicts).

    python benchmarks/soundness.py                       # 1,000 planted checks, 10,000 Hypothesis examples
    python benchmarks/soundness.py --planted 200 --examples 500   # a quicker run
    python benchmarks/soundness.py --planted 0 --seed 1          # other Hypothesis examples (and planted cases)

Planted: single-entry errors of 1%-20% (random sign) at random entries of smooth networks of 50-2,000 entries,
and every entry of one parameter wrong at once (one check in five), half with finite differences alone and
half with AD oracles beside it (the default plan, fd and torch with jax on demand; fd and torch; all three in
one check in ten: jax compiles every new loss, ~1 s);
each case's right gradient is checked too. All counts must be 0.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "robustness"))

from soundness_cases import Score, kink_count, plant_entry, plant_whole, right_cases, sized_case  # noqa: E402

import gradcheck as gc  # noqa: E402


def planted(checks: int, seed: int) -> tuple[Score, Score, float]:
    """(planted-error score, right-gradient score, seconds)."""
    rng = np.random.default_rng(seed)
    bad, good = Score(), Score()
    t0 = time.perf_counter()
    for k in range(checks):
        # fd alone; all three; the default plan (fd and torch, jax consulted on any disagreement); fd and torch
        oracles = ("fd",) if k % 2 == 0 else "all" if k % 10 == 1 else None if k % 4 == 1 else ("fd", "torch")
        case = sized_case(rng, int(rng.integers(50, 2001)))
        rel = float(rng.uniform(0.01, 0.2)) * (1 if rng.random() < 0.5 else -1)
        plant = (plant_whole if k % 5 == 4 else plant_entry)(case, rng, rel)
        bad.add_planted(
            gc.grad_report(case.net.loss, plant.grad, case.params, args=case.args, oracles=oracles),
            plant,
            f"{case.about} oracles={oracles}",
        )
        good.add_right(
            gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=oracles),
            f"{case.about} oracles={oracles}",
        )
        if (k + 1) % 100 == 0:
            print(f"  planted {k + 1}/{checks} ({time.perf_counter() - t0:.0f} s)", flush=True)
    return bad, good, time.perf_counter() - t0


def hypothesis_run(examples: int, ad_every: int, seed: int = 0) -> tuple[Score, float]:
    """Right gradients drawn by Hypothesis (soundness_cases.right_cases); every `ad_every`-th beside torch.
    Seed 0 is Hypothesis's derandomized run; another seed draws other examples, reproducibly."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    score, t0, count = Score(), time.perf_counter(), [0]

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=seed == 0,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=right_cases())
    def run(case):
        count[0] += 1
        oracles = ("fd", "torch") if ad_every and count[0] % ad_every == 0 else ("fd",)
        report = gc.grad_report(case.net.loss, case.net.grad, case.params, args=case.args, oracles=oracles)
        score.add_right(report, f"{case.about} oracles={oracles}")
        if case.net.act != "relu" and kink_count(report):
            score.problems.append(f"kink declared on a smooth function: {case.about} oracles={oracles}")
        if case.net.act == "relu":
            score.kink_entries -= kink_count(report)  # the kink share is measured on smooth functions only
            score.entries -= sum(int(np.prod(p.shape)) for p in report.params)

    run()
    return score, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--planted", type=int, default=1000, help="planted checks (default 1000)")
    ap.add_argument("--examples", type=int, default=10_000, help="Hypothesis examples (default 10000)")
    ap.add_argument("--ad-every", type=int, default=10, help="every k-th Hypothesis example also runs torch")
    ap.add_argument("--seed", type=int, default=0, help="planted cases' generator and Hypothesis's seed (default 0)")
    args = ap.parse_args(argv)
    print(f"soundness campaign: {args.planted} planted checks, {args.examples} Hypothesis examples")
    bad, good, secs = planted(args.planted, args.seed) if args.planted else (Score(), Score(), 0.0)
    share = good.kink_entries / good.entries if good.entries else 0.0
    print(f"planted checks: {bad.checks} ({secs:.0f} s)")
    print(f"  false passes:   {bad.false_passes}")
    print(f"  missed entries: {bad.missed_entries}")
    print(f"  false failures: {good.false_failures} of {good.checks} right gradients (withheld {good.withheld})")
    print(f"  entries declared kinks on smooth functions: {good.kink_entries} of {good.entries} ({share:.2%})")
    hyp, hsecs = hypothesis_run(args.examples, args.ad_every, args.seed) if args.examples else (Score(), 0.0)
    hshare = hyp.kink_entries / hyp.entries if hyp.entries else 0.0
    print(f"Hypothesis right gradients: {hyp.checks} examples ({hsecs:.0f} s)")
    print(f"  false failures: {hyp.false_failures}")
    print(f"  withheld verdicts: {hyp.withheld}")
    print(f"  entries declared kinks on smooth functions: {hyp.kink_entries} of {hyp.entries} ({hshare:.2%})")
    problems = bad.problems + good.problems + hyp.problems
    for line in problems[:40]:
        print("  " + line)
    return 1 if problems or good.kink_entries or hyp.kink_entries else 0


if __name__ == "__main__":
    raise SystemExit(main())
