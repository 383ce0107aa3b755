"""Bad input catalogue: every case ends in a GradcheckError naming the culprit, or a report that names it.

No case may end in an unexplained traceback from inside numpy: the exception raised is always a
GradcheckError (or the report carries the problem in words), and its message holds the key phrase.
"""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc

FAST = ("fd",)  # bad input is found before any framework matters


def loss(p):
    xp = array_namespace(p["W"])
    return xp.sum(p["W"] ** 2) + xp.sum(p["b"] ** 3)


def grad(p):
    return {"W": 2 * p["W"], "b": 3 * p["b"] ** 2}


def params():
    return {"W": np.arange(6.0).reshape(2, 3) / 7, "b": np.array([0.5, -1.0])}


def raises(*, loss=loss, grad=grad, params=params, **kw):
    """A case that must raise GradcheckError."""
    return ("raise", loss, grad, params, kw)


def reports(*, loss=loss, grad=grad, params=params, **kw):
    """A case that must return a failing report."""
    return ("report", loss, grad, params, kw)


def _boom(*a):
    raise ZeroDivisionError("division by zero in my backward")


def _key_error_grad(p):
    return {"W": p["W_missing"]}


class NotCallable:
    pass


CASES = [
    # (id, case, key phrase in the error message or the report text)
    ("loss not callable", raises(loss="loss"), "Expected a callable but got loss='loss' (type=str)"),
    ("grad not callable", raises(grad=np.zeros(3)), "Expected a callable but got grad="),
    ("grad is an instance", raises(grad=NotCallable()), "(type=NotCallable)"),
    ("params None", raises(params=lambda: None), "Expected an array but got params=None"),
    ("params a string", raises(params=lambda: "W"), "Expected an array but got params='W'"),
    ("param entry None", raises(params=lambda: {"W": None, "b": np.ones(2)}), "params entry 'W'=None"),
    (
        "integer param",
        raises(params=lambda: {"W": np.arange(6).reshape(2, 3), "b": np.ones(2)}),
        "params entry 'W' has dtype int64; gradients need floating-point parameters",
    ),
    ("bool param", raises(params=lambda: {"W": np.ones((2, 3), bool), "b": np.ones(2)}), "has dtype bool"),
    (
        "complex param, complex loss",  # complex params are checked (torch's convention); the loss must be real
        raises(params=lambda: {"W": np.ones((2, 3), complex), "b": np.ones(2)}),
        "loss returned a complex value (8+0j); a loss must be real",
    ),
    (
        "object param",
        raises(params=lambda: {"W": np.array([1.0, "a"], dtype=object), "b": np.ones(2)}),
        "params entry 'W' of dtype object",
    ),
    (
        "ragged list param",
        raises(params=lambda: {"W": [[1.0, 2.0], [3.0]], "b": np.ones(2)}),
        "loss (loss) raised TypeError: list is not a supported array type",
    ),
    (
        "param entry a string in a list",
        raises(params=lambda: {"W": [np.ones(2), "x"], "b": np.ones(2)}),
        "Expected an array but got params entry 'W[1]'='x' (type=str)",
    ),
    (
        "empty param",
        raises(params=lambda: {"W": np.zeros((0, 3)), "b": np.ones(2)}),
        "params entry 'W' is empty (shape (0, 3)); there is no gradient to check",
    ),
    (
        "NaN param",
        raises(params=lambda: {"W": np.array([[1.0, np.nan, 0], [0, 0, 0]]), "b": np.ones(2)}),
        "params entry 'W' has 1 non-finite entries (first at (0, 1): nan)",
    ),
    ("Inf param", raises(params=lambda: {"W": np.full((2, 3), np.inf), "b": np.ones(2)}), "6 non-finite entries"),
    (
        "non-scalar loss",
        raises(loss=lambda p: p["W"] ** 2),
        "Expected loss to return a scalar but it returned an array of shape (2, 3)",
    ),
    (
        "loss returns a string",
        raises(loss=lambda p: "0.5"),
        "Expected loss to return a real scalar but it returned str",
    ),
    (
        "loss returns None",
        raises(loss=lambda p: None),
        "Expected loss to return a real scalar but it returned NoneType",
    ),
    ("complex loss", raises(loss=lambda p: complex(1, 2)), "loss returned a complex value"),
    ("NaN loss", raises(loss=lambda p: np.float64("nan")), "loss returned nan at the given params"),
    ("Inf loss", raises(loss=lambda p: np.float64("inf")), "loss returned inf at the given params"),
    ("loss raises", raises(loss=_boom), "loss (_boom) raised ZeroDivisionError: division by zero in my backward"),
    ("grad raises", raises(grad=_boom), "grad (_boom) raised ZeroDivisionError"),
    ("grad raises KeyError", raises(grad=_key_error_grad), "grad (_key_error_grad) raised KeyError: 'W_missing'"),
    ("loss with wrong arity", raises(loss=lambda p, x: 0.0), "loss (<lambda>) raised TypeError"),
    (
        "loss shape error inside numpy",
        raises(loss=lambda p: float(np.sum(p["W"] @ p["W"]))),
        "loss (<lambda>) raised ValueError: matmul",
    ),
    ("oracles unknown", raises(oracles=("fd", "autograd")), "Expected oracles from ('fd', 'torch', 'jax') but got"),
    ("oracles empty", raises(oracles=()), "Expected oracles from"),
    ("rtol negative", raises(rtol=-1e-3), "Expected a finite non-negative number but got rtol=-0.001"),
    ("rtol a string", raises(rtol="tight"), "Expected a non-negative number but got rtol='tight' (type=str)"),
    ("atol NaN", raises(atol=float("nan")), "Expected a finite non-negative number but got atol=nan"),
    ("seed negative", raises(seed=-1), "Expected a non-negative integer but got seed=-1"),
    ("seed a float", raises(seed=1.5), "Expected a non-negative integer but got seed=1.5 (type=float)"),
    ("seed a bool", raises(seed=True), "Expected a non-negative integer but got seed=True (type=bool)"),
    ("fd not a config", raises(fd="richardson"), "Expected fd=FiniteDifferences(...) but got fd='richardson'"),
    # problems in what grad returns: a failing report that names the parameter
    ("grad returns None", reports(grad=lambda p: None), "W  shape (2, 3) -  missing: grad returned None"),
    (
        "grad misses a key",
        reports(grad=lambda p: {"W": 2 * p["W"]}),
        "gradient mismatch in b: grad returned no entry for it",
    ),
    (
        "grad has an extra key",
        reports(grad=lambda p: {**grad(p), "c": np.ones(1)}),
        "extra: grad returned 'c', which is not in params",
    ),
    (
        "grad keys renamed",
        reports(grad=lambda p: {"dW": 2 * p["W"], "db": 3 * p["b"] ** 2}),
        "grad returned 'dW', which looks like it",
    ),
    (
        "grad wrong shape",
        reports(grad=lambda p: {"W": 2 * p["W"].T, "b": 3 * p["b"] ** 2}),
        "grad has shape (3, 2), params has (2, 3)",
    ),
    (
        "grad (n,1) for (n,)",
        reports(grad=lambda p: {"W": 2 * p["W"], "b": (3 * p["b"] ** 2)[:, None]}),
        "(n,) against (n, 1) is the usual cause",
    ),
    (
        "grad NaN entry",
        reports(grad=lambda p: {"W": 2 * p["W"], "b": np.array([np.nan, 3.0])}),
        "1 of 2 entries are NaN (first at (0,))",
    ),
    (
        "grad Inf entry",
        reports(grad=lambda p: {"W": np.full((2, 3), np.inf), "b": 3 * p["b"] ** 2}),
        "6 of 6 entries are Inf",
    ),
    (
        "grad complex",
        reports(grad=lambda p: {"W": 2 * p["W"] + 0j, "b": 3 * p["b"] ** 2}),
        "grad is complex; a real gradient was expected",
    ),
    ("grad entry a string", reports(grad=lambda p: {"W": "2W", "b": 3 * p["b"] ** 2}), "dtype <U2, not numbers"),
    (
        "grad entry ragged",  # read as one gradient where params hold an array (W.tolist() is an array's gradient)
        reports(grad=lambda p: {"W": [[1.0], [1.0, 2.0]], "b": 3 * p["b"] ** 2}),
        "grad returned list, not an array",
    ),
    (
        "grad a list for dict params",
        reports(grad=lambda p: [2 * p["W"], 3 * p["b"] ** 2]),
        "(grad returned a list but params is a dict)",
    ),
    ("grad a bare array", reports(grad=lambda p: 2 * p["W"]), "grad returned 'params', which is not in params"),
]


