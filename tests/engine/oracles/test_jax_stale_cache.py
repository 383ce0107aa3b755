"""No stale oracle (issue 11, class 6): a compiled jax gradient is never used for a loss it no longer matches.

The loss calls a helper module whose module-level constant is rebound, as monkeypatch does; the compile
cache's key (the loss's code and what it reads one level deep) does not see the helper's globals.
"""

import types

import numpy as np
import pytest

import gradcheck as gc

pytest.importorskip("jax")

HELPER = """
from array_api_compat import array_namespace

SCALE = 1.0  # multiplies the loss: a rebinding changes its value and its gradient
TILT = 0.0  # slope along w[0] - 1: at w[0] = 1 a rebinding changes the gradient but not the value


def scaled_square(w):
    return SCALE * array_namespace(w).sum(w ** 2)


def tilted_square(w):
    return array_namespace(w).sum(w ** 2) + TILT * (w[0] - 1.0)
"""
stale_helper = types.ModuleType("stale_helper", "a helper module whose constants monkeypatch rebinds")
exec(HELPER, stale_helper.__dict__)  # a module of its own: its globals are not the test module's

W = {"w": np.array([1.0, -0.5, 2.0])}  # w[0] = 1: tilted_square's value does not depend on TILT here


@pytest.fixture(autouse=True)
def empty_jax_cache(monkeypatch):
    """Every test starts with no compiled grads in memory and none on disk (as a fresh process would)."""
    from collections import OrderedDict

    from gradcheck._engine.oracles import jax as jax_oracle

    monkeypatch.setattr(jax_oracle, "_CACHE", OrderedDict())
    monkeypatch.delenv("GRADCHECK_JAX_CACHE_DIR", raising=False)


def scaled_loss(p):
    return stale_helper.scaled_square(p["w"])


def scaled_grad(p):
    return {"w": 2 * stale_helper.SCALE * p["w"]}


def tilted_loss(p):
    return stale_helper.tilted_square(p["w"])


def tilted_grad(p):
    g = 2 * p["w"]
    g[0] += stale_helper.TILT
    return {"w": g}


@pytest.mark.parametrize("oracles", [("jax",), "all"])
def test_a_rebound_constant_that_changes_the_value_is_retraced(monkeypatch, oracles):
    first = gc.check_grad(scaled_loss, scaled_grad, W, oracles=oracles)  # compiles with SCALE = 1
    assert first.ok and not first.param("w").set_aside
    monkeypatch.setattr(stale_helper, "SCALE", 3.0)
    report = gc.check_grad(scaled_loss, scaled_grad, W, oracles=oracles)
    assert report.ok, str(report)
    assert all(not p.set_aside for p in report.params), str(report)
    assert np.allclose(report.param("w").refs["jax"], 6.0 * W["w"])


@pytest.mark.parametrize("oracles", [("jax",), "all"])
def test_a_rebound_constant_that_keeps_the_value_is_caught_by_a_fresh_trace(monkeypatch, oracles):
    """The compiled value still matches the user's loss at the point, so only the gradient is stale: the
    disagreement it causes makes the check trace again before anyone is blamed or set aside."""
    monkeypatch.setattr(stale_helper, "TILT", 0.0)
    first = gc.check_grad(tilted_loss, tilted_grad, W, oracles=oracles)
    assert first.ok and not first.param("w").set_aside
    monkeypatch.setattr(stale_helper, "TILT", 5.0)
    report = gc.check_grad(tilted_loss, tilted_grad, W, oracles=oracles)
    assert report.ok, str(report)
    assert all(not p.set_aside for p in report.params), str(report)
    assert report.param("w").refs["jax"][0] == pytest.approx(7.0)


def test_a_wrong_gradient_still_fails_after_a_rebinding(monkeypatch):
    gc.check_grad(scaled_loss, scaled_grad, W, oracles=("jax",))
    monkeypatch.setattr(stale_helper, "SCALE", 3.0)
    stale = lambda p: {"w": 2 * p["w"]}  # noqa: E731 - forgot the new scale
    report = gc.check_grad(scaled_loss, stale, W, oracles=("jax",), raise_on_failure=False)
    assert not report.ok and report.param("w").trusted == ("jax",)
    assert report.param("w").diagnosis_kind == "scaled"


def branch_on_type(p):
    """Computes something else on jax arrays (tracers included): a genuine reason to set jax aside."""
    from array_api_compat import array_namespace

    factor = 1.5 if "jax" in type(p["w"]).__module__ else 1.0
    return factor * array_namespace(p["w"]).sum(p["w"] ** 2)


def test_an_oracle_set_aside_is_given_its_true_reason():
    report = gc.check_grad(branch_on_type, lambda p: {"w": 2 * p["w"]}, W, oracles="all")
    assert report.ok
    why = report.param("w").set_aside["jax"]
    assert "the loss gives 7.875 on jax arrays against 5.25 on yours" in why, why
    assert "differentiate a non-differentiable op" not in why


def test_a_rerun_loads_the_compiled_grad_from_disk_and_checks_it(tmp_path, monkeypatch):
    """A second process (here: an emptied memory cache) loads the executable the first one stored; a stored
    executable that no longer matches the loss (the constant was rebound in between) is compiled again."""
    from collections import OrderedDict

    import jax

    from gradcheck._engine.oracles import jax as jax_oracle

    monkeypatch.setenv("GRADCHECK_JAX_CACHE_DIR", str(tmp_path))
    assert gc.check_grad(scaled_loss, scaled_grad, W, oracles=("jax",)).ok
    assert len(list((tmp_path / "executables").glob("*.xla"))) == 1
    monkeypatch.setattr(jax_oracle, "_CACHE", OrderedDict())  # a new process, same folder

    def no_compiling(*a, **k):
        raise AssertionError("compiled although the stored executable matches")

    with monkeypatch.context() as m:
        m.setattr(jax, "jit", no_compiling)
        report = gc.check_grad(scaled_loss, scaled_grad, W, oracles=("jax",))
    assert report.ok and report.ran == ["jax"]
    assert [callable(c) for c in jax_oracle.cached(scaled_loss)] == [True]

    monkeypatch.setattr(jax_oracle, "_CACHE", OrderedDict())
    monkeypatch.setattr(stale_helper, "SCALE", 3.0)  # the stored executable is stale now
    report = gc.check_grad(scaled_loss, scaled_grad, W, oracles=("jax",))
    assert report.ok and np.allclose(report.param("w").refs["jax"], 6.0 * W["w"])


def test_disk_keys_are_the_same_in_every_process():
    """The stored key has no memory addresses: code by content, functions, modules and types by name."""
    from gradcheck._engine.oracles import jax_disk

    text = jax_disk.canonical((scaled_loss.__code__, stale_helper, np.float64(2.0), (int, 3), np.tanh, gc.check_grad))
    assert "0x" not in text and "stale_helper" in text
    with pytest.raises(jax_disk.Unstable):
        jax_disk.canonical(object())
