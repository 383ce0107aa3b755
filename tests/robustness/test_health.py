"""Health checks built into every run: input mutation, nondeterminism, kinks, float32 tolerance."""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc

pytest.importorskip("torch")

FAST = ("fd", "torch")


def quad_loss(p, x):
    xp = array_namespace(p["W"])
    return 0.5 * xp.sum((p["W"] @ x) ** 2) + xp.sum(p["b"] ** 2)


def quad_grad(p, x):
    return {"W": (p["W"] @ x) @ x.T, "b": 2 * p["b"]}


def setup():
    rng = np.random.default_rng(1)
    return {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=(2,))}, rng.normal(size=(3, 4))


# --- input mutation: detected, attributed, and the caller's arrays are left exactly as given ----------


def _writes_params_in_grad(p, x):
    g = quad_grad(p, x)
    p["W"] -= 0.1 * g["W"]  # an SGD step inside grad
    return g


def _writes_args_in_loss(p, x):
    x *= 2.0  # normalises the input in place
    return quad_loss(p, x / 2.0)


def _decays_weights_in_loss(p, x):
    value = quad_loss(p, x)
    p["W"] *= 0.99  # weight decay applied in place after the value: every later call would see other W
    return value


def _writes_nothing_but_rebinds(p, x):
    p["W"] = p["W"] * 1.0  # rebinding a dict entry of gradcheck's copy is not a write into an array
    return quad_loss(p, x)


MUTATORS = [
    ("grad writes params", quad_loss, _writes_params_in_grad, "grad wrote into its inputs (W)"),
    ("loss writes args", _writes_args_in_loss, quad_grad, "loss wrote into its inputs (args[0])"),
    ("loss decays weights in place", _decays_weights_in_loss, quad_grad, "loss wrote into its inputs (W)"),
]


@pytest.mark.parametrize("loss, grad, words", [m[1:] for m in MUTATORS], ids=[m[0] for m in MUTATORS])
def test_mutation_is_reported_and_caller_arrays_are_untouched(loss, grad, words):
    params, x = setup()
    ids = {k: id(v) for k, v in params.items()}
    before = {k: v.copy() for k, v in params.items()}
    x_id, x_before = id(x), x.copy()
    report = gc.grad_report(loss, grad, params, args=(x,), oracles=("fd",))  # torch refuses in-place leaf writes
    assert {k: id(v) for k, v in params.items()} == ids and id(x) == x_id  # same objects
    assert all(np.array_equal(params[k], before[k]) for k in params)  # same contents
    assert np.array_equal(x, x_before) and x.flags.writeable
    assert not report.ok
    hit = [h for h in report.health if h.name == "mutated_input"]
    assert len(hit) == 1 and hit[0].fails
    assert hit[0].message.startswith(words)
    assert "gradcheck ran it on copies, so your arrays are unchanged" in hit[0].message
    assert report.verdict.endswith("but mutated input (see health below)")


def test_rebinding_a_key_is_not_a_mutation():
    params, x = setup()
    report = gc.grad_report(_writes_nothing_but_rebinds, quad_grad, params, args=(x,), oracles=FAST)
    assert report.ok and not report.health


def test_caller_arrays_untouched_by_a_passing_check_too():
    params, x = setup()
    params["W"].setflags(write=False)  # read-only input arrays work: gradcheck never writes into them
    before = {k: v.copy() for k, v in params.items()}
    report = gc.check_grad(quad_loss, quad_grad, params, args=(x,), oracles=FAST)
    assert report.ok
    assert all(np.array_equal(params[k], before[k]) for k in params)


# --- nondeterminism: reported as such, never as a mismatch ---------------------------------------------


def test_random_grad_is_nondeterministic_not_a_mismatch():
    params, x = setup()
    rng = np.random.default_rng(0)

    def noisy_grad(p, x):
        g = quad_grad(p, x)
        return {**g, "W": g["W"] + 1e-3 * rng.standard_normal(g["W"].shape)}  # dropout-like noise

    report = gc.grad_report(quad_loss, noisy_grad, params, args=(x,), oracles=FAST)
    assert not report.ok
    assert report.verdict == "no verdict: grad or loss is nondeterministic (see health below)"
    w = report.param("W")
    assert w.status == "nondeterministic" and w.diagnosis_kind == "nondeterministic"
    assert w.message.startswith("not judged: grad differs by up to")
    assert report.param("b").status == "ok"  # b's gradient is stable and right
    assert all(p.status != "mismatch" for p in report.params)
    (h,) = [h for h in report.health if h.name == "nondeterministic"]
    assert h.message.startswith("grad returned different values for the same params on two calls (W by up to")


