"""Params in any common container keep their type through loss, grad and report (names read like the user's code)."""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc
from gradcheck._engine.tree import flatten, map_leaves, unflatten


class Params(NamedTuple):
    W: np.ndarray
    b: np.ndarray


@dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray
    name: str = field(default="dense")


@dataclass(frozen=True)
class Net:
    layers: list
    scale: np.ndarray


X = np.array([[1.0, -2.0], [0.5, 0.3], [2.0, 1.0]])


def _layer_loss(W, b):
    xp = array_namespace(W)
    r = xp.asarray(X) @ W + b
    return xp.sum(r * r)


def _layer_grad(W, b):
    r = X @ W + b
    return 2 * X.T @ r, 2 * r.sum(axis=0)


W0, B0 = np.arange(4.0).reshape(2, 2) / 3, np.array([0.1, -0.2])


def _check(params, loss, grad, seen, **kw):
    def spy_loss(p):
        seen.add(("loss", type(p)))
        return loss(p)

    def spy_grad(p):
        seen.add(("grad", type(p)))
        return grad(p)

    return gc.check_grad(spy_loss, spy_grad, params, oracles="fd", **kw)


@pytest.mark.parametrize(
    "make",
    [
        lambda: Params(W0.copy(), B0.copy()),
        lambda: Layer(W0.copy(), B0.copy()),
        lambda: OrderedDict([("W", W0.copy()), ("b", B0.copy())]),
        lambda: defaultdict(list, {"W": W0.copy(), "b": B0.copy()}),
    ],
    ids=["NamedTuple", "dataclass", "OrderedDict", "defaultdict"],
)
def test_keyed_containers_keep_their_type_and_names(make):
    params, seen = make(), set()

    def get(p, k):
        return getattr(p, k) if isinstance(p, (Params, Layer)) else p[k]

    def loss(p):
        return _layer_loss(get(p, "W"), get(p, "b"))

    def grad(p):
        gW, gb = _layer_grad(get(p, "W"), get(p, "b"))
        return (
            type(params)(gW, gb)
            if isinstance(params, Params)
            else Layer(gW, gb)
            if isinstance(params, Layer)
            else {"W": gW, "b": gb}
        )

    report = _check(params, loss, grad, seen)
    assert seen == {("loss", type(params)), ("grad", type(params))}
    assert [p.name for p in report.params] == ["W", "b"] and report.ok


def test_nested_list_of_dataclasses_in_a_frozen_dataclass():
    net = Net([Layer(W0.copy(), B0.copy()), Layer(W0.T.copy(), B0[::-1].copy(), "out")], np.array([2.0]))
    seen = set()

    def loss(n):
        assert isinstance(n.layers[1], Layer) and n.layers[1].name == "out"  # non-array fields kept
        return sum(_layer_loss(layer.W, layer.b) for layer in n.layers) * n.scale[0]

    def grad(n):
        gs = [_layer_grad(layer.W, layer.b) for layer in n.layers]
        total = sum(_layer_loss(layer.W, layer.b) for layer in n.layers)
        return Net([Layer(n.scale[0] * gW, n.scale[0] * gb) for gW, gb in gs], np.array([total]))

    report = _check(net, loss, grad, seen)
    assert seen == {("loss", Net), ("grad", Net)}
    assert [p.name for p in report.params] == ["layers[0].W", "layers[0].b", "layers[1].W", "layers[1].b", "scale"]


def test_a_wrong_namedtuple_gradient_is_reported_by_field_name():
    p = Params(W0.copy(), B0.copy())
    report = gc.check_grad(
        lambda q: _layer_loss(q.W, q.b),
        lambda q: Params(*_layer_grad(q.W, q.b))._replace(b=np.zeros(2)),
        p,
        oracles="fd",
        raise_on_failure=False,
    )
    assert not report.ok and [q.name for q in report.failing] == ["b"]
    assert report.verdict.startswith("gradient mismatch in b:")


def test_namedtuple_params_reach_torch_and_jax_as_namedtuples():
    pytest.importorskip("torch"), pytest.importorskip("jax")
    p = Params(W0.copy(), B0.copy())
    kinds = set()

    def loss(q):
        kinds.add(type(q))
        return _layer_loss(q.W, q.b)

    report = gc.check_grad(loss, lambda q: Params(*_layer_grad(q.W, q.b)), p, oracles="fd,torch,jax")
    assert report.ok and report.ran == ["fd", "torch", "jax"] and kinds == {Params}


def test_args_keep_their_container_type():
    class Batch(NamedTuple):
        x: np.ndarray

    seen = []
    gc.check_grad(
        lambda p, batch: seen.append(type(batch)) or float(np.sum(p["a"] * batch.x)),
        lambda p, batch: {"a": batch.x.copy()},
        {"a": np.ones(2)},
        args=(Batch(np.array([1.0, 2.0])),),
        oracles="fd",
    )
    assert set(seen) == {Batch}


def test_grad_returning_a_dict_for_namedtuple_params_is_matched_by_name():
    p = Params(W0.copy(), B0.copy())
    report = gc.check_grad(
        lambda q: _layer_loss(q.W, q.b), lambda q: dict(zip("Wb", _layer_grad(q.W, q.b))), p, oracles="fd"
    )
    assert report.ok


def test_wrong_container_is_said_in_words():
    p = Params(W0.copy(), B0.copy())
    report = gc.check_grad(
        lambda q: _layer_loss(q.W, q.b), lambda q: list(_layer_grad(q.W, q.b)), p, oracles="fd", raise_on_failure=False
    )
    extra = [q for q in report.params if q.status == "extra"]
    assert extra and "(grad returned a list but params is a NamedTuple Params)" in extra[0].message


def test_flatten_unflatten_round_trip_and_map_leaves():
    tree = {"a": [Params(np.ones(1), np.zeros(1)), (np.ones(2),)], "o": OrderedDict(x=np.ones(3))}
    names, leaves, td = flatten(tree)
    assert names == ["a[0].W", "a[0].b", "a[1][0]", "o.x"]
    back = unflatten(td, leaves)
    assert type(back["a"][0]) is Params and type(back["a"][1]) is tuple and type(back["o"]) is OrderedDict
    doubled = map_leaves(tree, lambda x: 2 * x)
    assert type(doubled["a"][0]) is Params and doubled["o"]["x"][0] == 2.0
    assert repr(td) == repr(flatten(map_leaves(tree, lambda x: x + 1))[2])  # structure only, not values
