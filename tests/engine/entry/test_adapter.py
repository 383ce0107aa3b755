"""adapter.py: finish() returns a new report and leaves the engine's untouched; skip reasons are said of the
user's function; input names come from `names`, the signature, or inputs[i]; positional arity."""

import copy

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.diagnose.likely_bug import Operation
from gradcheck._engine.entry import adapter
from gradcheck._engine.run.check import grad_report
from gradcheck.report import HealthCheck, OracleRun


def _loss(p):
    return float(np.sum(p["w"] ** 2))


def _report(grad):
    return grad_report(_loss, grad, {"w": np.array([1.0, -2.0, 3.0])}, oracles=("fd",), kind="vjp", label="inputs")


def test_finish_returns_a_new_report_and_leaves_the_input_report_unchanged():
    report = _report(lambda p: {"w": 2 * p["w"]})
    before = copy.deepcopy(report.to_dict())
    params, health, oracles = list(report.params), list(report.health), list(report.oracles)
    warning = HealthCheck("not_checked", "input b is an integer array: not checked")
    done = adapter.finish(report, [warning], Operation("affine", mlp=False))
    assert done is not report and done.ok and done.health == health + [warning]
    assert report.to_dict() == before
    assert report.params == params and report.health == health and report.oracles == oracles
    failing = adapter.finish(report, [HealthCheck("mutated_input", "forward wrote into x", fails=True)], None)
    assert not failing.ok and report.ok
    assert failing.verdict != report.verdict and report.verdict.startswith("gradient check passed")


def test_finish_re_diagnoses_a_mismatch_for_the_operation():
    report = _report(lambda p: {"w": 4 * p["w"]})
    done = adapter.finish(report, [], Operation("affine", mlp=False))
    w, before = done.param("w"), report.param("w")
    assert w.status == "mismatch" and w.diagnosis_kind == "scaled" and w is not before
    assert adapter.finish(report, [], None).param("w") is before  # no operation: the engine's diagnosis stays


REASON = (
    "loss raised GradcheckError on torch tensors (forward (affine) raised TypeError: no numpy); "
    "write the loss against the array API"
)


def test_a_skip_reason_about_the_adapted_loss_is_said_of_the_users_function():
    said = adapter._in_user_words(REASON)
    assert said.startswith("forward (affine) raised on torch tensors: TypeError: no numpy")
    assert said.endswith("; write forward against the array API") and "loss" not in said
    assert adapter._in_user_words("jax not installed") == "jax not installed"
    report = _report(lambda p: {"w": 2 * p["w"]})
    report.oracles.append(OracleRun("jax", "skipped", REASON.replace("torch tensors", "jax arrays")))
    done = adapter.finish(report, [], None)
    assert done.oracles[-1].reason.startswith("forward (affine) raised on jax arrays: TypeError")
    assert report.oracles[-1].reason.startswith("loss raised GradcheckError")


def test_the_reworded_skip_reason_has_no_stray_closing_parenthesis():
    assert adapter._in_user_words(REASON) == (
        "forward (affine) raised on torch tensors: TypeError: no numpy; write forward against the array API"
    )


def _forward(x, weight, bias=None):
    return x


def test_input_names_come_from_names_then_the_signature_then_positions():
    assert adapter.input_names(_forward, 2) == ["x", "weight"]
    assert adapter.input_names(_forward, 3, ["a", "b", "c"]) == ["a", "b", "c"]
    assert adapter.input_names(lambda ctx, x, y: x, 2, skip=1) == ["x", "y"]
    assert adapter.input_names(lambda *xs: xs, 2) == ["inputs[0]", "inputs[1]"]
    assert adapter.input_names(_forward, 4) == ["inputs[0]", "inputs[1]", "inputs[2]", "inputs[3]"]
    assert adapter.input_names(max, 2) == ["inputs[0]", "inputs[1]"]  # no signature to read


@pytest.mark.parametrize("given", [["a", "a"], ["a"], ("a", ""), "ab", [1, 2]])
def test_given_names_must_be_distinct_non_empty_strings_one_per_input(given):
    with pytest.raises(gc.GradcheckError, match=r"Expected input_name to be 2 distinct non-empty strings"):
        adapter.input_names(_forward, 2, given, who="input_name")


def test_positional_arity_counts_required_positionals_and_none_for_star_args():
    assert adapter.positional_arity(_forward) == 2
    assert adapter.positional_arity(lambda a, *, k: a) == 1
    assert adapter.positional_arity(lambda *a: a) is None
    assert adapter.signature_names(_forward, 2, skip=1) == ["weight", "bias"]
    assert adapter.signature_names(_forward, 3, skip=1) is None


def test_require_callable_or_none_names_the_argument():
    adapter.require_callable_or_none("reference", None)
    adapter.require_callable_or_none("reference", _forward)
    with pytest.raises(gc.GradcheckError, match="reference"):
        adapter.require_callable_or_none("reference", 3)


def test_an_error_holding_parentheses_is_kept_whole():
    reason = REASON.replace("TypeError: no numpy", "TypeError: f(x) needs numpy (see docs)")
    assert adapter._in_user_words(reason).startswith(
        "forward (affine) raised on torch tensors: TypeError: f(x) needs numpy (see docs); write forward"
    )
