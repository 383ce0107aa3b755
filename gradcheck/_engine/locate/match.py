"""Is a backward quantity one of the forward's? Its value or its adjoint, in the conventions people write:
the same shape, transposed, reshaped, summed over the batch axis, or per example (N times the adjoint of a mean
over N examples, before the division by N)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .reference import Quantity

Kind = Literal["value", "adjoint"]
CONVENTIONS = ("", "transposed", "reshaped", "summed over the batch axis", "per example")


@dataclass(frozen=True)
class Match:
    """What a backward quantity equals: `kind` of `quantity`, in `convention` ("" for the same shape)."""

    quantity: Quantity
    kind: Kind
    convention: str = ""


def is_quantity(v) -> bool:
    """A floating array with at least one entry: something a forward counterpart can be found for."""
    return isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.size > 0 and bool(np.all(np.isfinite(v)))


def close(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    """Equal within rtol of the larger's scale (entry-wise, relative to the array's largest entry)."""
    if a.shape != b.shape:
        return False
    scale = max(float(np.max(np.abs(b))), float(np.max(np.abs(a))))
    return scale > 0 and bool(np.all(np.abs(a - b) <= rtol * scale))


def forms(c: np.ndarray, shape: tuple, adjoint: bool) -> Iterator[tuple[str, np.ndarray]]:
    """c in each convention that gives `shape`."""
    if c.shape == shape:
        yield "", c
    if c.ndim == 2 and c.T.shape == shape and c.shape != shape:
        yield "transposed", c.T
    if c.size == int(np.prod(shape)) and c.shape != shape and not (c.ndim == 2 and c.T.shape == shape):
        yield "reshaped", c.reshape(shape)
    if adjoint and c.ndim >= 2 and c.shape[0] > 1 and c[0].size > 1 and shape in (c.shape[1:], (1, *c.shape[1:])):
        yield "summed over the batch axis", c.sum(axis=0).reshape(shape)
    if adjoint and c.ndim >= 1 and c.shape == shape and c.shape[0] > 1:
        yield "per example", c * c.shape[0]


def classify(v: np.ndarray, quantities: list[Quantity], rtol: float) -> Match | None:
    """The first forward quantity v equals (values before adjoints, plain shapes before conventions)."""
    if not is_quantity(v):
        return None
    for convention in CONVENTIONS:
        for kind in ("value", "adjoint"):
            for q in quantities:
                ref = q.value if kind == "value" else q.adjoint
                if ref is None:
                    continue
                for conv, form in forms(ref, v.shape, kind == "adjoint"):
                    if conv == convention and close(v, form, rtol):
                        return Match(q, kind, conv)
    return None


def candidates(shape: tuple, quantities: list[Quantity], any_shape: bool) -> Iterator[tuple[Match, np.ndarray]]:
    """Values a quantity of `shape` could have been meant to be: every forward adjoint, then every forward value,
    in each convention that fits the shape (any shape at all when `any_shape`: it may broadcast); the forward's
    own intermediates before its parameters and inputs."""
    ordered = [q for q in quantities if not q.leaf] + [q for q in quantities if q.leaf]
    for kind in ("adjoint", "value"):
        for q in ordered:
            ref = q.value if kind == "value" else q.adjoint
            if ref is None or not np.any(ref):
                continue
            fitted = list(forms(ref, shape, kind == "adjoint"))
            for conv, form in fitted:
                yield Match(q, kind, conv), form
            if any_shape and not fitted:
                yield Match(q, kind, ""), ref
