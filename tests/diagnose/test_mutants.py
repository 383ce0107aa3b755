"""Planted backprop bugs: classic mistakes injected into gradcheck.nets are flagged and diagnosed by kind.

Each mutant patches one line's worth of the built-in MLP backward (a layer VJP, an activation VJP, a loss
gradient) or the gradient it returns, then asserts that check_grad fails on the parameter the bug reaches,
with the stable `diagnosis_kind` of its category and the key words of its sentence. Valid alternative
formulations of the same nets must all pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import array_api_compat
import numpy as np
import pytest

import gradcheck as gc
from gradcheck import nets
from gradcheck.nets import activations, layers, mlp

pytest.importorskip("torch")

FAST = ("fd", "torch")  # jax adds little to a diagnosis and costs a trace per shape; some tests use all three


@pytest.fixture(params=["array API", "plain numpy"], autouse=True)
def written_as(request, monkeypatch):
    """Every mutant twice: the nets' losses as written (the array API, run by torch natively) and as plain numpy
    code (every namespace lookup answers numpy), which torch and jax must follow without changing a verdict."""
    if request.param == "plain numpy":
        monkeypatch.setattr(array_api_compat, "array_namespace", lambda *arrays, **kw: np)
        monkeypatch.setattr(array_api_compat, "device", lambda x: "cpu")
    return request.param


def data(spec: nets.MLPSpec, n: int, seed: int = 0):
    """params, x, y for spec with a batch of n (targets suit the loss)."""
    rng = np.random.default_rng(seed)
    params = nets.init_params(spec, rng)
    params = {k: v * 1.5 for k, v in params.items()}  # livelier activations, no zero deltas
    n_in, n_out = spec.widths[0], spec.widths[-1]
    x = rng.normal(size=(n_in, n) if spec.convention == "column" else (n, n_in))
    if spec.loss == "squared_error":
        y = rng.uniform(0.1, 0.9, size=(n_out, n) if spec.convention == "column" else (n, n_out))
    else:
        labels = rng.integers(0, n_out, size=n)
        y = np.eye(n_out)[labels]
        y = y.T if spec.convention == "column" else y
    return params, x, y


SIG = nets.MLPSpec(widths=(3, 4, 2), activations=("sigmoid", "sigmoid"))
SIG_MEAN = nets.MLPSpec(widths=(3, 4, 2), activations=("sigmoid", "sigmoid"), reduction="mean")
SQUARE = nets.MLPSpec(widths=(3, 3, 3, 2), activations=("tanh", "sigmoid", "sigmoid"))
ROW = nets.MLPSpec(widths=(3, 4, 2), activations=("tanh", "sigmoid"), convention="row")
ROW_MEAN = nets.MLPSpec(widths=(3, 4, 2), activations=("tanh", "sigmoid"), convention="row", reduction="mean")
ROW_ONES = nets.MLPSpec(widths=(3, 4, 2), activations=("tanh", "sigmoid"), convention="row", bias="ones_column")
COL_ONES = nets.MLPSpec(widths=(3, 4, 2), activations=("tanh", "sigmoid"), bias="ones_column")
SOFTMAX = nets.MLPSpec(widths=(3, 4, 3), activations=("sigmoid", "softmax"), loss="cross_entropy")
FUSED = nets.MLPSpec(
    widths=(3, 4, 3), activations=("tanh", "identity"), loss="softmax_cross_entropy", convention="row", reduction="mean"
)
TANH = nets.MLPSpec(widths=(3, 4, 2), activations=("tanh", "tanh"))


@dataclass(frozen=True)
class Mutant:
    """A planted bug: where it is injected, the spec and batch it runs on, what the report must say."""

    name: str
    spec: nets.MLPSpec
    n: int  # batch size (1: a single example, where a wrong per-unit factor shows as rescaled rows)
    plant: Callable  # plant(monkeypatch, x) injects the bug into gradcheck.nets
    param: str  # a parameter the bug reaches
    kind: str  # its expected diagnosis_kind
    words: str  # a phrase its diagnosis (or structural message + diagnosis) must contain


# --- injection helpers: each replaces one function of the nets by a one-line variant -------------------


def _vjp(name, fn):
    return lambda mp, x: mp.setattr(layers, name, fn)


def _loss_grad(loss, fn):
    def plant(mp, x):
        mp.setitem(mlp._LOSS_FNS, loss, (mlp._LOSS_FNS[loss][0], fn))

    return plant


def _act_vjp(fn):
    orig = mlp._activation_vjp

    def plant(mp, x):
        mp.setattr(mlp, "_activation_vjp", lambda name, z, a, g, spec: fn(orig, name, z, a, g, spec))

    return plant


def _returned(fn):
    """Mutate the returned gradient dict (a bug at the end of backward)."""
    orig = mlp.grad

    def plant(mp, x):
        mp.setattr(mlp, "grad", lambda params, x, y, *, spec: fn(dict(orig(params, x, y, spec=spec))))

    return plant


def _deriv(act, fprime):
    def plant(mp, x):
        table = dict(mlp.ELEMENTWISE)
        table[act] = (table[act][0], fprime)
        mp.setattr(mlp, "ELEMENTWISE", table)

    return plant


def _col_vjp(dW=None, dx=None, db=None):
    """dense_col_vjp with some of its three lines replaced."""

    def vjp(W, x, dz, *, bias=True):
        W, x, dz = np.asarray(W), np.asarray(x), np.asarray(dz)
        out_dW = dW(W, x, dz) if dW else dz @ x.T
        out_dx = dx(W, x, dz) if dx else W.T @ dz
        out_db = (db(W, x, dz) if db else np.sum(dz, axis=1, keepdims=True)) if bias else None
        return out_dx, out_dW, out_db

    return _vjp("dense_col_vjp", vjp)


def _row_vjp(dW=None, dx=None, db=None):
    def vjp(X, W, dZ, *, bias=True):
        X, W, dZ = np.asarray(X), np.asarray(W), np.asarray(dZ)
        out_dW = dW(X, W, dZ) if dW else X.T @ dZ
        out_dx = dx(X, W, dZ) if dx else dZ @ W.T
        out_db = (db(X, W, dZ) if db else np.sum(dZ, axis=0)) if bias else None
        return out_dx, out_dW, out_db

    return _vjp("dense_row_vjp", vjp)


def _wrong_layer_activation(mp, x):
    """dW2 = delta2 x^T: the input x where layer 1's activation a1 belongs."""
    orig = mlp._dense_vjp
    mp.setattr(
        mlp, "_dense_vjp", lambda params, i, a_prev, delta, spec: orig(params, i, x if i == 2 else a_prev, delta, spec)
    )


