"""The corruption probe as a property: any corruption of a shipped case's JSON (a value replaced by another
type, a ragged list, a huge integer, a reference out of shape, a key removed) ends in a CaseError naming the
file and the field, or a result with problems; never another exception, and never a pass unless the
corruption changed no number the case checks (text, a default written out, a claim that still holds)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck.golden import CaseError, load, verify
from gradcheck.golden.printed import PRINTED, half_unit

from .conftest import SHIPPED

ODD = [
    None,
    "x",
    3,
    -1,
    0.5,
    1e308,
    True,
    [],
    {},
    [[1.0, 2.0], [3.0]],
    [["0.7"], ["0.6", "0.1"]],
    ["a"],
    {"kind": "mlp"},
    int("9" * 401),
    "W1[9, 9]",
    "a1[7, 7]",
    "z2[,]",
    "x[9]",
    "f[0, 0, 0]",
    "dx[1]",
    "q",
    "nosuch",
    "no-such/f",
    "1.5",
    "0",
]
#: Keys whose text no number depends on.
TEXT = {"title", "where", "says", "why", "explanation", "conventions", "source", "correct", "generated_by", "id"}
#: Optional keys whose default is the value written, so removing them changes nothing.
DEFAULTS = {
    "half": True,
    "convention": "column",
    "reduction": "sum",
    "exponent": 2,
    "update": "simultaneous",
    "report": "after_update",
    "batch_axis": 0,
    "bias": "vector",
    "layout": "rows",
}


def _quick(path) -> bool:
    train = json.loads(path.read_text()).get("train", {})
    return train.get("steps", 0) <= 10  # long training (10,000 rounds) is not fuzzed: too slow per example


SOURCES = [p for p in SHIPPED if _quick(p)]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


def _harmless(doc, path, old, new, removed) -> bool:
    """A corruption that changes no checked number (so a pass is right)."""
    if any(key in TEXT for key in path if isinstance(key, str)) or path[0] in ("claims", "errata"):
        return True  # text; a claim or erratum still holding is the case author's, checked where it is used
    if path[-1] == "batch_axis" and doc["loss"].get("reduction", "sum") == "sum":
        return True  # the batch axis is read by a mean only
    if removed:
        return DEFAULTS.get(path[-1], object()) == old or path[-1] in ("claims", "rule", "attrs")
    if new == old or (path[-1] in ("stated", "claims") and not new):  # the same, or fewer checks
        return True
    if isinstance(old, str) and isinstance(new, (int, float)) and not isinstance(new, bool):
        return doc["computed"].get(old) == new  # a name replaced by its own value
    while isinstance(old, list) and len(old) == 1:
        old = old[0]  # a one-entry row of prints replaced by one print: the same single number
    if (
        "printed" in path
        and isinstance(new, str)
        and isinstance(old, str)
        and PRINTED.match(new)
        and PRINTED.match(old)
    ):
        return abs(float(new) - float(old)) <= half_unit(new)  # a coarser print of the same number
    return False


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_corruption_is_named_by_file_and_field_or_fails_or_changes_nothing(tmp_path_factory, data):
    source = data.draw(st.sampled_from(SOURCES))
    doc = json.loads(source.read_text())
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    holder = doc
    for key in path[:-1]:
        holder = holder[key]
    old, removed, new = holder[path[-1]], isinstance(holder, dict) and data.draw(st.booleans()), None
    if removed:
        del holder[path[-1]]
    else:
        holder[path[-1]] = new = data.draw(st.sampled_from(ODD))
    target = tmp_path_factory.mktemp("fuzz") / source.name
    target.write_text(json.dumps(doc))
    try:
        result = verify(load(target))
    except CaseError as exc:
        assert str(exc).startswith(f"{target}: field '") and exc.field, str(exc)
    else:
        assert all(isinstance(p, str) for p in result.problems)
        assert result.problems or _harmless(doc, path, old, new, removed), (path, old, new)
