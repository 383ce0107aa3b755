"""_engine/tolerance: the dtype table, the relative atol with its round-off floor, a caller's atol absolute."""

import math

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck._engine.compare.tolerance import (
    DEFAULT_TOLERANCES,
    Tolerance,
    default_tolerance,
    resolve_tolerance,
    roundoff_floor,
)


@pytest.mark.parametrize(
    "dtype, rtol, atol",
    [
        (np.float64, 1e-6, 1e-9),
        ("float32", 2e-3, 1e-5),
        (np.dtype("float16"), 5e-2, 1e-3),
        ("bfloat16", 2e-2, 2e-2),
    ],
)
def test_the_table_picks_rtol_and_a_relative_atol_by_dtype(dtype, rtol, atol):
    tol = default_tolerance(dtype)
    assert (tol.rtol, tol.atol, tol.atol_is_relative, tol.k_fd) == (rtol, atol, True, 4.0)


def test_the_table_is_looser_as_the_dtype_is_shorter():
    rows = [DEFAULT_TOLERANCES[n] for n in ("float64", "float32", "float16")]
    assert rows == sorted(rows)


def test_an_unknown_floating_dtype_gets_the_float32_row():
    tol = default_tolerance(np.longdouble) if np.dtype(np.longdouble).name != "float64" else None
    if tol is not None:
        assert (tol.rtol, tol.atol) == DEFAULT_TOLERANCES["float32"]
    assert default_tolerance("int64") == Tolerance(*DEFAULT_TOLERANCES["float32"])


def test_a_relative_atol_is_scaled_by_the_largest_reference_entry():
    tol = Tolerance(1e-6, 1e-9)
    assert tol.absolute_atol(1e3) == pytest.approx(1e-6)
    assert tol.absolute_atol(1e-12) == pytest.approx(1e-21)  # a loss scaled by 1e-12 is not passed by a floor


def test_the_roundoff_floor_wins_when_the_reference_is_itself_roundoff():
    tol = Tolerance(1e-6, 1e-9)
    floor = roundoff_floor(10.0)
    assert floor == pytest.approx(16 * np.finfo(np.float64).eps * 10.0)
    assert tol.absolute_atol(1e-20, floor) == floor
    assert tol.absolute_atol(1e3, floor) == pytest.approx(1e-6)  # a real scale stays above the floor


def test_a_zero_scale_gives_a_positive_atol():
    assert Tolerance(1e-6, 1e-9).absolute_atol(0.0) > 0


def test_the_roundoff_floor_uses_the_absolute_loss_and_the_given_eps():
    assert roundoff_floor(-2.0) == roundoff_floor(2.0)
    assert roundoff_floor(3.0, eps=1e-7) == pytest.approx(4.8e-6)
    assert roundoff_floor(0.0) == 0.0


def test_a_callers_atol_is_absolute_and_ignores_scale_and_floor():
    tol = resolve_tolerance(np.float64, atol=1e-4)
    assert (tol.rtol, tol.atol, tol.atol_is_relative) == (1e-6, 1e-4, False)
    assert tol.absolute_atol(1e6, floor=1.0) == 1e-4


def test_a_callers_rtol_keeps_the_relative_default_atol():
    tol = resolve_tolerance("float32", rtol=0.1)
    assert (tol.rtol, tol.atol, tol.atol_is_relative) == (0.1, 1e-5, True)


def test_resolve_without_overrides_is_the_table_row():
    assert resolve_tolerance(np.float64) == default_tolerance(np.float64)


def test_tolerances_read_from_a_command_line_are_numbers():
    assert resolve_tolerance("float64", rtol="1e-3", atol="0") == Tolerance(1e-3, 0.0, atol_is_relative=False)


@pytest.mark.parametrize(
    "name, value, rule",
    [
        ("rtol", -1.0, "a finite non-negative number"),
        ("atol", math.inf, "a finite non-negative number"),
        ("rtol", "tight", "a non-negative number"),
        ("atol", True, "a non-negative number"),
    ],
)
def test_bad_values_are_named(name, value, rule):
    with pytest.raises(GradcheckError) as e:
        resolve_tolerance(np.float64, **{name: value})
    assert str(e.value) == f"Expected {rule} but got {name}={value!r} (type={type(value).__name__})"


def test_an_unhashable_value_is_validated_without_the_memo():
    with pytest.raises(GradcheckError, match=r"but got rtol=\[1e-06\] \(type=list\)"):
        resolve_tolerance(np.float64, rtol=[1e-6])


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"rtol": -1e-3, "atol": 0.0}, "rtol=-0.001"),
        ({"rtol": 1e-3, "atol": math.nan}, "atol=nan"),
        ({"rtol": 1e-3, "atol": 0.0, "k_fd": "4"}, "k_fd='4'"),
        ({"rtol": 1e-3, "atol": 0.0, "atol_is_relative": 1}, "atol_is_relative=1"),
    ],
)
def test_a_tolerance_built_by_hand_is_validated(kwargs, named):
    with pytest.raises(GradcheckError, match=named.replace("(", r"\(")):
        Tolerance(**kwargs)
