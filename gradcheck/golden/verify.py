"""Run a case: recompute every field, compare the stored `computed` values, each printed number at its
printed decimals (with its rule), each claim, and that every erratum's variant reproduces what it explains."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradcheck.golden.compute import compute
from gradcheck.golden.jsonschema import CaseError
from gradcheck.golden.printed import half_unit
from gradcheck.golden.schema import Ref
from gradcheck.golden.stored import stored_fields
from gradcheck.golden.typo import typo_problems

MAX_LISTED = 4  # wrong entries listed per field
CLAIM_RTOL, CLAIM_ATOL = 1e-9, 1e-11  # "equal" and "ratio" claims: identities up to float64 round-off
FLOAT32_REL = 2.0**-20  # a float32 program's print may differ from float64 by a few float32 ulps (8 x 2^-23)


@dataclass
class GoldenResult:
    """The outcome of `verify`: the problems (each naming file, field and numbers) and what was checked."""

    case_id: str
    path: str
    problems: list[str]
    checked: dict[str, int] = field(default_factory=dict)  # empty: the file did not load
    obtained: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    stale: int = 0  # how many of the problems are stored `computed` fields (the ones an update rewrites)

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.checked.items())
        if not self.checked:
            return "\n".join([f"{self.path}: does not load", *(f"  {p}" for p in self.problems)])
        if self.ok:
            return f"{self.path}: ok ({counts})"
        return "\n".join(
            [f"{self.path}: {len(self.problems)} problem(s) ({counts} checked)", *(f"  {p}" for p in self.problems)]
        )

    def next_step(self) -> str:
        """What can fix the problems: an update for stale computed fields, a hand edit (or gradcheck) else."""
        name = self.path
        if not self.checked:
            return f"fix {name} by hand at the field named (`gradcheck golden run {name}` shows the same error)"
        if self.stale == len(self.problems):
            return (
                f"if gradcheck's change is intended, run `gradcheck golden update {name}` "
                "(stated values and errata change only by hand)"
            )
        return (
            "a printed value, claim or erratum disagrees with what gradcheck computes, and `gradcheck golden "
            "update` cannot fix that (it rewrites computed fields only): if gradcheck is right, edit the case by "
            "hand (the stated entry, a rule with its why, or an erratum that explains the print); if not, fix "
            "gradcheck" + (f"; then run `gradcheck golden update {name}` for the computed fields" if self.stale else "")
        )


def verify(case) -> GoldenResult:
    """Check `case` (from `load`) against what gradcheck computes now."""
    obtained = compute(case)
    data = case.data
    stored = stored_fields(case, obtained)
    problems = compare_computed(case.computed, stored, case.tolerance)
    stale = len(problems)
    for section, check in (("stated", check_stated), ("claims", check_claim)):
        for i, entry in enumerate(data.get(section, [])):
            problems += check(case, obtained, i, entry)
    for i, erratum in enumerate(data.get("errata", [])):
        problems += check_erratum(case, obtained, i, erratum)
    checked = {
        "computed fields": len(stored),
        "stated values": len(data["stated"]),
        "claims": len(data.get("claims", [])),
        "errata": len(data.get("errata", [])),
    }
    return GoldenResult(case.id, case.path.name, problems, checked, obtained, stale)


def compare_computed(stored, obtained, tolerance) -> list[str]:
    """One problem per stored field that is missing, extra, reshaped or not close to its recomputed value."""
    rtol, atol = tolerance["rtol"], tolerance["atol"]
    problems = []
    for name in sorted(set(stored) | set(obtained)):
        where = f"field 'computed.{name}'"
        if name not in obtained:
            problems.append(f"{where} is stored but gradcheck no longer computes it (run `gradcheck golden update`)")
        elif name not in stored:
            problems.append(f"{where} is computed but not stored (run `gradcheck golden update`)")
        elif stored[name].shape != obtained[name].shape:
            problems.append(f"{where} has shape {stored[name].shape} but gradcheck computes {obtained[name].shape}")
        else:
            bad = ~(np.abs(obtained[name] - stored[name]) <= atol + rtol * np.abs(stored[name]))
            if bad.any():
                listed = "; ".join(
                    f"[{', '.join(map(str, ix))}] stored {float(stored[name][ix])!r} but gradcheck "
                    f"computes {float(obtained[name][ix])!r}"
                    for ix in _where(bad)
                )
                problems.append(
                    f"{where}: {int(bad.sum())} of {bad.size} entries differ (rtol {rtol:g}, atol {atol:g}): {listed}"
                )
    return problems


def _where(bad):
    return [tuple(int(i) for i in ix) for ix in np.argwhere(bad)[:MAX_LISTED]]


def resolve(case, fields, text, context=None, where="") -> np.ndarray:
    """The value of a reference ("variant/name@k[i, j]") among the computed fields; an index outside the
    field's shape is a CaseError naming the file and `where` (the entry that holds the reference)."""
    ref = Ref.parse(text)
    variant = ref.variant or context
    key = f"{variant}/{ref.name}" if variant else ref.name
    if key not in fields:
        raise CaseError(case.path, where, f"names {key!r}, which this computation does not produce")
    value = fields[key]
    if ref.index is None:
        return value
    shape = np.shape(value)
    if len(ref.index) > len(shape) or any(i >= n for i, n in zip(ref.index, shape)):
        raise CaseError(
            case.path,
            where,
            f"indexes {key} at [{', '.join(map(str, ref.index))}], outside its shape {shape}"
            + (" (a number: no index)" if not shape else ""),
        )
    return value[ref.index]


