"""Every expected value is confirmed by fd, torch and jax, and the generator reproduces the shipped files."""

import json

import numpy as np
import pytest

from gradcheck.golden import discover, load
from gradcheck.golden.cases import CASES as DEFINITIONS
from gradcheck.golden.generate import build

from .conftest import CASES, edit

pytest.importorskip("torch")
pytest.importorskip("jax")
from gradcheck.golden.crosscheck import crosscheck  # noqa: E402

SHIPPED = discover(CASES)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_expected_value_agrees_with_fd_torch_and_jax(path):
    case = load(path)
    cc = crosscheck(case)
    assert cc.problems == []
    assert cc.uncovered(case) == []
    assert set(cc.covered) >= {k for k in case.expected if k.startswith(("dW", "delta", "z", "a"))}


def test_crosscheck_catches_a_wrong_stored_gradient(case_copy):
    path = edit(case_copy("seed003_delta1_xT"), lambda d: d["expected"]["dW1"][0].__setitem__(0, 1.0))
    cc = crosscheck(load(path))
    assert len(cc.problems) == 1 and "gradients dW1, dW2 disagrees with the oracles" in cc.problems[0]
    assert "dW1" not in cc.covered


@pytest.mark.parametrize("make", DEFINITIONS, ids=lambda f: f.__name__)
def test_generator_reproduces_the_shipped_case(make, tmp_path):
    """Every number in a case comes from code: rebuilding it gives the shipped file's values."""
    built = build(make(), tmp_path, crosscheck_oracles=False)
    shipped = json.loads((CASES / f"{built['id']}.json").read_text())
    assert {k: v for k, v in built.items() if k not in ("expected", "generated_by")} == \
           {k: v for k, v in shipped.items() if k not in ("expected", "generated_by")}
    assert built["expected"].keys() == shipped["expected"].keys()
    for name, value in built["expected"].items():
        np.testing.assert_allclose(value, shipped["expected"][name], rtol=1e-12, atol=1e-14, err_msg=name)


def test_crosscheck_catches_a_wrong_jacobian_entry(case_copy):
    path = edit(case_copy("seed001_softmax_jacobian"), lambda d: d["expected"]["J"][1].__setitem__(2, 0.0))
    cc = crosscheck(load(path))
    assert "J" not in cc.covered and any("J rows" in p for p in cc.problems)
