"""Beside AD, FD probes block by block only when a global probe disagrees with the AD gradient."""

import numpy as np

from gradcheck._engine.oracles import fd
from gradcheck._engine.problem.problem import Problem
from gradcheck._engine.tree import flatten


def _problem():
    params = {"W": np.linspace(-1, 1, 30).reshape(5, 6), "b": np.linspace(0, 1, 5)}
    names, leaves, td = flatten(params)

    def loss(p):
        return float(np.sum(np.tanh(p["W"]) ** 2) + np.sum(p["b"] ** 3))

    return Problem(loss, tuple(names), tuple(leaves), td, (), loss(params), 0)


def test_global_probes_alone_when_ad_explains_them():
    result = fd.run(_problem(), alone=False, fails=lambda probe: False)
    assert result.mode == "probes"
    assert all(p.blocks == (0, 1) for p in result.probes) and len(result.probes) == 2


def test_block_probes_attribute_a_disagreement():
    result = fd.run(_problem(), alone=False, fails=lambda probe: True)
    blocks = [p.blocks for p in result.probes]
    assert blocks.count((0,)) == 1 and blocks.count((1,)) == 1