def allowed(text: str, value: float, rule: dict | None, scale: float = 0.0) -> float:
    """How far `value` may be from the printed number under the entry's rule; `scale` is the largest |entry|
    of the float32 rule's `relative_to` field (the magnitude float32 rounding was relative to)."""
    tol = half_unit(text) * (1 + 1e-9)
    kind = rule["kind"] if rule else None
    if kind == "last-digit":
        tol = 3 * half_unit(text) * (1 + 1e-9)  # the printed last digit may be one off
    elif kind == "abs_tol":
        tol = max(tol, float(rule["abs_tol"]))
    elif kind == "float32":
        tol += FLOAT32_REL * max(abs(value), scale)
    return tol


def mismatches(printed, value, rule=None, scale=0.0) -> list[tuple]:
    """[(index, printed, value)] where `value` is not the printed number (under `rule`)."""
    texts = np.array(printed, dtype=object)
    value = np.asarray(value, dtype=np.float64)
    if texts.shape != value.shape:
        if texts.size == value.size == 1:
            texts, value = texts.reshape(()), value.reshape(())
        else:
            return [((), f"strings of shape {texts.shape}", f"a field of shape {value.shape}")]
    return [
        (ix, texts[ix], float(value[ix]))
        for ix in np.ndindex(texts.shape)
        if not abs(float(value[ix]) - float(texts[ix])) <= allowed(texts[ix], float(value[ix]), rule, scale)
    ]


