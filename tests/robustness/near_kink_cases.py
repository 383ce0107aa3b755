"""Near-kink cases for the soundness campaign (issue 23): layers of ReLU, |z| or max(z_a, z_b) whose chosen
pre-activations lie within 1e-15..1e-6 of their kink, where fd's steps straddle the kink, with hand-written right
gradients (the one-sided slope on the side the pre-activation lies, either at exactly 0) and planted errors.

Shapes include those Hypothesis shrinks to (a batch of 1 or 2, a 1x1, 1x2 or 2x1 weight matrix). Shared by
tests/robustness/test_near_kink_campaign.py (the fast part) and benchmarks/soundness.py (the large run).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np
from array_api_compat import array_namespace

KINKS = ("relu", "abs", "max")
NEAREST, FARTHEST = -15.0, -6.0  # log10 of a chosen pre-activation's distance from its kink


@dataclass(frozen=True)
class KinkNet:
    """z = W1 x + b1 (2h rows for "max"), a = relu(z), |z| or max(z[:h], z[h:]), loss = scale 1/2 sum (W2 a +
    b2 - y)^2. `at_zero`: the slope a hand-written backward takes at a pre-activation of exactly 0 (0 or 1:
    relu's right or left slope; for |z| and max the sign chosen, +1 or -1 / the first or second piece)."""

    kind: str = "relu"
    scale: float = 1.0
    at_zero: float = 0.0
    forced: tuple = ()  # ((unit, example, side), ...): the piece taken there whatever z is (side 0 or 1)

    def loss(self, p, x, y):
        xp = array_namespace(p["W1"])
        a = _act(xp, self.kind, p["W1"] @ x + p["b1"])
        return self.scale * 0.5 * xp.sum((p["W2"] @ a + p["b2"] - y) ** 2)

    def grad(self, p, x, y):
        z = p["W1"] @ x + p["b1"]
        a = _act(np, self.kind, z)
        d2 = self.scale * (p["W2"] @ a + p["b2"] - y)  # dL/d(W2 a + b2)
        da = p["W2"].T @ d2
        h = da.shape[0]
        if self.kind == "max":
            on = np.where(z[:h] == z[h:], self.at_zero == 0, z[:h] > z[h:])  # the piece max() took
        else:
            on = np.where(z == 0, self.at_zero == 0 if self.kind == "abs" else self.at_zero == 1, z > 0)
        for j, k, side in self.forced:
            on[j, k] = bool(side)
        if self.kind == "relu":
            dz = da * on  # dz = da relu'(z)
        elif self.kind == "abs":
            dz = da * np.where(on, 1.0, -1.0)  # dz = da sign(z)
        else:
            dz = np.concatenate([da * on, da * ~on])  # the piece max() took gets da
        dtype = p["W1"].dtype
        return {
            "W1": (dz @ x.T).astype(dtype),  # dW1 = dz x^T
            "b1": dz.sum(1, keepdims=True).astype(dtype),
            "W2": (d2 @ a.T).astype(dtype),  # dW2 = d2 a^T
            "b2": d2.sum(1, keepdims=True).astype(dtype),
        }


@dataclass(frozen=True)
class KinkCase:
    """A near-kink network, its params and data, and how it was drawn (soundness_cases' planters take it)."""

    net: KinkNet
    params: dict
    args: tuple
    about: str
    kinks: tuple = ()  # (unit, example) of each pre-activation set near its kink


def _act(xp, kind, z):
    if kind == "relu":
        return xp.maximum(z, 0 * z)
    if kind == "abs":
        return xp.abs(z)
    h = z.shape[0] // 2
    return xp.maximum(z[:h], z[h:])


SHAPES = ((1, 1, 1, 1), (1, 2, 1, 1), (2, 1, 1, 2), (1, 1, 1, 2), (2, 2, 1, 2))  # (d, h, c, n) Hypothesis shrinks to


def near_kink_case(seed: int, nearest: float = NEAREST, farthest: float = FARTHEST) -> KinkCase:
    """The case for a seed: a kink kind, a shape (one in three a shrunk one), float64 or float32 (one in four),
    a loss scale, and 1 to 3 pre-activations set within 10^nearest..10^farthest of their kink (one in eight
    exactly on it), each of either sign."""
    rng = np.random.default_rng(seed)
    kind = KINKS[rng.integers(len(KINKS))]
    if rng.random() < 1 / 3:
        d, h, c, n = SHAPES[rng.integers(len(SHAPES))]
    else:
        d, h, c, n = (int(v) for v in rng.integers(1, 6, size=4))
    dtype = "float32" if rng.random() < 0.25 else "float64"
    rows = 2 * h if kind == "max" else h
    p = {
        "W1": rng.normal(size=(rows, d)) / np.sqrt(d),
        "b1": 0.3 * rng.normal(size=(rows, 1)),
        "W2": rng.normal(size=(c, h)) / np.sqrt(h),
        "b2": 0.3 * rng.normal(size=(c, 1)),
    }
    x, y = rng.normal(size=(d, n)), rng.normal(size=(c, n))
    offsets, places = [], []
    for _ in range(int(rng.integers(1, 4))):
        j, k = int(rng.integers(h)), int(rng.integers(n))
        near = 0.0 if rng.random() < 1 / 8 else float(10 ** rng.uniform(nearest, farthest))
        offset = near * (1 if rng.random() < 0.5 else -1)
        other = (p["W1"][j + h] @ x[:, k] + p["b1"][j + h, 0]) if kind == "max" else 0.0  # the kink's place
        p["b1"][j, 0] = offset + other - p["W1"][j] @ x[:, k]
        offsets.append(f"unit {j} example {k} at {offset:+.1e}")
        places.append((j, k))
    p = {name: v.astype(dtype) for name, v in p.items()}
    net = KinkNet(kind, float(rng.choice([1.0, 1.0, 1e-6, 1e6])), float(rng.integers(2)))
    about = f"{kind} d={d} h={h} c={c} n={n} {dtype} scale={net.scale:.0e} at 0: {net.at_zero:g}; " + ", ".join(offsets)
    span = "" if (nearest, farthest) == (NEAREST, FARTHEST) else f", 1e{nearest:g}..1e{farthest:g}"
    return KinkCase(net, p, (x.astype(dtype), y.astype(dtype)), f"{about} (near-kink seed {seed}{span})", tuple(places))


def subgradients(case: KinkCase) -> dict:
    """Per parameter, (lowest, highest) of each entry over every choice of piece at the chosen pre-activations: the
    interval a nearby kink lets fd accept (fd's one-sided slopes lie within it)."""
    grads = []
    for sides in itertools.product((0, 1), repeat=len(case.kinks)):
        net = replace(case.net, forced=tuple((j, k, s) for (j, k), s in zip(case.kinks, sides)))
        grads.append(net.grad(case.params, *case.args))
    return {n: (np.min([g[n] for g in grads], 0), np.max([g[n] for g in grads], 0)) for n in grads[0]}


def detectable(case: KinkCase, planted) -> bool:
    """A planted error that leaves some entry outside every subgradient a nearby kink allows (by more than 1e-3 of
    the parameter's largest entry): an error no kink can excuse, which must fail."""
    wrong = planted.grad(case.params, *case.args)
    for name, (lo, hi) in subgradients(case).items():
        slack = 1e-3 * max(float(np.max(np.abs(lo))), float(np.max(np.abs(hi))), 1e-300)
        if np.any((wrong[name] < lo - slack) | (wrong[name] > hi + slack)):
            return True
    return False
