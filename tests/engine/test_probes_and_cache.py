"""Probes are signed, normalised and reproducible from the seed; repeated jax checks reuse one compile."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import gradcheck as gc
from gradcheck._engine.probes import block_direction, global_direction


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


def _quad(p, a):
    from array_api_compat import array_namespace

    xp = array_namespace(p["x"])
    return xp.sum(a * p["x"] ** 2)


def test_repeated_jax_checks_of_one_loss_reuse_one_jitted_grad():
    import pytest

    pytest.importorskip("jax")
    from gradcheck._engine.oracles import jax as jax_oracle

    a = np.arange(1.0, 4.0)
    for k in range(3):
        gc.check_grad(_quad, lambda p, a: {"x": 2 * a * p["x"]}, {"x": np.ones(3) * k}, args=(a,), oracles="all")
    compiled = jax_oracle.cached(_quad)
    assert len(compiled) == 1 and callable(compiled[0])


GLOBAL = np.arange(1.0, 4.0)


def _reads_global(p):
    from array_api_compat import array_namespace

    return array_namespace(p["x"]).sum(GLOBAL * p["x"] ** 2)


def test_a_loss_reading_a_global_array_is_never_jitted():
    import pytest

    pytest.importorskip("jax")
    from gradcheck._engine.oracles import jax as jax_oracle

    for _ in range(3):
        gc.check_grad(_reads_global, lambda p: {"x": 2 * GLOBAL * p["x"]}, {"x": np.ones(3)})
    assert jax_oracle.cached(_reads_global) == []


def _make_quad(k):
    def quad(p, a):
        from array_api_compat import array_namespace

        return array_namespace(p["x"]).sum(k * a * p["x"] ** 2)

    return quad


def test_new_loss_objects_with_the_same_code_and_closure_values_share_one_compile():
    import pytest

    pytest.importorskip("jax")
    from gradcheck._engine.oracles import jax as jax_oracle

    a = np.arange(1.0, 4.0)
    for k in (2.0, 2.0, 2.0, 3.0):  # a new function object each time; a new constant is a new compile
        report = gc.check_grad(
            _make_quad(k), lambda p, a, k=k: {"x": 2 * k * a * p["x"]}, {"x": np.ones(3)}, args=(a,), oracles=("jax",)
        )
        assert report.ok
    compiled = jax_oracle.cached(_make_quad(2.0))
    assert len(compiled) == 2 and all(callable(c) for c in compiled)


def test_a_loss_closing_over_an_array_is_never_compiled_and_sees_it_change_in_place():
    import pytest

    pytest.importorskip("jax")
    from array_api_compat import array_namespace

    from gradcheck._engine.oracles import jax as jax_oracle

    w = np.arange(1.0, 4.0)

    def weighted(p):
        return array_namespace(p["x"]).sum(w * p["x"] ** 2)

    for _ in range(2):
        report = gc.check_grad(weighted, lambda p, w=w: {"x": 2 * w * p["x"]}, {"x": np.ones(3)}, oracles=("jax",))
        assert report.ok
        w *= 2  # a compiled grad would have frozen the old w
    assert jax_oracle.cached(weighted) == []


def _branchy(p):
    from array_api_compat import array_namespace

    xp = array_namespace(p["x"])
    if xp.sum(p["x"]) > 0:  # Python control flow on a value: jit cannot trace it, eager grad can
        return xp.sum(p["x"] ** 2)
    return xp.sum(p["x"] ** 3)


def test_a_loss_jax_cannot_trace_runs_eagerly_with_the_right_gradient():
    import pytest

    pytest.importorskip("jax")
    from gradcheck._engine.oracles import jax as jax_oracle

    for x in (np.ones(3), -np.ones(3)):
        g = {"x": 2 * x} if x.sum() > 0 else {"x": 3 * x**2}
        report = gc.check_grad(_branchy, lambda p, g=g: g, {"x": x}, oracles=("fd", "jax"))
        assert report.ok and report.ran == ["fd", "jax"]
    assert jax_oracle.cached(_branchy) == [None]


def _square(x):
    return x**2


def _cube(x):
    return x**3


_TABLE = {"power": _square}


def _tabled(p):
    from array_api_compat import array_namespace

    return array_namespace(p["x"]).sum(_TABLE["power"](p["x"]))


def test_a_loss_reading_a_module_table_is_compiled_once_and_again_when_the_table_changes():
    import pytest

    pytest.importorskip("jax")
    from gradcheck._engine.oracles import jax as jax_oracle

    x = np.arange(1.0, 4.0)
    for _ in range(2):
        assert gc.check_grad(_tabled, lambda p: {"x": 2 * p["x"]}, {"x": x}, oracles=("jax",)).ok
    assert len(jax_oracle.cached(_tabled)) == 1
    _TABLE["power"] = _cube  # the table is part of the key: a stale compile would still square
    try:
        assert gc.check_grad(_tabled, lambda p: {"x": 3 * p["x"] ** 2}, {"x": x}, oracles=("jax",)).ok
        assert len(jax_oracle.cached(_tabled)) == 2
    finally:
        _TABLE["power"] = _square


from array_api_compat import array_namespace as _namespace  # noqa: E402 - read from globals by _mse below


def _mse(p, x):
    xp = _namespace(p["w"])
    return xp.sum((x @ p["w"]) ** 2) / 2


def test_a_loss_calling_library_helpers_from_its_globals_is_compiled():
    import pytest

    pytest.importorskip("jax")
    from gradcheck._engine.oracles import jax as jax_oracle

    x = np.arange(6.0).reshape(3, 2)
    assert gc.check_grad(
        _mse, lambda p, x: {"w": x.T @ (x @ p["w"])}, {"w": np.ones(2)}, args=(x,), oracles=("jax",)
    ).ok
    compiled = jax_oracle.cached(_mse)
    assert len(compiled) == 1 and callable(compiled[0])