def _inner_product(axis):
    """delta = <g, f'(z)> over the units, broadcast back: the seed-002 asker's W2 . sigma'(z2)."""

    def fn(orig, name, z, a, g, spec):
        if name == "sigmoid" and z is not None and g.shape == z.shape and _hidden(z, spec):
            return np.sum(g * activations.sigmoid_grad(z), axis=axis, keepdims=True) * np.ones_like(z)
        return orig(name, z, a, g, spec)

    return _act_vjp(fn)


def _hidden(z, spec):
    return z.shape[1 - spec.batch_axis] == spec.widths[1]


def _one_entry(g):
    g["W1"] = g["W1"].copy()
    g["W1"][1, 2] += 0.3 * np.abs(g["W1"]).max()
    return g


def _zero_first_row(g):
    g["W1"] = g["W1"].copy()
    g["W1"][0] = 0.0
    return g


def _nan_entries(g):
    g["W2"] = g["W2"].copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        g["W2"][0, 1] = 0.0 * np.log(0.0)  # 0 * log(0) = NaN, as in y log y_hat at y_hat = 0
    return g


def _ones_bias_zero(row: bool):
    if row:

        def vjp(X, W, dZ):
            X, W, dZ = np.asarray(X), np.asarray(W), np.asarray(dZ)
            return dZ @ W[1:].T, np.vstack([np.zeros((1, W.shape[1])), X.T @ dZ])  # bias row never computed

        return _vjp("dense_row_ones_vjp", vjp)

    def vjp_col(W, x, dz):
        W, x, dz = np.asarray(W), np.asarray(x), np.asarray(dz)
        return W[:, 1:].T @ dz, np.hstack([np.zeros((W.shape[0], 1)), dz @ x.T])  # bias column never computed

    return _vjp("dense_col_ones_vjp", vjp_col)


