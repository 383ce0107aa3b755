"""compare.py: entry-wise and probe comparisons flag exactly the entries off by more than their tolerance (NaN
counts as bad), a kink's one-sided interval decides at a kink, and the chunked passes give the one-pass answer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck as gc
from gradcheck._engine.compare import entries as compare
from gradcheck._engine.compare.entries import (
    CHUNK,
    Reference,
    absmax,
    compare_entries,
    compare_probes,
    entries_agree,
    probes_agree,
)
from gradcheck._engine.compare.tolerance import Tolerance
from gradcheck._engine.oracles import Probe

from ...robustness.soundness_cases import relu_grad, relu_net
from ..conftest import big_loss, planted

INDEX = (37, 58)
TOL = Tolerance(1e-6, 0.0, atol_is_relative=False)


def _ref(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def test_compare_entries_flags_exactly_the_planted_entries():
    ref = _ref((5, 7))
    yours = ref.copy()
    wanted = np.zeros(ref.shape, dtype=bool)
    for idx, rel in (((0, 3), 1e-3), ((2, 2), -1e-4), ((4, 6), 1e-2)):
        yours[idx] *= 1 + rel
        wanted[idx] = True
    c = compare_entries("torch", yours, ref, TOL, 1e-12)
    assert not c.ok and c.n_bad == 3 and c.n_total == 35
    assert np.array_equal(c.bad_mask, wanted)
    assert c.worst_index == (4, 6)  # the largest relative error
    assert c.max_abs == pytest.approx(abs(ref[4, 6]) * 1e-2)
    right = compare_entries("torch", ref * (1 + 1e-9), ref, TOL, 1e-12)
    assert right.ok and right.n_bad == 0 and not right.bad_mask.any()


def test_an_entry_passes_just_inside_atol_plus_rtol_times_the_reference_and_fails_just_outside():
    ref = np.array([2.0, -4.0, 8.0, 0.0])
    allowed = 1e-9 + 1e-6 * np.abs(ref)
    inside = compare_entries("torch", ref + 0.9 * allowed * np.sign(ref + 0.5), ref, TOL, 1e-9)
    outside = compare_entries("torch", ref + 1.1 * allowed * np.sign(ref + 0.5), ref, TOL, 1e-9)
    assert inside.ok and outside.bad_mask.all()
    assert inside.detail["bound"] == allowed.max()


def test_an_entry_within_its_fd_error_allowance_passes_and_one_beyond_fails():
    ref, err = np.array([1.0, 2.0]), np.array([1e-4, 1e-4])
    tol = Tolerance(1e-6, 0.0, atol_is_relative=False, k_fd=4.0)
    inside = compare_entries("fd", ref + [3.9e-4, 0.0], Reference(ref, err), tol, 0.0)
    outside = compare_entries("fd", ref + [4.1e-4 + 2e-6, 0.0], Reference(ref, err), tol, 0.0)
    assert inside.ok and outside.bad_mask.tolist() == [True, False]


def test_nan_in_yours_counts_as_bad_and_is_the_worst_entry():
    ref = _ref((3, 4))
    yours = ref.copy()
    yours[1, 2] = np.nan
    c = compare_entries("jax", yours, ref, TOL, 1e-12)
    assert not c.ok and c.n_bad == 1 and c.bad_mask[1, 2]
    assert c.worst_index == (1, 2) and c.max_abs == np.inf
    assert not entries_agree(yours, ref, TOL, 1e-12)


def _kink(shape, at, left, right):
    sided = np.full(shape + (2,), np.nan)
    sided[at] = (left, right)
    return sided


def test_at_a_kink_a_value_between_the_one_sided_slopes_passes_and_one_outside_fails():
    ref = np.array([0.5, 2.0, -1.0])  # fd's midpoint 0.5 at entry 0, between its one-sided slopes 0 and 1
    sided = _kink(ref.shape, 0, 0.0, 1.0)
    for between in (0.0, 0.3, 1.0):
        c = compare_entries("fd", [between, 2.0, -1.0], Reference(ref, None, sided), TOL, 1e-12)
        assert c.ok and c.kinks == 1, between
    for outside in (-0.1, 1.1, 3.0):
        c = compare_entries("fd", [outside, 2.0, -1.0], Reference(ref, None, sided), TOL, 1e-12)
        assert not c.ok and c.bad_mask.tolist() == [True, False, False] and c.kinks == 0, outside
        assert not entries_agree([outside, 2.0, -1.0], Reference(ref, None, sided), TOL, 1e-12)


def test_at_a_kink_the_interval_is_widened_by_k_fd_times_the_slopes_error_only():
    ref, err = np.array([0.5, 1.0]), np.array([1e-3, 0.0])
    sided = _kink(ref.shape, 0, 0.0, 1.0)  # slack: k_fd err = 4e-3 (rtol and atol negligible)
    assert compare_entries("fd", [1.0039, 1.0], Reference(ref, err, sided), TOL, 0.0).ok
    assert not compare_entries("fd", [1.0041, 1.0], Reference(ref, err, sided), TOL, 0.0).ok
    assert not compare_entries("fd", [-0.0041, 1.0], Reference(ref, err, sided), TOL, 0.0).ok


def test_interval_check_marks_the_kinks_and_whether_yours_lies_inside():
    at_kink, inside = compare.interval_check(np.array([0.5, 7.0]), _kink((2,), 0, 0.0, 1.0), None, TOL, 0.0)
    assert at_kink.tolist() == [True, False] and inside.tolist() == [True, False]


def _naive(yours, ref, err, tol, atol):
    """The module's rule in one pass over whole arrays."""
    d = np.abs(yours - ref)
    bound = atol + tol.rtol * np.abs(ref) + (tol.k_fd * err if err is not None else 0.0)
    bad = ~(d <= bound)
    d = np.where(np.isnan(d), np.inf, d)
    rel = d / (np.abs(ref) + max(atol, compare.TINY))
    return bad, float(d.max()), float(rel.max()), int(np.argmax(rel))


