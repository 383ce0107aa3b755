"""bfloat16 (ml_dtypes, as jax uses it) and float16 judged fairly through check_grad and check_vjp: a right
gradient passes, a 10% error in its largest entry is a mismatch of that parameter (never a refusal), and a planted
error that passes lies below the detection bound the report states."""

import numpy as np
import pytest

import gradcheck as gc

from ..robustness.soundness_cases import draw_case

ml_dtypes = pytest.importorskip("ml_dtypes")
pytest.importorskip("torch")

WORDS = {
    "bfloat16": (
        "  bfloat16: a right bfloat16 gradient (8 significant bits) is off by its rounding, 0.0039 of each entry plus "
        "a share of the largest entry from its sums, so entries are judged to 0.02 of themselves plus 0.02 of the "
        "largest entry, and your grad's own round-off (measured by running it on float64 params) is excused where "
        "that float64 run agrees; an error below the detection bound is not caught"
    ),
}


def case(dtype):
    return draw_case(np.random.default_rng(3), act="tanh", head="squared", d=3, h=4, c=2, n=5, dtype=dtype)


def planted(c, name, pick):
    right = c.net.grad(c.params, *c.args)[name].astype(np.float64)
    k = np.unravel_index(pick(np.abs(right)), right.shape)

    def wrong(p, x, y):
        out = c.net.grad(p, x, y)
        out[name] = out[name].copy()
        out[name][k] = out[name][k] * 1.1
        return out

    return wrong, k


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("oracles", [("fd",), ("fd", "torch")])
def test_a_right_low_precision_gradient_passes(dtype, oracles):
    c = case(dtype)
    report = gc.check_grad(c.net.loss, c.net.grad, c.params, args=c.args, oracles=oracles)
    assert report.ok and all(p.dtype == dtype for p in report.params)
    assert f"tolerance: {dtype} rtol" in str(report)


def test_the_report_says_what_bfloat16_rounding_earns():
    c = case("bfloat16")
    report = gc.check_grad(c.net.loss, c.net.grad, c.params, args=c.args, oracles=("fd",))
    assert str(report).splitlines()[-1] == WORDS["bfloat16"]
    assert report.tolerances["bfloat16"]["why"] == WORDS["bfloat16"][len("  bfloat16: ") :]


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
@pytest.mark.parametrize("oracles", [("fd",), ("fd", "torch")])
def test_a_ten_percent_error_in_the_largest_entry_is_a_mismatch_of_that_parameter(dtype, oracles):
    c = case(dtype)
    wrong, k = planted(c, "W1", np.argmax)
    report = gc.grad_report(c.net.loss, wrong, c.params, args=c.args, oracles=oracles)
    w1 = report.param("W1")
    assert not report.ok and w1.status == "mismatch" and k == (1, 2)
    assert [p.name for p in report.params if p.status != "ok"] == ["W1"]
    assert report.verdict.startswith("gradient mismatch in W1: hand-written grad disagrees with fd")
    assert w1.diagnosis.startswith("only 1 of 12 entries wrong, at (1, 2); the rest agree (there yours = 1.")


def test_the_bfloat16_mismatch_sentences_exactly():
    c = case("bfloat16")
    wrong, _ = planted(c, "W1", np.argmax)
    report = gc.grad_report(c.net.loss, wrong, c.params, args=c.args, oracles=("fd",))
    assert report.verdict == "gradient mismatch in W1: hand-written grad disagrees with fd (the only oracle that ran)"
    assert report.param("W1").diagnosis == (
        "only 1 of 12 entries wrong, at (1, 2); the rest agree (there yours = 1.10141 x reference)"
    )


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_a_planted_error_that_passes_is_below_the_stated_bound(dtype):
    c = case(dtype)
    wrong, k = planted(c, "W1", np.argmin)
    report = gc.grad_report(c.net.loss, wrong, c.params, args=c.args, oracles=("fd",))
    error = abs(float(wrong(c.params, *c.args)["W1"][k]) - float(c.net.grad(c.params, *c.args)["W1"][k]))
    assert not report.ok or error <= report.param("W1").bound


def bf16_layer():
    bf = ml_dtypes.bfloat16
    rng = np.random.default_rng(0)
    W, x = rng.normal(size=(3, 4)).astype(bf), rng.normal(size=(4, 5)).astype(bf)

    def fn(W, x):
        return np.tanh((W @ x).astype(W.dtype))

    def vjp(d, W, x, plant=False):
        dt = W.dtype
        z = np.tanh((W @ x).astype(dt))
        dz = (np.asarray(d).astype(dt) * (1 - z * z)).astype(dt)
        dW = (dz @ x.T).astype(dt)
        if plant:
            dW[0, 3] *= 1.1  # its largest entry
        return dW, (W.T @ dz).astype(dt)

    return fn, vjp, (W, x)


def test_check_vjp_judges_a_bfloat16_backward():
    fn, vjp, inputs = bf16_layer()
    assert gc.check_vjp(fn, vjp, inputs).ok
    report = gc.check_vjp(fn, lambda d, W, x: vjp(d, W, x, True), inputs, raise_on_failure=False)
    assert (
        report.verdict
        == "gradient mismatch in W: hand-written vjp disagrees with fd, torch and jax (they agree with each other)"
    )
    assert report.param("W").diagnosis == (
        "only 1 of 12 entries wrong, at (0, 3); the rest agree (there yours = 1.10364 x reference)"
    )
    assert report.param("x").ok


def test_jax_bfloat16_arrays_are_checked():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    rng = np.random.default_rng(0)
    X = jnp.asarray(rng.normal(size=(32, 8)), jnp.bfloat16)
    p = {"W": jnp.asarray(rng.normal(size=(8, 3)) * 0.5, jnp.bfloat16)}

    def loss(p, X):
        return 0.5 * jnp.mean(jnp.tanh(X.astype(p["W"].dtype) @ p["W"]) ** 2)

    def grad(p, X, plant=False):
        X = X.astype(p["W"].dtype)
        h = jnp.tanh(X @ p["W"])
        g = X.T @ (h * (1 - h * h) / h.size)
        k = jnp.unravel_index(jnp.argmax(jnp.abs(g)), g.shape)
        return {"W": g.at[k].multiply(1.1) if plant else g}

    with pytest.warns(UserWarning, match="float64"):  # jax without x64 runs your grad at float32, not float64
        assert gc.check_grad(loss, grad, p, args=(X,), oracles=("fd", "jax")).ok
        report = gc.grad_report(loss, lambda p, X: grad(p, X, True), p, args=(X,), oracles=("fd", "jax"))
    assert report.param("W").status == "mismatch" and report.params[0].dtype == "bfloat16"
