"""A number as a case file prints it ("0.689", "3.5e-05"): its digits, and half a unit of its last one."""

from __future__ import annotations

import re

PRINTED = re.compile(r"^(-?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$")


def half_unit(text: str) -> float:
    """Half a unit of the printed last digit: "0.689" -> 0.0005, "3.5e-05" -> 5e-07."""
    m = PRINTED.match(text)
    decimals = len(m[3] or "") - int(m[4] or 0)
    return 0.5 * 10.0**-decimals
