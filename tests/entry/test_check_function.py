"""check_function: torch.autograd.Function subclasses and jax.custom_vjp functions, right and planted-wrong."""

import numpy as np
import pytest

import gradcheck as gc

torch = pytest.importorskip("torch")
from entry_functions import Cube, CubeWrong, GradReverse, MulAdd, RoundST, jax_functions  # noqa: E402


@pytest.fixture
def x():
    return np.random.default_rng(0).normal(size=(3, 2))


class Bilinear(torch.autograd.Function):
    """out = x * w; the backward is right for x and wrong (a factor 2) for w."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return g * w, 2 * g * x


class NewStyle(torch.autograd.Function):
    """forward without ctx plus setup_context (torch >= 2.0)."""

    @staticmethod
    def forward(x):
        return torch.sin(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * torch.cos(x)


def test_right_function_passes_and_non_tensor_arguments_pass_through(x):
    assert gc.check_function(Cube.apply, (x, 2.0)).ok  # F.apply is read as F
    report = gc.check_function(Cube, (x, 2.0))
    assert report.ok and report.kind == "function"
    assert [p.name for p in report.params] == ["x"]
    assert report.ran == ["fd", "torch"]
    assert report.oracles[2].reason == (
        "no reference forward given (pass reference=f, the forward written against "
        "the array API, to add jax as an oracle)"
    )


def test_wrong_input_named_in_one_call_and_the_ad_oracle_never_uses_the_backward(x):
    w = np.random.default_rng(1).normal(size=(3, 2))
    report = gc.check_function(Bilinear, (x, w), cotangent=np.ones((3, 2)), raise_on_failure=False)
    assert [p.name for p in report.failing] == ["w"]
    assert np.allclose(report.param("w").refs["torch"], x)  # autograd of the body, not of F.apply
    assert report.param("w").diagnosis.startswith("yours = 2 x reference")
    assert report.verdict == (
        "gradient mismatch in w: hand-written backward disagrees with fd and torch (they agree with each other)"
    )


def test_a_wrong_constant_in_the_backward(x):
    report = gc.check_function(CubeWrong, (x, 2.0), raise_on_failure=False)
    assert [p.name for p in report.failing] == ["x"]
    assert report.param("x").diagnosis.startswith(f"yours = {2 / 3:.6g} x reference")


def test_gradient_of_a_broadcast_shape_is_summed_like_torchs_engine(x):
    report = gc.check_function(MulAdd, (x, x + 1, np.array(0.5)))
    assert report.ok and report.param("b").shape == ()


def test_reference_forward_adds_the_other_framework(x):
    pytest.importorskip("jax")
    report = gc.check_function(Cube, (torch.tensor(x, dtype=torch.float32), 2.0), reference=lambda x, s: s * x**3)
    assert report.ok and report.ran == ["fd", "torch", "jax"]
    assert report.param("x").dtype == "float64"  # float64 by default
    own = gc.check_function(Cube, (torch.tensor(x, dtype=torch.float32), 2.0), float64=False, oracles=("fd", "torch"))
    assert own.ok and own.param("x").dtype == "float32"


def test_new_style_function_with_setup_context(x):
    report = gc.check_function(NewStyle, (x,))
    assert report.ok and [p.name for p in report.params] == ["x"] and report.ran == ["fd", "torch"]


@pytest.mark.parametrize(
    "F, kind, words",
    [
        (
            RoundST,
            "surrogate",
            "the reference gradient is zero at every entry and yours is not: the forward is piecewise constant here",
        ),
        (
            GradReverse,
            "scaled",
            "yours = -1 x reference (the sign is flipped): a gradient reversal layer returns "
            "-lambda x the derivative on purpose",
        ),
    ],
)
def test_deliberately_not_the_derivative_fails_and_says_so(x, F, kind, words):
    report = gc.check_function(F, (x + 0.1,), raise_on_failure=False)
    assert not report.ok and report.param("x").diagnosis_kind == kind
    assert report.param("x").diagnosis.startswith(words)


def test_jax_custom_vjp_right_approximated_and_clipped(x):
    pytest.importorskip("jax")
    right, approx, clip = jax_functions()
    X = np.random.default_rng(0).normal(size=(4, 5))
    report = gc.check_function(right, (X,))
    assert report.ok and report.ran == ["fd", "jax"] and [p.name for p in report.params] == ["x"]
    found = gc.check_function(approx, (X,), raise_on_failure=False).param("x")
    assert found.diagnosis_kind == "approximation"
    assert found.diagnosis.startswith(
        "yours is close to the reference but off by a small systematic amount (correlation 1.0000, largest difference "
    )
    clipped = gc.check_function(clip, (X,), raise_on_failure=False).param("x")
    k = int(np.sum(np.abs(clipped.refs["jax"]) > 0.5))  # the reference of the identity is the cotangent
    assert clipped.diagnosis.startswith(
        f"yours = reference clipped to [-0.5, 0.5] ({k} entries where |reference| > "
        f"0.5 are exactly +-0.5): gradient clipping inside the backward"
    )


def test_not_a_function_is_an_error():
    with pytest.raises(
        gc.GradcheckError,
        match=r"Expected F to be a torch.autograd.Function subclass or a "
        r"jax.custom_vjp or jax.custom_jvp function",
    ):
        gc.check_function(lambda x: x, (np.ones(2),))


class InPlaceBody(torch.autograd.Function):
    """A body autograd cannot differentiate (an in-place write into a saved result): torch is skipped, fd decides."""

    @staticmethod
    def forward(ctx, x):
        y = torch.exp(x)
        out = y * 2
        y.add_(1.0)  # in place on a tensor autograd saved for exp's backward
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Bisected(torch.autograd.Function):
    """out = x - t(x), t the root of t^3 + t = x found by bisection (autograd sees no path through t); the
    backward is the implicit derivative 1 - 1/(3t^2 + 1)."""

    @staticmethod
    def forward(ctx, x):
        lo, hi = torch.full_like(x, -10.0), torch.full_like(x, 10.0)
        for _ in range(60):
            mid = (lo + hi) / 2
            low = mid**3 + mid < x
            lo, hi = torch.where(low, mid, lo), torch.where(low, hi, mid)
        t = (lo + hi) / 2
        ctx.save_for_backward(t)
        return x - t

    @staticmethod
    def backward(ctx, g):
        (t,) = ctx.saved_tensors
        return g * (1 - 1 / (3 * t**2 + 1))


def test_a_body_autograd_cannot_run_skips_torch_with_the_reason(x):
    report = gc.check_function(InPlaceBody, (x,))
    assert report.ok and report.ran == ["fd"]
    assert report.oracles[1].reason.startswith(
        "InPlaceBody.forward under torch's autograd raised RuntimeError: "
        "one of the variables needed for gradient computation has been "
        "modified by an inplace operation"
    )


def test_an_iterated_body_is_explained_when_fd_and_autograd_disagree(x):
    report = gc.check_function(Bisected, (x,), raise_on_failure=False)
    notes = report.param("x").notes
    assert report.param("x").comparisons["fd"].ok and not report.param("x").comparisons["torch"].ok
    assert report.verdict == (
        "gradient mismatch in x: hand-written backward disagrees with torch (and the oracles disagree with each other)"
    )
    assert any(
        n.startswith("yours agrees with fd only; torch's autograd of Bisected.forward is differentiated step by step")
        for n in notes
    )
    assert gc.check_function(Bisected, (x,), oracles=("fd",)).ok


def test_jax_custom_vjp_with_a_non_differentiated_argument():
    jax = pytest.importorskip("jax")
    import functools

    @functools.partial(jax.custom_vjp, nondiff_argnums=(1,))
    def power(x, k):
        return x**k

    def fwd(x, k):
        return power(x, k), x

    def bwd(k, x, g):
        return (g * k * x ** (k - 1),)  # d/dx x^k = k x^(k-1)

    power.defvjp(fwd, bwd)
    x = np.abs(np.random.default_rng(2).normal(size=(2, 3))) + 0.5
    report = gc.check_function(power, (x, 3))
    assert report.ok and [p.name for p in report.params] == ["x"] and report.ran == ["fd", "jax"]


class RowMax(torch.autograd.Function):
    """(max of each row, its index): two outputs, the index integer and not differentiable."""

    @staticmethod
    def forward(ctx, x):
        values, index = x.max(dim=1)
        ctx.mark_non_differentiable(index)
        ctx.save_for_backward(x, index)
        return values, index

    @staticmethod
    def backward(ctx, g_values, g_index):
        x, index = ctx.saved_tensors
        dx = torch.zeros_like(x)
        dx[torch.arange(x.shape[0]), index] = g_values  # route each row's gradient to its argmax
        return dx


class RowMaxWrongRoute(RowMax):
    @staticmethod
    def backward(ctx, g_values, g_index):
        x, index = ctx.saved_tensors
        dx = torch.zeros_like(x)
        dx[torch.arange(x.shape[0]), (index + 1) % x.shape[1]] = g_values  # bug: the next column
        return dx


def test_several_outputs_with_an_integer_one(x):
    report = gc.check_function(RowMax, (x,))
    assert report.ok and report.ran == ["fd", "torch"]
    wrong = gc.check_function(RowMaxWrongRoute, (x,), raise_on_failure=False).param("x")
    assert wrong.diagnosis_kind == "routed"
