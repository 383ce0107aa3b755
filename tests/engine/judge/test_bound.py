"""bound.py: the detection bound is the best trusted oracle's (or the Taylor test's) allowance for a single
entry; a single entry off by more than the bound fails, and a looser tolerance never gives a smaller bound."""

import math
from types import SimpleNamespace

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck as gc
from gradcheck._engine.compare.entries import Reference, compare_entries, compare_probes
from gradcheck._engine.compare.tolerance import Tolerance
from gradcheck._engine.judge.bound import detection_bound
from gradcheck._engine.oracles import Probe

from ..conftest import big_grad, big_loss_numpy

INDEX = (37, 58)


def _c(bound):
    return SimpleNamespace(detail={"bound": bound})


def test_the_bound_is_the_smallest_among_the_trusted_oracles_only():
    comparisons = {"fd": _c(3e-7), "torch": _c(2e-9), "jax": _c(1e-12)}
    assert detection_bound(comparisons, ("fd", "torch")) == 2e-9  # jax not trusted: its bound does not count
    assert detection_bound(comparisons, ()) == math.inf
    assert detection_bound({"fd": SimpleNamespace(detail={})}, ("fd",)) == math.inf


def test_a_consistent_taylor_test_bounds_a_single_entry_by_sqrt_n_times_its_slope_bound():
    taylor = SimpleNamespace(verdict="consistent", bound=1e-6)
    found = detection_bound({"fd": _c(1.0)}, ("fd",), taylor, shape=(4, 25))
    assert found == 1e-6 * 10  # |v_i| = 1/sqrt(100)
    assert detection_bound({"fd": _c(1e-8)}, ("fd",), taylor, shape=(4, 25)) == 1e-8
    assert detection_bound({"fd": _c(1e-8)}, ("fd",), taylor, set_aside={"fd": "noisy"}, shape=(4, 25)) == 1e-6 * 10
    wrong = SimpleNamespace(verdict="wrong", bound=1e-12)
    assert detection_bound({"fd": _c(1.0)}, ("fd",), wrong, shape=(3,)) == 1.0


def _setting(seed, n):
    rng = np.random.default_rng(seed)
    g = rng.normal(size=n)
    v = rng.choice([-1.0, 1.0], size=n) / math.sqrt(n)
    return rng, g, v


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n=st.integers(1, 300),
    rtol=st.sampled_from([1e-8, 1e-6, 1e-4]),
    over=st.floats(1.01, 100.0),
    sign=st.sampled_from([-1.0, 1.0]),
)
def test_property_a_single_entry_off_by_more_than_the_probe_bound_fails(seed, n, rtol, over, sign):
    rng, g, v = _setting(seed, n)
    tol, atol, error = Tolerance(rtol, 0.0, atol_is_relative=False), 1e-12, 1e-6
    i = int(rng.integers(n))
    toward = sign * np.sign(v[i])  # fd's own error leans the way the planted error moves <g, v>: the worst case
    probe = Probe("x", 0, float(g @ v) + toward * error, error, True, [v], blocks=(0,))
    right = compare_probes("fd", g, 0, [probe], tol, atol)
    assert right.ok
    bound = detection_bound({"fd": right}, ("fd",))
    assert bound == right.detail["bound"] and 0 < bound < math.inf
    wrong = g.copy()
    wrong[i] += sign * over * bound
    assert not compare_probes("fd", wrong, 0, [probe], tol, atol).ok


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 60), over=st.floats(1.01, 100.0))
def test_property_a_single_entry_off_by_more_than_the_entries_bound_fails(seed, n, over):
    rng, g, _ = _setting(seed, n)
    tol = Tolerance(1e-6, 0.0, atol_is_relative=False)
    err = np.abs(rng.normal(size=n)) * 1e-9
    right = compare_entries("fd", g, Reference(g, err), tol, 1e-12)
    bound = detection_bound({"fd": right}, ("fd",))
    wrong = g.copy()
    wrong[int(rng.integers(n))] += over * bound
    assert right.ok and not compare_entries("fd", wrong, Reference(g, err), tol, 1e-12).ok


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 200), low=st.floats(1e-10, 1e-4), factor=st.floats(1.0, 1e3))
def test_property_the_bound_is_monotone_in_the_tolerance(seed, n, low, factor):
    _, g, v = _setting(seed, n)
    probe = Probe("x", 0, float(g @ v), 1e-9, True, [v], blocks=(0,))
    bounds = []
    for rtol in (low, low * factor):
        for atol in (1e-12, 1e-12 * factor):
            c = compare_probes("fd", g, 0, [probe], Tolerance(rtol, 0.0, atol_is_relative=False), atol)
            e = compare_entries("fd", g, g, Tolerance(rtol, 0.0, atol_is_relative=False), atol)
            bounds.append((detection_bound({"fd": c}, ("fd",)), detection_bound({"fd": e}, ("fd",))))
    (p00, e00), (p01, e01), (p10, e10), (p11, e11) = bounds
    assert p00 <= p01 <= p11 and p00 <= p10 <= p11
    assert e00 <= e01 <= e11 and e00 <= e10 <= e11


def test_right_gradient_at_1e4_entries_passes_fd_alone_with_a_bound_that_catches_1e3(big):
    params, args = big
    report = gc.check_grad(big_loss_numpy, big_grad, params, args=args)
    w = report.param("W")
    assert w.bound < 1e-3 * abs(big_grad(params, *args)["W"][INDEX])
    assert report.oracles[0].evaluations == 12  # two global probes of 6 evaluations


def test_every_report_states_its_detection_bound_and_seed(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    report = gc.check_grad(loss, grad, params, args=args, seed=5, oracles=("fd",))
    line = next(s for s in str(report).splitlines() if s.startswith("detection bound:"))
    assert line.startswith("detection bound: no entry is off by more than ") and line.endswith("seed 5)")
    for p in report.params:
        assert 0 < p.bound < 1e-6
        assert report.to_dict()["params"][report.params.index(p)]["detection_bound"] == p.bound
