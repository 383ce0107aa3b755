"""follow/memo.py: what worked is tried first next time; a loss that cannot run is tried once per shape."""

import numpy as np
import pytest

from gradcheck._engine.oracles import CannotRun, Role
from gradcheck._engine.oracles.follow.memo import Attempts, attempt, memo_key
from gradcheck._engine.problem.problem import Problem


def _problem(shape=(3,)):
    return Problem.at(lambda p: np.sum(p["x"]), {"x": np.ones(shape)})


def test_what_worked_runs_first_and_a_failure_is_remembered_with_its_reason():
    memo, calls = Attempts(), []

    def native():
        calls.append("native")
        raise CannotRun("native failed")

    def followed():
        calls.append("followed")
        return "grads"

    assert attempt("torch", _problem(), native, followed, memo) == ("grads", Role.FOLLOWED_AD)
    assert attempt("torch", _problem(), native, followed, memo) == ("grads", Role.FOLLOWED_AD)
    assert calls == ["native", "followed", "followed"]

    def never():
        calls.append("never")
        raise CannotRun("followed failed: a line")

    problem = _problem((4,))
    for _ in range(3):
        with pytest.raises(CannotRun, match="^followed failed: a line$"):
            attempt("torch", problem, never, never, memo)
    assert calls.count("never") == 2  # one try of each way, once for the function at that shape


def test_the_key_tells_code_and_shapes_apart_and_the_memo_stays_small():
    assert memo_key("torch", _problem()) == memo_key("torch", _problem())
    assert memo_key("torch", _problem()) != memo_key("torch", _problem((2,)))
    assert memo_key("torch", _problem()) != memo_key("jax", _problem())
    memo = Attempts(size=2)
    for k in range(5):
        memo.note(k, Role.EXACT_AD)
    assert list(memo.seen) == [3, 4]
