"""The fixture's check_backward, check_layer, check_function and multi-output check_vjp: the test's settings
apply, each check is recorded (summary, JSON report, JUnit line) and a wrong one fails the test with its report."""

import json
import xml.etree.ElementTree as ET

import pytest

from .conftest import XDIST

ENTRY_POINTS = """
import numpy as np
import pytest

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4))


def relu_forward(x):
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def relu_backward_no_mask(dout, cache):
    return dout.copy()


class Scale:
    def __init__(self):
        self.parameters = {"w": np.linspace(0.5, 2.0, 4)}
        self.gradients = {}

    def forward(self, X):
        self.X = X
        return X * self.parameters["w"]

    def backward(self, dY):
        self.gradients["w"] = (dY * self.X).sum(axis=0) * self.wrong
        return dY * self.parameters["w"]

    wrong = 1.0


class BadScale(Scale):
    wrong = 2.0


def two_outputs(x, y):
    return x * y, x + y


def two_outputs_vjp(g, x, y):
    gp, gs = g
    return gp * y + gs, gp * x + gs


@pytest.mark.gradcheck(oracles="fd", seed=4)
def test_marked(gradcheck):
    r = gradcheck.check_backward(relu_forward, relu_backward, (X + 0.05,))
    assert r.seed == 4 and [o.name for o in r.oracles if o.status == "ran"] == ["fd"]
    r = gradcheck.check_layer(Scale(), X, label="scale layer")
    assert r.seed == 4 and [p.name for p in r.params] == ["X", "w"]
    r = gradcheck.check_vjp(two_outputs, two_outputs_vjp, (X, X.T.copy().T), names=("a", "b"), seed=7)
    assert r.seed == 7 and [p.name for p in r.params] == ["a", "b"]


def test_wrong_backward(gradcheck):
    gradcheck.check_backward(relu_forward, relu_backward_no_mask, (X,), oracles="fd")


def test_wrong_layer(gradcheck):
    with pytest.raises(gradcheck.GradientMismatch) as e:
        gradcheck.check_layer(BadScale(), X, oracles="fd")
    assert [p.name for p in e.value.report.params if not p.ok] == ["w"]


def test_unknown_keyword(gradcheck):
    with pytest.raises(gradcheck.GradcheckError, match="check_layer: unknown keyword 'dy'.*dY"):
        gradcheck.check_layer(Scale(), X, dy=X)
"""

FUNCTION = """
import numpy as np
import pytest
import torch


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2 * ctx.factor


class GoodCube(Cube):
    @staticmethod
    def forward(ctx, x):
        ctx.factor = 1.0
        return Cube.forward(ctx, x)


class BadCube(Cube):
    @staticmethod
    def forward(ctx, x):
        ctx.factor = 0.5
        return Cube.forward(ctx, x)


@pytest.mark.gradcheck(oracles="fd,torch")
def test_function(gradcheck):
    x = np.linspace(-1, 1, 5)
    r = gradcheck.check_function(GoodCube, (x,))
    assert sorted(o.name for o in r.oracles if o.status == "ran") == ["fd", "torch"]
    with pytest.raises(gradcheck.GradientMismatch) as e:
        gradcheck.check_function(BadCube, (x,))
    assert e.value.report.params[0].diagnosis_kind == "scaled"
"""


@pytest.mark.parametrize("xdist", XDIST)
def test_the_entry_points_apply_the_settings_and_are_recorded(pytester, xdist):
    pytester.makepyfile(test_entry=ENTRY_POINTS)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradcheck-report=r.json", "--junitxml=j.xml", *xdist
    )
    result.assert_outcomes(passed=3, failed=1)
    out = result.stdout.str()
    assert "gradient mismatch in x" in out and "Traceback" not in out
    checks = json.loads((pytester.path / "r.json").read_text())["checks"]
    got = sorted((c["test"].split("::")[1], c["label"], c["ok"]) for c in checks)
    assert got == [
        ("test_marked", "relu_backward", True),
        ("test_marked", "scale layer", True),
        ("test_marked", "two_outputs", True),
        ("test_wrong_backward", "relu_backward_no_mask", False),
        ("test_wrong_layer", "BadScale", False),
    ]
    marked = [c for c in checks if c["test"].endswith("test_marked")]
    assert [c["report"]["seed"] for c in marked] == [4, 4, 7]
    props = [p.get("value") for p in ET.parse(pytester.path / "j.xml").iter("property") if p.get("name") == "gradcheck"]
    assert "scale layer: " + next(c["report"]["verdict"] for c in marked if c["label"] == "scale layer") in props
    assert any(p.startswith("relu_backward_no_mask: gradient mismatch in x") for p in props)


def test_check_function_in_a_test(pytester):
    pytest.importorskip("torch")
    pytester.makepyfile(test_function=FUNCTION)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-report=r.json")
    result.assert_outcomes(passed=1)
    checks = json.loads((pytester.path / "r.json").read_text())["checks"]
    assert [(c["label"], c["ok"]) for c in checks] == [("GoodCube", True), ("BadCube", False)]
    assert checks[0]["agree"] == {"fd": True, "torch": True}