def _bias_row_not_dropped(mp, x):
    """dX = dZ W^T with the last row of W dropped instead of the bias row W[0]."""

    def vjp(X, W, dZ):
        X, W, dZ = np.asarray(X), np.asarray(W), np.asarray(dZ)
        X1 = np.concatenate([np.ones((X.shape[0], 1)), X], axis=1)
        return dZ @ W[:-1].T, X1.T @ dZ

    mp.setattr(layers, "dense_row_ones_vjp", vjp)


def _softmax_diag(mp, x):
    mp.setattr(mlp, "softmax_vjp", lambda s, g, axis=-1: s * (1 - s) * g)  # J = diag(s(1 - s)) only


def _no_hidden_derivative(orig, name, z, a, g, spec):
    return g if _hidden(z, spec) else orig(name, z, a, g, spec)  # delta1 = W2^T delta2, no * f'(z1)


def _sigma_prime_of_a(orig, name, z, a, g, spec):
    return g * activations.sigmoid_grad(a) if name == "sigmoid" else orig(name, z, a, g, spec)  # sigma'(a)


MUTANTS = [
    # transposes
    Mutant(
        "dW = a delta^T (square W2)",
        SQUARE,
        5,
        _col_vjp(dW=lambda W, x, dz: x @ dz.T),
        "W2",
        "transposed",
        "W2 is transposed (yours = reference^T)",
    ),
    Mutant(
        "dW = a delta^T (non-square W1)",
        SIG,
        5,
        _col_vjp(dW=lambda W, x, dz: x @ dz.T),
        "W1",
        "shape",
        "transpose of the expected shape",
    ),
    Mutant(
        "row-batch dW = dZ^T X",
        ROW,
        5,
        _row_vjp(dW=lambda X, W, dZ: dZ.T @ X),
        "W2",
        "shape",
        "transpose of the expected shape",
    ),
    Mutant(
        "dW2 transposed at the end",
        SQUARE,
        5,
        _returned(lambda g: {**g, "W2": g["W2"].T}),
        "W2",
        "transposed",
        "dW = delta a^T",
    ),
    # activation derivatives
    Mutant(
        "sigma'(a) for sigma'(z)",
        SIG,
        1,
        _act_vjp(_sigma_prime_of_a),
        "W2",
        "row_scaled",
        "activation derivative sigma'(z_i)",
    ),
    Mutant(
        "sigma'(a) for sigma'(z), batch",
        SIG,
        5,
        _act_vjp(_sigma_prime_of_a),
        "W1",
        "unstructured",
        "sigma'(a) for sigma'(z)",
    ),
    Mutant(
        "hidden activation derivative missing",
        SIG,
        1,
        _act_vjp(_no_hidden_derivative),
        "W1",
        "row_scaled",
        "one factor per row is wrong",
    ),
    Mutant(
        "tanh' = 1 - tanh (square missing)",
        TANH,
        1,
        _deriv("tanh", lambda z: 1 - np.tanh(z)),
        "W1",
        "row_scaled",
        "rows of W belong to output units",
    ),
    Mutant(
        "softmax Jacobian diagonal only",
        SOFTMAX,
        1,
        _softmax_diag,
        "W2",
        "partial",
        "the softmax Jacobian's off-diagonal -s_i s_j was dropped",
    ),
    # W vs W^T, wrong layer
    Mutant(
        "W where W^T belongs",
        SQUARE,
        1,
        _col_vjp(dx=lambda W, x, dz: (W if W.shape[0] == W.shape[1] else W.T) @ dz),
        "W1",
        "row_scaled",
        "one factor per row is wrong",
    ),
    Mutant(
        "wrong layer's activation in the outer product",
        SQUARE,
        1,
        _wrong_layer_activation,
        "W2",
        "column_scaled",
        "which layer's activations enter dW = delta a^T",
    ),
    Mutant(
        "bias row not dropped (last row dropped instead)",
        ROW_ONES,
        1,
        _bias_row_not_dropped,
        "W1",
        "column_scaled",
        "columns of W belong to inputs",
    ),
    # constant factors
    Mutant(
        "2 (y_hat - y) with a 1/2 in the loss",
        SIG,
        5,
        _loss_grad("squared_error", lambda y_hat, y, **kw: 2 * nets.squared_error_grad(y_hat, y, **kw)),
        "W1",
        "scaled",
        "yours = 2 x reference (scale 2)",
    ),
    Mutant(
        "(y - y_hat): sign flipped",
        SIG,
        5,
        _loss_grad("squared_error", lambda y_hat, y, **kw: -nets.squared_error_grad(y_hat, y, **kw)),
        "b2",
        "scaled",
        "sign flipped (yours = -1 x reference)",
    ),
    Mutant(
        "sign flipped in one layer", SIG, 5, _returned(lambda g: {**g, "W2": -g["W2"]}), "W2", "scaled", "sign flipped"
    ),
    Mutant(
        "1/N missing (mean loss)",
        SIG_MEAN,
        5,
        _loss_grad("squared_error", lambda y_hat, y, **kw: np.asarray(y_hat) - np.asarray(y)),
        "W1",
        "scaled",
        "N = 5 (the batch size)",
    ),
    Mutant(
        "1/N missing (mean loss, row-batch)",
        ROW_MEAN,
        5,
        _loss_grad("squared_error", lambda y_hat, y, **kw: np.asarray(y_hat) - np.asarray(y)),
        "W2",
        "scaled",
        "yours = 5 x reference (scale 5): a batch mean was differentiated as a sum, missing the 1/N with N = 5 "
        "(the batch size)",
    ),
    Mutant(
        "1/N applied twice",
        SIG_MEAN,
        5,
        _loss_grad("squared_error", lambda y_hat, y, **kw: nets.squared_error_grad(y_hat, y, **kw) / 5),
        "W2",
        "scaled",
        "yours = 1/5 x reference (scale 1/5): a 1/N with N = 5 (the batch size) was applied",
    ),
    Mutant(
        "1/N on a summed loss",
        SIG,
        5,
        _loss_grad("squared_error", lambda y_hat, y, **kw: nets.squared_error_grad(y_hat, y, **kw) / 5),
        "b1",
        "scaled",
        "applied to a loss that sums over the batch",
    ),
    Mutant(
        "db = mean over the batch, not sum",
        SIG,
        5,
        _col_vjp(db=lambda W, x, dz: dz.mean(axis=1, keepdims=True)),
        "b1",
        "scaled",
        "1/5",
    ),
    Mutant(
        "1e-4 relative error in one block",
        SIG,
        5,
        _returned(lambda g: {**g, "W2": g["W2"] * (1 + 1e-4)}),
        "W2",
        "scaled",
        "relative error 1.0e-04",
    ),
    # shapes
    Mutant(
        "bias not summed over the batch (column)",
        SIG,
        5,
        _col_vjp(db=lambda W, x, dz: dz),
        "b1",
        "shape",
        "5 columns where one is expected (N = 5, the batch size)",
    ),
    Mutant(
        "bias not summed over the batch (row-batch)",
        ROW,
        5,
        _row_vjp(db=lambda X, W, dZ: dZ),
        "b2",
        "shape",
        "extra leading axis of 5 (N = 5, the batch size): sum over axis 0 (not summed over the batch)",
    ),
    Mutant(
        "db without keepdims: (n,) for (n, 1)",
        SIG,
        5,
        _col_vjp(db=lambda W, x, dz: dz.sum(axis=1)),
        "b1",
        "shape",
        "(n,) against (n, 1)",
    ),
    # collapsed rows / columns: the seed-002 inner product
    Mutant(
        "inner product for elementwise (column)",
        SIG,
        5,
        _inner_product(axis=0),
        "W1",
        "collapsed_rows",
        "identical rows",
    ),
    Mutant(
        "inner product for elementwise (row-batch)",
        nets.MLPSpec((3, 4, 2), ("sigmoid", "sigmoid"), convention="row"),
        5,
        _inner_product(axis=1),
        "W1",
        "collapsed_columns",
        "identical columns",
    ),
    # partial
    Mutant("one entry off", SIG, 5, _returned(_one_entry), "W1", "partial", "only 1 of 12 entries wrong, at (1, 2)"),
    Mutant(
        "bias row of [1, X] never computed",
        ROW_ONES,
        5,
        _ones_bias_zero(row=True),
        "W1",
        "partial",
        "only row(s) 0 of 4 wrong (row 0: the bias row",
    ),
    Mutant(
        "bias column of [1; x] never computed",
        COL_ONES,
        5,
        _ones_bias_zero(row=False),
        "W2",
        "partial",
        "only column(s) 0 of 5 wrong (column 0: the bias column",
    ),
    Mutant("one row zeroed", SIG, 5, _returned(_zero_first_row), "W1", "partial", "yours is zero there"),
    # nothing reached, NaN, keys
    Mutant(
        "backward stops before W1",
        SIG,
        5,
        _returned(lambda g: {**g, "W1": np.zeros_like(g["W1"])}),
        "W1",
        "zeros",
        "never reaches W1",
    ),
    Mutant("0 * log(0) in the backward", SIG, 5, _returned(_nan_entries), "W2", "nonfinite", "NaN"),
    Mutant(
        "bias gradient forgotten",
        SIG,
        5,
        _returned(lambda g: {k: v for k, v in g.items() if k != "b2"}),
        "b2",
        "missing",
        "add 'b2' to what grad returns",
    ),
    Mutant(
        "keys named dW1 for W1",
        SIG,
        5,
        _returned(lambda g: {**{k: v for k, v in g.items() if k != "W1"}, "dW1": g["W1"]}),
        "dW1",
        "extra",
        "looks like 'W1'",
    ),
]


