"""gradcheck._engine.locate: following the user's backward (trace.py, source.py), the forward's quantities
(reference.py), matching them (match.py), the search (search.py), and the report's `where:` line."""

import ast
import json

import numpy as np

import gradcheck
from gradcheck._engine.locate.match import classify, close
from gradcheck._engine.locate.reference import Quantity, forward_quantities
from gradcheck._engine.locate.source import Target, writes
from gradcheck._engine.locate.trace import Follower


def _writes(code: str) -> list[str]:
    return [t.name for t in writes(ast.parse(code).body[0])]


def test_writes_name_the_array_or_list_written_into():
    assert _writes("d2 = d3 * a2") == ["d2"]
    assert _writes("dx[mask] = 0") == ["dx"]
    assert _writes("dW += x.T @ d") == ["dW"]
    assert _writes("np.add.at(dx, idx, d)") == ["dx"]
    assert _writes("grads.append(g)") == ["grads"]
    assert _writes("grads['W1'] = g") == ["grads['W1']"]
    assert _writes("self.dW = g") == ["self.dW"]
    assert _writes("x, (w, b) = cache") == ["x", "w", "b"]
    assert writes(ast.parse("dx[mask] = 0").body[0]) == [Target("dx", whole=False)]


def _backward(dout, x):
    dx = dout * 2
    dx[x < 0] = 0
    return _helper(dx)


def _helper(d):
    out = d + 1
    return out


def test_the_follower_records_each_write_with_its_line_and_a_copy_of_its_value():
    f = Follower()
    f.run(_backward, np.ones(3), np.array([1.0, -1.0, 1.0]))
    got = [(s.function, s.name, s.argument) for s in f.steps]
    assert got == [
        ("_backward", "dout", True),
        ("_backward", "x", True),
        ("_backward", "dx", False),
        ("_backward", "dx", False),
        ("_helper", "d", True),
        ("_helper", "out", False),
        ("_helper", None, False),
        ("_backward", None, False),
    ]
    assert np.array_equal(f.steps[2].value, [2.0, 2.0, 2.0])  # copied before the in-place write changed it
    assert np.array_equal(f.steps[3].value, [2.0, 0.0, 2.0])
    assert f.steps[3].statement.code == "dx[x < 0] = 0" and f.steps[3].reads[0] == ("dx", (2,))
    assert f.steps[0].root and not f.steps[4].root


def test_a_swap_puts_another_value_in_place_of_one_write():
    f = Follower(swap=(2, np.zeros(3)))
    assert np.array_equal(f.run(_backward, np.ones(3), np.ones(3)), np.ones(3)) and f.swapped


def test_matching_knows_the_conventions_and_never_matches_zeros():
    a = np.arange(6.0).reshape(3, 2) + 1
    q = Quantity("z", "f.py", 3, a, adjoint=a / 3)
    assert classify(a.T.copy(), [q], 1e-9).convention == "transposed"
    assert classify(a.copy(), [q], 1e-9).kind == "value"
    assert classify(a.sum(axis=0) / 3, [q], 1e-9).convention == "summed over the batch axis"
    assert classify(a.copy() / 3 * 3 * 1.0001, [q], 1e-9) is None
    m = classify(a.copy(), [Quantity("z", "f.py", 3, a * 7, adjoint=a / 3)], 1e-9)
    assert m.kind == "adjoint" and m.convention == "per example"
    assert classify(np.zeros(3), [Quantity("z", "f.py", 3, np.zeros(3))], 1e-9) is None
    assert close(np.ones(2), np.ones(2) * (1 + 1e-8), 1e-6) and not close(np.ones(2), np.ones(3), 1)


def _numpy_loss(p):
    h = np.tanh(p["W"] * 2.0)
    return float(np.sum(h**2))


def test_a_numpy_forward_gets_its_intermediates_adjoints_by_central_differences():
    W = np.array([0.3, -0.2, 0.5])
    got = forward_quantities(_numpy_loss, {"W": W}, (), {})
    h = next(q for q in got.quantities if q.label == "h")
    assert got.how == "numpy" and np.allclose(h.adjoint, 2 * np.tanh(2 * W), rtol=1e-6)


def _array_api_loss(p, x):
    from array_api_compat import array_namespace

    xp = array_namespace(p["W"])
    z = p["W"] @ x
    return xp.sum(xp.tanh(z) ** 2)


def test_an_array_api_forward_runs_under_torch_with_every_sub_expression_retained():
    W, x = np.array([[0.3, -0.2], [0.1, 0.4]]), np.array([[1.0], [2.0]])
    got = forward_quantities(_array_api_loss, {"W": W}, (x,), {})
    labels = [q.label for q in got.quantities]
    assert got.how == "torch" and labels[:3] == ["W", "z", "xp.tanh(z)"]
    z = W @ x
    assert np.allclose(got.quantities[1].adjoint, 2 * np.tanh(z) * (1 - np.tanh(z) ** 2))


def _loss(p, x):
    z = p["W"] @ x
    t = np.tanh(z)
    return float(np.sum(t))


def _grad_wrong(p, x):
    t = np.tanh(p["W"] @ x)
    d = 1 - t  # planted: 1 - t**2
    return {"W": d @ x.T}


def test_the_report_carries_it_in_to_dict_markdown_and_html():
    W, x = np.array([[0.3, -0.2], [0.1, 0.4]]), np.array([[1.0], [2.0]])
    report = gradcheck.check_grad(_loss, _grad_wrong, {"W": W}, args=(x,), raise_on_failure=False)
    fw = report.first_wrong
    assert (fw.line, fw.name, fw.function, fw.code) == (
        _grad_wrong.__code__.co_firstlineno + 2,
        "d",
        "_grad_wrong",
        "d = 1 - t",
    )
    line = report.to_dict()["where"]
    assert line.startswith("where: _grad_wrong (test_locate.py:") and line in str(report)
    assert f"- {line}" in report._repr_markdown_() and line.replace("'", "&#x27;") in report._repr_html_()
    data = json.loads(json.dumps(report.to_dict(), default=str))
    assert data["first_wrong"]["name"] == "d" and [s["status"] for s in data["steps"]] == ["right", "wrong", "wrong"]


def test_a_passing_check_follows_nothing():
    def grad(p, x):
        t = np.tanh(p["W"] @ x)
        return {"W": (1 - t**2) @ x.T}

    W, x = np.array([[0.3, -0.2], [0.1, 0.4]]), np.array([[1.0], [2.0]])
    report = gradcheck.check_grad(_loss, grad, {"W": W}, args=(x,))
    assert report.first_wrong is None and report.steps == [] and report.not_located == ""


def test_a_backward_that_cannot_be_followed_says_why_in_one_line():
    W, x = np.array([[0.3, -0.2], [0.1, 0.4]]), np.array([[1.0], [2.0]])
    source = "def grad(p, x):\n    return {'W': np.ones((2, 2))}\n"
    ns = {"np": np}
    exec(compile(source, "<generated>", "exec"), ns)
    report = gradcheck.check_grad(_loss, ns["grad"], {"W": W}, args=(x,), raise_on_failure=False)
    assert report.first_wrong is None
    assert (
        report.not_located
        == "the backward's source cannot be read (code made by exec or compiled), so its lines cannot be followed"
    )
    assert "where: not located: the backward's source cannot be read" in str(report)
