"""Run a case: recompute every expected value, compare the document's printed numbers at their decimals,
check its claims, and make sure every erratum still describes a real disagreement."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from gradcheck.golden.recipes import compute

MAX_LISTED = 4  # wrong entries listed per field


@dataclass
class GoldenResult:
    """The outcome of `verify`: ok, the problems (each naming case, field and numbers), and what was checked."""

    case_id: str
    ok: bool
    problems: list[str]
    checked: dict[str, int] = field(default_factory=dict)
    obtained: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.checked.items())
        if self.ok:
            return f"golden case {self.case_id}: ok ({counts})"
        head = f"golden case {self.case_id}: {len(self.problems)} problem(s) ({counts} checked)"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


def verify(case) -> GoldenResult:
    """Check `case` (a GoldenCase from `load`) against gradcheck's own implementation."""
    obtained = compute(case)
    problems = compare_expected(case.id, case.expected, obtained, case.data["tolerance"])
    stated, claims = case.data["stated"], case.data["claims"]
    now = dataclasses.replace(case, expected={**case.expected, **obtained})  # the document vs gradcheck today
    for i, entry in enumerate(stated):
        problems += check_stated(now, i, entry)
    for i, claim in enumerate(claims):
        problems += check_claim(now, i, claim)
    problems += unused_errata(case)
    checked = {"expected fields": len(case.expected), "stated values": len(stated), "claims": len(claims),
               "errata": len(case.data["errata"])}
    return GoldenResult(case.id, not problems, problems, checked, obtained)


def compare_expected(case_id, expected, obtained, tolerance) -> list[str]:
    """One problem per expected field that is missing, extra, reshaped or not close to the recomputed value."""
    rtol, atol = tolerance["rtol"], tolerance["atol"]
    problems = []
    for name in sorted(set(expected) | set(obtained)):
        where = f"{case_id}: expected.{name}"
        if name not in obtained:
            problems.append(f"{where} is in the case but gradcheck no longer computes it (update the case)")
        elif name not in expected:
            problems.append(f"{where} is computed by gradcheck but missing from the case (update the case)")
        elif expected[name].shape != obtained[name].shape:
            problems.append(f"{where} has shape {expected[name].shape} but gradcheck computes shape "
                            f"{obtained[name].shape}")
        else:
            problems += _close_problem(where, expected[name], obtained[name], rtol, atol)
    return problems


def _close_problem(where, want, got, rtol, atol) -> list[str]:
    """[] when |got - want| <= atol + rtol |want| everywhere (NaN never matches), else one problem naming entries."""
    bad = ~(np.abs(got - want) <= atol + rtol * np.abs(want))
    if not bad.any():
        return []
    entries = [f"[{', '.join(map(str, ix))}] expected {float(want[ix])!r} but gradcheck computes {float(got[ix])!r}"
               for ix in (tuple(int(i) for i in j) for j in np.argwhere(bad)[:MAX_LISTED])]
    more = f"; {int(bad.sum()) - MAX_LISTED} more" if bad.sum() > MAX_LISTED else ""
    return [f"{where}: {int(bad.sum())} of {bad.size} entries differ (rtol {rtol:g}, atol {atol:g}): "
            f"{'; '.join(entries)}{more}"]


def printed_mismatches(printed, value) -> list[tuple]:
    """Entries where `value` does not round to the printed string at its printed decimals:
    [(index, printed, value)]; a value matches when |value - printed| <= 1/2 unit of the last printed digit."""
    texts = np.array(printed, dtype=object).reshape(np.shape(value) if np.ndim(printed) == 0 else np.shape(printed))
    out = []
    for ix in np.ndindex(texts.shape):
        text = texts[ix]
        decimals = len(text.split(".")[1]) if "." in text else 0
        half_unit = 0.5 * 10.0**-decimals
        if not abs(float(value[ix]) - float(text)) <= half_unit * (1 + 1e-9):
            out.append((ix, text, float(value[ix])))
    return out


def check_stated(case, i, entry) -> list[str]:
    """A printed value matches its field at its decimals unless an erratum covers it (then it must not match,
    and the document's own computation `reproduced_by` must)."""
    where = f"{case.id}: stated[{i}] ({entry['where']}) for field '{entry['field']}'"
    value = case.field(entry["field"])
    if "shape" in entry:
        want = tuple(case.batch_size if s == "N" else s for s in entry["shape"])
        return [] if value.shape == want else [f"{where}: printed shape {want} but the field has shape {value.shape}"]
    bad = printed_mismatches(entry["printed"], value)
    problems = []
    if entry.get("erratum") is None and bad:
        listed = "; ".join(f"[{', '.join(map(str, ix))}] printed {t} but computed {v:.10g}" for ix, t, v in bad)
        problems.append(f"{where}: {len(bad)} printed value(s) disagree at their printed decimals: {listed}")
    if entry.get("erratum") is not None and not bad:
        problems.append(f"{where}: the printed values now match, so erratum '{entry['erratum']}' no longer "
                        f"holds: fix the erratum or the computation")
    if entry.get("reproduced_by"):
        again = printed_mismatches(entry["printed"], case.field(entry["reproduced_by"]))
        if again:
            listed = "; ".join(f"[{', '.join(map(str, ix))}] printed {t} but computed {v:.10g}" for ix, t, v in again)
            problems.append(f"{where}: the document's own computation '{entry['reproduced_by']}' does not "
                            f"reproduce what it printed: {listed}")
    return problems


def check_claim(case, i, claim) -> list[str]:
    """A relation the document asserts (left = right, or left = factor x right) holds, unless under an erratum."""
    left, right = case.field(claim["left"]), case.field(claim["right"])
    factor = claim.get("factor", 1.0) if claim["relation"] == "ratio" else 1.0
    where = f"{case.id}: claims[{i}] ({claim['says']})"
    tol = case.data["tolerance"]
    holds = left.shape == right.shape and not _close_problem("", factor * right, left, 1e3 * tol["rtol"], 1e3 * tol["atol"])
    if claim.get("erratum") is None and not holds:
        return [f"{where}: '{claim['left']}' {left.ravel()[:4]} != {factor:g} x '{claim['right']}' {right.ravel()[:4]}"]
    if claim.get("erratum") is not None and holds:
        return [f"{where}: holds, so erratum '{claim['erratum']}' no longer applies"]
    return []


def unused_errata(case) -> list[str]:
    """Every erratum is tied to a stated value, a claim, or evidence fields; a dangling one is a problem."""
    used = {e.get("erratum") for e in case.data["stated"] + case.data["claims"]}
    return [f"{case.id}: errata[{i}] '{e['id']}' is referenced by no stated value or claim and has no evidence"
            for i, e in enumerate(case.data["errata"]) if e["id"] not in used and not e.get("evidence")]
