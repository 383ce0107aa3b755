"""Oracle selection (triangulation on demand): fd and one framework decide a pass; anything else asks the rest."""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc
from gradcheck._engine.run.plan import Plan, make_plan

pytest.importorskip("torch")
pytest.importorskip("jax")

X = np.array([[0.3, -1.2], [0.8, 0.5], [-0.4, 0.9]])


def loss(p, x):
    xp = array_namespace(p["W"])
    return xp.sum(xp.tanh(p["W"] @ x) ** 2)


def grad(p, x):
    t = np.tanh(p["W"] @ x)
    return {"W": (2 * t * (1 - t * t)) @ x.T}  # d/dW sum tanh(Wx)^2 = (2 t (1 - t^2)) x^T


def wrong(p, x):
    return {"W": grad(p, x)["W"] * 1.01}


P = {"W": np.array([[0.5, -0.2, 0.1], [0.3, 0.8, -0.6]])}


@pytest.mark.parametrize(
    "given, plan",
    [
        (None, Plan(True, ("torch", "jax"), 1, False)),
        ("all", Plan(True, ("torch", "jax"), None, False)),
        (("jax", "fd"), Plan(True, ("jax",), None, True)),
        ("torch", Plan(False, ("torch",), None, True)),
    ],
)
def test_make_plan(given, plan):
    assert make_plan(given) == plan


@pytest.mark.parametrize("bad", [(), ("fd", "autograd"), "ALL", 3])
def test_bad_oracles_are_named(bad):
    with pytest.raises(gc.GradcheckError, match=r"Expected oracles from \('fd', 'torch', 'jax'\) but got oracles="):
        make_plan(bad)


def test_a_pass_by_fd_and_torch_does_not_consult_jax_and_says_so():
    report = gc.check_grad(loss, grad, P, args=(X,))
    assert report.ok and report.ran == ["fd", "torch"]
    skipped = {o.name: o.reason for o in report.oracles if o.status == "skipped"}
    assert skipped["jax"].startswith("not needed: fd and torch agree with each other and with your gradient")
    assert "oracles='all'" in skipped["jax"]
    assert report.verdict.endswith("jax skipped)")
    assert "jax skipped: not needed" in str(report)


def test_a_failure_is_triangulated_with_every_framework_before_blaming_the_user():
    report = gc.check_grad(loss, wrong, P, args=(X,), raise_on_failure=False)
    assert not report.ok and report.ran == ["fd", "torch", "jax"]
    assert report.param("W").trusted == ("fd", "torch", "jax")
    assert report.verdict.startswith("gradient mismatch in W: hand-written grad disagrees with fd, torch and jax")


def test_all_runs_every_oracle_even_on_a_pass():
    assert gc.check_grad(loss, grad, P, args=(X,), oracles="all").ran == ["fd", "torch", "jax"]


def no_torch(p, x):
    """Raises on torch tensors: the first round falls back to jax, so an AD framework still runs."""
    if "torch" in type(p["W"]).__module__:
        raise TypeError("no torch here")
    return loss(p, x)


def test_the_first_round_falls_back_to_the_next_framework():
    report = gc.check_grad(no_torch, grad, P, args=(X,))
    assert report.ok and report.ran == ["fd", "jax"]
    assert "TypeError" in next(o.reason for o in report.oracles if o.name == "torch")


def test_a_numpy_only_loss_is_checked_by_fd_with_both_frameworks_named():
    def np_loss(p, x):
        return float(np.sum(np.tanh(np.asarray(p["W"]) @ x) ** 2))

    report = gc.check_grad(np_loss, grad, P, args=(X,))
    assert report.ok and report.ran == ["fd"]
    reasons = {o.name: o.reason for o in report.oracles if o.status == "skipped"}
    assert set(reasons) == {"torch", "jax"} and all("not needed" not in r for r in reasons.values())


def _param(status, trusted, set_aside=None, disagree=False):
    from gradcheck.report import ParamReport

    return ParamReport(
        "W", (2, 3), "float64", status, trusted=trusted, set_aside=set_aside or {}, oracles_disagree=disagree
    )


@pytest.mark.parametrize(
    "params, leans",
    [
        ([_param("ok", ("fd", "torch", "jax"))], False),  # a pass: the cached result agrees with fresh ones
        ([_param("mismatch", ("fd", "torch", "jax"))], False),  # a failure two fresh oracles support
        ([_param("mismatch", ("fd", "jax"))], True),  # only one fresh oracle supports the failure
        ([_param("mismatch", ("jax",))], True),
        ([_param("ok", ("fd", "torch"), {"jax": "disagrees"})], True),  # the cached result is set aside
        ([_param("ok", ("fd", "torch", "jax"), disagree=True)], True),  # undecided: the oracles disagree
    ],
)
def test_a_verdict_leaning_on_a_cached_result_is_retraced(params, leans):
    from gradcheck._engine.run.plan import leans_on

    assert leans_on(params, ["jax"]) is leans
