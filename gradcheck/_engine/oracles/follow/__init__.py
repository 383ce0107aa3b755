"""torch and jax differentiate the user's unmodified numpy code: it is handed arrays that carry the framework's
values and give them numpy's semantics (NEP 13 ufuncs, NEP 18 functions, methods, operators, indexing).

Built on the frameworks' own numpy-semantics layers, `torch._numpy` (what torch.compile traces numpy code with)
and `jax.numpy`: numpy's functions map to theirs by name, so both oracles follow the same code one way. What
this package adds is what those layers do not: numpy's dispatch (numpy calls us, not the other way round),
writes as functional updates that keep numpy's aliasing (array.py: a shadow of flat indices), numpy's
constructors in the user's code (creation.py), the line where code leaves what can be followed (escape.py),
the check that the followed forward is the user's own (run.py), and what worked, remembered (memo.py).

For another stage (a locator of the first wrong line, say): `followed_value(backend, problem, leaves)` runs
the loss on Followed parameters and returns the 0-d framework value; `Session` and `Followed` are the values
seen inside (`Followed.v` is an array's current framework value).
"""

from __future__ import annotations

from .memo import ATTEMPTS, Attempts, attempt

VIA = {"torch": "torch._numpy", "jax": "jax.numpy"}


def torch_run(problem):
    """A thunk: (gradients, value) of the followed loss by torch autograd (run.torch_gradients; check_hvp's
    pairing: H v, second.torch_hvp)."""
    from .run import torch_gradients
    from .second import follows_twice, torch_hvp

    return lambda: torch_hvp(problem) if follows_twice(problem) else torch_gradients(problem)


def jax_run(problem):
    """A thunk: ((gradients, value), cached=False) of the followed loss by jax.grad (run.jax_gradients; check_hvp's
    pairing: H v, second.jax_hvp)."""
    from .run import jax_gradients
    from .second import follows_twice, jax_hvp

    return lambda: (*(jax_hvp(problem) if follows_twice(problem) else jax_gradients(problem)), False)


__all__ = ["ATTEMPTS", "VIA", "Attempts", "attempt", "jax_run", "torch_run"]
