"""Robust loading as a property: any mutation of a case file's JSON (a value replaced by another type, a key
removed) loads and verifies to a result or a CaseError naming the file, never another exception."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck.golden import CaseError, load, verify

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
    ["a"],
    {"kind": "mlp"},
    "W1[9, 9]",
    "x[9]",
    "f[0, 0, 0]",
    "dx[1]",
    "q",
    "no-such/f",
    "1.5",
    "0",
]
SOURCES = sorted(SHIPPED, key=lambda p: p.stat().st_size)[:4]  # the quick ones (no long training)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_any_mutation_is_a_result_or_a_case_error(tmp_path_factory, data):
    source = data.draw(st.sampled_from(SOURCES))
    doc = json.loads(source.read_text())
    doc.pop("computed")
    path = data.draw(st.sampled_from([p for p in _paths(doc) if p]))
    holder = doc
    for key in path[:-1]:
        holder = holder[key]
    if isinstance(holder, dict) and data.draw(st.booleans()):
        del holder[path[-1]]
    else:
        holder[path[-1]] = data.draw(st.sampled_from(ODD))
    target = tmp_path_factory.mktemp("fuzz") / source.name
    target.write_text(json.dumps(doc))
    try:
        result = verify(load(target))
    except CaseError as exc:
        assert str(exc).startswith(str(target))
    else:
        assert all(isinstance(p, str) for p in result.problems)
