"""A typo in a source's printed number (a dropped digit, a wrong exponent): an erratum without a variant.

`{"id", ..., "typo": "0.291027924"}` gives the number the source meant to print. A stated value that names
the erratum is accepted only if exactly one of its printed numbers disagrees with the computation, that
number is one keystroke from the intended one (a digit dropped, added or changed, two neighbours swapped),
and the intended number matches the computation at its printed decimals. So a typo cannot excuse a wrong
number: the correct value has to be one keystroke away.
"""

from __future__ import annotations

import numpy as np


def one_edit(a: str, b: str) -> bool:
    """a and b differ by one insertion, deletion, substitution or swap of adjacent characters."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return len(diff) == 1 or swapped
    short, long = sorted((a, b), key=len)
    i = next((k for k, (x, y) in enumerate(zip(short, long)) if x != y), len(short))
    return short[i:] == long[i + 1 :]


def typo_problems(bad: list[tuple], intended: str, matches) -> list[str]:
    """Why the disagreeing prints `bad` ([(index, printed, value)]) are not the typo of `intended`; `matches`
    says whether a printed string matches a computed value."""
    if len(bad) != 1:
        return [f"a typo erratum explains one printed number, but {len(bad)} disagree with the computation"]
    ix, printed, value = bad[0]
    at = f"[{', '.join(map(str, ix))}] " if ix else ""
    problems = []
    if not one_edit(printed, intended):
        problems.append(f"{at}printed {printed} is not one keystroke from the intended {intended}")
    if not matches(intended, value):
        problems.append(f"{at}the intended {intended} does not match the computed {np.format_float_positional(value)}")
    return problems
