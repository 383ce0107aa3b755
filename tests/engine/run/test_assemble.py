"""assemble.py: claims are the structurally matched parameters; a ParamReport built from a verdict carries its
fields, a mismatch its diagnosis (stateful when grad kept state); the Report's ok, tolerances and verdict line."""

import time

import numpy as np

from gradcheck._engine.compare.entries import compare_entries
from gradcheck._engine.compare.tolerance import Tolerance, resolve_tolerance
from gradcheck._engine.judge.evidence import Status, Verdict
from gradcheck._engine.run import assemble
from gradcheck.render import verdict_line
from gradcheck.report import HealthCheck, OracleRun, ParamReport

REF = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.5]])


def _structure():
    return [
        ParamReport("W", (2, 3), "float64", "ok", yours=REF * 2),
        ParamReport("b", (3,), "float32", "shape_mismatch", message="shape (2,) where (3,) was expected"),
        ParamReport("c", (2,), "float32", "ok", yours=np.array([1.0, 2.0], dtype=np.float32)),
    ]


def _verdict(name, status, yours, ref=REF):
    comparison = compare_entries("torch", yours, ref, Tolerance(1e-7, 1e-9), 1e-9)
    return Verdict(
        name,
        status,
        {"torch": comparison},
        ("torch",),
        {"fd": "fd disagrees"},
        False,
        (),
        ("a note",),
        1e-9,
        {"torch": ref},
        None,
        message="",
    )


def test_claims_are_the_structurally_matched_params_with_their_block_and_float64_values():
    claims = assemble.claims(_structure())
    assert [(c.block, c.name, c.dtype) for c in claims] == [(0, "W", "float64"), (2, "c", "float32")]
    assert claims[1].yours.dtype == np.float64 and claims[1].yours.tolist() == [1.0, 2.0]


def test_a_param_report_from_a_verdict_carries_its_fields_and_the_diagnosis_of_the_mismatch():
    structure = _structure()
    v = _verdict("W", Status.MISMATCH, REF * 2)
    out = assemble.params(structure, (v,), (), {})
    assert out[1] is structure[1] and out[2] is structure[2]  # not judged: as they were
    w = out[0]
    assert (w.name, w.shape, w.dtype, w.status) == ("W", (2, 3), "float64", "mismatch")
    assert w.comparisons == v.comparisons and w.trusted == ("torch",) and w.set_aside == {"fd": "fd disagrees"}
    assert w.notes == ["a note"] and w.bound == 1e-9 and w.refs is v.refs and w.yours is structure[0].yours
    assert w.diagnosis_kind == "scaled" and "2" in w.diagnosis


def test_a_mismatch_of_a_stateful_grad_is_diagnosed_as_state_not_as_the_numbers():
    v = _verdict("W", Status.MISMATCH, REF * 2)
    w = assemble.params(_structure(), (v,), (), {"W": "different values"})[0]
    assert w.diagnosis_kind == "stateful"
    assert (
        w.diagnosis.startswith("the gradient accumulated across calls (yours = 2 x reference")
        and "for W, grad returned different values" in w.diagnosis
    )


def test_a_passing_verdict_has_no_diagnosis_and_a_nondeterministic_one_says_so():
    ok = assemble.params(_structure(), (_verdict("W", Status.OK, REF * 2),), (), {})[0]
    assert ok.status == "ok" and ok.diagnosis is None and ok.diagnosis_kind is None
    nd = assemble.params(_structure(), (_verdict("W", Status.NONDETERMINISTIC, REF * 2),), (), {})[0]
    assert nd.diagnosis_kind == "nondeterministic" and nd.diagnosis is None


def test_the_report_is_ok_only_with_every_param_ok_no_failing_health_and_an_oracle_that_ran():
    params_out = assemble.params(_structure()[:1], (_verdict("W", Status.OK, REF),), (), {})
    ran, skipped = OracleRun("torch", "ran"), OracleRun("jax", "skipped", "jax not installed")
    args = (3, time.perf_counter(), 0.5, 1e-5, None)  # the user's rtol, the dtype's atol
    good = assemble.report("grad", params_out, [ran, skipped], [], *args)
    assert good.ok and good.verdict == verdict_line(good) and good.reproduce == "check_grad(..., seed=3)"
    t = resolve_tolerance("float64")
    assert good.tolerances == {"float64": {"rtol": 1e-5, "atol": t.atol, "atol_relative_to_max_reference": True}}
    assert good.timings["user_grad_s"] == 0.5 and good.timings["total_s"] >= 0
    assert not assemble.report("grad", params_out, [skipped], [], *args).ok
    failing = HealthCheck("mutated_input", "loss wrote into W", fails=True)
    assert not assemble.report("vjp", params_out, [ran], [failing], *args).ok
    warning = HealthCheck("kink", "at a kink")
    assert assemble.report("layer", params_out, [ran], [warning], *args).reproduce == "check_layer(..., seed=3)"


def test_a_round_the_plan_may_follow_with_another_carries_no_diagnosis_yet():
    w = assemble.params(_structure(), (_verdict("W", Status.MISMATCH, REF * 2),), (), {}, diagnosed=False)[0]
    assert w.status == "mismatch" and w.diagnosis is None and w.diagnosis_kind is None
