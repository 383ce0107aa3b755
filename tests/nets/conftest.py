"""Fixtures for the nets tests: torch autograd as the reference, and a seeded rng."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh seeded Generator per test, so every test is reproducible on its own."""
    return np.random.default_rng(20240611)


@pytest.fixture
def torch_grad():
    """torch_grad(fn, *arrays) -> list of float64 numpy gradients of the scalar fn(*tensors).

    Example: torch_grad(lambda z: (sigmoid(z) * g).sum(), z) is the VJP of sigmoid at z with g.
    """
    torch = pytest.importorskip("torch")

    def _grad(fn, *arrays, consts=()):
        tensors = [torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True) for a in arrays]
        const_tensors = [torch.tensor(np.asarray(c), dtype=torch.float64) for c in consts]
        fn(*tensors, *const_tensors).backward()
        return [t.grad.numpy() for t in tensors]

    return _grad
