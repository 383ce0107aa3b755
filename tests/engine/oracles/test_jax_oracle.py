"""oracles/jax.py: run() gives jax.grad in float64 on a Problem, refuses a loss jax cannot run with a reason;
the compile cache is keyed by what the loss computes, and a loss that reads mutable data is never compiled."""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc
from gradcheck._engine.oracles import CannotRun
from gradcheck._engine.problem.problem import Problem

pytest.importorskip("jax")

from gradcheck._engine.oracles import jax as jax_oracle  # noqa: E402 - after the skip: the module runs jax


def _cubic(p, a):
    xp = array_namespace(p["x"])
    return xp.sum(a * p["x"] ** 3) + xp.sum(p["b"] ** 2)


def _problem(loss=_cubic, seed=0):
    return Problem.at(
        loss, {"x": np.array([1.0, -2.0, 0.5]), "b": np.array([[0.25]])}, (np.arange(1.0, 4.0),), seed=seed
    )


def test_run_gives_the_float64_gradient_and_value_of_the_loss():
    problem = _problem()
    result = jax_oracle.run(problem, fresh=True)
    x, a = problem.leaves[0], problem.args[0]
    assert result.name == "jax" and result.mode == "entries" and result.evaluations == 1
    assert np.allclose(result.grads[0], 3 * a * x**2, rtol=1e-15) and result.grads[0].dtype == np.float64
    assert result.grads[1].shape == (1, 1) and np.allclose(result.grads[1], 0.5)
    assert result.value == pytest.approx(problem.f0, rel=1e-15) and not result.cached
    assert jax_oracle.run(problem).cached  # the second run is served by the compile of the first


def test_run_refuses_a_numpy_only_loss_with_the_reason_and_the_fix():
    problem = _problem(lambda p, a: float(np.sum(a * np.asarray(p["x"]) ** 3)))
    with pytest.raises(
        CannotRun,
        match=r"^<lambda> \(test_jax_oracle.py:\d+\) converted an array computed from its inputs to a Python float "
        r"\(float\): jax cannot follow it past that line$",
    ):
        jax_oracle.run(problem)


def test_run_refuses_a_loss_that_returns_a_vector():
    def loss(p):  # a scalar on numpy (the point's value), a vector under jax
        return float(np.sum(p["x"])) if isinstance(p["x"], np.ndarray) else p["x"] * 2

    problem = Problem.at(loss, {"x": np.ones(3)})
    with pytest.raises(CannotRun, match=r"expected a scalar"):
        jax_oracle.run(problem)


def test_the_key_keeps_code_and_plain_values_and_refuses_arrays_and_mutable_objects():
    def make(k):
        return lambda p, a: k * p["x"]

    assert jax_oracle._fn_key(make(2.0)) == jax_oracle._fn_key(make(2.0))
    assert jax_oracle._fn_key(make(2.0)) != jax_oracle._fn_key(make(3.0))
    assert jax_oracle._fn_key(make(np.ones(2))) is None
    assert jax_oracle._fn_key(make([1.0, {"a": set()}])) is None
    assert jax_oracle._fn_key(make((1.0, "relu"))) is not None
    assert jax_oracle._fn_key(make([1.0, 2.0])) == jax_oracle._fn_key(make([1.0, 2.0])) is not None
    assert jax_oracle._fn_key(make([1.0, 2.0])) != jax_oracle._fn_key(make([1.0, 3.0]))
    assert jax_oracle._fn_key(np.sum) is None  # not a Python function: nothing to key by


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
