"""check_vjp: a layer's backward is checked as the gradient of <fn(*inputs), cotangent>."""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc

pytest.importorskip("torch")
pytest.importorskip("jax")


def dense(X, W, b):
    """Row-batch dense layer Z = X W + b."""
    return X @ W + b


def dense_vjp(G, X, W, b):
    return G @ W.T, X.T @ G, G.sum(axis=0)  # dX = G W^T, dW = X^T G, db = sum over rows of G


def softmax_rows(Z):
    xp = array_namespace(Z)
    E = xp.exp(Z - xp.max(Z, axis=1, keepdims=True))
    return E / xp.sum(E, axis=1, keepdims=True)


def softmax_vjp(G, Z):
    S = softmax_rows(Z)
    return (S * (G - (G * S).sum(axis=1, keepdims=True)),)  # s * (g - <g, s>)


def softmax_vjp_diagonal_only(G, Z):
    S = softmax_rows(Z)
    return (S * (1 - S) * G,)  # bug: only the diagonal of diag(s) - s s^T


@pytest.fixture
def dense_inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=(2,))


def test_right_dense_vjp_passes_and_names_inputs_by_signature(dense_inputs):
    report = gc.check_vjp(dense, dense_vjp, dense_inputs, oracles="all")
    assert report.ok and report.kind == "vjp"
    assert [p.name for p in report.params] == ["X", "W", "b"]
    assert report.ran == ["fd", "torch", "jax"]
    assert report.verdict.startswith("gradient check passed: hand-written vjp agrees with fd, torch and jax")


def test_wrong_dense_vjp_names_the_input(dense_inputs):
    def vjp(G, X, W, b):
        dX, dW, db = dense_vjp(G, X, W, b)
        return dX, dW, G.mean(axis=0)  # bug: 1/N on the bias gradient

    with pytest.raises(gc.GradientMismatch) as info:
        gc.check_vjp(dense, vjp, dense_inputs)
    report = info.value.report
    assert [p.name for p in report.failing] == ["b"]
    assert "yours = 1/5 x reference" in report.param("b").diagnosis


def test_none_marks_an_input_not_differentiated(dense_inputs):
    def vjp(G, X, W, b):
        _, dW, db = dense_vjp(G, X, W, b)
        return None, dW, db

    report = gc.check_vjp(dense, vjp, dense_inputs)
    assert [p.name for p in report.params] == ["W", "b"]


def test_softmax_vjp_fast_form_passes_and_diagonal_only_fails():
    Z = np.random.default_rng(2).normal(size=(4, 3))
    assert gc.check_vjp(softmax_rows, softmax_vjp, (Z,)).ok
    report = gc.check_vjp(softmax_rows, softmax_vjp_diagonal_only, (Z,), raise_on_failure=False)
    assert [p.name for p in report.failing] == ["Z"]


def test_given_cotangent_is_used_and_validated(dense_inputs):
    G = np.ones((5, 2))
    assert gc.check_vjp(dense, dense_vjp, dense_inputs, cotangent=G).ok
    with pytest.raises(
        gc.GradcheckError,
        match=r"Expected cotangent of shape \(5, 2\) \(fn's output\) but got cotangent.shape=\(2, 5\)",
    ):
        gc.check_vjp(dense, dense_vjp, dense_inputs, cotangent=G.T)


def test_random_cotangent_is_reproducible_from_the_seed(dense_inputs):
    seen = []

    def vjp(G, X, W, b):
        seen.append(G.copy())
        return dense_vjp(G, X, W, b)

    gc.check_vjp(dense, vjp, dense_inputs, seed=7, oracles=("fd",))
    gc.check_vjp(dense, vjp, dense_inputs, seed=7, oracles=("fd",))
    gc.check_vjp(dense, vjp, dense_inputs, seed=8, oracles=("fd",))
    per_check = len(seen) // 3
    first, second, third = seen[0], seen[per_check], seen[2 * per_check]
    assert np.array_equal(first, second) and not np.array_equal(first, third)


def two_outputs(x, W):
    """A cell with two outputs: h = tanh(x W), c = x W (array-API generic)."""
    xp = array_namespace(x)
    z = x @ W
    return xp.tanh(z), z


def two_outputs_vjp(cot, x, W):
    dh, dc = cot
    dz = dh * (1 - np.tanh(x @ W) ** 2) + dc  # dz = dh tanh'(z) + dc
    return dz @ W.T, x.T @ dz


@pytest.fixture
def cell_inputs():
    rng = np.random.default_rng(3)
    return rng.normal(size=(4, 3)), rng.normal(size=(3, 2))


def test_two_outputs_with_a_tuple_cotangent(cell_inputs):
    cot = (np.ones((4, 2)), np.full((4, 2), 0.5))
    report = gc.check_vjp(two_outputs, two_outputs_vjp, cell_inputs, cotangent=cot, oracles=("fd", "torch"))
    assert report.ok and [p.name for p in report.params] == ["x", "W"]

    def vjp_missing_dc(cot, x, W):
        return two_outputs_vjp((cot[0], 0 * cot[1]), x, W)  # bug: the second output's path is dropped

    bad = gc.check_vjp(two_outputs, vjp_missing_dc, cell_inputs, oracles=("fd", "torch"), raise_on_failure=False)
    assert [p.name for p in bad.failing] == ["x", "W"]


def test_dict_outputs_and_names(cell_inputs):
    def fn(a, b):
        h, c = two_outputs(a, b)
        return {"h": h, "c": c}

    def vjp(cot, a, b):
        return two_outputs_vjp((cot["h"], cot["c"]), a, b)

    report = gc.check_vjp(fn, vjp, cell_inputs, names=("X", "W"), oracles=("fd", "torch"))
    assert report.ok and [p.name for p in report.params] == ["X", "W"]
    with pytest.raises(
        gc.GradcheckError,
        match=r"Expected cotangent with one array per output of fn \(2: h, c\) "
        r"but got 1",
    ):
        gc.check_vjp(fn, vjp, cell_inputs, cotangent={"h": np.ones((4, 2))})
    with pytest.raises(gc.GradcheckError, match=r"Expected names to be 2 distinct non-empty strings"):
        gc.check_vjp(fn, vjp, cell_inputs, names=("X", "X"))


def test_list_valued_gradients_are_read_as_arrays(dense_inputs):
    def vjp(G, X, W, b):
        return [g.tolist() for g in dense_vjp(G, X, W, b)]

    report = gc.check_vjp(dense, vjp, dense_inputs, oracles=("fd",))
    assert report.ok and [p.name for p in report.params] == ["X", "W", "b"]


def test_a_vjp_writing_into_its_cotangent_is_a_warning(dense_inputs):
    def vjp(G, X, W, b):
        out = dense_vjp(G, X, W, b)
        G *= 0  # clobbers the cotangent after use
        return out

    report = gc.check_vjp(dense, vjp, dense_inputs, oracles=("fd",))
    assert report.ok and [(h.name, h.fails) for h in report.health] == [("mutated_dout", False)]
    assert report.health[0].message.startswith("vjp wrote into cotangent")