def _check(spec, n, oracles=FAST):
    params, x, y = data(spec, n)
    loss, grad = nets.make_loss_and_grad(spec)
    return gc.grad_report(loss, grad, params, args=(x, y), oracles=oracles)


def test_plain_numpy_losses_are_followed_by_torch_and_jax(written_as):
    # a batch no other check here uses: jax's compile cache, keyed by the code and shapes, would serve the
    # array-API trace (it reproduces this loss's value, so it may), and this test is about following
    report = _check(SOFTMAX, 7 if written_as == "plain numpy" else 6, oracles="all")
    expected = "numpy code followed" if written_as == "plain numpy" else "as written"
    assert report.ok
    assert [(o.name, o.ran_as) for o in report.oracles] == [("fd", ""), ("torch", expected), ("jax", expected)]


def test_the_catalogue_is_large_and_covers_every_category():
    assert len(MUTANTS) >= 25
    kinds = {m.kind for m in MUTANTS}
    assert {
        "transposed",
        "scaled",
        "shape",
        "collapsed_rows",
        "collapsed_columns",
        "partial",
        "zeros",
        "nonfinite",
        "missing",
        "extra",
        "row_scaled",
        "column_scaled",
        "unstructured",
    } <= kinds


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_is_flagged_and_diagnosed_in_its_category(mutant, monkeypatch):
    params, x, y = data(mutant.spec, mutant.n)
    clean = _check(mutant.spec, mutant.n)
    assert clean.ok, str(clean)  # the unpatched net passes on the same data
    mutant.plant(monkeypatch, x)
    report = _check(mutant.spec, mutant.n)
    assert not report.ok
    assert mutant.param in [p.name for p in report.failing], str(report)
    p = report.param(mutant.param)
    assert p.diagnosis_kind == mutant.kind, str(report)
    said = f"{p.message} {p.diagnosis}"
    assert mutant.words in said, said
    assert report.to_dict()["params"][[q.name for q in report.params].index(p.name)]["diagnosis_kind"] == mutant.kind


