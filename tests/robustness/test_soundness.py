"""Never silently wrong: the six classes of wrong verdict found on real code, as regression tests.

1 a smooth entry taken for a kink (a planted error passed); 2 a valid subgradient failed at a real kink when AD
oracles ran (and a value outside the one-sided slopes passed with fd alone); 3 round-off nondeterminism withheld
the verdict; 4 state kept between calls diagnosed as a scale error; 5 the Taylor test overruled finite
differences on right float32 code; 6 a stale cached JAX gradient (owned by the jax oracle's cache, see below).
"""

from __future__ import annotations

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc
from gradcheck import FiniteDifferences

from .soundness_cases import relu_grad, relu_net

FD = ("fd",)


# --- 1. a smooth entry is never taken for a kink -----------------------------------------------------------

A_CANCEL = 0.67  # near tanh'''(a) = 0: the h^2 and h^4 terms of the central difference nearly cancel


def tanh_layer():
    """sum tanh(W x + b) with unit 0 at z = A_CANCEL and a large x[0], W[0, 0]: wide steps, strong curvature."""
    rng = np.random.default_rng(0)
    W = 1.5 * rng.normal(size=(3, 4))
    W[0, 0] = 8.0
    x = rng.normal(size=4)
    x[0] = 8.0
    b = rng.normal(size=3)
    b[0] = A_CANCEL - W[0] @ x
    return {"W": W, "b": b}, x


def tanh_loss(p, x):
    return np.sum(np.tanh(p["W"] @ x + p["b"]))


def tanh_grad(rel=0.0, at=(0, 0)):
    def grad(p, x):
        d = 1 - np.tanh(p["W"] @ x + p["b"]) ** 2
        gW = np.outer(d, x)
        gW[at] *= 1 + rel
        return {"W": gW, "b": d}

    return grad


def test_cancelling_fd_terms_are_not_a_kink_and_a_planted_error_fails():
    params, x = tanh_layer()
    report = gc.grad_report(tanh_loss, tanh_grad(0.06), params, args=(x,), oracles=FD)
    w = report.param("W")
    assert not report.ok and w.status == "mismatch"
    assert w.wrong_entries()[0, 0] and int(w.wrong_entries().sum()) == 1
    assert not any(h.name == "kink" for h in report.health), str(report)
    assert "W at (0, 0)" not in str(report).split("health:")[-1]


def test_right_gradient_at_cancelling_fd_terms_passes_without_a_kink():
    params, x = tanh_layer()
    report = gc.check_grad(tanh_loss, tanh_grad(), params, args=(x,), oracles=FD)
    assert report.ok and not any(h.name == "kink" for h in report.health)
    assert all(c.kinks == 0 for p in report.params for c in p.comparisons.values())


def dense(x, W, b):
    return np.tanh(x @ W + b)


def test_every_entry_of_a_dense_tanh_layer_wrong_is_reported_in_full():
    rng = np.random.default_rng(7)
    x, W, b = rng.normal(size=(4, 12)), 1.5 * rng.normal(size=(12, 10)), rng.normal(size=10)

    def vjp(ct, x, W, b):
        d = ct * (1 - dense(x, W, b) ** 2)
        return d @ W.T, 1.13 * (x.T @ d), d.sum(0)

    report = gc.check_vjp(dense, vjp, (x, W, b), raise_on_failure=False)
    w = report.param("W")
    assert w.status == "mismatch" and int(w.wrong_entries().sum()) == W.size
    assert w.diagnosis_kind == "scaled" and "1.13" in w.diagnosis


# --- 2. kinks: judged by the interval of one-sided slopes, whatever AD chose -------------------------------


