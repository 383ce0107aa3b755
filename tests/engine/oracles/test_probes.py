"""probes.py: sign directions are reproducible, normalised and shared read-only; measure gives <g, v>; split and
bisection narrow a failing probe down to the single wrong entry, whose value entry_value recovers."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck as gc
from gradcheck._engine.compare.entries import probe_fails
from gradcheck._engine.compare.tolerance import Tolerance
from gradcheck._engine.oracles import probes
from gradcheck._engine.oracles.finite_diff import CentralRichardson
from gradcheck._engine.oracles.probes import (
    CACHE_UP_TO,
    bisect,
    block_direction,
    entry_value,
    global_direction,
    is_leaf,
    measure,
    signs,
    split,
)
from gradcheck._engine.problem.problem import Problem

from ..conftest import big_grad, big_loss_numpy, planted

INDEX = (37, 58)
C = np.linspace(1.0, 2.0, 10)


def _quadratic(p):
    return float(np.sum(C * p["x"] ** 2) / 2 + np.sum(p["y"] ** 3))


def _problem():
    params = {"x": np.linspace(-1.0, 1.0, 10), "y": np.array([[0.5, -1.0], [2.0, 1.5]])}
    return Problem.at(_quadratic, params, seed=4)


def _grads(problem):
    x, y = problem.leaves
    return [C * x, 3 * y**2]


def test_probe_directions_are_reproducible_signed_and_normalised():
    shapes = [(3, 4), (5,)]
    a, b = global_direction(7, 0, shapes), global_direction(7, 0, shapes)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(global_direction(8, 0, shapes)[0], a[0])
    assert np.isclose(sum(float(np.sum(v * v)) for v in a), 1.0)
    assert all(set(np.unique(np.abs(v) * np.sqrt(17))) == {1.0} for v in a)
    blk = block_direction(7, 1, 0, shapes)
    assert blk[0] is None and np.isclose(np.linalg.norm(blk[1]), 1.0)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(70, 300), j=st.data(), sign=st.sampled_from([-1.0, 1.0]), seed=st.integers(0, 2**16))
def test_a_sign_probe_cannot_miss_a_single_wrong_entry(n, j, sign, seed):
    i = j.draw(st.integers(0, n - 1))
    c = np.linspace(1.0, 2.0, n)

    def loss(p):
        return float(np.sum(c * p["x"] ** 2) / 2)

    def grad(p):
        g = c * p["x"]
        g[i] *= 1 + sign * 1e-3
        return {"x": g}

    report = gc.check_grad(
        loss, grad, {"x": np.ones(n)}, seed=seed, fd=gc_fd(), oracles=("fd",), raise_on_failure=False
    )
    assert not report.ok
    assert [r["index"] for r in report.param("x").comparisons["fd"].detail["located"]] == [[i]]


def gc_fd():
    from gradcheck._engine.oracles.fd import FiniteDifferences

    return FiniteDifferences(mode="probes")


def test_signs_are_read_only_and_shared_for_the_same_seed_key_and_shape():
    a = signs(3, (1, 2), (4, 5), 0.5)
    assert a is signs(3, (1, 2), (4, 5), 0.5) and not a.flags.writeable
    assert set(np.unique(a)) == {-0.5, 0.5}
    n = CACHE_UP_TO + 1  # above the small cache: kept in the large store, same bits as a fresh draw
    big = signs(3, (1, 2), (n,))
    assert big is signs(3, (1, 2), (n,)) and not big.flags.writeable
    assert np.array_equal(big, probes._signs(3, (1, 2), (n,), 1.0))
    assert not np.array_equal(big, signs(4, (1, 2), (n,)))


def test_measure_gives_the_directional_derivative_of_the_loss():
    problem = _problem()
    shapes = [x.shape for x in problem.leaves]
    v = global_direction(problem.seed, 0, shapes)
    p = measure(problem, CentralRichardson(), v, index=0)
    exact = sum(float(np.sum(g * d)) for g, d in zip(_grads(problem), v))
    assert abs(p.value - exact) <= 1e-9 * abs(exact) and p.error < 1e-8
    assert p.blocks == (0, 1) and p.param == "*" and p.span is None and p.evaluations > 0
    one = measure(problem, CentralRichardson(), block_direction(problem.seed, 1, 0, shapes))
    assert one.blocks == (1,) and one.param == "y"
    assert abs(one.value - float(np.sum(_grads(problem)[1] * one.direction[1]))) < 1e-9


def test_split_halves_blocks_first_then_flat_entry_ranges():
    problem = _problem()
    shapes = [x.shape for x in problem.leaves]
    p = measure(problem, CentralRichardson(), global_direction(problem.seed, 0, shapes))
    (a, sa), (b, sb) = split(p)
    assert sa is sb is None and a[1] is None and b[0] is None
    assert a[0] is p.direction[0] and b[1] is p.direction[1]
    half = measure(problem, CentralRichardson(), a, scale=p.scale)
    (lo, slo), (hi, shi) = split(half)
    assert slo == (0, 5) and shi == (5, 10) and lo[1] is None
    assert np.array_equal(lo[0] + hi[0], p.direction[0])  # the halves cover the support exactly once
    assert not lo[0][5:].any() and not hi[0][:5].any()


def test_entry_value_recovers_the_entry_from_a_single_entry_probe():
    problem = _problem()
    v = block_direction(problem.seed, 1, 0, [x.shape for x in problem.leaves])
    flat = np.zeros(4)
    flat[2] = v[1].reshape(-1)[2]
    leaf = measure(problem, CentralRichardson(), [None, flat.reshape(2, 2)], span=(2, 3))
    assert is_leaf(leaf)
    idx, value, err = entry_value(leaf)
    assert idx == (1, 0) and abs(value - 3 * 2.0**2) < 1e-8 and err == leaf.error / abs(flat[2])


@settings(max_examples=15, deadline=None)
@given(i=st.integers(0, 9), sign=st.sampled_from([-1.0, 1.0]))
def test_property_bisection_narrows_a_failing_probe_to_the_wrong_entry(i, sign):
    problem = _problem()
    yours = _grads(problem)
    yours[0] = yours[0].copy()
    yours[0][i] *= 1 + sign * 1e-3
    tol = Tolerance(1e-6, 0.0, atol_is_relative=False)

    def fails(probe):
        return probe_fails(probe, yours, tol, 1e-12)

    top = measure(problem, CentralRichardson(), global_direction(problem.seed, 0, [x.shape for x in problem.leaves]))
    assert fails(top)
    found = bisect(problem, CentralRichardson(), top, fails, budget=96)
    wrong = [entry_value(p)[0] for p in found if is_leaf(p) and fails(p)]
    assert wrong == [(i,)]
    assert len(found) <= 2 * (1 + math.ceil(math.log2(10)))  # two children per level, blocks then entries
    assert bisect(problem, CentralRichardson(), top, fails, budget=3) == found[:2]  # the budget is respected


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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_probes_catch_every_single_entry_error_of_relative_size_1e3(big, seed):
    params, args = big
    g = big_grad(params, *args)["W"]
    typical = np.argwhere(np.abs(g) > 0.2 * np.sqrt(np.mean(g * g)))
    index = tuple(typical[np.random.default_rng(seed).integers(len(typical))])
    report = gc.check_grad(big_loss_numpy, planted(index), params, args=args, seed=seed, raise_on_failure=False)
    assert not report.ok
    assert [tuple(r["index"]) for r in report.param("W").comparisons["fd"].detail["located"]] == [index]
