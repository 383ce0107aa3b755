"""check_grad end to end: right code passes every oracle, planted bugs fail with the parameter named."""

import json

import numpy as np
import pytest

import gradcheck as gc

pytest.importorskip("torch")
pytest.importorskip("jax")


@pytest.mark.parametrize("model", ["sigmoid_mlp", "softmax_mlp"])
def test_right_gradient_passes_all_three_oracles(model, request):
    loss, grad, params, args = request.getfixturevalue(model)
    report = gc.check_grad(loss, grad, params, args=args, oracles="all")
    assert report.ok
    assert report.ran == ["fd", "torch", "jax"]
    assert report.verdict.startswith("gradient check passed: hand-written grad agrees with fd, torch and jax")
    for p in report.params:
        assert set(p.comparisons) == {"fd", "torch", "jax"}
        assert p.comparisons["torch"].max_rel < 1e-12
        assert p.comparisons["jax"].max_rel < 1e-12
        assert p.comparisons["fd"].max_rel < 1e-8


@pytest.mark.parametrize(
    "name, bug, words",
    [
        ("W2", lambda g: g * 2, "yours = 2 x reference"),
        ("W1", lambda g: -g, "sign flipped"),
        ("b1", lambda g: g * 0.5, "yours = 0.5 x reference"),
    ],
)
def test_planted_factor_bugs_fail_naming_the_parameter(sigmoid_mlp, plant, name, bug, words):
    loss, grad, params, args = sigmoid_mlp
    with pytest.raises(gc.GradientMismatch) as info:
        gc.check_grad(loss, plant(grad, name, bug), params, args=args)
    report = info.value.report
    assert [p.name for p in report.failing] == [name]
    assert report.verdict == (
        f"gradient mismatch in {name}: hand-written grad disagrees with fd, torch and jax (they agree with each other)"
    )
    assert words in report.param(name).diagnosis
    text = str(info.value)
    assert text.splitlines()[0] == report.verdict
    assert f"{name}  shape {params[name].shape} float64  wrong entries" in text


def test_transposed_gradient_is_named_and_diagnosed():
    rng = np.random.default_rng(3)
    params = {"W": rng.normal(size=(3, 3))}
    x = rng.normal(size=(3, 1))

    def loss(p, x):
        return 0.5 * ((p["W"] @ x) ** 2).sum()

    def grad_transposed(p, x):
        z = p["W"] @ x
        return {"W": (z @ x.T).T}  # bug: (delta x^T)^T

    report = gc.check_grad(loss, grad_transposed, params, args=(x,), raise_on_failure=False)
    assert not report.ok
    assert report.param("W").status == "mismatch"
    assert report.param("W").diagnosis.startswith("W is transposed (yours = reference^T)")


def test_wrong_entry_is_located(sigmoid_mlp, plant):
    loss, grad, params, args = sigmoid_mlp

    def one_entry(g):
        g = g.copy()
        g[2, 1] += 0.05
        return g

    report = gc.check_grad(loss, plant(grad, "W1", one_entry), params, args=args, raise_on_failure=False)
    w1 = report.param("W1")
    assert w1.comparisons["torch"].worst_index == (2, 1)
    assert w1.comparisons["torch"].n_bad == 1
    assert w1.rows()[0]["index"] == [2, 1]
    assert "(2, 1)" in str(report)


