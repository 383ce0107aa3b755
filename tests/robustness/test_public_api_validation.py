"""Every argument of every public function is validated up front: a wrong type or value is a GradcheckError that
echoes `name=value` and the rule, raised before any user code runs."""

import inspect

import numpy as np
import pytest

import gradcheck as gc

P = {"a": np.ones(3)}


def loss(p):
    return float(np.sum(p["a"] ** 2))


def grad(p):
    return {"a": 2 * p["a"]}


def fn(x):
    return x * 2


def vjp(g, x):
    return (2 * g,)


def course_forward(x):
    return 2 * x, x


def course_backward(dout, cache):
    return (2 * dout,)


class Doubler:
    """A layer object: y = w * x, parameters and gradients in dicts."""

    def __init__(self):
        self.parameters, self.gradients = {"w": np.ones(3)}, {"w": np.zeros(3)}

    def forward(self, X):
        self.X = X
        return self.parameters["w"] * X

    def backward(self, dY):
        self.gradients["w"] = (dY * self.X).sum(axis=0)
        return dY * self.parameters["w"]


def _function():
    """A torch.autograd.Function for check_function's row (None without torch)."""
    try:
        import torch
    except ImportError:
        return None

    class Double(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    return Double


GOOD = {
    gc.check_grad: dict(loss=loss, grad=grad, params=P),
    gc.grad_report: dict(loss=loss, grad=grad, params=P),
    gc.check_vjp: dict(fn=fn, vjp=vjp, inputs=(np.ones(3),)),
    gc.check_hvp: dict(loss=loss, hvp=lambda p, v: {"a": 2 * v["a"]}, params=P),
    gc.check_jvp: dict(fn=fn, jvp=lambda t, x: 2 * t[0], inputs=(np.ones(3),)),
    gc.check_backward: dict(forward=course_forward, backward=course_backward, inputs=(np.ones(3),)),
    gc.check_layer: dict(layer=Doubler(), X=np.ones((2, 3))),
    gc.taylor_data: dict(loss=loss, grad=grad, params=P),
    gc.FiniteDifferences: {},
    gc.CentralRichardson: {},
    gc.Tolerance: dict(rtol=1e-6, atol=1e-9),
}
if _function() is not None:
    GOOD[gc.check_function] = dict(F=_function(), inputs=(np.ones(3),))

# argument -> (wrong type, wrong value); None where the argument takes any value of that kind
WRONG = {
    "loss": (3, None),
    "grad": ("grad", None),
    "fn": (None, None),
    "vjp": (1.5, None),
    "params": ("weights", {"a": np.array([1.0, np.nan])}),
    "inputs": (5, ()),
    "oracles": (5, "fd,tensorflow"),
    "seed": (1.5, -1),
    "rtol": ("tight", -1e-3),
    "atol": ([1e-9], float("nan")),
    "fd": ("central", None),
    "raise_on_failure": ("yes", None),
    "kind": (3, "hessian"),
    "label": (7, ""),
    "count": (2.5, 1),
    "first": ("big", 3.0),
    "cotangent": (None, np.ones(5)),
    "method": ("richardson", None),
    "max_entries": (1.5, -1),
    "max_entries_alone": ("many", -5),
    "probes_per_param": (True, 0),
    "global_probes": (None, 0),
    "block_probes_up_to": (1e5, -1),
    "large": ("x", -1),
    "bisect_budget": (9.5, -2),
    "mode": (1, "exact"),
    "levels": (2.0, 9),
    "rel_step": ("small", 0.0),
    "k_fd": ("4", -4.0),
    "atol_is_relative": ("no", None),
    "forward": (3, "no_such_method"),
    "backward": (1.5, "no_such_method"),
    "dout": ("abc", np.ones(5)),
    "outputs": ("2", 0),
    "names": (5, ("a", "a")),
    "layer": (3, None),
    "X": ("abc", None),
    "grads": (5, ("dW", 7)),
    "input_name": (5, ""),
    "dY": ("abc", np.ones(5)),
    "F": (3, None),
    "reference": ("abc", None),
    "float64": ("yes", None),
    "order": ("2", 3),
    "hvp": (1.5, None),
    "jvp": ("jvp", None),
    "vector": ("abc", {"a": np.ones(5)}),
    "tangent": ("abc", (np.ones(5),)),
}
COTANGENTS = ("cotangent", "dout", "dY")  # a wrong shape is said as `dout.shape=(5,)`
SKIP = {"args"}  # any value is an argument tuple (a single value is wrapped)


def _keywords(func):
    """func's parameters, its `**options` read as the CheckOptions every entry point takes."""
    for p in inspect.signature(func).parameters.values():
        yield from gc.CheckOptions.__annotations__ if p.kind is p.VAR_KEYWORD else (p.name,)


def _cases():
    for func, good in GOOD.items():
        for name in _keywords(func):
            if name in SKIP:
                continue
            assert name in WRONG, f"{func.__name__}({name}=...) has no wrong values listed: add them"
            for which, value in zip(("type", "value"), WRONG[name]):
                if value is not None or (name == "cotangent" and which == "type"):
                    if name == "cotangent" and which == "type":
                        continue
                    yield pytest.param(func, good, name, value, id=f"{func.__name__}-{name}-{which}")


@pytest.mark.parametrize("func, good, name, value", list(_cases()))
def test_each_bad_argument_is_named_with_its_value(func, good, name, value):
    called = []

    def spy(f):
        return lambda *a: called.append(1) or f(*a)

    kwargs = {
        k: spy(v) if callable(v) and k in ("loss", "grad", "fn", "vjp", "forward", "backward") else v
        for k, v in good.items()
    }
    kwargs[name] = value
    with pytest.raises(gc.GradcheckError) as e:
        func(**kwargs)
    message = str(e.value)
    shown = f"{name}=" if name not in ("params", "inputs", *COTANGENTS) else name
    assert shown in message, message
    if name not in ("loss", "grad", "fn", "vjp", "params", "inputs", *COTANGENTS):
        assert message.startswith("Expected ") and f"(type={type(value).__name__})" in message, message
    if name in ("oracles", "seed", "rtol", "atol", "fd", "raise_on_failure", "kind", "label"):
        assert not called, f"user code ran before {name} was checked"


def test_the_table_covers_every_public_callable():
    public = {
        getattr(gc, n)
        for n in gc.__all__
        if callable(getattr(gc, n)) and n[0].islower() or n in ("FiniteDifferences", "CentralRichardson", "Tolerance")
    }
    if _function() is None:
        public.discard(gc.check_function)  # its row needs a torch.autograd.Function
    assert public == set(GOOD)


@pytest.mark.parametrize(
    "returned, words",
    [
        ((g for g in [np.ones(3)]), "but it returned <generator"),
        ("abc", "but it returned 'abc' (type=str)"),
        ({1, 2}, "(type=set)"),
    ],
)
def test_grad_returning_something_that_is_not_a_gradient(returned, words):
    with pytest.raises(gc.GradcheckError) as e:
        gc.check_grad(loss, lambda p: returned, P, oracles="fd")
    assert "Expected grad to return gradients shaped like params" in str(e.value) and words in str(e.value)


def test_vjp_returning_a_dict_is_named():
    with pytest.raises(
        gc.GradcheckError,
        match=r"Expected vjp to return a tuple of 1 gradients .* but it returned "
        r"\{'x': .*\(type=dict\)",
    ):
        gc.check_vjp(fn, lambda g, x: {"x": 2 * g}, (np.ones(3),), oracles="fd")


def test_torch_tensors_that_require_grad_get_detach_advice_not_nondeterministic():
    torch = pytest.importorskip("torch")

    def torch_grad(p):
        w = torch.tensor(p["a"], requires_grad=True)
        (g,) = torch.autograd.grad((w**2).sum(), w, create_graph=True)
        return {"a": g}

    with pytest.raises(gc.GradcheckError) as e:
        gc.check_grad(loss, torch_grad, P, oracles="fd")
    assert "grad returned torch tensors that still require grad (a)" in str(e.value)
    assert "g.detach().numpy()" in str(e.value) and "nondeterministic" not in str(e.value)


def test_oracles_as_text_work_in_check_grad():
    assert gc.check_grad(loss, grad, P, oracles="fd").ran == ["fd"]
    pytest.importorskip("torch")
    from array_api_compat import array_namespace

    def xp_loss(p):
        return array_namespace(p["a"]).sum(p["a"] ** 2)

    assert gc.check_grad(xp_loss, grad, P, oracles="fd,torch").ran == ["fd", "torch"]
    assert gc.check_grad(xp_loss, grad, P, oracles=["torch", "fd"]).ran == ["fd", "torch"]
