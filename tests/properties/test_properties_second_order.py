"""Property: check_hvp, check_jvp and check_function's jvp / order=2 parts at points drawn by gradcheck.strategies.

A right rule passes with fd, torch and jax agreeing; the same rule with one planted bug fails at every drawn point,
naming the parameter or input the bug is in (a missing regulariser term v, a tangent left out, a detached saved
tensor). Shapes are fixed per test so the jax oracle compiles once; values are drawn."""

import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings

from gradcheck import check_function, check_hvp, check_jvp
from gradcheck.strategies import finite_arrays

sys.path.insert(0, str(Path(__file__).parent.parent / "entry"))
from entry_rules import LAM, logreg_hvp, logreg_loss, two_outputs, two_outputs_jvp  # noqa: E402
from entry_rules_torch import Mul, MulJvpDropsY, Square, SquareDetachX  # noqa: E402

EXAMPLES = settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ORACLES = ("fd", "torch", "jax")


@EXAMPLES
@given(
    w=finite_arrays((4,), min_value=-2, max_value=2),
    X=finite_arrays((6, 4), min_value=-2, max_value=2),
    v=finite_arrays((4,), min_value=-1, max_value=1),
)
def test_hvp_of_regularised_logistic_regression_passes_and_its_missing_term_fails(w, X, v, all_oracles_agree):
    y = (np.arange(6) % 2).astype(float)
    params, vector = {"w": w, "b": np.array(0.1)}, {"w": v, "b": np.array(1.0)}
    all_oracles_agree(check_hvp(logreg_loss, logreg_hvp, params, args=(X, y), vector=vector, oracles=ORACLES))
    wrong = check_hvp(
        logreg_loss,
        lambda p, v, X, y: logreg_hvp(p, v, X, y, reg=0.0),
        params,
        args=(X, y),
        vector=vector,
        raise_on_failure=False,
    )
    if np.any(v) and LAM * np.max(np.abs(v)) > 1e-4:
        assert [p.name for p in wrong.failing] == ["w"]
        assert wrong.param("w").diagnosis_kind == "missing_term"


@EXAMPLES
@given(x=finite_arrays((3,), min_value=-3, max_value=3), y=finite_arrays((3,), min_value=-3, max_value=3))
def test_jvp_of_a_two_output_function_passes_and_a_wrong_factor_names_y(x, y, all_oracles_agree):
    all_oracles_agree(check_jvp(two_outputs, two_outputs_jvp, (x, y), oracles=ORACLES))
    wrong = check_jvp(two_outputs, lambda t, x, y: two_outputs_jvp(t, x, y, 1.0), (x, y), raise_on_failure=False)
    if np.max(np.abs(y)) > 1e-3:
        assert [p.name for p in wrong.failing] == ["y"]


@EXAMPLES
@given(x=finite_arrays((4,), min_value=-2, max_value=2), y=finite_arrays((4,), min_value=-2, max_value=2))
def test_function_jvp_and_double_backward_pass_and_their_planted_bugs_are_named(x, y):
    assert check_function(Mul, (x, y)).ok and check_function(Square, (x, y), order=2).ok
    if np.max(np.abs(x)) > 1e-3:
        dropped = check_function(MulJvpDropsY, (x, y), raise_on_failure=False)
        assert [p.name for p in dropped.failing] == ["y (jvp)"]
    if np.max(np.abs(y)) > 1e-3:
        detached = check_function(SquareDetachX, (x, y), order=2, raise_on_failure=False)
        assert "x (second order)" in [p.name for p in detached.failing]
