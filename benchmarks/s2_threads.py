"""S2: the default check against one hand-written gradient at ~1e6 parameters, for two shape mixes, on one
thread and on two (BLAS and torch both), each setting in a fresh process.

Mixes: "net", a two-layer net (W1 1000 x 1000, batch 64, 10 classes, softmax cross-entropy: 1.01M parameters)
and "b2", the 32 -> 1000 -> 1000 -> 10 tanh MLP of b2_overhead.py (1.04M). Threads are set by
OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / MKL_NUM_THREADS and torch.set_num_threads before anything runs.
The gradient and the check alternate, ROUNDS times; the medians are printed, and their ratio, with the wall
time and with this process's CPU time (which a busy shared machine does not inflate on one thread).
"""

import json
import os
import subprocess
import sys
import time

ROUNDS = 9
TARGET = 6.0
MIXES = ("net", "b2")


def measure(mix: str, threads: int) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    from _common import SIZES, grad, loss, mlp, n_params, net, net_grad, net_loss

    import gradcheck as gc

    if mix == "net":
        (p, *args), f, g = net(), net_loss, net_grad
    else:
        (p, *args), f, g = mlp(SIZES["1e6"]), loss, grad
    report = gc.check_grad(f, g, p, args=tuple(args))  # warm-up: imports, torch's set-up
    assert report.ok and report.ran == ["fd", "torch"], report
    out = {"grad": [], "check": [], "grad_cpu": [], "check_cpu": []}
    for _ in range(ROUNDS):
        for name, fn in (("grad", lambda: g(p, *args)), ("check", lambda: gc.check_grad(f, g, p, args=tuple(args)))):
            t, c = time.perf_counter(), time.process_time()
            fn()
            out[name].append(time.perf_counter() - t)
            out[name + "_cpu"].append(time.process_time() - c)
    return {"n": n_params(p), **{k: float(np.median(v)) for k, v in out.items()}}


def run(mix: str, threads: int) -> dict:
    env = dict(os.environ, **{k: str(threads) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    out = subprocess.run([sys.executable, __file__, mix, str(threads)], capture_output=True, text=True, env=env)
    out.check_returncode()
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    print(
        "| mix | params | threads | hand grad (ms) | default check (ms) | ratio | ratio, CPU time | target |\n"
        "|---|---:|---:|---:|---:|---:|---:|---|"
    )
    for mix in MIXES:
        for threads in (1, 2):
            r = run(mix, threads)
            print(
                f"| {mix} | {r['n']:,} | {threads} | {r['grad'] * 1e3:.2f} | {r['check'] * 1e3:.1f} "
                f"| {r['check'] / r['grad']:.1f}x | {r['check_cpu'] / r['grad_cpu']:.1f}x | <= {TARGET:.0f}x |",
                flush=True,
            )
    print(f"\n(medians of {ROUNDS} alternating rounds per setting; load average {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    if len(sys.argv) > 2:
        print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
    else:
        main()