def test_right_float32_code_passes(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    a32 = tuple(a.astype(np.float32) for a in args)
    report = gc.check_grad(loss, grad, p32, args=a32)
    assert report.ok
    assert {p.dtype for p in report.params} == {"float32"}
    assert report.tolerances == {"float32": {"rtol": 2e-3, "atol": 1e-5, "atol_relative_to_max_reference": True}}
    assert max(p.comparisons["torch"].max_rel for p in report.params) > 1e-9  # really computed in float32


def test_wrong_float32_code_still_fails(sigmoid_mlp, plant):
    loss, grad, params, args = sigmoid_mlp
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    a32 = tuple(a.astype(np.float32) for a in args)
    report = gc.check_grad(loss, plant(grad, "W2", lambda g: g * 1.01), p32, args=a32, raise_on_failure=False)
    assert [p.name for p in report.failing] == ["W2"]


def numpy_only_loss(p, x, y):
    a1 = 1 / (1 + np.exp(-(p["W1"] @ x + p["b1"])))
    y_hat = 1 / (1 + np.exp(-(p["W2"] @ a1 + p["b2"])))
    return 0.5 * np.sum((y_hat - y) ** 2)


def test_numpy_only_loss_is_followed_by_torch_and_said_so(sigmoid_mlp):
    _, grad, params, args = sigmoid_mlp
    report = gc.check_grad(numpy_only_loss, grad, params, args=args)
    assert report.ok and report.ran == ["fd", "torch"]
    torch_run = next(o for o in report.oracles if o.name == "torch")
    assert torch_run.ran_as == "numpy code followed" and "followed through torch._numpy" in torch_run.method
    assert "torch (entries, numpy code followed, " in str(report)
    assert report.verdict.startswith("gradient check passed: hand-written grad agrees with fd and torch")


def test_numpy_only_loss_still_catches_a_bug(sigmoid_mlp, plant):
    _, grad, params, args = sigmoid_mlp
    report = gc.check_grad(
        numpy_only_loss, plant(grad, "W1", lambda g: g.T.reshape(g.shape)), params, args=args, raise_on_failure=False
    )
    assert [p.name for p in report.failing] == ["W1"]
    assert report.param("W1").trusted == ("fd", "torch", "jax")


def float_loss(p, x, y):
    return float(numpy_only_loss(p, x, y))  # a Python float: no framework can follow past it


def test_a_loss_that_cannot_be_followed_is_checked_by_fd_with_the_line_named(sigmoid_mlp):
    _, grad, params, args = sigmoid_mlp
    report = gc.check_grad(float_loss, grad, params, args=args)
    assert report.ok and report.ran == ["fd"]
    skipped = {o.name: o.reason for o in report.oracles if o.status == "skipped"}
    for name in ("torch", "jax"):
        assert skipped[name] == (
            f"float_loss (test_check_grad.py:130) converted an array computed from its inputs to a Python float "
            f"(float): {name} cannot follow it past that line"
        )
    assert report.verdict.endswith("torch and jax skipped)")


def test_an_oracle_named_explicitly_that_cannot_run_is_an_error(sigmoid_mlp):
    _, grad, params, args = sigmoid_mlp
    with pytest.raises(gc.OracleUnavailable, match=r"oracle 'torch' was asked for but cannot run: float_loss \("):
        gc.check_grad(float_loss, grad, params, args=args, oracles=["fd", "torch"])


def test_oracles_can_be_chosen(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    report = gc.check_grad(loss, grad, params, args=args, oracles=("jax",))
    assert report.ran == ["jax"] and [o.name for o in report.oracles] == ["jax"]


def test_report_to_dict_is_json_serialisable(softmax_mlp, plant):
    loss, grad, params, args = softmax_mlp
    report = gc.check_grad(loss, plant(grad, "b2", lambda g: g + 1.0), params, args=args, raise_on_failure=False)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    b2 = next(p for p in data["params"] if p["name"] == "b2")
    assert b2["status"] == "mismatch"
    assert set(b2["comparisons"]) == {"fd", "torch", "jax"}
    assert {"max_abs", "max_rel", "worst_index"} <= set(b2["comparisons"]["torch"])
    fd = next(o for o in data["oracles"] if o["name"] == "fd")
    assert fd["status"] == "ran" and fd["evaluations"] > 0 and fd["seconds"] > 0
    assert data["seed"] == 0 and "total_s" in data["timings"]


def test_fd_error_estimates_are_reported_and_honest(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    report = gc.check_grad(loss, grad, params, args=args, fd=gc.FiniteDifferences(mode="entries"))
    for p in report.params:
        err = p.fd_error
        assert err is not None and err.shape == params[p.name].shape
        actual = np.abs(p.refs["fd"] - p.refs["torch"])
        assert np.all(actual <= err + 1e-15)  # the estimate bounds the real FD error


def test_caller_params_and_args_are_never_modified(sigmoid_mlp):
    loss, grad, params, args = sigmoid_mlp
    before = {k: v.copy() for k, v in params.items()}
    args_before = tuple(a.copy() for a in args)

    def rude_grad(p, x, y):
        g = grad(p, x, y)
        p["W1"] += 1.0  # writes into its input
        x[0, 0] = 99.0
        return g

    report = gc.check_grad(loss, rude_grad, params, args=args, raise_on_failure=False)
    assert all(np.array_equal(params[k], before[k]) for k in params)
    assert all(np.array_equal(a, b) for a, b in zip(args, args_before))
    assert not report.ok
    assert any(h.name == "mutated_input" and "W1" in h.message for h in report.health)


def test_nested_params_are_named_like_the_users_code():
    rng = np.random.default_rng(0)
    params = {"layers": [{"W": rng.normal(size=(2, 2))}, {"W": rng.normal(size=(1, 2))}]}
    x = rng.normal(size=(2, 1))

    def loss(p, x):
        h = p["layers"][0]["W"] @ x
        return (p["layers"][1]["W"] @ h).sum()

    def grad(p, x):
        h = p["layers"][0]["W"] @ x
        return {"layers": [{"W": p["layers"][1]["W"].T @ x.T}, {"W": h.T * 3}]}

    report = gc.check_grad(loss, grad, params, args=(x,), raise_on_failure=False)
    assert [p.name for p in report.failing] == ["layers[1].W"]
    assert "yours = 3 x reference" in report.param("layers[1].W").diagnosis


def test_bare_array_params():
    x0 = np.array([0.3, -1.2, 2.0])

    def loss(x):
        return (x**3).sum()

    report = gc.check_grad(loss, lambda x: 3 * x**2, x0)
    assert report.ok and report.params[0].name == "params"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_gradient_that_is_exactly_zero_passes_at_round_off(dtype):
    """Softmax over equal logits with one-hot rows covering every class: dL/dZ sums to exactly zero.

    The references are then round-off (1e-17 .. 1e-13) and cannot set the unit of atol; the floor
    16 eps |loss| in the gradient's dtype does (found by the property tests).
    """
    from gradcheck.nets import MLPSpec, make_loss_and_grad

    spec = MLPSpec(
        widths=(2, 1, 3),
        activations=("sigmoid", "softmax"),
        loss="cross_entropy",
        convention="column",
        bias="vector",
        reduction="sum",
    )
    params = {"W1": np.zeros((1, 2)), "b1": np.array([[1.41421356]]), "W2": np.zeros((3, 1)), "b2": np.zeros((3, 1))}
    x, y = np.zeros((2, 3)), np.eye(3)
    params = {k: v.astype(dtype) for k, v in params.items()}
    report = gc.check_grad(*make_loss_and_grad(spec), params, args=(x.astype(dtype), y.astype(dtype)))
    assert report.ok, str(report)


def test_a_wrong_gradient_is_still_caught_where_the_truth_is_zero():
    def loss(p):
        return ((p["w"] - 1.0) ** 2).sum()

    report = gc.check_grad(loss, lambda p: {"w": 2 * (p["w"] - 1.0) + 1e-6}, {"w": np.ones(3)}, raise_on_failure=False)
    assert [p.name for p in report.failing] == ["w"]


def normalised_loss(p, x, y):
    weight = np.sqrt(np.shape(y)[1])  # a numpy function of a shape: an np.float64, fed back into the followed code
    return numpy_only_loss(p, x, y) / weight


def normalised_grad(p, x, y, grad):
    weight = np.sqrt(np.shape(y)[1])
    return {k: g / weight for k, g in grad(p, x, y).items()}


def test_a_numpy_float64_scalar_in_the_loss_is_followed(sigmoid_mlp):
    _, grad, params, args = sigmoid_mlp
    report = gc.check_grad(
        normalised_loss, lambda p, x, y: normalised_grad(p, x, y, grad), params, args=args, oracles="all"
    )
    assert report.ok and report.ran == ["fd", "torch", "jax"]
    assert [o.ran_as for o in report.oracles if o.name != "fd"] == ["numpy code followed"] * 2
    assert report.verdict.startswith("gradient check passed: hand-written grad agrees with fd, torch and jax")
