"""Loading a case file: the schema (jsonschema.py), then the checks a schema cannot express.

`load(path) -> Case` raises CaseError naming the file and the field: names that do not resolve, shapes that do
not fit, an id that is not the file's name, a reference to an erratum or variant that does not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gradcheck.golden import graph as g
from gradcheck.golden.inputs import load_inputs, tensor
from gradcheck.golden.jsonschema import CaseError, validate
from gradcheck.golden.model import build_graph, check_nodes
from gradcheck.golden.printed import half_unit
from gradcheck.golden.strict_json import read_json
from gradcheck.golden.variants import check_variants
from gradcheck.golden.widths import check_widths

FORMAT_KEY = "gradcheck_case"
FORMAT_VERSION = 1
SUFFIX = ".gradcheck.json"
DEFAULT_TOLERANCE = {"rtol": 1e-12, "atol": 1e-14}
_REF = re.compile(
    r"^(?:(?P<variant>[a-z0-9][a-z0-9-]*)/)?(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:@\d+)?)"
    r"(?:\[(?P<index>[0-9]+(?: *, *[0-9]+)*)\])?$"
)


@dataclass(frozen=True)
class Ref:
    """A field address: variant/name@step[i, j] (variant and index optional)."""

    variant: str | None
    name: str
    index: tuple[int, ...] | None

    @classmethod
    def parse(cls, text: str) -> Ref:
        m = _REF.match(text)
        index = tuple(int(i) for i in m["index"].split(",")) if m["index"] else None
        return cls(m["variant"], m["name"], index)


@dataclass
class Case:
    """A validated case: the raw dict (kept for rewriting) and the parts the computation reads."""

    path: Path
    data: dict
    graph: g.Graph
    inputs: dict[str, np.ndarray]
    params: tuple[str, ...]
    derived: tuple[g.Node, ...]
    computed: dict[str, np.ndarray] = field(repr=False)

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def tolerance(self) -> dict:
        return {**DEFAULT_TOLERANCE, **self.data.get("tolerance", {})}


def load(path) -> Case:
    """Read, validate and compile one case file."""
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, dict):
        raise CaseError(path, "", f"must hold a JSON object (a gradcheck case) but holds a {type(data).__name__}")
    if data.get(FORMAT_KEY) != FORMAT_VERSION:
        raise CaseError(
            path,
            FORMAT_KEY,
            f"must be {FORMAT_VERSION} (this gradcheck reads case format "
            f"{FORMAT_VERSION}) but is {data.get(FORMAT_KEY)!r}",
        )
    validate(data, path)
    return parse(data, path)


def parse(data: dict, path) -> Case:
    """The checks beyond the schema; `data` already validates."""
    path = Path(path)
    if path.name.endswith(SUFFIX) and path.name[: -len(SUFFIX)] != data["id"]:
        raise CaseError(path, "id", f"is {data['id']!r} but the file is {path.name!r}: name it {data['id']}{SUFFIX}")
    inputs, params = load_inputs(data, path)
    if data["model"]["kind"] == "mlp" and "x" in inputs:
        check_widths(data, inputs, path)
    graph = build_graph(data["model"], data["loss"], inputs, path)
    derived = tuple(g.node_from_json(n) for n in data.get("derived", []))
    check_nodes(derived, "derived", path, model=False)
    computed = {k: tensor(v, path, f"computed.{k}") for k, v in data.get("computed", {}).items()}
    case = Case(path, data, graph, inputs, params, derived, computed)
    _check_train(case)
    _check_names(case)
    return case


def _check_train(case):
    train, path = case.data.get("train"), case.path
    if train is None:
        return
    for i, name in enumerate(train.get("frozen", [])):
        if name not in case.params:
            raise CaseError(
                path, f"train.frozen[{i}]", f"is {name!r}, which is not in inputs.params {list(case.params)}"
            )
    for i, k in enumerate(train.get("checkpoints", [])):
        if k > train["steps"]:
            raise CaseError(path, f"train.checkpoints[{i}]", f"is {k}, after the last step ({train['steps']})")
    if "gradients" in train:
        raise CaseError(path, "train.gradients", "may appear in a variant only (the correct update uses the gradient)")


def field_names(case, variant: str | None = None) -> set[str]:
    """Every field a computation of `case` produces (used to check references before computing)."""
    names = set(case.inputs) | set(case.graph.names()) | set(case.graph.aliases)
    names |= {"d" + n for n in set(case.inputs) | set(case.graph.names())}
    names |= {n.name for n in case.derived}
    if variant is not None:
        v = case.data["variants"][variant]
        names |= {n["name"] for n in v.get("add", [])}
    train = {**case.data.get("train", {}), **(case.data["variants"][variant].get("train", {}) if variant else {})}
    if train:
        base = set(case.graph.names()) | set(case.params)
        names |= {f"{n}@{k}" for k in (train.get("checkpoints") or [train["steps"]]) for n in base}
    return {n for n in names if ":" not in n}


def _check_names(case):
    """stated, claims, errata and variants refer to things that exist."""
    data, path = case.data, case.path
    variants = check_variants(case)
    names = {None: field_names(case), **{v: field_names(case, v) for v in variants}}
    for i, n in enumerate(case.derived):
        for j, a in enumerate(n.inputs()):
            if a not in names[None]:
                raise CaseError(path, f"derived[{i}].args[{j}]", f"names {a!r}, which is no field of the case")
    errata = _check_errata(case, variants, names)
    for section in ("stated", "claims"):
        for i, entry in enumerate(data.get(section, [])):
            context = entry.get("in")
            if context is not None and context not in variants:
                raise CaseError(path, f"{section}[{i}].in", f"is {context!r}, not a variant ({sorted(variants)})")
            for key in ("field", "left", "right"):
                if isinstance(entry.get(key), str):
                    _check_ref(entry[key], names, context, path, f"{section}[{i}].{key}")
            if entry.get("erratum") is not None and entry["erratum"] not in errata:
                raise CaseError(
                    path, f"{section}[{i}].erratum", f"is {entry['erratum']!r}, not an erratum id ({sorted(errata)})"
                )
            if section == "stated" and ("printed" in entry) == ("shape" in entry):
                raise CaseError(path, f"stated[{i}]", "must have exactly one of 'printed' or 'shape'")
            if section == "stated" and "printed" in entry:
                _check_printed(entry["printed"], path, f"stated[{i}].printed")
            if section == "stated" and entry.get("rule", {}).get("kind") == "abs_tol":
                _check_abs_tol(entry, path, f"stated[{i}].rule")
            if section == "stated" and "relative_to" in entry.get("rule", {}):
                _check_relative_to(entry, names, path, f"stated[{i}].rule.relative_to")


def _check_errata(case, variants, names) -> dict:
    """Erratum ids are unique and name a variant, stated entries or fields that exist; id -> erratum."""
    data, path = case.data, case.path
    errata = {e["id"]: e for e in data.get("errata", [])}
    if len(errata) != len(data.get("errata", [])):
        raise CaseError(path, "errata", "repeats an erratum id")
    for i, e in enumerate(data.get("errata", [])):
        if e.get("variant") is not None and e["variant"] not in variants:
            raise CaseError(path, f"errata[{i}].variant", f"is {e['variant']!r}, not a variant ({sorted(variants)})")
        if "typo" in e and ({"variant", "contradicts", "evidence"} & set(e)):
            raise CaseError(
                path,
                f"errata[{i}].typo",
                "is a typo erratum: it explains a print by itself (no variant, contradicts or evidence)",
            )
        if e.get("contradicts") and e.get("variant") is None:
            raise CaseError(
                path, f"errata[{i}].contradicts", "needs the erratum's variant (the printed formula, computed)"
            )
        for j, k in enumerate(e.get("contradicts", [])):
            if k >= len(data["stated"]):
                raise CaseError(
                    path, f"errata[{i}].contradicts[{j}]", f"is {k}, but there are {len(data['stated'])} stated"
                )
        for j, ref in enumerate(e.get("evidence", [])):
            _check_ref(ref, names, None, path, f"errata[{i}].evidence[{j}]")
    return errata


def _check_printed(printed, path, where):
    """Printed values nest like an array: one string, or lists of one length at each level."""

    def shape(value, at):
        if isinstance(value, str):
            return ()
        shapes = [shape(v, f"{at}[{j}]") for j, v in enumerate(value)]
        if any(s != shapes[0] for s in shapes):
            j = next(j for j, s in enumerate(shapes) if s != shapes[0])
            raise CaseError(
                path, at, f"is ragged: item {j} has shape {shapes[j]} but item 0 has {shapes[0]} (print a rectangle)"
            )
        return (len(value), *(shapes[0] if shapes else ()))

    shape(printed, where)


MAX_RULE_UNITS = 10  # an abs_tol rule may excuse at most 10 units of the last printed digit


def _check_abs_tol(entry, path, where):
    """A rule explains how a number was printed; it may not be loose enough to excuse a wrong number."""
    if "abs_tol" not in entry["rule"]:
        raise CaseError(path, f"{where}.abs_tol", "is missing (kind 'abs_tol' needs it, as a printed string)")
    tol = float(entry["rule"]["abs_tol"])
    for text in np.ravel(np.array(entry["printed"], dtype=object)):
        unit = 2 * half_unit(text)
        if tol > MAX_RULE_UNITS * unit * (1 + 1e-9):
            raise CaseError(
                path,
                where,
                f"allows {entry['rule']['abs_tol']}, more than {MAX_RULE_UNITS} units of the "
                f"last printed digit of {text!r} ({unit:g}): a rule may explain how a number "
                "was printed, not excuse a wrong one",
            )


def _check_relative_to(entry, names, path, where):
    if entry["rule"]["kind"] != "float32":
        raise CaseError(path, where, f"belongs to kind 'float32', not {entry['rule']['kind']!r}")
    _check_ref(entry["rule"]["relative_to"], names, entry.get("in"), path, where)


def _check_ref(text, names, context, path, where):
    ref = Ref.parse(text)
    variant = ref.variant or context
    if variant is not None and variant not in names:
        raise CaseError(path, where, f"names the variant {variant!r}, which the case does not define")
    if ref.name not in names[variant]:
        near = sorted(n for n in names[variant] if n.lower().startswith(ref.name[:2].lower()))[:6]
        raise CaseError(path, where, f"names {ref.name!r}, which is not a field of the case (fields like it: {near})")
