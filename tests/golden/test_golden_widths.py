"""widths: an MLP's weights, x and biases against model.widths, blaming the widths or the first input."""

import numpy as np
import pytest

from gradcheck.golden import CaseError
from gradcheck.golden.widths import check_widths


def _case(widths, convention="column", bias="none", **values):
    inputs = {"values": {k: v.tolist() for k, v in values.items()}}
    model = {"kind": "mlp", "widths": widths, "activations": ["sigmoid"] * (len(widths) - 1)}
    return {"model": {**model, "convention": convention, "bias": bias}, "inputs": inputs}, values


def _error(data, inputs) -> str:
    with pytest.raises(CaseError) as info:
        check_widths(data, inputs, "c.gradcheck.json")
    return str(info.value)


def test_weights_that_fit_each_other_but_not_the_widths_blame_the_widths():
    data, inputs = _case([2, 3, 1], W1=np.ones((2, 2)), W2=np.ones((1, 2)), x=np.ones((2, 1)))
    assert _error(data, inputs) == (
        "c.gradcheck.json: field 'model.widths' is [2, 3, 1] but the weights (W1 (2, 2), W2 (1, 2)) make a "
        "2-2-1 network: widths must be [2, 2, 1]"
    )


def test_a_weight_that_fits_nothing_is_blamed_itself():
    data, inputs = _case([2, 2, 1], W1=np.ones((3, 2)), W2=np.ones((1, 2)), x=np.ones((2, 1)))
    assert _error(data, inputs) == (
        "c.gradcheck.json: field 'inputs.values.W1' has shape (3, 2) but model.widths [2, 2, 1] (column "
        "convention) needs (2, 2)"
    )


def test_row_convention_ones_column_x_and_biases():
    ok, inputs = _case([2, 3], "row", "ones_column", W1=np.ones((3, 3)), x=np.ones((5, 2)))
    check_widths(ok, inputs, "c")
    data, inputs = _case([2, 3], "row", "none", W1=np.ones((2, 3)), x=np.ones((5, 4)))
    assert _error(data, inputs).endswith(
        "field 'inputs.values.x' has shape (5, 4) but model.widths [2, 3] (row convention) needs (N, 2)"
    )
    data, inputs = _case([2, 3], "column", "vector", W1=np.ones((3, 2)), b1=np.ones((2, 1)), x=np.ones((2, 1)))
    assert _error(data, inputs).endswith(
        "field 'inputs.values.b1' has shape (2, 1) but model.widths [2, 3] (column convention) needs 3 entries"
    )
