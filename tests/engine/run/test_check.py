"""check.py: the orchestration: check_grad raises only when asked, grad_report never for a wrong gradient, its own
arguments are checked by name, the caller's arrays are untouched, and the judge's set-aside reaches the report."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.oracles.fd import FiniteDifferences
from gradcheck._engine.oracles.finite_diff import CentralRichardson
from gradcheck._engine.run.check import check_grad, grad_report


def _loss(p, a):
    return float(np.sum(a * p["w"] ** 2) / 2)


def _grad(p, a):
    return {"w": a * p["w"]}


A = np.array([1.0, 2.0, 3.0])


def test_check_grad_raises_a_mismatch_carrying_the_report_and_grad_report_returns_it():
    wrong = lambda p, a: {"w": 2 * a * p["w"]}  # noqa: E731 - a factor 2 too many
    with pytest.raises(gc.GradientMismatch) as caught:
        check_grad(_loss, wrong, {"w": np.ones(3)}, args=(A,), oracles=("fd",))
    report = grad_report(_loss, wrong, {"w": np.ones(3)}, args=(A,), oracles=("fd",))
    assert not report.ok and caught.value.report.verdict == report.verdict
    assert report.param("w").status == "mismatch" and report.ran == ["fd"] and report.kind == "grad"
    assert check_grad(_loss, _grad, {"w": np.ones(3)}, args=(A,), oracles=("fd",), raise_on_failure=False).ok


@pytest.mark.parametrize(
    "kwargs, named",
    [
        ({"kind": "gradient"}, "kind"),
        ({"label": ""}, "label"),
        ({"seed": -1}, "seed"),
        ({"rtol": "big"}, "rtol"),
        ({"fd": "probes"}, "fd"),
    ],
)
def test_grad_report_names_a_bad_argument(kwargs, named):
    with pytest.raises(gc.GradcheckError, match=named):
        grad_report(_loss, _grad, {"w": np.ones(3)}, args=(A,), **kwargs)


def test_the_callers_params_and_args_are_untouched_and_a_single_arg_need_not_be_a_tuple():
    w, a = np.array([0.5, -1.0, 2.0], dtype=np.float32), A.copy()
    report = grad_report(_loss, _grad, {"w": w}, args=a, oracles=("fd",), seed=7)
    assert report.ok and report.seed == 7 and report.reproduce == "check_grad(..., seed=7)"
    assert w.dtype == np.float32 and w.tolist() == [0.5, -1.0, 2.0] and np.array_equal(a, A)
    assert report.tolerances.keys() == {"float64"}  # the hand-written gradient's dtype (a * w), not the param's


def test_an_unreliable_fd_is_blamed_not_the_users_code(sigmoid_mlp):
    pytest.importorskip("torch"), pytest.importorskip("jax")
    loss, grad, params, args = sigmoid_mlp
    crude = FiniteDifferences(method=CentralRichardson(levels=1, rel_step=0.5))  # one huge step, no Richardson
    report = gc.check_grad(loss, grad, params, args=args, fd=crude)
    assert report.ok
    assert report.verdict.startswith("gradient check passed: hand-written grad agrees with torch and jax")
    assert "fd set aside" in report.verdict
    blamed = [p for p in report.params if "fd" in p.set_aside]
    assert blamed and all(p.trusted == ("torch", "jax") for p in blamed)
    assert "fd disagrees with torch and jax, which agree with each other" in str(report)


def test_a_wrong_entry_consulting_the_third_oracle_measures_round_off_and_diagnoses_once(big, monkeypatch):
    from gradcheck._engine.oracles import roundoff
    from gradcheck._engine.run import assemble

    from ..conftest import big_loss, planted

    counts = {"measure": 0, "diagnose": 0}
    measure, diagnose = roundoff.measure, assemble.diagnose

    def counted(name, fn):
        return lambda *a, **k: counts.__setitem__(name, counts[name] + 1) or fn(*a, **k)

    monkeypatch.setattr(roundoff, "measure", counted("measure", measure))
    monkeypatch.setattr(assemble, "diagnose", counted("diagnose", diagnose))
    report = grad_report(big_loss, planted((3, 4)), big[0], args=big[1])
    assert not report.ok and report.ran == ["fd", "torch", "jax"]  # two rounds of oracles
    assert report.param("W").comparisons["torch"].worst_index == (3, 4)
    assert counts == {"measure": 1, "diagnose": 1}
