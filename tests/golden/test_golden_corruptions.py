"""The held-out corruptions of a shipped case (issue 26): each one is a CaseError naming the file and the
field, never a bare exception and never accepted; under pytest each bad file fails as its own item while the
good case beside it passes (exit 1, not a collection error)."""

import json

import pytest

from gradcheck.golden import CaseError, load, verify

from .conftest import SHIPPED, copy_as


def _mlp_with_a_handmade_gradient():
    """The shipped MLP case whose variant updates W1 with a hand-made gradient (found, not named)."""
    for path in SHIPPED:
        data = json.loads(path.read_text())
        variants = data.get("variants", {})
        if data["model"]["kind"] == "mlp" and any("gradients" in v.get("train", {}) for v in variants.values()):
            return path, next(k for k, v in variants.items() if "gradients" in v.get("train", {}))
    raise AssertionError("no shipped MLP case with a hand-made gradient")


SOURCE, VARIANT = _mlp_with_a_handmade_gradient()
GRADIENTS = f"variants.{VARIANT}.train.gradients.W1"


def _set_gradient(name):
    return lambda d: d["variants"][VARIANT]["train"]["gradients"].update(W1=name)


def _wrong_shape_gradient(d):
    d["derived"].append({"name": "bad_g", "op": "tile", "args": ["x"], "attrs": {"reps": [3, 1]}})
    _set_gradient("bad_g")(d)


def _ragged_printed_under_abs_tol(d):
    entry = d["stated"][0]
    entry["printed"] = [["0.7"], ["0.6", "0.1"]]
    entry["rule"] = {"kind": "abs_tol", "abs_tol": "0.01", "why": "w"}


def _first_stated_field(text):
    return lambda d: d["stated"][0].update(field=text)


CORRUPTIONS = {
    "huge-int": (
        lambda d: d["inputs"]["values"]["W2"][0].__setitem__(0, int("9" * 401)),
        "field 'inputs.values.W2[0][0]' is an integer of 401 digits, too large for a float64 (at most 1.8e308)",
    ),
    "ragged-computed": (
        lambda d: d["computed"].update(dW1=[[1.0, 2.0], [3.0]]),
        "field 'computed.dW1' must be a number or a rectangular nested list of numbers",
    ),
    "ragged-printed": (
        _ragged_printed_under_abs_tol,
        "field 'stated[0].printed' is ragged: item 1 has shape (2,) but item 0 has (1,) (print a rectangle)",
    ),
    "gradient-shape": (
        _wrong_shape_gradient,
        f"field '{GRADIENTS}' is 'bad_g' of shape (6, 1), but it updates W1 of shape (2, 2)",
    ),
    "gradient-broadcasts": (
        _set_gradient("x"),
        f"field '{GRADIENTS}' is 'x' of shape (2, 1), but it updates W1 of shape (2, 2)",
    ),
    "empty-index": (
        _first_stated_field("z2[,]"),
        "field 'stated[0].field' is \"z2[,]\", which is not a field reference (name, name@step or variant/name, "
        "with an optional index [i, j] of whole numbers)",
    ),
    "index-out-of-shape": (
        _first_stated_field("a1[7, 7]"),
        "field 'stated[0].field' indexes a1 at [7, 7], outside its shape (2, 1)",
    ),
    "gradient-no-field": (
        _set_gradient("nosuch"),
        f"field '{GRADIENTS}' is 'nosuch', which is no node, input, gradient or derived value of the variant",
    ),
    "widths": (
        lambda d: d["model"].update(widths=[2, 3, 1]),
        "field 'model.widths' is [2, 3, 1] but the weights (W1 (2, 2), W2 (1, 2)) make a 2-2-1 network: "
        "widths must be [2, 2, 1]",
    ),
    "third-row": (
        lambda d: d["inputs"]["values"]["W1"].append([0.1, 0.2]),
        "field 'inputs.values.W1' has shape (3, 2) but model.widths [2, 2, 1] (column convention) needs (2, 2)",
    ),
}


def _corrupt(tmp_path, change):
    path = copy_as(SOURCE, tmp_path / "reference_cases", "corrupted")
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=1))
    return path


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_each_corruption_is_a_case_error_naming_file_and_field(tmp_path, kind):
    change, message = CORRUPTIONS[kind]
    path = _corrupt(tmp_path, change)
    with pytest.raises(CaseError) as info:
        verify(load(path))
    assert str(info.value) == f"{path}: {message}"


def test_a_broadcastable_gradient_of_the_right_shape_still_trains(tmp_path):
    path = _corrupt(tmp_path, _set_gradient("dW1"))
    assert verify(load(path)).problems  # a different update: the stored fields no longer match, said as problems


def test_under_pytest_each_bad_file_is_one_failing_item_and_the_good_case_runs(pytester, tmp_path):
    target = pytester.path / "reference_cases"
    copy_as(SOURCE, target, "good-case")
    for kind, (change, _) in CORRUPTIONS.items():
        bad = _corrupt(tmp_path / kind, change)
        copy_as(bad, target, f"bad-{kind}")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=len(CORRUPTIONS))
    assert result.ret == 1
    out = result.stdout.str()
    for kind, (_, message) in CORRUPTIONS.items():
        assert f"bad-{kind}.gradcheck.json: {message}" in out, kind
    assert "fix the file by hand at that field (`gradcheck golden update` cannot load it either)" in out
