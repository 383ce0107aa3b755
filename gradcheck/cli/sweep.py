"""The property sweep of `gradcheck selftest`: a deterministic set of built-in MLPs, each checked by check_grad.

Every combination of convention x loss x hidden activation x bias style appears once; the rest of each
spec (depth, widths, batch size, reduction, output activation, weights and data) is drawn from
numpy's generator seeded by (seed, index), so one sweep entry can be reproduced on its own.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

CONVENTIONS = ("column", "row")
LOSSES = ("squared_error", "cross_entropy", "softmax_cross_entropy")
HIDDEN = ("sigmoid", "tanh", "relu", "identity")
BIASES = ("vector", "none", "ones_column")
SQUARED_ERROR_OUTPUTS = ("sigmoid", "tanh", "identity")
# Sizes come from small pools: jax compiles each operation once per shape, so repeated shapes keep the
# whole sweep (72 checks, three oracles) to seconds rather than a minute.
INPUT_WIDTHS, HIDDEN_WIDTHS, OUTPUT_WIDTHS, BATCH_SIZES = (2, 3), (3, 4), (2, 3), (1, 4)


@dataclass(frozen=True)
class SweepCase:
    """One sweep entry: its spec and the point (params, x, y) where its gradient is checked."""

    index: int
    spec: object  # gradcheck.nets.MLPSpec
    params: dict
    x: np.ndarray
    y: np.ndarray

    @property
    def case_id(self) -> str:
        s = self.spec
        widths = "-".join(map(str, s.widths))
        return (
            f"sweep/{self.index:02d} {s.convention} {s.bias} {'/'.join(s.activations)} {s.loss} {s.reduction} {widths}"
        )

    def describe(self) -> dict:
        s = self.spec
        return {
            "index": self.index,
            "widths": list(s.widths),
            "activations": list(s.activations),
            "loss": s.loss,
            "convention": s.convention,
            "bias": s.bias,
            "reduction": s.reduction,
            "batch": int(self.x.shape[s.batch_axis]),
        }


def grid() -> list[tuple[str, str, str, str]]:
    """(convention, loss, hidden activation, bias): every combination, in a fixed order."""
    return list(itertools.product(CONVENTIONS, LOSSES, HIDDEN, BIASES))


def draw(index: int, combo, seed: int) -> SweepCase:
    """The sweep entry `index` for one grid combination, drawn from the generator seeded by (seed, index)."""
    from ..nets import MLPSpec, init_params

    convention, loss, hidden, bias = combo
    rng = np.random.default_rng([seed, index])
    depth = int(rng.integers(1, 3))  # hidden layers
    n_out = int(rng.choice(OUTPUT_WIDTHS))
    widths = (int(rng.choice(INPUT_WIDTHS)), *(int(w) for w in rng.choice(HIDDEN_WIDTHS, size=depth)), n_out)
    output = {"cross_entropy": "softmax", "softmax_cross_entropy": "identity"}.get(
        loss, SQUARED_ERROR_OUTPUTS[int(rng.integers(0, 3))]
    )
    spec = MLPSpec(
        widths=widths,
        activations=(hidden,) * depth + (output,),
        loss=loss,
        convention=convention,
        bias=bias,
        reduction=("sum", "mean")[int(rng.integers(0, 2))],
    )
    n = int(rng.choice(BATCH_SIZES))
    x = rng.standard_normal((n, widths[0]))
    y = np.eye(n_out)[rng.integers(0, n_out, size=n)] if loss != "squared_error" else rng.standard_normal((n, n_out))
    if convention == "column":
        x, y = x.T.copy(), y.T.copy()
    return SweepCase(index, spec, init_params(spec, rng), x, y)


def cases(seed: int = 0, limit: int | None = None) -> list[SweepCase]:
    """The sweep: one drawn entry per grid combination (the first `limit` of them if given)."""
    combos = grid()[:limit] if limit is not None else grid()
    return [draw(i, combo, seed) for i, combo in enumerate(combos)]


def check(case: SweepCase, *, oracles=None, seed: int = 0):
    """check_grad's report for one sweep entry (never raises for a mismatch)."""
    from .._engine.run.check import grad_report
    from ..nets import make_loss_and_grad

    loss, grad = make_loss_and_grad(case.spec)
    return grad_report(loss, grad, case.params, args=(case.x, case.y), oracles=oracles, seed=seed)
