"""A single wrong entry among 1e4 is found and located, with and without AD; unreliable FD is blamed."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.finite_diff import CentralRichardson
from gradcheck._engine.oracles.fd import FiniteDifferences

from .conftest import big_grad, big_loss, big_loss_numpy, planted

INDEX = (37, 58)


def test_single_entry_off_by_1e3_is_located_by_the_ad_oracles(big):
    pytest.importorskip("torch")
    params, args = big
    report = gc.check_grad(big_loss, planted(INDEX), params, args=args, raise_on_failure=False)
    w = report.param("W")
    assert not report.ok and w.status == "mismatch"
    assert report.verdict == (
        "gradient mismatch in W: hand-written grad disagrees with fd, torch and jax (they agree with each other)"
    )
    for oracle in ("torch", "jax"):
        assert w.comparisons[oracle].n_bad == 1 and w.comparisons[oracle].worst_index == INDEX
    assert w.comparisons["fd"].mode == "probes" and not w.comparisons["fd"].ok  # fd saw it too
    assert "(37, 58)" in str(report)


def test_single_entry_off_by_1e3_is_located_by_fd_alone(big):
    params, args = big
    report = gc.check_grad(big_loss_numpy, planted(INDEX), params, args=args, raise_on_failure=False)
    w = report.param("W")
    assert report.ran == ["fd"] and w.status == "mismatch"
    located = w.comparisons["fd"].detail["located"]
    assert [tuple(r["index"]) for r in located] == [INDEX]
    right = big_grad(params, *args)["W"][INDEX]
    assert abs(located[0]["fd"] - right) <= 1e-6 * abs(right)  # the bisected probe recovers the true entry
    assert "located by bisection of fd probes: 1 wrong entry" in str(report)
    assert w.diagnosis_kind == "partial"
    assert w.diagnosis == (
        f"1 wrong entry located by bisection of fd probes, at {INDEX}; look at the code that computes W there"
    )
    assert report.oracles[0].evaluations <= 400  # ~2 log2(1e4) probes, not 1e4 entries


def test_right_gradient_at_1e4_entries_passes_fd_alone_with_a_bound_that_catches_1e3(big):
    params, args = big
    report = gc.check_grad(big_loss_numpy, big_grad, params, args=args)
    w = report.param("W")
    assert w.bound < 1e-3 * abs(big_grad(params, *args)["W"][INDEX])
    assert report.oracles[0].evaluations == 12  # two global probes of 6 evaluations


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_probes_catch_every_single_entry_error_of_relative_size_1e3(big, seed):
    params, args = big
    g = big_grad(params, *args)["W"]
    typical = np.argwhere(np.abs(g) > 0.2 * np.sqrt(np.mean(g * g)))
    index = tuple(typical[np.random.default_rng(seed).integers(len(typical))])
    report = gc.check_grad(big_loss_numpy, planted(index), params, args=args, seed=seed, raise_on_failure=False)
    assert not report.ok
    assert [tuple(r["index"]) for r in report.param("W").comparisons["fd"].detail["located"]] == [index]


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


def test_every_report_states_its_detection_bound_and_seed(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    report = gc.check_grad(loss, grad, params, args=args, seed=5, oracles=("fd",))
    line = next(s for s in str(report).splitlines() if s.startswith("detection bound:"))
    assert line.startswith("detection bound: no entry is off by more than ") and line.endswith("seed 5)")
    for p in report.params:
        assert 0 < p.bound < 1e-6
        assert report.to_dict()["params"][report.params.index(p)]["detection_bound"] == p.bound
