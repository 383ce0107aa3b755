"""hvp_diagnosis.py: a Hessian's mistakes from what a Hessian must be (symmetric), a term in v, a factor."""

import numpy as np

from gradcheck._engine.diagnose.hvp_diagnosis import _v_term, asymmetries, hvp_diagnosis
from gradcheck._engine.tree import flatten
from gradcheck.report import ParamReport

A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 1.0]])


def blocks(hvp):
    names, leaves, treedef = flatten({"a": np.zeros(2), "b": np.zeros(1)})
    return asymmetries(hvp, leaves, names, treedef, (), 1e-6)


def test_a_symmetric_product_shows_no_asymmetry():
    def hvp(p, v):
        y = A @ np.concatenate([v["a"], v["b"]])
        return {"a": y[:2], "b": y[2:]}

    assert blocks(hvp) == []


def test_a_cross_term_on_one_side_only_is_an_asymmetric_pair():
    B = A.copy()
    B[2, 1] = 0.0  # d2L/db da left out of b's row only

    def hvp(p, v):
        y = B @ np.concatenate([v["a"], v["b"]])
        return {"a": y[:2], "b": y[2:]}

    found = blocks(hvp)
    assert [(f.a, f.b) for f in found] == [("a", "b")]


def test_a_residual_proportional_to_v_is_read_as_its_coefficient():
    v = np.array([1.0, -2.0, 0.5])
    assert _v_term(-0.1 * v, v, 1e-6) == -0.1
    assert _v_term(np.array([1.0, 0.0, 0.0]), v, 1e-6) is None


def test_the_diagnosis_prefers_the_asymmetry_then_a_factor():
    ref = np.array([1.0, 2.0])
    p = ParamReport("a", (2,), "float64", "mismatch", trusted=("torch",), yours=2 * ref, refs={"torch": ref})
    assert hvp_diagnosis(p, np.ones(2), [], (0.0, 0.0), 1e-6).kind == "scaled"
