"""Every operation's numpy VJP against central differences of its own forward (broadcasting included), and
random graphs of them: the interpreter's reverse mode against finite differences (a Hypothesis property)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck.golden import graph as g
from gradcheck.golden.ops import OPS, unbroadcast

# op -> (argument shapes, attrs, lowest allowed input) for a smooth, well-defined point
CASES = {
    "add": ([(2, 3), (3,)], {}, None),
    "sub": ([(2, 1), (2, 3)], {}, None),
    "mul": ([(2, 3), (2, 3)], {}, None),
    "div": ([(2, 3), (1, 3)], {}, 0.5),
    "max": ([(2, 3), (2, 3)], {}, None),
    "matmul": ([(2, 3), (3, 4)], {}, None),
    "cross_entropy": ([(3, 2), (3, 2)], {}, 0.1),
    "neg": ([(2, 3)], {}, None),
    "exp": ([(2, 3)], {}, None),
    "log": ([(2, 3)], {}, 0.5),
    "tanh": ([(2, 3)], {}, None),
    "sigmoid": ([(2, 3)], {}, None),
    "sigmoid_grad": ([(2, 3)], {}, None),
    "relu": ([(2, 3)], {}, None),
    "pow": ([(2, 3)], {"exponent": 3}, None),
    "transpose": ([(2, 3)], {}, None),
    "sum": ([(2, 3)], {"axis": 1, "keepdims": False}, None),
    "mean": ([(2, 3)], {"axis": 0, "keepdims": True}, None),
    "softmax": ([(2, 3)], {"axis": 1}, None),
    "prepend_ones": ([(2, 3)], {"axis": 1}, None),
    "diag": ([(3, 1)], {}, None),
    "tile": ([(1, 3)], {"reps": [2, 1]}, None),
    "slice": ([(4, 3)], {"start": 1, "stop": 3, "axis": 0}, None),
    "one_hot": ([(3,)], {"classes": 4}, None),
    "accuracy": ([(5, 4), (5,)], {"axis": 1}, None),
}
LABELS = {("one_hot", 0): 4, ("accuracy", 1): 4}  # (op, argument) -> classes: these arguments are class labels


def _fd_vjp(op, args, attrs, g_out, i, h=1e-6):
    """<g_out, d op / d args[i]> by central differences, entry by entry."""
    grad = np.zeros_like(args[i])
    for ix in np.ndindex(args[i].shape):
        plus, minus = [a.copy() for a in args], [a.copy() for a in args]
        plus[i][ix] += h
        minus[i][ix] -= h
        diff = OPS[op].forward(np, *plus, **attrs) - OPS[op].forward(np, *minus, **attrs)
        grad[ix] = np.sum(g_out * diff) / (2 * h)
    return grad


def test_every_op_has_a_case_here():
    assert set(CASES) == set(OPS)


@pytest.mark.parametrize("op", sorted(CASES))
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_vjp_matches_central_differences(op, seed):
    shapes, attrs, low = CASES[op]
    rng = np.random.default_rng(seed)
    args = [rng.uniform(low, 2.0, size=s) if low is not None else rng.uniform(-2.0, 2.0, size=s) for s in shapes]
    for (name, i), classes in LABELS.items():
        if name == op:
            args[i] = rng.integers(0, classes, size=shapes[i]).astype(np.float64)
    if op in ("max", "relu"):  # keep off the kink, where the derivative is a convention
        args = [np.where(np.abs(a) < 0.05, 0.5, a) for a in args]
        if op == "max" and np.any(np.abs(args[0] - args[1]) < 0.05):
            args[1] = args[0] + 0.5
    out = np.asarray(OPS[op].forward(np, *args, **attrs), dtype=np.float64)
    g_out = rng.standard_normal(out.shape)
    got = OPS[op].vjp(g_out, args, out, **attrs)
    for i in range(len(args)):
        if i in OPS[op].nondiff:  # labels: no gradient, and the oracles never perturb them
            assert not np.any(got[i])
            continue
        np.testing.assert_allclose(got[i], _fd_vjp(op, args, attrs, g_out, i), rtol=1e-6, atol=1e-7)


def test_unbroadcast_sums_added_and_stretched_axes():
    np.testing.assert_array_equal(unbroadcast(np.ones((4, 2, 3)), (2, 1)), np.full((2, 1), 12.0))
    np.testing.assert_array_equal(unbroadcast(np.ones((2, 3)), ()), np.array(6.0))


UNARY = ["tanh", "sigmoid", "exp", "neg"]
BINARY = ["add", "sub", "mul"]


@st.composite
def graphs(draw):
    """A random graph over inputs a (2, 3) and b (3,), ending in a sum."""
    names, nodes = ["a", "b"], []
    for k in range(draw(st.integers(1, 6))):
        name = f"n{k}"
        if draw(st.booleans()):
            nodes.append(g.Node(name, draw(st.sampled_from(UNARY)), (draw(st.sampled_from(names)),)))
        else:
            nodes.append(
                g.Node(
                    name, draw(st.sampled_from(BINARY)), (draw(st.sampled_from(names)), draw(st.sampled_from(names)))
                )
            )
        names.append(name)
    nodes.append(g.Node("out", "sum", (names[-1],)))
    return g.Graph(g.toposort(nodes, {"a", "b"}), "out")


@settings(max_examples=40, deadline=None)
@given(graph=graphs(), seed=st.integers(0, 2**32 - 1))
def test_reverse_mode_matches_finite_differences_on_random_graphs(graph, seed):
    rng = np.random.default_rng(seed)
    inputs = {"a": rng.uniform(-0.5, 0.5, (2, 3)), "b": rng.uniform(-0.5, 0.5, (3,))}
    grads = g.backward(graph, g.forward(graph, inputs, np))
    for name, x in inputs.items():
        fd = np.zeros_like(x)
        for ix in np.ndindex(x.shape):
            plus, minus = dict(inputs), dict(inputs)
            plus[name], minus[name] = x.copy(), x.copy()
            plus[name][ix] += 1e-6
            minus[name][ix] -= 1e-6
            fd[ix] = (g.forward(graph, plus, np)["out"] - g.forward(graph, minus, np)["out"]) / 2e-6
        np.testing.assert_allclose(grads[name], fd, rtol=1e-5, atol=1e-6)


def test_one_hot_and_accuracy_read_class_labels_written_as_numbers():
    hot = OPS["one_hot"].forward(np, np.array([2.0, 0.0]), classes=3)
    np.testing.assert_array_equal(hot, [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(OPS["one_hot"].forward(np, np.array([1.0, 0.0]), classes=2, axis=0), [[0, 1], [1, 0]])
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert OPS["accuracy"].forward(np, scores, np.array([1.0, 1.0, 1.0]), axis=1) == pytest.approx(2 / 3)
    assert OPS["accuracy"].forward(np, scores, np.array([[0, 1], [1, 0], [1, 0]]), axis=1) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"class labels must be whole numbers in \[0, 3\); entry \[1\] is 3.0"):
        OPS["one_hot"].forward(np, np.array([0.0, 3.0]), classes=3)
    with pytest.raises(ValueError, match=r"entry \[0\] is 0.5"):
        OPS["accuracy"].forward(np, scores, np.array([0.5, 1.0, 1.0]), axis=1)


def test_slice_takes_rows_or_columns_and_its_vjp_puts_the_gradient_back():
    a = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(OPS["slice"].forward(np, a, start=1, stop=3, axis=1), a[:, 1:3])
    (grad,) = OPS["slice"].vjp(np.ones((2, 3)), [a], None, start=2, axis=0)
    np.testing.assert_array_equal(grad, [[0, 0, 0], [0, 0, 0], [1, 1, 1], [1, 1, 1]])
