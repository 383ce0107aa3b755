"""A function's outputs as a tree of arrays, its cotangent (drawn from the seed or given), and the scalar
<outputs, cotangent> that every entry point differentiates: the gradient of sum_i <out_i, dout_i> with respect
to an input is exactly what a backward pass returns for that input."""

from __future__ import annotations

import numpy as np

from ...errors import GradcheckError
from ..dtypes import is_complex, is_real_floating
from ..oracles.follow.array import Followed
from ..tree import flatten, unflatten

COTANGENT_STREAM = 0x7C7  # the generator stream of random cotangents (check_vjp's since its first version)


def output_leaves(out, who: str) -> tuple[list[str], list, object]:
    """(names, leaves, treedef) of an output tree; every leaf must be a floating array or a float."""
    names, leaves, treedef = flatten(out, "output")
    for n, x in zip(names, leaves):
        dtype = getattr(x, "dtype", None)
        numpy_dtype = isinstance(dtype, np.dtype)
        if (
            x is None
            or isinstance(x, (str, bytes, bool))
            or (numpy_dtype and not (is_real_floating(dtype) or is_complex(dtype)))
            or (not numpy_dtype and not isinstance(x, (float, int)) and not hasattr(x, "shape"))
        ):
            raise GradcheckError(
                f"Expected {who} to return floating arrays but its {n} is {_what(x)}; "
                f"only floating outputs have a cotangent"
            )
    return names, leaves, treedef


def _what(x) -> str:
    dtype = getattr(x, "dtype", None)
    return f"{type(x).__name__} of dtype {dtype}" if dtype is not None else f"{type(x).__name__} {x!r:.40}"


def make_cotangent(out, given, seed: int, who: str, label: str = "cotangent"):
    """The cotangent for `out`: `given` checked against out's structure and shapes, else standard normal
    entries from the seed (one draw per output leaf, in order)."""
    names, leaves, treedef = output_leaves(out, who)
    if given is None:
        rng = np.random.default_rng([seed, COTANGENT_STREAM])
        return unflatten(treedef, [_draw(rng, x) for x in leaves])
    try:
        g_names, g_leaves, g_def = flatten(given, label)
    except Exception as exc:  # pragma: no cover - flatten accepts any object
        raise GradcheckError(f"{label} cannot be read: {exc}") from exc
    if len(g_leaves) != len(leaves) or (g_def.kind != treedef.kind and len(leaves) > 1):
        raise GradcheckError(
            f"Expected {label} with one array per output of {who} ({len(leaves)}: "
            f"{', '.join(names)}) but got {len(g_leaves)}"
        )
    cot = []
    for n, x, g in zip(names, leaves, g_leaves):
        try:
            arr = np.asarray(g, dtype=np.complex128 if np.iscomplexobj(g) else np.float64)
        except (TypeError, ValueError):
            raise GradcheckError(
                f"Expected {label} to hold floating arrays shaped like {who}'s outputs but got "
                f"{label}={given!r:.60} (type={type(given).__name__})"
            ) from None
        if arr.shape != np.shape(x):
            where = label if len(leaves) == 1 else f"{label} for {n}"
            shape = f"{label}.shape" if len(leaves) == 1 else "its shape"
            raise GradcheckError(
                f"Expected {where} of shape {np.shape(x)} ({who}'s output) but got {shape}={arr.shape}"
            )
        cot.append(arr)
    return unflatten(treedef, cot)


def _draw(rng: np.random.Generator, x):
    """Standard normal entries shaped like output x; for a complex output, real and imaginary parts drawn alike."""
    if _is_complex(x):
        return rng.standard_normal(np.shape(x)) + 1j * rng.standard_normal(np.shape(x))
    return rng.standard_normal(np.shape(x))


def _is_complex(x) -> bool:
    """A complex torch tensor, or a complex numpy / jax array."""
    return bool(x.is_complex()) if hasattr(x, "is_complex") else is_complex(getattr(x, "dtype", None) or float)


def pairing(out, cot):
    """<out, cot> summed over every output leaf, in out's own array namespace (numpy, torch or jax). For a complex
    output it is Re sum(conj(cot) out), the real inner product of (Re, Im) parts, whose gradient is what
    torch.autograd.grad(out, inputs, cot) returns (J^H applied to the cotangent)."""
    from array_api_compat import array_namespace

    _, outs, _ = flatten(out, "output")
    _, cots, _ = flatten(cot, "cotangent")
    total = None
    for o, c in zip(outs, cots):
        if not hasattr(o, "shape"):
            term = o * c
        elif isinstance(o, Followed):  # numpy code followed under torch or jax
            term = np.sum(o * c)
        else:
            xp = array_namespace(o)
            c = xp.asarray(c)
            if _is_complex(o):
                term = xp.sum(xp.real(o) * xp.real(c) + xp.imag(o) * xp.imag(c))
            else:
                term = xp.sum(o * c)
        total = term if total is None else total + term
    return total