def test_random_loss_is_nondeterministic():
    params, x = setup()
    rng = np.random.default_rng(0)

    def dropout_loss(p, x):
        xp = array_namespace(x)
        mask = xp.asarray((rng.uniform(size=tuple(x.shape)) > 0.5).astype(np.float64))
        return quad_loss(p, x * mask)

    report = gc.grad_report(dropout_loss, quad_grad, params, args=(x,), oracles=FAST)
    assert report.verdict.startswith("no verdict")
    assert {p.status for p in report.params} == {"nondeterministic"}
    assert any(h.message.startswith("loss returned ") and "for the same params" in h.message for h in report.health)
    assert "mismatch" not in str(report)


# --- kinks: reported as a kink, not failed -------------------------------------------------------------


def relu_loss(p, x):
    xp = array_namespace(p["W"])
    z = p["W"] @ x
    return xp.sum(xp.where(z > 0, z, xp.zeros_like(z)))


def relu_grad(p, x):
    z = p["W"] @ x
    return {"W": (z > 0).astype(float) @ x.T}  # relu'(0) = 0, a valid subgradient


def abs_loss(p):
    xp = array_namespace(p["w"])
    return xp.sum(xp.abs(p["w"]))


def abs_grad(p):
    return {"w": np.sign(p["w"])}  # sign(0) = 0, in [-1, 1]


def test_relu_at_zero_is_a_kink_not_a_failure():
    x = np.array([[1.0], [0.0]])
    params = {"W": np.array([[0.0, 1.0], [2.0, -1.0]])}  # z_0 = 0: ReLU exactly at its kink
    report = gc.check_grad(relu_loss, relu_grad, params, args=(x,), oracles=FAST)
    assert report.ok
    (h,) = [h for h in report.health if h.name == "kink"]
    assert not h.fails
    assert h.message.startswith("W at (0, 0): the loss is not differentiable there (a ReLU at 0, abs or max")
    assert "yours lies between the left and right slopes at 1 of 1 (a valid subgradient there)" in h.message
    assert "health: kink: W at (0, 0)" in str(report)


def test_abs_at_zero_is_a_kink_not_a_failure():
    report = gc.check_grad(abs_loss, abs_grad, {"w": np.array([0.0, 1.5, -2.0, 0.0])}, oracles=FAST)
    assert report.ok
    (h,) = [h for h in report.health if h.name == "kink"]
    assert h.message.startswith("w at (0,), (3,): the loss is not differentiable there")


def test_max_near_a_tie_is_a_kink_not_a_failure():
    def max_loss(p):
        return array_namespace(p["w"]).max(p["w"])

    def max_grad(p):
        g = np.zeros_like(p["w"])
        g[np.argmax(p["w"])] = 1.0
        return {"w": g}

    report = gc.check_grad(
        max_loss,
        max_grad,
        {"w": np.array([1.0, 1.0 + 1e-4, -2.0])},  # tie inside the stencil
        oracles="all",
    )
    assert report.ok, str(report)
    kinks = [h for h in report.health if h.name == "kink"]
    assert len(kinks) == 1 and kinks[0].message.startswith("w at (0,), (1,)")
    assert report.ran == ["fd", "torch", "jax"]


def test_smooth_loss_has_no_kink_entry():
    params, x = setup()
    report = gc.check_grad(quad_loss, quad_grad, params, args=(x,), oracles=FAST)
    assert report.ok and report.health == []


def test_a_wrong_gradient_at_a_kink_still_fails():
    x = np.array([[1.0], [0.0]])
    params = {"W": np.array([[0.0, 1.0], [2.0, -1.0]])}
    report = gc.grad_report(relu_loss, lambda p, x: {"W": 2 * relu_grad(p, x)["W"]}, params, args=(x,), oracles=FAST)
    assert not report.ok
    assert report.param("W").diagnosis_kind in ("scaled", "partial")


# --- float32: judged at a float32 tolerance ------------------------------------------------------------


def test_float32_code_is_judged_at_float32_tolerance():
    params, x = setup()
    p32 = {k: v.astype(np.float32) for k, v in params.items()}

    def grad32(p, x):
        g = quad_grad(p, x.astype(np.float32))
        return {k: v.astype(np.float32) for k, v in g.items()}

    report = gc.check_grad(quad_loss, grad32, p32, args=(x.astype(np.float32),), oracles=FAST)
    assert report.ok
    assert {p.dtype for p in report.params} == {"float32"}
    assert report.tolerances["float32"]["rtol"] == 2e-3
    assert "tolerance: float32 rtol 2e-03" in str(report)
    bad = gc.grad_report(
        quad_loss,
        lambda p, x: {**grad32(p, x), "b": grad32(p, x)["b"] * np.float32(1.01)},
        p32,
        args=(x.astype(np.float32),),
        oracles=FAST,
    )
    assert [p.name for p in bad.failing] == ["b"]
    assert bad.param("b").diagnosis_kind == "scaled"
