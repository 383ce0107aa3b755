"""B2 / S2: check time divided by one hand-written gradient evaluation, at 1e3..1e6 parameters, one thread.

Columns: gradcheck's default (fd and torch decide a pass, jax on demand) and all three oracles
(oracles="all"); beside them, what the jax oracle's staleness guard costs on a cache hit when jax is the only
oracle (it evaluates the user's loss and the compiled executable at a second point; beside other oracles the
guard is the comparison of the compiled loss value with the user's, which costs nothing measurable).
"""

import sys
import time

import numpy as np
from _common import SIZES, best_of, grad, loss, mlp, n_params

import gradcheck as gc
from gradcheck._engine.oracles import jax as jax_oracle
from gradcheck._engine.problem.problem import Problem
from gradcheck._engine.tree import flatten

TARGET = 10.0


def check_time(p, x, y, oracles=None, repeat=3) -> float:
    """A check of a new loss function object each time, best of `repeat`.

    The objects share their code, so the jax oracle reuses the executable it compiled for these shapes at the
    first check (a test suite checking one model repeatedly, or a Hypothesis run, sees the same); the first
    check at new shapes, compile included, is reported in its own column.
    """
    times = []
    for _ in range(repeat):
        fresh = lambda q, a, b: loss(q, a, b)  # noqa: E731 - a new object each time
        t = time.perf_counter()
        gc.check_grad(fresh, grad, p, args=(x, y), oracles=oracles)
        times.append(time.perf_counter() - t)
    return min(times)


def guard_time(p, x, y) -> float:
    """Seconds of the staleness guard on a cache hit: the user's loss and the compiled value at a second point."""
    import jax

    names, leaves, treedef = flatten(p)
    problem = Problem(loss, tuple(names), tuple(leaves), treedef, (x, y), float(loss(p, x, y)))
    key = jax_oracle._key(problem, list(leaves), (x, y))
    compiled = jax_oracle._CACHE[key]
    with jax.enable_x64(True):
        out = compiled(list(leaves), (x, y))
        return best_of(lambda: jax_oracle._still_matches(compiled, problem, out, list(leaves), (x, y)), 3)


def main(sizes=SIZES):
    print(
        "| params | hand grad (ms) | default check (ms) | ratio | target | all three oracles (ms) | ratio "
        "| jax staleness guard, jax alone (ms) | first check at these shapes, all three (ms) |"
    )
    print("|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    check_time(*mlp(2), oracles="all", repeat=1)  # imports and one-time framework set-up, outside every number
    for h in sizes.values():
        p, x, y = mlp(h)
        first = check_time(p, x, y, oracles="all", repeat=1)  # jax compiles its grad for these shapes here
        tg = best_of(lambda p=p, x=x, y=y: grad(p, x, y), 5)
        td = check_time(p, x, y)
        ta = check_time(p, x, y, oracles="all")
        r = gc.check_grad(loss, grad, p, args=(x, y))
        assert r.ok and r.ran == ["fd", "torch"]
        assert gc.check_grad(loss, grad, p, args=(x, y), oracles="all").ran == ["fd", "torch", "jax"]
        tguard = guard_time(p, x, y)
        print(
            f"| {n_params(p):,} | {tg * 1e3:.2f} | {td * 1e3:.1f} | {td / tg:.1f}x | <= {TARGET:.0f}x at 1e6 "
            f"| {ta * 1e3:.1f} | {ta / tg:.1f}x | {tguard * 1e3:.2f} | {first * 1e3:.0f} |"
        )
        sys.stdout.flush()


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