def relu_problem(hidden, inputs):
    """A ReLU net whose unit 1 sits exactly at its kink (z = 0); x > 0 so the kink entries are W1[1, :], b1[1]."""
    rng = np.random.default_rng(4)
    p = {
        "W1": rng.normal(size=(hidden, inputs)),
        "b1": rng.normal(size=(hidden, 1)),
        "W2": rng.normal(size=(1, hidden)),
    }
    x, y = np.abs(rng.normal(size=(inputs, 1))) + 0.5, rng.normal(size=(1, 1))
    p["b1"][1, 0] = -(p["W1"] @ x)[1, 0]
    p["W2"][0, 1] = abs(p["W2"][0, 1]) + 0.5
    if (p["W2"] @ np.maximum(p["W1"] @ x + p["b1"], 0) - y)[0, 0] > -0.5:
        y = y + 3.0  # a clear, nonzero upstream gradient at the kink unit
    return p, (x, y)


KINK_CASES = [(3, 2, None), (8, 4, None), (3, 2, FD), (8, 4, FD)]  # 12 and 48 entries (per entry / probes)


@pytest.mark.parametrize("hidden, inputs, oracles", KINK_CASES)
@pytest.mark.parametrize("at_zero", [0.0, 1.0, 0.25])  # torch and jax split a tie of maximum: 0.5
def test_a_valid_subgradient_at_a_kink_passes_with_and_without_ad(hidden, inputs, oracles, at_zero):
    p, args = relu_problem(hidden, inputs)
    report = gc.grad_report(relu_net, relu_grad(at_zero), p, args=args, oracles=oracles)
    assert report.ok, str(report)
    (h,) = [h for h in report.health if h.name == "kink" and h.message.startswith("W1")]
    assert h.message.startswith(f"W1 at (1, 0), (1, 1){', (1, 2), (1, 3)' if inputs == 4 else ''}:")
    which = {0.0: "the left slope", 1.0: "the right slope", 0.25: "between the left and right slopes (25%"}[at_zero]
    assert which in h.message, h.message


@pytest.mark.parametrize("hidden, inputs, oracles", KINK_CASES)
def test_a_value_outside_the_one_sided_slopes_fails_with_and_without_ad(hidden, inputs, oracles):
    p, args = relu_problem(hidden, inputs)
    report = gc.grad_report(relu_net, relu_grad(3.0), p, args=args, oracles=oracles)
    assert not report.ok
    w1 = report.param("W1")
    assert w1.status == "mismatch" and w1.wrong_entries()[1].all() and not w1.wrong_entries()[[0, 2]].any()
    assert "outside" in str(report)


def test_probe_mode_with_fd_alone_judges_the_kink_by_its_interval():
    p, args = relu_problem(8, 4)
    fd = FiniteDifferences(mode="probes")
    assert gc.grad_report(relu_net, relu_grad(1.0), p, args=args, oracles=FD, fd=fd).ok
    bad = gc.grad_report(relu_net, relu_grad(3.0), p, args=args, oracles=FD, fd=fd)
    assert not bad.ok and not bad.param("W1").ok


def dead_relu_loss(p, x):
    xp = array_namespace(p["W"])
    return xp.sum(xp.maximum(p["W"] @ x, 0.0 * (p["W"] @ x)))


def test_a_loss_of_exactly_zero_prints_sensible_numbers():
    x = np.array([[1.0], [2.0]])
    p = {"W": np.array([[1.0, -0.5], [-1.0, -1.0]])}  # z = [0, -3]: loss 0, unit 0 at its kink

    def grad(p, x):
        return {"W": ((p["W"] @ x) >= 0).astype(float) @ x.T}  # relu'(0) = 1

    report = gc.check_grad(dead_relu_loss, grad, p, args=(x,), oracles=FD)
    text = str(report)
    assert report.ok, text
    wrong = gc.grad_report(dead_relu_loss, lambda p, x: {"W": 3 * grad(p, x)["W"]}, p, args=(x,), oracles=FD)
    assert not wrong.ok
    for r in (report, wrong):
        for q in r.params:
            assert q.bound is None or q.bound >= 1e-12, str(r)
            assert all(c.max_rel < 1e3 for c in q.comparisons.values()), str(r)


# --- 3. nondeterminism in proportion to round-off ------------------------------------------------------------