def _listed(bad) -> str:
    return "; ".join(
        f"[{', '.join(map(str, ix))}] printed {t} but computed {v if isinstance(v, str) else _digits(t, v)}"
        for ix, t, v in bad[:MAX_LISTED]
    ) + (f"; {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else "")


def _digits(printed: str, value: float) -> str:
    """The computed value with 10 significant digits, or every digit when the print has more."""
    return repr(value) if len(printed.lstrip("-0.").split("e")[0]) > 10 else format(value, ".10g")


def check_stated(case, fields, i, entry) -> list[str]:
    """A printed value matches its field unless an erratum covers it; then the erratum's variant must match,
    or the erratum names the typo (the intended print, one keystroke away, matches)."""
    where = f"field 'stated[{i}]' ({entry['where']}; {entry['field']})"
    at = f"stated[{i}].field"
    value = resolve(case, fields, entry["field"], where=at)
    if "shape" in entry:
        want = tuple(batch_size(case) if s == "N" else s for s in entry["shape"])
        return [] if value.shape == want else [f"{where}: printed shape {want} but the field has shape {value.shape}"]
    rule = entry.get("rule")
    scale = _float32_scale(case, fields, rule, f"stated[{i}].rule.relative_to")
    bad = mismatches(entry["printed"], value, rule, scale)
    name = entry.get("erratum")
    if name is None:
        return [f"{where}: {len(bad)} printed value(s) disagree: {_listed(bad)}"] if bad else []
    problems = [] if bad else [f"{where}: the printed values now match, so erratum '{name}' no longer holds"]
    erratum = _erratum(case, name)
    if "typo" in erratum:
        matches = lambda text, v: not mismatches(text, v, rule, scale)  # noqa: E731
        return problems + [f"{where}: erratum '{name}': {p}" for p in typo_problems(bad, erratum["typo"], matches)]
    variant = erratum.get("variant")
    if variant is None:
        return problems + [f"{where}: erratum '{name}' has no variant to reproduce the printed values"]
    again = mismatches(entry["printed"], resolve(case, fields, entry["field"], variant, at), rule, scale)
    if again:
        problems.append(
            f"{where}: erratum '{name}''s variant '{variant}' does not reproduce the printed values: {_listed(again)}"
        )
    return problems


def _float32_scale(case, fields, rule, where) -> float:
    """The largest |entry| of a float32 rule's `relative_to` field, else 0 (the rule is relative to the value)."""
    if not rule or "relative_to" not in rule:
        return 0.0
    return float(np.max(np.abs(resolve(case, fields, rule["relative_to"], where=where))))


def batch_size(case) -> int:
    loss = case.data["loss"]
    target = case.inputs.get(loss.get("target"), np.zeros((1,)))
    return int(target.shape[loss.get("batch_axis", 0)]) if target.ndim else 1


def _erratum(case, name) -> dict:
    return next(e for e in case.data.get("errata", []) if e["id"] == name)


def _sides(case, fields, i, claim, context) -> tuple[np.ndarray, np.ndarray]:
    left = resolve(case, fields, claim["left"], context, f"claims[{i}].left")
    right = claim["right"]
    if isinstance(right, str):
        right = resolve(case, fields, right, context, f"claims[{i}].right")
    return left, np.asarray(right, dtype=np.float64)


def claim_holds(case, fields, i, claim, context) -> bool:
    left, right = _sides(case, fields, i, claim, context)
    if claim["relation"] == "le":
        return bool(np.all(left <= right + claim.get("atol", 0.0)))
    if claim["relation"] == "ratio":
        right = claim.get("factor", 1.0) * right
    rtol, atol = (
        (claim.get("rtol", 1e-6), claim.get("atol", 0.0)) if claim["relation"] == "close" else (CLAIM_RTOL, CLAIM_ATOL)
    )
    if left.shape != right.shape and right.ndim != 0:
        return False
    return bool(np.all(np.abs(left - right) <= atol + rtol * np.abs(right)))


def check_claim(case, fields, i, claim) -> list[str]:
    """A relation the source asserts holds, unless an erratum says the source is wrong (then it must fail)."""
    where = f"field 'claims[{i}]' ({claim['says']})"
    context = claim.get("in")
    holds = claim_holds(case, fields, i, claim, context)
    rel = f"{claim['left']} {claim['relation']} {claim['right']}" + (f" in variant '{context}'" if context else "")
    name = claim.get("erratum")
    if name is None:
        return [] if holds else [f"{where}: {rel} does not hold: {_show(case, fields, i, claim, context)}"]
    return [f"{where}: {rel} holds, so erratum '{name}' no longer applies"] if holds else []


def _show(case, fields, i, claim, context) -> str:
    left, right = _sides(case, fields, i, claim, context)
    return f"{np.ravel(left)[:4]} vs {np.ravel(right)[:4]}"


def check_erratum(case, fields, i, erratum) -> list[str]:
    """An erratum is used (by a stated value, a claim, `contradicts` or `evidence`), and a variant it names does
    not reproduce the stated values it contradicts."""
    where = f"field 'errata[{i}]' ({erratum['id']})"
    data = case.data
    used = any(e.get("erratum") == erratum["id"] for e in data["stated"] + data.get("claims", []))
    if not used and not erratum.get("contradicts") and not erratum.get("evidence"):
        return [f"{where}: explains nothing (no stated value or claim names it, no contradicts, no evidence)"]
    for j, ref in enumerate(erratum.get("evidence", [])):
        resolve(case, fields, ref, where=f"errata[{i}].evidence[{j}]")  # an index outside the field is an error
    problems = []
    for k in erratum.get("contradicts", []):
        entry = data["stated"][k]
        if "printed" not in entry or entry.get("erratum"):
            problems.append(f"{where}: contradicts stated[{k}], which must be a printed value without an erratum")
        elif erratum.get("variant") and not mismatches(
            entry["printed"], resolve(case, fields, entry["field"], erratum["variant"], f"stated[{k}].field")
        ):
            problems.append(
                f"{where}: variant '{erratum['variant']}' reproduces stated[{k}], so the printed formula "
                "is not contradicted by the printed numbers"
            )
    return problems
