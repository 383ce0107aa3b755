"""follow/run.py: a followed gradient is used only when the followed forward is the user's own value."""

import numpy as np
import pytest

from gradcheck._engine.oracles import CannotRun
from gradcheck._engine.oracles.follow.array import Followed
from gradcheck._engine.oracles.follow.run import jax_gradients, torch_gradients
from gradcheck._engine.problem.problem import Problem


def branches_on_type(p):
    x = p["x"]
    return np.sum(x**2) * (2.0 if isinstance(x, Followed) else 1.0)  # computes another function when followed


@pytest.mark.parametrize("gradients,name", [(torch_gradients, "torch"), (jax_gradients, "jax")])
def test_a_followed_forward_that_differs_is_never_differentiated(gradients, name):
    pytest.importorskip(name)
    problem = Problem.at(branches_on_type, {"x": np.ones(3)})
    with pytest.raises(CannotRun) as info:
        gradients(problem)
    assert str(info.value) == (
        f"your numpy loss followed under {name} gives 6 against 3 in plain numpy: {name}'s translation of it "
        f"computes something else, so its gradient is not used"
    )


def test_an_exception_in_the_users_code_names_its_line():
    pytest.importorskip("torch")

    def loss(p):
        return np.sum(p["x"].no_such_method())

    with pytest.raises(CannotRun, match=r"^loss \(test_follow_run.py:\d+\) raised AttributeError \("):
        torch_gradients(
            Problem.at(lambda p: np.sum(p["x"]), {"x": np.ones(2)}, ()).__class__(
                loss, ("x",), (np.ones(2),), Problem.at(lambda p: 0.0, {"x": np.ones(2)}).treedef, (), 0.0
            )
        )