@pytest.mark.parametrize(
    "spec",
    [SIG, SIG_MEAN, SQUARE, ROW, ROW_MEAN, ROW_ONES, COL_ONES, SOFTMAX, FUSED, TANH],
    ids=lambda s: f"{s.convention}-{s.bias}-{s.loss}-{s.reduction}-{'-'.join(s.activations)}",
)
def test_unpatched_nets_pass(spec):
    assert _check(spec, 5).ok


# --- valid alternative formulations: all must pass ------------------------------------------------------


def _einsum_col(W, x, dz, *, bias=True):
    W, x, dz = np.asarray(W), np.asarray(x), np.asarray(dz)
    db = np.einsum("in->i", dz)[:, None] if bias else None  # db_i = sum_n dz_in
    return np.einsum("ji,jn->in", W, dz), np.einsum("in,jn->ij", dz, x), db  # dW_ij = sum_n dz_in x_jn


def _einsum_row(X, W, dZ, *, bias=True):
    X, W, dZ = np.asarray(X), np.asarray(W), np.asarray(dZ)
    db = np.einsum("nj->j", dZ) if bias else None
    return np.einsum("nj,ij->ni", dZ, W), np.einsum("ni,nj->ij", X, dZ), db  # dW = X^T dZ


def _sigmoid_from_a(orig, name, z, a, g, spec):
    return g * a * (1.0 - a) if name == "sigmoid" else orig(name, z, a, g, spec)  # sigma'(z) = a (1 - a)


