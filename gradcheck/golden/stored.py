"""Which computed fields a case file stores: enough to notice any change in gradcheck's computation, small
enough to read. A case with a 400-row batch and 10 checkpoints stored every node of every checkpoint of
every variant (2.7 MB); now `computed` holds

- the correct computation before training: every input, node, gradient and derived value (the record of the
  interpreter's forward and reverse mode);
- at each checkpoint (`name@k`) and in each variant (`variant/name`): the trained parameters, the model's
  output, and each field that a stated value, a claim, an erratum or a derived node names.

Every field is still computed when a case is verified; the others are just not written.
"""

from __future__ import annotations

from gradcheck.golden.schema import Ref


def stored_fields(case, fields: dict) -> dict:
    """The fields of `fields` (from compute) that the file keeps, in their order."""
    keep = _always(case) | referenced(case)
    return {k: v for k, v in fields.items() if ("@" not in k and "/" not in k) or _base(k) in keep or k in keep}


def _always(case) -> set[str]:
    return set(case.params) | {case.graph.output} | {f"d{p}" for p in case.params}


def _base(key: str) -> str:
    """'variant/W1@3' -> 'W1'."""
    return key.split("/")[-1].split("@")[0]


def referenced(case) -> set[str]:
    """Every field a stated value, claim, erratum or derived node names, as "variant/name@k" keys."""
    data, refs = case.data, []
    for entry in data.get("stated", []) + data.get("claims", []):
        rule = entry.get("rule", {})
        for text in (entry.get("field"), entry.get("left"), entry.get("right"), rule.get("relative_to")):
            if isinstance(text, str):
                refs.append((text, entry.get("in")))
    for erratum in data.get("errata", []):
        refs += [(text, None) for text in erratum.get("evidence", [])]
        refs += [(data["stated"][k]["field"], erratum.get("variant")) for k in erratum.get("contradicts", [])]
        for entry in data["stated"]:
            if entry.get("erratum") == erratum["id"] and erratum.get("variant"):
                refs.append((entry["field"], erratum["variant"]))
    keys = set()
    for text, context in refs:
        ref = Ref.parse(text)
        variant = ref.variant or context
        keys.add(f"{variant}/{ref.name}" if variant else ref.name)
    for node in case.derived:
        keys |= {a for a in node.inputs() if "@" in a}  # checkpoints a derived value reads
    return keys
