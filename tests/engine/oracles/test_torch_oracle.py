"""oracles/torch.py: run() gives autograd's float64 gradient or a reason it cannot; the parameter tensors are torch's
own copies, so the caller's arrays stay untouched whatever the loss writes under torch."""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc
from gradcheck._engine.oracles.torch import _leaf

torch = pytest.importorskip("torch")


def test_a_float64_point_is_copied_for_torch():
    x = np.linspace(-1, 1, 5)
    x.flags.writeable = False  # the check's point is a read-only view of your float64 param
    t = _leaf(torch, x)
    assert t.requires_grad and t.dtype == torch.float64 and t.data_ptr() != x.ctypes.data
    assert t.detach().numpy().tolist() == x.tolist()


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


def _decays_through_data(p, x):
    xp = array_namespace(p["w"])
    value = xp.sum((p["w"] * x) ** 2)
    if hasattr(p["w"], "detach"):
        p["w"].data *= 0.5  # a write torch's version counter does not see
    return value


@pytest.mark.parametrize("loss", [_decays_under_torch_only, _decays_through_data], ids=["no_grad", "data"])
def test_a_write_only_under_torch_is_an_error_that_says_so_and_the_callers_arrays_are_unchanged(loss):
    w, x = np.array([1.0, -2.0, 3.0]), np.array([0.5, 1.0, 2.0])
    with pytest.raises(gc.GradcheckError, match=r"loss wrote into params w in place under torch .*your arrays are "):
        gc.grad_report(loss, lambda p, x: {"w": 2 * p["w"] * x * x}, {"w": w}, args=(x,), oracles=("fd", "torch"))
    assert w.tolist() == [1.0, -2.0, 3.0] and x.tolist() == [0.5, 1.0, 2.0]


def _cubic(p, a):
    xp = array_namespace(p["x"])
    return xp.sum(a * p["x"] ** 3) + xp.sum(p["b"] ** 2)


def _problem(loss=_cubic):
    from gradcheck._engine.problem.problem import Problem

    return Problem.at(loss, {"x": np.array([1.0, -2.0, 0.5]), "b": np.array([[0.25]])}, (np.arange(1.0, 4.0),))


def test_run_gives_the_float64_gradient_and_value_of_the_loss():
    from gradcheck._engine.oracles import torch as torch_oracle

    problem = _problem()
    result = torch_oracle.run(problem)
    x, a = problem.leaves[0], problem.args[0]
    assert result.name == "torch" and result.mode == "entries" and result.evaluations == 1
    assert np.allclose(result.grads[0], 3 * a * x**2, rtol=1e-15) and result.grads[0].dtype == np.float64
    assert result.grads[1].shape == (1, 1) and np.allclose(result.grads[1], 0.5)
    assert result.value == pytest.approx(problem.f0, rel=1e-15)


def test_run_gives_zeros_for_a_param_the_loss_does_not_use_and_for_a_constant_loss():
    from gradcheck._engine.oracles import torch as torch_oracle

    result = torch_oracle.run(_problem(lambda p, a: array_namespace(p["x"]).sum(a * p["x"])))
    assert np.array_equal(result.grads[1], np.zeros((1, 1))) and np.allclose(result.grads[0], _problem().args[0])
    constant = torch_oracle.run(_problem(lambda p, a: array_namespace(p["x"]).sum(a)))
    assert [g.tolist() for g in constant.grads] == [[0.0, 0.0, 0.0], [[0.0]]]  # no param reaches the value


def test_run_refuses_a_numpy_only_loss_and_a_vector_loss_with_the_reason():
    from gradcheck._engine.oracles import CannotRun
    from gradcheck._engine.oracles import torch as torch_oracle

    with pytest.raises(
        CannotRun,
        match=r"^<lambda> \(test_torch_oracle.py:\d+\) converted an array computed from its inputs to a Python float "
        r"\(float\): torch cannot follow it past that line$",
    ):
        torch_oracle.run(_problem(lambda p, a: float(np.sum(a * np.asarray(p["x"]) ** 3))))

    def vector(p, a):  # a scalar on numpy (the point's value), a vector under torch
        return float(np.sum(p["x"])) if isinstance(p["x"], np.ndarray) else p["x"] * 2

    with pytest.raises(CannotRun, match=r"loss returned a tensor of shape \(3,\) under torch, expected a scalar"):
        torch_oracle.run(_problem(vector))


def test_torch_runs_on_one_thread_and_gives_your_thread_count_back():
    from gradcheck._engine.oracles import torch as torch_oracle
    from gradcheck._engine.problem.problem import Problem

    seen = []

    def loss(p):
        seen.append(torch.get_num_threads())
        xp = array_namespace(p["w"])
        return xp.sum(p["w"] ** 2)

    problem = Problem.at(loss, {"w": np.ones(3)})
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        result = torch_oracle.run(problem)
        assert seen[-1] == 1 and torch.get_num_threads() == 2 and result.grads[0].tolist() == [2.0, 2.0, 2.0]
    finally:
        torch.set_num_threads(before)