def _tanh_from_a(orig, name, z, a, g, spec):
    return g * (1.0 - a * a) if name == "tanh" else orig(name, z, a, g, spec)  # tanh'(z) = 1 - a^2


VALID = [
    ("fused softmax-CE (row, mean)", FUSED, lambda mp, x: None),
    ("softmax then CE (column)", SOFTMAX, lambda mp, x: None),
    ("log-sum-exp softmax", SOFTMAX, lambda mp, x: mp.setattr(mlp, "softmax", activations.softmax_lse)),
    (
        "explicit softmax Jacobian VJP",
        SOFTMAX,
        lambda mp, x: mp.setattr(mlp, "softmax_vjp", activations.softmax_vjp_jacobian),
    ),
    ("einsum dense VJP (column)", SIG, _vjp("dense_col_vjp", _einsum_col)),
    ("einsum dense VJP (row-batch)", ROW_MEAN, _vjp("dense_row_vjp", _einsum_row)),
    ("sigma'(z) written as a (1 - a)", SIG, _act_vjp(_sigmoid_from_a)),
    ("tanh'(z) written as 1 - a^2", TANH, _act_vjp(_tanh_from_a)),
    ("bias in W (ones column, row-batch)", ROW_ONES, lambda mp, x: None),
    ("bias in W (ones row, column)", COL_ONES, lambda mp, x: None),
]


@pytest.mark.parametrize("name, spec, plant", VALID, ids=[v[0] for v in VALID])
def test_valid_formulation_passes(name, spec, plant, monkeypatch):
    params, x, y = data(spec, 5)
    plant(monkeypatch, x)
    report = _check(spec, 5)
    assert report.ok, str(report)
    assert all(p.diagnosis is None and p.diagnosis_kind is None for p in report.params)


@pytest.mark.parametrize("spec", [SIG, FUSED], ids=["sigmoid-column", "fused-softmax-ce-row"])
def test_float32_nets_pass_at_float32_tolerance(spec):
    params, x, y = data(spec, 5)
    loss, grad = nets.make_loss_and_grad(spec)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    report = gc.grad_report(loss, grad, p32, args=(x.astype(np.float32), y.astype(np.float32)), oracles=FAST)
    assert report.ok, str(report)
    assert set(report.tolerances) == {"float32"} and report.tolerances["float32"]["rtol"] == 2e-3
    assert max(p.comparisons["torch"].max_rel for p in report.params) > 1e-9  # really float32 arithmetic


def test_float32_scaled_bug_is_still_diagnosed(monkeypatch):
    params, x, y = data(SIG, 5)
    _returned(lambda g: {**g, "W2": -g["W2"]})(monkeypatch, x)
    loss, grad = nets.make_loss_and_grad(SIG)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    report = gc.grad_report(loss, grad, p32, args=(x.astype(np.float32), y.astype(np.float32)), oracles=FAST)
    assert [p.name for p in report.failing] == ["W2"]
    assert report.param("W2").diagnosis_kind == "scaled"
    assert report.param("W2").diagnosis.startswith("sign flipped (yours = -1 x reference)")


@pytest.mark.parametrize(
    "mutant",
    [
        m
        for m in MUTANTS
        if m.name in ("dW = a delta^T (square W2)", "inner product for elementwise (column)", "1/N missing (mean loss)")
    ],
    ids=lambda m: m.name,
)
def test_diagnosis_with_all_three_oracles(mutant, monkeypatch):
    pytest.importorskip("jax")
    params, x, y = data(mutant.spec, mutant.n)
    mutant.plant(monkeypatch, x)
    report = _check(mutant.spec, mutant.n, oracles=None)
    assert report.ran == ["fd", "torch", "jax"]
    p = report.param(mutant.param)
    assert p.trusted == ("fd", "torch", "jax")
    assert p.diagnosis_kind == mutant.kind and mutant.words in p.diagnosis
    assert f"  diagnosis: {p.diagnosis}" in str(report)


if __name__ == "__main__":  # print every mutant's diagnosis (for reviewing the words)
    for m in MUTANTS:
        mp = pytest.MonkeyPatch()
        m.plant(mp, data(m.spec, m.n)[1])
        p = _check(m.spec, m.n).param(m.param)
        mp.undo()
        print(f"{m.name}\n  [{p.diagnosis_kind}] {p.message} | {p.diagnosis}")
