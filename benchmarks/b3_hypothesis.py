"""B3: Hypothesis examples per second of the three-oracle property check of small networks."""

import time

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import gradcheck as gc

from _common import grad, loss

EXAMPLES = 300
SHAPES = [(2, 3, 2), (3, 4, 2), (4, 3, 3)]  # (d, h, c) nets: 32 -> h -> h -> 10 in miniature


def shapes(d, h, c):
    return {"W1": (h, d), "b1": (h, 1), "W2": (h, h), "b2": (h, 1), "W3": (c, h), "b3": (c, 1)}


@st.composite
def nets(draw):
    d, h, c = draw(st.sampled_from(SHAPES))
    el = st.floats(-2, 2, allow_nan=False, width=64)
    p = {k: draw(arrays(np.float64, s, elements=el)) for k, s in shapes(d, h, c).items()}
    return p, draw(arrays(np.float64, (d, 4), elements=el)), draw(arrays(np.float64, (c, 4), elements=el))


def main():
    count = [0]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True)
    @given(nets())
    def prop(net):
        p, x, y = net
        assert gc.check_grad(loss, grad, p, args=(x, y)).ran == ["fd", "torch", "jax"]
        count[0] += 1

    for d, h, c in SHAPES:  # warm-up outside the timing: imports, jax op caches and one jit per shape
        p = {k: np.ones(s) * 0.1 for k, s in shapes(d, h, c).items()}
        for _ in range(2):
            gc.check_grad(loss, grad, p, args=(np.ones((d, 4)), np.ones((c, 4))))
    t = time.perf_counter()
    prop()
    dt = time.perf_counter() - t
    draw = draw_only_seconds()  # the same examples drawn without checking: Hypothesis's own share
    print("| examples | seconds | examples/s | target | drawing the arrays (ms/example) | the check (ms/example) |")
    print("|---:|---:|---:|---|---:|---:|")
    print(f"| {count[0]} | {dt:.2f} | {count[0] / dt:.0f} | >= 100/s | {draw / count[0] * 1e3:.1f} "
          f"| {(dt - draw) / count[0] * 1e3:.1f} |")


def draw_only_seconds() -> float:
    """Time Hypothesis takes to generate the same examples with an empty test body."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True)
    @given(nets())
    def draw(net):
        pass

    t = time.perf_counter()
    draw()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
