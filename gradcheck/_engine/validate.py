"""The checks of one argument: `bad(name, value, rule)` and the parsers of an integer, a number, a choice and a
flag, each a GradcheckError echoing `name=value` and the rule (used by settings.py and by the engine's values)."""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..errors import GradcheckError


def shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def bad(name: str, value, rule: str, hint: str = "") -> GradcheckError:
    """The error for one bad argument: `Expected <rule> but got name=value (type=...)`, then a hint if any."""
    return GradcheckError(
        f"Expected {rule} but got {name}={shown(value)} (type={type(value).__name__})" + (f"; {hint}" if hint else "")
    )


def parse_int(value, name: str, minimum: int = 0, maximum: int | None = None) -> int:
    """An integer in [minimum, maximum] (bool is not an integer here)."""
    rule = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        raise bad(name, value, rule)
    return int(value)


def parse_flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise bad(name, value, "True or False")
    return bool(value)


def parse_choice(value, name: str, choices: tuple) -> str:
    if not isinstance(value, str) or value not in choices:
        raise bad(name, value, f"one of {choices}")
    return value


def parse_number(value, name: str, low: float = 0.0, high: float = math.inf, open_low: bool = False) -> float:
    """A finite real number in [low, high] (or (low, high] with open_low)."""
    left = "(" if open_low else "["
    rule = f"a finite number in {left}{low:g}, {high:g}]"
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value > high
        or value < low
        or (open_low and value == low)
    ):
        raise bad(name, value, rule)
    return float(value)
