"""The two frameworks numpy code is followed under, behind one small interface.

Each backend gives the numpy-semantics namespace whose functions compute on its arrays (`torch._numpy` for
torch, the layer torch.compile traces numpy code with; `jax.numpy` for jax), gathers values by flat index and
writes them functionally (a new array, never an in-place change autograd could see), and tells a value that
depends on the parameters from a constant. Imported by the oracle that needs it, never at `import gradcheck`.
"""

from __future__ import annotations

import numpy as np


class TorchBackend:
    """numpy semantics over torch tensors, through torch._numpy (its ndarray is the inner value)."""

    name = "torch"

    def __init__(self):
        import torch
        import torch._numpy as tnp

        self.torch, self.xnp = torch, tnp
        self.special = {
            "expit": torch.special.expit,
            "logit": torch.special.logit,
            "erf": torch.special.erf,
            "erfc": torch.special.erfc,
            "gammaln": torch.special.gammaln,
            "xlogy": torch.special.xlogy,
            "ndtr": torch.special.ndtr,
            "log_ndtr": torch.special.log_ndtr,
            "softmax": torch.special.softmax,
            "log_softmax": torch.special.log_softmax,
        }

    def leaf(self, x: np.ndarray):
        """A float64 tensor that requires grad, on its own copy of x."""
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=True)

    def inner(self, a):
        """The backend value for a tensor, a numpy array or a Python scalar."""
        if isinstance(a, self.xnp.ndarray):
            return a
        if isinstance(a, self.torch.Tensor):
            return self.xnp.ndarray(a)
        return self.xnp.asarray(a)

    def is_inner(self, a) -> bool:
        return isinstance(a, self.xnp.ndarray)

    def tensor(self, a):
        return a.tensor

    def depends(self, a) -> bool:
        return bool(a.tensor.requires_grad)

    def to_numpy(self, a) -> np.ndarray:
        return a.tensor.detach().numpy().copy()

    def dtype(self, a) -> np.dtype:
        return np.dtype(a.dtype.name.rstrip("_"))

    def gather(self, a, index: np.ndarray):
        return self.xnp.ndarray(a.tensor.reshape(-1)[self.torch.as_tensor(np.array(index))])

    def put(self, a, index: np.ndarray, value, accumulate: bool = False):
        """a with the entries at flat `index` set to (or, accumulating, increased by) `value`, as a new array."""
        t = a.tensor
        v = self.inner(value).tensor.to(t.dtype)
        v = self.torch.broadcast_to(v, index.shape).reshape(-1)
        flat = t.reshape(-1).index_put((self.torch.as_tensor(np.array(index.reshape(-1))),), v, accumulate=accumulate)
        return self.xnp.ndarray(flat.reshape(t.shape))

    def special_fn(self, name: str):
        """scipy.special's ufunc `name` on torch (None when torch has no counterpart)."""
        fn = self.special.get(name)
        if fn is None:
            return None
        return lambda *a, **k: self.xnp.ndarray(fn(*[self.inner(x).tensor for x in a], **k))

    def scalar_tensor(self, a):
        return a.tensor.reshape(())

    def replace(self, a, value):
        """value cast to a's dtype and broadcast to its shape: a whole-array write."""
        t = a.tensor
        return self.xnp.ndarray(self.torch.broadcast_to(self.inner(value).tensor.to(t.dtype), t.shape))


class JaxBackend:
    """numpy semantics over jax arrays, through jax.numpy (jax arrays, immutable, are the inner value)."""

    name = "jax"

    def __init__(self):
        import jax
        import jax.numpy as jnp
        import jax.scipy.special as jsp

        self.jax, self.xnp = jax, jnp
        self.special = {
            n: getattr(jsp, n)
            for n in (
                "expit",
                "logit",
                "erf",
                "erfc",
                "gammaln",
                "xlogy",
                "ndtr",
                "log_ndtr",
                "softmax",
                "log_softmax",
                "logsumexp",
            )
            if hasattr(jsp, n)
        }

    def leaf(self, x: np.ndarray):
        return self.xnp.asarray(x, dtype=self.xnp.float64)

    def inner(self, a):
        return a if isinstance(a, self.jax.Array) else self.xnp.asarray(a)

    def is_inner(self, a) -> bool:
        return isinstance(a, self.jax.Array)

    def tensor(self, a):
        return a

    def depends(self, a) -> bool:
        return isinstance(a, self.jax.core.Tracer)

    def to_numpy(self, a) -> np.ndarray:
        return np.array(a)

    def dtype(self, a) -> np.dtype:
        return np.dtype(a.dtype)

    def gather(self, a, index: np.ndarray):
        return a.reshape(-1)[index]

    def put(self, a, index: np.ndarray, value, accumulate: bool = False):
        v = self.xnp.broadcast_to(self.inner(value).astype(a.dtype), index.shape).reshape(-1)
        at = a.reshape(-1).at[index.reshape(-1)]
        return (at.add(v) if accumulate else at.set(v)).reshape(a.shape)

    def special_fn(self, name: str):
        return self.special.get(name)

    def scalar_tensor(self, a):
        return a.reshape(())

    def replace(self, a, value):
        return self.xnp.broadcast_to(self.inner(value).astype(a.dtype), a.shape)


def backend(name: str):
    """The backend for oracle `name` ("torch" or "jax")."""
    return TorchBackend() if name == "torch" else JaxBackend()