@settings(max_examples=25, deadline=None)
@given(
    n=st.one_of(st.integers(1, 50), st.integers(CHUNK - 3, CHUNK + 3), st.integers(2 * CHUNK - 2, 2 * CHUNK + 40)),
    seed=st.integers(0, 2**16),
    planted_at=st.lists(st.floats(0, 1, exclude_max=True), max_size=4),
    nan=st.booleans(),
    with_err=st.booleans(),
)
def test_property_chunked_comparison_gives_the_one_pass_answer(n, seed, planted_at, nan, with_err):
    rng = np.random.default_rng(seed)
    ref = rng.normal(size=n)
    yours = ref * (1 + 1e-9 * rng.normal(size=n))
    for u in planted_at:
        yours[int(u * n)] *= 1 + 10.0 ** rng.uniform(-5, 0)
    if nan:
        yours[rng.integers(n)] = np.nan
    err = np.abs(rng.normal(size=n)) * 1e-8 if with_err else None
    c = compare_entries("fd", yours, Reference(ref, err), TOL, 1e-10)
    bad, max_abs, max_rel, at = _naive(yours, ref, err, TOL, 1e-10)
    assert np.array_equal(c.bad_mask, bad) and c.n_bad == int(bad.sum()) and c.ok == (not bad.any())
    assert c.max_abs == max_abs and c.max_rel == max_rel and c.worst_index == (at,)
    assert c.detail["bound"] == float(np.max(1e-10 + TOL.rtol * np.abs(ref) + (TOL.k_fd * err if with_err else 0)))
    assert entries_agree(yours, Reference(ref, err), TOL, 1e-10) == c.ok


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    shape=st.sampled_from([(1,), (4,), (3, 5), (2, 3, 4)]),
    rel=st.sampled_from([0.0, 1e-9, 1e-7, 1e-5, 1e-2]),
    nan=st.booleans(),
    kink=st.booleans(),
)
def test_property_entries_agree_is_compare_entries_ok(seed, shape, rel, nan, kink):
    rng = np.random.default_rng(seed)
    ref = rng.normal(size=shape)
    yours = ref * (1 + rel * rng.normal(size=shape))
    if nan:
        yours.reshape(-1)[rng.integers(yours.size)] = np.nan
    err = np.abs(rng.normal(size=shape)) * 1e-7
    sided = None
    if kink:
        at = tuple(int(rng.integers(s)) for s in shape)
        sided = _kink(shape, at, ref[at] - abs(rng.normal()), ref[at] + abs(rng.normal()))
    full = compare_entries("x", yours, Reference(ref, err, sided), TOL, 1e-10)
    assert entries_agree(yours, Reference(ref, err, sided), TOL, 1e-10) == full.ok


def test_absmax_ignores_nan():
    assert absmax(np.array([1.0, np.nan, -3.0, 2.0])) == 3.0
    assert absmax(np.array([[np.nan, 0.5]])) == 0.5
    assert absmax(np.array([-0.0, 0.0])) == 0.0


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(1, 40), holes=st.integers(0, 5))
def test_property_absmax_is_nanmax_of_abs(seed, n, holes):
    rng = np.random.default_rng(seed)
    g = rng.normal(size=n) * 10.0 ** rng.integers(-5, 5)
    g[rng.integers(0, n, size=min(holes, n - 1))] = np.nan
    assert absmax(g) == float(np.nanmax(np.abs(g)))


