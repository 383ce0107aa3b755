"""Complex parameters, checked as their real and imaginary parts, in torch's convention.

A real loss L of complex z = x + i y is a real function of (x, y). torch's gradient of it is dL/dx + i dL/dy
(twice the conjugate Wirtinger derivative dL/dz*); jax.grad returns its conjugate, dL/dx - i dL/dy. Each complex
leaf is viewed as a real array with a trailing axis of 2 (its real part at [..., 0], its imaginary part at
[..., 1]): the loss is called on z rebuilt from that view in the view's own array namespace, so fd, torch and jax
all differentiate real inputs and no complex convention enters any oracle; your gradient g is read as
(Re g, Im g), which is torch's convention exactly. A gradient in jax's convention then differs in the sign of
every imaginary part, and the bare Wirtinger derivative dL/dz* by a factor 1/2: both are named (`diagnose`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..dtypes import is_complex
from ..tree import flatten, unflatten

TORCH = "torch's convention, dL/dRe + i dL/dIm"
_CONJUGATE_RTOL = 1e-3  # a pattern read off a mismatch, far from any tolerance: conjugate or half, or neither


@dataclass(frozen=True)
class Layout:
    """Which named leaves of the params are complex, and their dtypes (what the report says of them)."""

    dtypes: dict[str, str]  # leaf name -> "complex128" / "complex64"

    def __contains__(self, name: str) -> bool:
        return name in self.dtypes


def split(loss, grad, params, label: str = "params"):
    """(loss, grad, params, layout) with every complex leaf as its real view; unchanged (layout None) when none
    is complex."""
    names, raw, treedef = flatten(params, label)
    arrays = [np.asarray(x) if _complex_leaf(x) else x for x in raw]
    dtypes = {n: x.dtype.name for n, x in zip(names, arrays) if isinstance(x, np.ndarray) and is_complex(x.dtype)}
    if not dtypes:
        return loss, grad, params, None
    layout = Layout(dtypes)
    which = tuple(n in layout for n in names)
    real = unflatten(treedef, [as_real(x) if c else x for x, c in zip(arrays, which)])

    def real_loss(p, *args):
        return loss(_as_complex(p, which, label), *args)

    def real_grad(p, *args):
        return _real_gradient(grad(_as_complex(p, which, label), *args), layout, label)

    for fn, user in ((real_loss, loss), (real_grad, grad)):
        fn.__qualname__ = getattr(user, "__qualname__", getattr(user, "__name__", repr(user)))
    return real_loss, real_grad, real, layout


def _complex_leaf(x) -> bool:
    dtype = getattr(x, "dtype", None)
    return (dtype is not None and is_complex(getattr(dtype, "name", dtype))) or isinstance(x, complex)


def as_real(z: np.ndarray) -> np.ndarray:
    """z's real view: shape z.shape + (2,), real part at [..., 0], imaginary part at [..., 1] (a copy)."""
    z = np.asarray(z)
    real = np.float32 if z.dtype == np.complex64 else np.float64
    return np.stack([z.real, z.imag], axis=-1).astype(real)


def _as_complex(p, which: tuple[bool, ...], label: str):
    """The params with each real view turned back into its complex leaf, in that view's array namespace (numpy,
    torch or jax: x + 1j y keeps the graph, so autograd differentiates the real view)."""
    names, leaves, treedef = flatten(p, label)
    return unflatten(treedef, [v[..., 0] + 1j * v[..., 1] if c else v for v, c in zip(leaves, which)])


def _real_gradient(g, layout: Layout, label: str):
    """Your gradient with each complex param's entry read as (Re g, Im g) (a real array for a complex param is
    read as having imaginary part 0; anything else is left for the structure check to name)."""
    if g is None:
        return g
    names, leaves, treedef = flatten(g, label)
    out = []
    for n, x in zip(names, leaves):
        arr = np.asarray(x) if n in layout and hasattr(x, "shape") else None
        ok = arr is not None and (is_complex(arr.dtype) or arr.dtype.kind in "fi")
        out.append(as_real(arr.astype(np.complex128) if ok and not is_complex(arr.dtype) else arr) if ok else x)
    return unflatten(treedef, out)


def note(name: str, layout: Layout | None, ok: bool) -> list[str]:
    """What a complex parameter was checked as, and the convention yours matched (or was read in), for its report."""
    if layout is None or name not in layout:
        return []
    how = f"yours matched {TORCH}" if ok else f"yours was read in {TORCH}"
    return [
        f"{name} is {layout.dtypes[name]}: {how} (checked as its real and imaginary parts, entries [..., 0] and "
        f"[..., 1] of the table)"
    ]


def diagnose(name: str, yours: np.ndarray, ref: np.ndarray, wrong: np.ndarray) -> tuple[str, str] | None:
    """(kind, words) where yours is the conjugate of torch's convention, or half of it (the bare Wirtinger
    derivative), read off the real views; where only some complex entries are wrong, which (`wrong`: the real
    view's wrong entries); None otherwise."""
    re_y, im_y, re_r, im_r = yours[..., 0], yours[..., 1], ref[..., 0], ref[..., 1]
    scale = max(float(np.max(np.abs(ref))), np.finfo(float).tiny)

    def close(a, b):
        return bool(np.all(np.abs(a - b) <= _CONJUGATE_RTOL * scale))

    has_imag = float(np.max(np.abs(im_r))) > _CONJUGATE_RTOL * scale
    if has_imag and close(re_y, re_r) and close(im_y, -im_r):
        return (
            "conjugate",
            f"{name} is the conjugate of {TORCH}: yours is dL/dRe - i dL/dIm (the conjugate convention, what "
            f"jax.grad returns for a real loss of complex params); return its conjugate (np.conj)",
        )
    if has_imag and close(re_y, re_r) and close(im_y, 0 * im_r):
        return (
            "missing_imaginary",
            f"{name} has no imaginary part where {TORCH} has one: dL/dIm is missing (a real array returned, or "
            f".real taken); return dL/dRe + i dL/dIm",
        )
    if close(yours, ref / 2):
        return (
            "wirtinger",
            f"{name} = 0.5 x {TORCH}: that is the bare Wirtinger derivative dL/dz* = (dL/dRe + i dL/dIm) / 2; "
            f"multiply it by 2",
        )
    if has_imag and close(re_y, re_r / 2) and close(im_y, -im_r / 2):
        return (
            "conjugate",
            f"{name} = 0.5 x the conjugate of {TORCH}: that is the Wirtinger derivative dL/dz; return 2 x its "
            f"conjugate",
        )
    return _some_entries(name, wrong)


def _some_entries(name: str, wrong: np.ndarray) -> tuple[str, str] | None:
    """Only a few complex entries wrong (either part): named as z[i], not as rows of the real view."""
    bad = np.argwhere(wrong.reshape(wrong.shape[:-1] + (2,)).any(axis=-1)) if wrong.ndim else np.empty((0, 0))
    total = int(np.prod(wrong.shape[:-1]))
    if not 0 < len(bad) <= max(1, total // 4):
        return None
    where = ", ".join(f"{name}[{', '.join(str(int(i)) for i in idx)}]" for idx in bad[:4])
    more = " ..." if len(bad) > 4 else ""
    return (
        "partial",
        f"only {len(bad)} of {total} complex entries wrong ({where}{more}); the rest agree in {TORCH}",
    )
