"""A jax.custom_vjp function for check_function: its value by calling it, the AD oracle by jax.grad of the
undecorated primal (F.fun), and yours by its own fwd and bwd rules called directly (so a gradient of the
wrong shape is reported as such). x64 is enabled inside these calls only."""

from __future__ import annotations

import numpy as np

from ...errors import GradcheckError


class _JaxRules:
    """What check_function's views of a jax.custom_vjp and a jax.custom_jvp function share: F's value, its
    undecorated primal for jax.grad, and the numpy/jax conversions; `rule` names the hand-written rule."""

    name = "jax"
    skip = 0
    rule_name = "rule"

    def __init__(self, F, float64: bool):
        import jax

        self.jax, self.F, self.float64 = jax, F, float64
        self.forward_fn = F.fun
        fname = getattr(F.fun, "__name__", "F")
        self.label, self.body_label = fname, f"{fname} (undecorated)"
        self.backward_label = f"{fname}'s {self.rule_name}"
        self.nondiff = tuple(F.nondiff_argnums or ())

    def to_numpy(self, v):
        if isinstance(v, self.jax.Array):
            return np.array(v)
        return v

    def owns(self, leaf) -> bool:
        return isinstance(leaf, self.jax.Array)

    def _arrays(self, vals):
        import jax.numpy as jnp

        out = []
        for v in vals:
            if isinstance(v, np.ndarray):
                dtype = jnp.float64 if v.dtype.kind == "f" and self.float64 else v.dtype
                out.append(jnp.asarray(v, dtype=dtype))
            else:
                out.append(v)
        return out

    def forward(self, vals) -> list[np.ndarray]:
        with self.jax.enable_x64(True):
            outs = self.F(*self._arrays(vals))
            return [np.asarray(o) for o in _as_list(outs)]

    def body(self, vals, diff_names) -> list:
        """The undecorated primal on the oracle's arrays (jax.grad differentiates it, never F's bwd)."""
        arrays = [v if self.owns(v) else self._arrays([v])[0] for v in vals]
        return _as_list(self.F.fun(*arrays))

    def check_graph(self, total, leaves) -> None:
        """jax.grad reports its own failures inside the oracle; nothing to check ahead."""


class JaxFunction(_JaxRules):
    """check_function's view of a jax.custom_vjp function F."""

    rule_name = "bwd rule"

    def yours(self, vals, cots) -> list:
        """F's bwd rule on F's fwd residuals, one gradient per input (None for non-differentiated ones)."""
        import jax.numpy as jnp

        with self.jax.enable_x64(True):
            arrays = self._arrays(vals)
            out, res = self.F.fwd(*arrays)
            outs = _as_list(out)
            cot = [jnp.asarray(c, dtype=o.dtype) for c, o in zip(cots, outs)]
            cot = cot[0] if not isinstance(out, (list, tuple)) else type(out)(cot)
            grads = _as_list(self.F.bwd(*[arrays[i] for i in self.nondiff], res, cot))
            slots = [i for i in range(len(vals)) if i not in self.nondiff]
            if len(grads) != len(slots):
                raise GradcheckError(
                    f"{self.backward_label} returned {len(grads)} gradients for {len(slots)} "
                    f"differentiable arguments: jax requires one per argument"
                )
            full = [None] * len(vals)
            for i, g in zip(slots, grads):
                full[i] = (
                    None
                    if g is None or getattr(g, "dtype", None) == self.jax.dtypes.float0
                    else np.asarray(g, dtype=np.float64 if self.float64 else None)
                )
            return full


def _as_list(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


class JaxJvpFunction(_JaxRules):
    """check_function's view of a jax.custom_jvp function F: its value by calling it, the AD oracle by jax.grad
    of the undecorated primal (F.fun), and yours by its jvp rule called directly, with x64 inside these calls."""

    rule_name = "jvp rule"

    def __init__(self, F, float64: bool):
        super().__init__(F, float64)
        self.jvp_label = self.backward_label

    def rule(self, tangents, vals) -> list:
        """F's jvp rule at the inputs, its output tangents as numpy arrays (one per output)."""
        import jax.numpy as jnp

        with self.jax.enable_x64(True):
            arrays = self._arrays(vals)
            slots = [i for i in range(len(vals)) if i not in self.nondiff]
            primals = tuple(arrays[i] for i in slots)
            tans = tuple(
                jnp.zeros_like(arrays[i]) if tangents[i] is None else jnp.asarray(tangents[i], dtype=arrays[i].dtype)
                for i in slots
            )
            _, out = self.F.jvp(*[arrays[i] for i in self.nondiff], primals, tans)
            return [np.asarray(o, dtype=np.float64 if self.float64 else None) for o in _as_list(out)]