def _probe(g, seed=0, error=1e-9, shift=0.0):
    """A global probe of one block whose FD value is <g, v> + shift."""
    v = np.random.default_rng(seed).choice([-1.0, 1.0], size=g.shape) / np.sqrt(g.size)
    return Probe("x", 0, float(np.sum(g * v)) + shift, error, True, [v], blocks=(0,))


def test_a_probe_is_explained_within_its_bound_and_not_beyond():
    g = _ref((6,), 3)
    assert compare_probes("fd", g, 0, [_probe(g)], TOL, 1e-12).ok
    assert probes_agree(g, 0, [_probe(g)], TOL, 1e-12)
    gap = 10 * (4 * 1e-9 + 1e-6 * np.linalg.norm(g / np.sqrt(6)) + 1e-12)
    c = compare_probes("fd", g, 0, [_probe(g, shift=gap)], TOL, 1e-12)
    assert not c.ok and c.n_bad == 1 and c.detail["probes"][0]["ok"] is False
    assert not probes_agree(g, 0, [_probe(g, shift=gap)], TOL, 1e-12)


def test_a_probe_at_a_kink_is_explained_by_a_value_inside_its_one_sided_interval():
    g = _ref((4,), 5)
    p = _probe(g, shift=0.3)
    dot = float(np.sum(g * p.direction[0]))
    p.one_sided = (dot - 0.1, dot + 0.5)
    c = compare_probes("fd", g, 0, [p], TOL, 1e-12)
    assert c.ok and c.kinks == 1
    q = _probe(g, shift=0.3)
    q.one_sided = (dot + 0.2, dot + 0.5)
    assert not compare_probes("fd", g, 0, [q], TOL, 1e-12).ok


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


@pytest.mark.parametrize("at_zero", [0.0, 1.0])
def test_relu_net_exactly_at_a_kink_passes_with_either_subgradient(at_zero):
    rng = np.random.default_rng(4)
    p = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=(3, 1)), "W2": rng.normal(size=(1, 3))}
    x, y = rng.normal(size=(2, 1)), rng.normal(size=(1, 1))
    p["b1"][1, 0] = -(p["W1"] @ x)[1, 0]  # unit 1 sits exactly at its kink: z = 0
    report = gc.check_grad(relu_net, relu_grad(at_zero), p, args=(x, y))
    assert report.ok
    w1 = report.param("W1")
    assert max(c.kinks for c in w1.comparisons.values()) == 2  # W1[1, :] sit on the kink
    assert any("valid subgradient" in n for n in w1.notes)
    assert any(h.name == "kink" for h in report.health)


def test_relu_net_with_a_value_outside_the_subgradient_interval_fails():
    rng = np.random.default_rng(4)
    p = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=(3, 1)), "W2": rng.normal(size=(1, 3))}
    x, y = rng.normal(size=(2, 1)), rng.normal(size=(1, 1))
    p["b1"][1, 0] = -(p["W1"] @ x)[1, 0]
    report = gc.check_grad(relu_net, relu_grad(3.0), p, args=(x, y), raise_on_failure=False)
    assert not report.ok and {q.name for q in report.failing} >= {"W1"}


def test_compare_memo_compares_once_per_arrays_and_names_the_caller():
    g, ref = _ref((50,), 1), _ref((50,), 2)
    memo = {}
    first = compare.compare_memo(memo, "", g, Reference(ref), TOL, 1e-9)
    again = compare.compare_memo(memo, "torch", g, Reference(ref), TOL, 1e-9)
    plain = compare_entries("torch", g, ref, TOL, 1e-9)
    assert len(memo) == 1 and again.bad_mask is first.bad_mask and again.reference == "torch"
    assert (again.n_bad, again.max_abs, again.max_rel, again.worst_index) == (
        plain.n_bad,
        plain.max_abs,
        plain.max_rel,
        plain.worst_index,
    )
    compare.compare_memo(memo, "", g.copy(), Reference(ref), TOL, 1e-9)  # other arrays: compared afresh
    assert len(memo) == 2


def test_dot_and_norm_is_the_dot_product_and_the_norm_of_the_product():
    rng = np.random.default_rng(4)
    g, v = rng.normal(size=3 * CHUNK + 5), rng.choice([-1.0, 1.0], size=3 * CHUNK + 5)
    dot, norm2 = compare._dot_and_norm(g, v)
    assert dot == pytest.approx(float(np.sum(g * v)), rel=1e-12)
    assert norm2 == pytest.approx(float(np.sum((g * v) ** 2)), rel=1e-12)
