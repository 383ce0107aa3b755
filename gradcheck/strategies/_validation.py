"""Argument validation shared by the strategy modules: eager, naming the argument, like hypothesis.extra.numpy."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import errors
from hypothesis import strategies as st

from gradcheck.errors import GradcheckError

DTYPES = ("float64", "float32")


class InvalidArgument(errors.InvalidArgument, GradcheckError):
    """A strategy was given a bad argument; catchable as Hypothesis's InvalidArgument or as a GradcheckError."""

    __module__ = "gradcheck.strategies"  # its public home


def _int(name, value, minimum=0):
    """value must be an int >= minimum."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidArgument(f"Expected an int >= {minimum} but got {name}={value!r}")
    return int(value)


def _bounds(lo_name, lo, hi_name, hi, minimum=0):
    """(lo, hi) as ints with minimum <= lo <= hi."""
    lo, hi = _int(lo_name, lo, minimum), _int(hi_name, hi, minimum)
    if lo > hi:
        raise InvalidArgument(f"Expected {lo_name} <= {hi_name} but got {lo_name}={lo}, {hi_name}={hi}")
    return lo, hi


def _real(name, value, *, positive=False):
    """value must be a finite real number (and > 0 when positive=True)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or (positive and value <= 0)
    ):
        rule = "a finite number > 0" if positive else "a finite number"
        raise InvalidArgument(f"Expected {rule} but got {name}={value!r}")
    return float(value)


def _choices(name, values, allowed):
    """A non-empty tuple of names, each in `allowed`."""
    values = (values,) if isinstance(values, str) else tuple(values)
    bad = [v for v in values if v not in allowed]
    if not values or bad:
        raise InvalidArgument(f"Expected a non-empty subset of {allowed} but got {name}={values!r}")
    return values


def _dtype(dtype):
    """float64 or float32, as a numpy dtype."""
    name = np.dtype(dtype).name if isinstance(dtype, (str, type, np.dtype)) else None
    if name not in DTYPES:
        raise InvalidArgument(f"Expected dtype in {DTYPES} but got dtype={dtype!r}")
    return np.dtype(name)


def _shape(shape):
    """A tuple of non-negative ints."""
    dims = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    return tuple(_int(f"shape[{i}]", d) for i, d in enumerate(dims))


def _strategy(name, value, default):
    """None -> default; an int -> just(int); a strategy as is."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(_int(name, value, 1))