def shuffled(seed, relative_noise=0.0):
    """A loss and grad that sum the batch in a new order on every call (as threaded BLAS and GPUs do)."""
    rng = np.random.default_rng(seed)

    def loss(p, X, Y):
        order = rng.permutation(len(X))
        r = np.tanh(X[order] @ p["W"]) - Y[order]
        return 0.5 * sum(float(v) for v in (r * r).sum(1))

    def grad(p, X, Y):
        order = rng.permutation(len(X))
        Xs, Ys = X[order], Y[order]
        t = np.tanh(Xs @ p["W"])
        parts = [np.outer(Xs[i], (t[i] - Ys[i]) * (1 - t[i] ** 2)) for i in range(len(Xs))]
        g = sum(parts[1:], parts[0].copy())
        return {"W": g * (1 + relative_noise * rng.standard_normal(g.shape))}

    return loss, grad


def shuffled_problem():
    rng = np.random.default_rng(3)
    return {"W": rng.normal(size=(5, 3))}, (10 * rng.normal(size=(64, 5)), rng.normal(size=(64, 3)))


def test_round_off_nondeterminism_is_a_note_and_the_verdict_is_given():
    params, args = shuffled_problem()
    loss, grad = shuffled(0)
    report = gc.check_grad(loss, grad, params, args=args, oracles=FD)
    assert report.ok and report.verdict.startswith("gradient check passed")
    notes = [h for h in report.health if h.name == "nondeterministic"]
    assert {h.message.split()[0] for h in notes} == {"loss", "grad"}
    assert all(not h.fails and "round-off level" in h.message and "verdict is given" in h.message for h in notes)


def test_round_off_nondeterminism_does_not_hide_a_wrong_gradient():
    params, args = shuffled_problem()
    loss, grad = shuffled(0)
    report = gc.grad_report(loss, lambda p, X, Y: {"W": 1.01 * grad(p, X, Y)["W"]}, params, args=args, oracles=FD)
    assert not report.ok and report.param("W").status == "mismatch"


def test_nondeterminism_above_round_off_withholds_the_verdict_and_says_how_large():
    params, args = shuffled_problem()
    loss, grad = shuffled(0, relative_noise=1e-6)
    report = gc.grad_report(loss, grad, params, args=args, oracles=FD)
    assert report.verdict.startswith("no verdict") and report.param("W").status == "nondeterministic"
    (h,) = [h for h in report.health if h.name == "nondeterministic" and h.message.startswith("grad")]
    assert h.fails and "times the round-off level" in h.message


def test_a_one_ulp_difference_in_the_loss_is_round_off():
    params, args = shuffled_problem()
    calls = []

    def loss(p, X, Y):
        calls.append(1)
        r = np.tanh(X @ p["W"]) - Y
        v = 0.5 * float(np.sum(r * r))
        return np.nextafter(v, np.inf) if len(calls) == 2 else v  # the second call is 1 ulp up

    _, grad = shuffled(0)
    report = gc.check_grad(loss, grad, params, args=args, oracles=FD)
    assert report.ok and any(h.name == "nondeterministic" and not h.fails for h in report.health)


# --- 4. state kept between calls ------------------------------------------------------------------------------


class AccumulatingLayer:
    """A layer whose backward accumulates into its gradient buffer with += and returns the buffer itself."""

    def __init__(self, shape):
        self.dW = np.zeros(shape)

    def loss(self, p, x):
        return 0.5 * float(np.sum((p["W"] @ x) ** 2))

    def grad(self, p, x):
        self.dW += (p["W"] @ x) @ x.T  # never zeroed: the second call returns twice the gradient
        return {"W": self.dW}


def test_a_gradient_buffer_accumulated_with_plus_equals_is_reported_as_state():
    rng = np.random.default_rng(0)
    p, x = {"W": rng.normal(size=(3, 4))}, rng.normal(size=(4, 6))
    layer = AccumulatingLayer((3, 4))
    report = gc.grad_report(layer.loss, layer.grad, p, args=(x,), oracles=FD)
    text = str(report)
    assert not report.ok
    (h,) = [h for h in report.health if h.name == "stateful"]
    assert h.fails and "+=" in h.message and "same array" in h.message
    assert report.param("W").diagnosis_kind not in ("scaled", "transposed")
    assert "1/2" not in text and "2 x reference" not in text and "nondeterministic" not in text


