"""Probes are signed, normalised and reproducible from the seed; repeated jax checks reuse one compile."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck as gc
from gradcheck.probes import block_direction, global_direction


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

    report = gc.check_grad(loss, grad, {"x": np.ones(n)}, seed=seed, fd=gc_fd(), oracles=("fd",),
                           raise_on_failure=False)
    assert not report.ok
    assert [r["index"] for r in report.param("x").comparisons["fd"].detail["located"]] == [[i]]


def gc_fd():
    from gradcheck.oracles.fd import FiniteDifferences

    return FiniteDifferences(mode="probes")


def _quad(p, a):
    from array_api_compat import array_namespace

    xp = array_namespace(p["x"])
    return xp.sum(a * p["x"] ** 2)


def test_repeated_jax_checks_of_one_loss_reuse_one_jitted_grad():
    import pytest

    pytest.importorskip("jax")
    from gradcheck.oracles import jax as jax_oracle

    a = np.arange(1.0, 4.0)
    for k in range(3):
        gc.check_grad(_quad, lambda p, a: {"x": 2 * a * p["x"]}, {"x": np.ones(3) * k}, args=(a,))
    slots = jax_oracle._CACHE[_quad]
    assert len(slots) == 1 and callable(next(iter(slots.values())))


GLOBAL = np.arange(1.0, 4.0)


def _reads_global(p):
    from array_api_compat import array_namespace

    return array_namespace(p["x"]).sum(GLOBAL * p["x"] ** 2)


def test_a_loss_reading_a_global_array_is_never_jitted():
    import pytest

    pytest.importorskip("jax")
    from gradcheck.oracles import jax as jax_oracle

    for _ in range(3):
        gc.check_grad(_reads_global, lambda p: {"x": 2 * GLOBAL * p["x"]}, {"x": np.ones(3)})
    assert not any(callable(v) for v in jax_oracle._CACHE.get(_reads_global, {}).values())
