"""B3: Hypothesis examples per second of the default property check of small networks, drawn as a user's
@given test draws them (gradcheck.strategies): depth, widths, activations, loss, conventions and batch size per
example, so most examples have shapes of their own (no compile cache can hide the cost of a new shape)."""

import os
import time

import numpy as np
from hypothesis import given, settings

import gradcheck as gc
from gradcheck.nets import MLPSpec, init_params, make_loss_and_grad
from gradcheck.strategies import mlp_cases, mlp_specs

EXAMPLES = 300


def nets():
    """What the README tells a user to write: gradcheck.strategies' MLP cases, every spec drawn per example
    (1-3 layers of widths 1-5, sigmoid/tanh hidden units, every loss, convention, bias style and reduction)."""
    return mlp_cases(mlp_specs(activations=("sigmoid", "tanh"), output_activations=("identity", "sigmoid", "tanh")))


def main():
    seen = {"examples": 0, "shapes": set(), "third": 0}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True)
    @given(nets())
    def prop(net):
        spec, p, x, y = net
        loss, grad = make_loss_and_grad(spec)
        report = gc.check_grad(loss, grad, p, args=net.args)
        assert report.ok and "fd" in report.ran and len(report.ran) >= 2, report
        seen["examples"] += 1
        seen["shapes"].add((spec, x.shape))
        seen["third"] += len(report.ran) == 3

    spec = MLPSpec(widths=(7, 5, 3), activations=("tanh", "softmax"), loss="cross_entropy")  # warm-up: imports
    loss, grad = make_loss_and_grad(spec)
    gc.check_grad(loss, grad, init_params(spec, np.random.default_rng(1)), args=(np.ones((7, 2)), np.eye(3)[:, :2]))
    t, cpu = time.perf_counter(), time.process_time()
    prop()
    dt, cpu = time.perf_counter() - t, time.process_time() - cpu
    n = seen["examples"]
    draw = draw_only_seconds()  # the same examples drawn without checking: Hypothesis's own share
    print(
        "| examples | distinct shapes | third oracle consulted | seconds | examples/s | per CPU second | target "
        "| drawing (ms/example) | the check (ms/example) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    print(
        f"| {n} | {len(seen['shapes'])} | {seen['third']} | {dt:.2f} | {n / dt:.0f} | {n / cpu:.0f} | >= 100/s "
        f"| {draw / n * 1e3:.1f} | {(dt - draw) / n * 1e3:.1f} |"
    )
    print(
        f"\n(examples/s is wall time on a shared machine; per CPU second counts this process's CPU time, "
        f"single-threaded, so it does not move with the load. Load average {os.getloadavg()[0]:.1f}.)"
    )


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
