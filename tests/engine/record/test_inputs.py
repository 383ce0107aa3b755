"""_engine/inputs: parameter leaves read as float arrays or refused by name; safe calls into user code."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck._engine.record.inputs import (
    all_finite,
    as_param_array,
    call_user,
    changed_arrays,
    copy_tree,
    grad_value,
    loss_value,
    require_callable,
    same_array,
)


def test_a_float_leaf_is_returned_as_an_array():
    arr = as_param_array("W1", [[1.0, 2.0]])
    assert isinstance(arr, np.ndarray) and arr.dtype == np.float64 and arr.shape == (1, 2)
    assert as_param_array("h", np.ones(3, np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "Expected an array but got params entry 'W1'=None (type=NoneType)"),
        ("abc", "Expected an array but got params entry 'W1'='abc' (type=str)"),
        (
            np.array([1, 2]),
            "params entry 'W1' has dtype int64; gradients need floating-point parameters "
            "(pass W1.astype(float) or leave integers in args)",
        ),
        (np.array([1 + 2j]), "params entry 'W1' is complex (complex128); gradcheck checks real gradients only"),
        (np.zeros((0, 3)), "params entry 'W1' is empty (shape (0, 3)); there is no gradient to check"),
        (
            np.array([1.0, np.nan, np.inf]),
            "params entry 'W1' has 2 non-finite entries (first at (1,): nan); "
            "gradients are checked at finite points only",
        ),
        (
            np.array([{}, 1.0], dtype=object),
            "Expected a numeric array but got params entry 'W1' of dtype object (type=ndarray)",
        ),
    ],
)
def test_a_bad_leaf_is_refused_naming_the_entry(value, message):
    with pytest.raises(GradcheckError) as e:
        as_param_array("W1", value)
    assert str(e.value) == message


def test_the_label_names_the_container_and_a_bare_array_names_itself():
    with pytest.raises(GradcheckError, match=r"^inputs entry 'x' is empty"):
        as_param_array("x", np.zeros(0), label="inputs")
    with pytest.raises(GradcheckError, match=r"^params is empty"):
        as_param_array("params", np.zeros(0))


def test_a_callable_leaf_is_refused():
    with pytest.raises(GradcheckError, match="Expected an array but got params entry 'f'="):
        as_param_array("f", np.sin)


def test_a_value_numpy_cannot_read_is_refused_with_numpys_reason():
    with pytest.raises(GradcheckError, match=r"^params entry 'W' cannot be read as an array: "):
        as_param_array("W", [[1.0, 2.0], [3.0]])


@pytest.mark.parametrize(
    "arr, expected",
    [
        (np.array([1.0, -2.0, 3.5]), True),
        (np.array([1.0, np.nan]), False),
        (np.array([np.inf, -np.inf]), False),
        (np.array([1e308, 1e308]), True),  # the sum overflows; the entries are finite
        (np.array([], dtype=float), True),
    ],
)
def test_all_finite(arr, expected):
    assert all_finite(arr) is expected


def test_same_array_on_equal_and_different_values():
    a = np.arange(6.0).reshape(2, 3)
    assert same_array(a, a.copy())
    b = a.copy()
    b[1, 2] += 1e-12
    assert not same_array(a, b)
    assert not same_array(a, a.reshape(3, 2))


def test_same_array_takes_nan_equal_to_nan_on_both_paths():
    a = np.array([1.0, np.nan])
    assert same_array(a, a.copy())  # identical bits
    other_nan = a.copy()
    other_nan.view(np.uint64)[1] ^= 1  # another NaN payload: different bits, still NaN
    assert np.isnan(other_nan[1])
    assert same_array(a, other_nan)
    m = np.array([[1.0, np.nan], [3.0, 4.0]])
    assert not m.T.flags.c_contiguous and same_array(m.T, m.T.copy())  # not C-contiguous: the value comparison
    assert not same_array(m.T, m)


def test_same_array_signed_zero_and_dtypes():
    assert same_array(np.array([0.0]), np.array([-0.0]))  # different bits, equal values
    assert same_array(np.array([1, 2]), np.array([1.0, 2.0]))
    assert not same_array(np.array([True]), np.array([False]))


def test_changed_arrays_names_the_changed_leaves_in_nested_containers():
    before = (np.zeros(2), {"x": np.ones(3), "y": [np.ones(1), 4]})
    after = copy_tree(before)
    after[1]["y"][0][0] = 7.0
    assert changed_arrays(before, after) == ["args[1].y[0]"]
    assert changed_arrays(before, copy_tree(before)) == []


def test_changed_arrays_counts_a_replaced_array_and_ignores_other_leaves():
    before = [np.zeros(2), 3]
    assert changed_arrays(before, ["gone", 4], prefix="inputs") == ["inputs[0]"]


def test_copy_tree_copies_arrays_and_shares_other_leaves():
    obj = object()
    tree = {"a": np.zeros(2), "o": obj}
    copied = copy_tree(tree)
    assert copied["a"] is not tree["a"] and copied["o"] is obj
    copied["a"][0] = 1.0
    assert tree["a"][0] == 0.0


def test_call_user_returns_the_value_and_names_who_raised():
    assert call_user("loss", lambda x: x + 1, 1) == 2

    def my_loss(p):
        raise KeyError("W2")

    with pytest.raises(GradcheckError) as e:
        call_user("loss", my_loss, {})
    assert str(e.value) == (
        "loss (test_call_user_returns_the_value_and_names_who_raised.<locals>.my_loss) raised KeyError: 'W2'"
    )
    assert isinstance(e.value.__cause__, KeyError)


def test_call_user_passes_a_gradcheck_error_through():
    def inner(_):
        raise GradcheckError("already named")

    with pytest.raises(GradcheckError) as e:
        call_user("grad", inner, 0)
    assert str(e.value) == "already named"


@pytest.mark.parametrize(
    "value, expected",
    [
        (1.5, 1.5),
        (np.float32(2.0), 2.0),
        (np.array([[3.0]]), 3.0),
        (True, 1.0),
        (np.int64(4), 4.0),
    ],
)
def test_loss_value_accepts_a_real_scalar(value, expected):
    out = loss_value(value)
    assert out == expected and type(out) is float


@pytest.mark.parametrize(
    "value, message",
    [
        (
            np.ones(3),
            "Expected loss to return a scalar but it returned an array of shape (3,) "
            "(sum or average it to a scalar, e.g. np.sum(...) or np.mean(...))",
        ),
        ("1.0", "Expected loss to return a real scalar but it returned str '1.0'"),
        (1 + 1j, "loss returned a complex value (1+1j); a loss must be real"),
        (float("nan"), "loss returned nan at the given params; gradients are checked where the loss is finite"),
        (None, "Expected loss to return a real scalar but it returned NoneType None"),
    ],
)
def test_loss_value_refuses_what_is_not_a_finite_real_scalar(value, message):
    with pytest.raises(GradcheckError) as e:
        loss_value(value)
    assert str(e.value) == message


def test_loss_value_names_the_function():
    with pytest.raises(GradcheckError, match=r"^fn returned inf "):
        loss_value(np.inf, what="fn")


def test_require_callable():
    require_callable("loss", len)
    with pytest.raises(GradcheckError) as e:
        require_callable("grad", 3)
    assert str(e.value) == "Expected a callable but got grad=3 (type=int)"


@pytest.mark.parametrize("value", ["W1", iter([np.ones(2)]), (x for x in [np.ones(2)]), {1.0}])
def test_grad_value_refuses_one_shot_and_string_returns(value):
    with pytest.raises(GradcheckError, match=r"^Expected grad to return gradients shaped like params"):
        grad_value(value)


def test_grad_value_returns_the_tree_as_given():
    g = {"W": np.ones(2)}
    assert grad_value(g) is g