@pytest.mark.parametrize("case, phrase", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_named(case, phrase):
    how, lo, gr, make, kw = case
    kw.setdefault("oracles", FAST)
    if how == "raise":
        with pytest.raises(gc.GradcheckError) as info:
            gc.grad_report(lo, gr, make(), **kw)
        assert phrase in str(info.value)
        return
    report = gc.grad_report(lo, gr, make(), **kw)
    assert not report.ok
    text = str(report)
    assert phrase in text, text
    assert all(p.diagnosis_kind == p.status for p in report.failing)


def test_catalogue_has_at_least_30_cases():
    assert len(CASES) >= 30
    assert len({c[0] for c in CASES}) == len(CASES)


def test_check_grad_raises_gradient_mismatch_for_a_named_structural_problem():
    with pytest.raises(gc.GradientMismatch) as info:
        gc.check_grad(loss, lambda p: {"W": 2 * p["W"]}, params(), oracles=FAST)
    assert info.value.report.param("b").status == "missing"
    assert str(info.value).splitlines()[0] == "gradient mismatch in b: grad returned no entry for it"


def test_user_exceptions_keep_their_cause():
    with pytest.raises(gc.GradcheckError) as info:
        gc.grad_report(loss, _boom, params(), oracles=FAST)
    assert isinstance(info.value.__cause__, ZeroDivisionError)


def test_a_dict_gradient_for_bare_array_params_names_both_containers():
    report = gc.check_grad(
        lambda x: (x**2).sum(), lambda x: {"x": 2 * x}, np.ones(2), oracles=["fd"], raise_on_failure=False
    )
    assert report.param("x").message == (
        "grad returned 'x', which is not in params (grad returned a dict but params is an array)"
    )