def test_a_returned_array_changed_later_cannot_change_the_recorded_result():
    rng = np.random.default_rng(0)
    p, x = {"W": rng.normal(size=(3, 4))}, rng.normal(size=(4, 6))
    kept = {}

    def grad(p, x):
        g = (p["W"] @ x) @ x.T
        if "g" in kept:
            kept["g"] *= 10.0  # writes into the array returned by the first call
        kept["g"] = g
        return {"W": g}

    report = gc.grad_report(AccumulatingLayer((3, 4)).loss, grad, p, args=(x,), oracles=FD)
    assert report.param("W").status == "ok"
    (h,) = [h for h in report.health if h.name == "stateful"]
    assert "changed after" in h.message


# --- 5. the Taylor test decides only what finite differences cannot --------------------------------------------


def f32_loss(p, x, y):
    z = (p["W"] @ x).astype(np.float32)
    return np.float32(0.5) * np.sum((np.tanh(z) - y) ** 2, dtype=np.float32)


def f32_grad(p, x, y):
    t = np.tanh((p["W"] @ x).astype(np.float32))
    return {"W": (((t - y) * (1 - t * t)) @ x.T).astype(np.float32)}


def f32_problem(seed):
    rng = np.random.default_rng(seed)
    o, i, n = rng.integers(1, 5), rng.integers(1, 5), rng.integers(1, 6)
    p = {"W": rng.normal(size=(o, i)).astype(np.float32)}
    return p, (rng.normal(size=(i, n)).astype(np.float32), rng.normal(size=(o, n)).astype(np.float32))


@pytest.mark.parametrize("seed", [50, 161, 392, 461, 583])  # draws where the fitted order came out near 1
def test_right_float32_code_is_not_failed_by_the_taylor_test(seed):
    p, args = f32_problem(seed)
    report = gc.grad_report(f32_loss, f32_grad, p, args=args, oracles=FD)
    assert report.ok, str(report)
    assert "sign flipped" not in str(report)


def test_wrong_float32_code_still_fails():
    p, args = f32_problem(392)
    report = gc.grad_report(f32_loss, lambda p, x, y: {"W": -f32_grad(p, x, y)["W"]}, p, args=args, oracles=FD)
    assert not report.ok and report.param("W").diagnosis_kind == "scaled"


def test_taylor_order_comes_with_an_uncertainty():
    from gradcheck._engine.oracles.taylor import taylor_test

    phi = lambda t: np.exp(0.3 + t)  # noqa: E731
    right = taylor_test(phi, phi(0.0), np.exp(0.3), 1.0)
    assert right.uncertainty is not None and 0 <= right.uncertainty < 0.2
    assert abs(right.order - 2) <= 2 * right.uncertainty + 0.1


# --- 6. a stale cached JAX gradient ------------------------------------------------------------------------------


def test_a_rebound_module_constant_does_not_reuse_a_stale_jax_gradient(tmp_path, monkeypatch):
    pytest.importorskip("jax")
    import importlib
    import sys

    (tmp_path / "helper_scale.py").write_text("SCALE = 1.0\n\ndef scaled(xp, w):\n    return SCALE * xp.sum(w ** 2)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    helper = importlib.import_module("helper_scale")

    def loss(p):
        return helper.scaled(array_namespace(p["w"]), p["w"])

    w = {"w": np.array([1.0, -2.0, 0.5])}
    assert gc.check_grad(loss, lambda p: {"w": 2 * helper.SCALE * p["w"]}, w, oracles=("jax",)).ok
    monkeypatch.setattr(helper, "SCALE", 3.0)
    report = gc.grad_report(loss, lambda p: {"w": 2 * helper.SCALE * p["w"]}, w, oracles=("jax",))
    assert report.ok, str(report)
    everything = gc.grad_report(loss, lambda p: {"w": 2 * helper.SCALE * p["w"]}, w, oracles="all")
    assert everything.ok and not any("jax" in p.set_aside for p in everything.params)
    sys.modules.pop("helper_scale", None)
