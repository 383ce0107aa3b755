"""function_torch.py: a torch.autograd.Function's values by F.apply, its forward's body under autograd (never
its backward), and its backward called as torch's engine would, with gradients summed to broadcast shapes."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import gradcheck as gc  # noqa: E402 - after the skip
from gradcheck._engine.entry.function_torch import StandInCtx, TorchFunction, _expandable  # noqa: E402

from ...entry import entry_functions  # noqa: E402


class MulAdd(entry_functions.MulAdd):
    """entry_functions.MulAdd (db returned per entry, summed by torch's engine to shape ()), counting the calls of
    its backward."""

    backward_calls = 0

    @staticmethod
    def backward(ctx, g):
        MulAdd.backward_calls += 1
        return entry_functions.MulAdd.backward(ctx, g)


class Square(torch.autograd.Function):
    """New style: forward without ctx, setup_context apart; its backward forgets an input."""

    @staticmethod
    def forward(x, k):
        return k * x**2

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(inputs[0])

    @staticmethod
    def backward(ctx, g):
        return (2 * g * ctx.saved_tensors[0],)  # one gradient for two inputs


X, W, B = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.25, -1.0]), np.array(2.0)


def test_expandable_is_torchs_broadcast_rule():
    assert _expandable((), (3,)) and _expandable((1, 3), (2, 3)) and _expandable((3,), (2, 3))
    assert not _expandable((2,), (3,)) and not _expandable((2, 3), (3,))


def test_the_stand_in_ctx_keeps_what_forward_saves_and_flags():
    ctx = StandInCtx([True, False])
    ctx.save_for_backward(1, 2)
    ctx.mark_non_differentiable(3)
    ctx.set_materialize_grads(0)
    assert ctx.saved_tensors == (1, 2) and ctx.needs_input_grad == (True, False)
    assert ctx.non_differentiable == (3,) and ctx.materialize_grads is False


def test_labels_and_style_are_read_from_f():
    old, new = TorchFunction(MulAdd, True), TorchFunction(Square, True)
    assert (old.new_style, old.skip, new.new_style, new.skip) == (False, 1, True, 0)
    assert old.label == "MulAdd.forward" and old.backward_label == "MulAdd.backward"


def test_forward_gives_numpy_values_and_body_runs_the_forward_under_autograd_without_the_backward():
    fn = TorchFunction(MulAdd, True)
    (out,) = fn.forward([X, W, B])
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and np.array_equal(out, X * W + B)
    x = torch.tensor(X, requires_grad=True)
    before = MulAdd.backward_calls
    (y,) = fn.body([x, W, B], ["x"])
    (g,) = torch.autograd.grad(y.sum(), [x])
    assert np.array_equal(g.numpy(), W) and MulAdd.backward_calls == before  # autograd of the body, not yours


def test_yours_calls_the_backward_and_sums_a_broadcast_gradient_to_the_inputs_shape():
    fn = TorchFunction(MulAdd, True)
    gx, gw, gb = fn.yours([X, W, B], [np.ones(3)])
    assert np.array_equal(gx, W) and np.array_equal(gw, X) and gb.shape == () and float(gb) == 3.0
    assert fn.to_numpy(torch.tensor(X)).tolist() == X.tolist() and fn.to_numpy(3) == 3


def test_a_backward_returning_too_few_gradients_is_an_error_saying_torchs_rule():
    fn = TorchFunction(Square, True)
    with pytest.raises(gc.GradcheckError, match=r"Square.backward returned 1 gradients for 2 inputs: torch requires"):
        fn.yours([X, W], [np.ones(3)])
