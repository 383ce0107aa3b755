"""Plain gradient descent, pure, so a textbook's "new weights" can be reproduced."""

from __future__ import annotations

from gradcheck.errors import GradcheckError


def sgd_step(params: dict, grads: dict, lr: float) -> dict:
    """New dict {k: params[k] - lr * grads[k]}; the inputs are left untouched."""
    if set(params) != set(grads):
        raise GradcheckError(
            f"Expected grads with the same keys as params {sorted(params)} but got grads keys {sorted(grads)}"
        )
    for name in params:
        if tuple(params[name].shape) != tuple(grads[name].shape):
            raise GradcheckError(
                f"Expected grads[{name!r}] of shape {tuple(params[name].shape)} like params[{name!r}] "
                f"but got shape {tuple(grads[name].shape)}"
            )
    return {name: params[name] - lr * grads[name] for name in params}  # W <- W - eta dE/dW
