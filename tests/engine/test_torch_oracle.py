"""oracles/torch.py: the parameter tensors share the point's memory, and the caller's arrays stay untouched."""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc
from gradcheck._engine.oracles.torch import _shared

torch = pytest.importorskip("torch")


def test_a_float64_point_is_shared_not_copied():
    x = np.linspace(-1, 1, 5)
    x.flags.writeable = False  # the check's point is a read-only view of your float64 param
    t = _shared(torch, x)
    assert t.requires_grad and t.dtype == torch.float64 and t.data_ptr() == x.ctypes.data


def _decays_in_place(p, x):
    """Weight decay in place after the value, as an optimiser step does it: autograd does not see the write."""
    xp = array_namespace(p["w"])
    value = xp.sum((p["w"] * x) ** 2)
    w = p["w"].detach() if hasattr(p["w"], "detach") else p["w"]
    w *= 0.5  # seen on numpy copies first, so torch then runs on clones, never on your memory
    return value


def test_a_loss_writing_into_its_params_leaves_the_callers_arrays_untouched_under_torch():
    w, x = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    report = gc.grad_report(_decays_in_place, lambda p, x: {"w": 2 * p["w"] * x * x}, {"w": w}, args=(x,))
    assert w.tolist() == [1.0, -2.0, 3.0] and x.tolist() == [0.5, 1.0, 2.0]
    assert "torch" in report.ran and [h.source for h in report.health if h.name == "mutated_input"] == ["loss"]
    assert all(p.comparisons["torch"].ok for p in report.params)


def _decays_under_torch_only(p, x):
    xp = array_namespace(p["w"])
    value = xp.sum((p["w"] * x) ** 2)
    if hasattr(p["w"], "detach"):
        with torch.no_grad():
            p["w"].mul_(0.5)  # a write no numpy copy could show
    return value


def test_a_write_only_under_torch_is_an_error_that_says_so():
    w, x = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    with pytest.raises(gc.GradcheckError, match=r"loss wrote into params w in place under torch"):
        gc.grad_report(_decays_under_torch_only, lambda p, x: {"w": 2 * p["w"] * x * x}, {"w": w}, args=(x,))
