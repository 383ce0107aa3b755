"""Planted errors: every printed number of every shipped case, moved by two units of its last printed digit
(eleven under an abs_tol rule, which may allow at most ten; at least 4 float64 ulps for a 17-digit repr), is
caught: no rule (last-digit, abs_tol, float32) hides a wrong number, and no erratum's variant reproduces one."""

import re
from decimal import Decimal

import numpy as np
import pytest

from gradcheck.golden import load
from gradcheck.golden.compute import compute
from gradcheck.golden.verify import allowed, mismatches, resolve

from .conftest import SHIPPED


def _moved(text: str, value: float, rule) -> str:
    """`text` moved away from `value` by 2 units of its last printed digit (11 under an abs_tol rule)."""
    m = re.match(r"^-?\d+(?:\.(\d+))?(?:[eE]([-+]?\d+))?$", text)
    unit = Decimal(10) ** (int(m[2] or 0) - len(m[1] or ""))  # one unit of the last printed digit
    steps = 11 if rule and rule["kind"] == "abs_tol" else 2
    # a float64 repr printed to 17 digits: two units of its last digit may be the same double; move by 4 ulps
    steps = max(steps, int(Decimal(4 * abs(float(np.spacing(value)))) / unit) + 1)
    assert Decimal(allowed(text, value, rule)) < steps * unit  # the rule is narrower than the planted error
    sign = 1 if value >= float(text) else -1  # move away from the computed value
    return str(Decimal(text) - sign * steps * unit)


def _planted(path):
    case = load(path)
    fields = compute(case)
    for i, entry in enumerate(case.data["stated"]):
        if "printed" not in entry:
            continue
        texts = np.array(entry["printed"], dtype=object)
        variant = None
        if entry.get("erratum"):
            variant = next(e for e in case.data["errata"] if e["id"] == entry["erratum"]).get("variant")
        value = np.asarray(resolve(case, fields, entry["field"], variant), dtype=np.float64).reshape(texts.shape)
        for ix in np.ndindex(texts.shape):
            wrong = texts.copy()
            wrong[ix] = _moved(texts[ix], float(value[ix]), entry.get("rule"))
            yield (
                i,
                ix,
                texts[ix],
                wrong[ix],
                mismatches(wrong.tolist() if wrong.ndim else wrong[()], value, entry.get("rule")),
            )


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name.split(".")[0])
def test_every_printed_number_moved_by_two_last_digits_is_caught(path):
    planted = list(_planted(path))
    missed = [(i, ix, a, b) for i, ix, a, b, bad in planted if not bad]
    assert missed == []
    if any("printed" in s for s in load(path).data["stated"]):
        assert planted
