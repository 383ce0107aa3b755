"""Params trees flatten to names that read like the user's code, and rebuild exactly."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from gradcheck._engine.tree import flatten, unflatten

leaf = st.integers(1, 3).map(lambda n: np.arange(float(n)))
trees = st.recursive(
    leaf,
    lambda kids: (
        st.lists(kids, max_size=3)
        | st.dictionaries(st.text("abcW12", min_size=1, max_size=3), kids, max_size=3)
        | st.tuples(kids, kids)
    ),
    max_leaves=8,
)


@given(trees)
def test_flatten_then_unflatten_is_identity(tree):
    names, leaves, td = flatten(tree)
    assert len(names) == len(leaves) == td.n_leaves
    rebuilt = unflatten(td, leaves)
    assert flatten(rebuilt)[0] == names
    assert all(a is b for a, b in zip(flatten(rebuilt)[1], leaves))


def test_names():
    tree = {"W1": 1, "layers": [{"W": 2}, (3, 4)]}
    assert flatten(tree)[0] == ["W1", "layers[0].W", "layers[1][0]", "layers[1][1]"]
    assert flatten([5, 6])[0] == ["params[0]", "params[1]"]
    assert flatten(np.ones(2))[0] == ["params"]
