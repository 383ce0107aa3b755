"""function.py: F picks its framework's adapter (or is refused naming what would fit), integer outputs get zero
cotangents, and skip reasons and oracle disagreements are said in check_function's words."""

from types import SimpleNamespace

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.entry import function
from gradcheck._engine.entry.adapter import noting
from gradcheck.report import OracleRun, ParamReport

TORCH = SimpleNamespace(name="torch", body_label="Cube.forward")


def test_an_f_of_no_framework_is_refused_with_what_to_use_instead():
    with pytest.raises(gc.GradcheckError, match=r"Expected F to be a torch.autograd.Function subclass or a jax"):
        function._backend(np.sin, True)
    with pytest.raises(gc.GradcheckError, match=r"for a plain backward use check_vjp or check_backward"):
        function.check_function(lambda x: x, (np.ones(2),))


def test_full_cotangents_give_zeros_to_integer_outputs():
    outs = [np.ones((2, 2)), np.arange(3), np.ones(4, dtype=np.float32)]
    one = function._full_cotangents(outs, [0], np.full((2, 2), 5.0))
    assert np.array_equal(one[0], np.full((2, 2), 5.0)) and np.array_equal(one[1], np.zeros(3, dtype=int))
    assert one[2].dtype == np.float32 and not one[2].any()
    two = function._full_cotangents(outs, [0, 2], (np.ones((2, 2)), np.full(4, 2.0)))
    assert np.array_equal(two[2], np.full(4, 2.0)) and not two[1].any()


def test_noting_keeps_the_first_line_of_what_was_raised_and_raises_it_on():
    why = {}

    def boom():
        raise ValueError("numpy cannot run on a tensor\nsecond line")

    with pytest.raises(ValueError):
        noting(why, "torch", boom)
    with pytest.raises(ValueError):
        noting(why, "torch", lambda: (_ for _ in ()).throw(ValueError("later")))
    assert why == {"torch": "ValueError: numpy cannot run on a tensor"}  # the first reason is kept
    assert noting(why, "jax", lambda: 3) == 3 and "jax" not in why


def test_skip_reasons_say_what_ran_where_and_what_to_pass():
    skipped = OracleRun("torch", "skipped", "loss raised")
    why = {"torch": "RuntimeError: leaves the graph", "reference": "TypeError: no jax"}
    own = function._explain_skip(skipped, TORCH, None, why)
    assert own.reason == (
        "Cube.forward under torch's autograd raised RuntimeError: leaves the graph (a body outside autograd: "
        "numpy, .detach(), in-place or integer ops)"
    )
    other = OracleRun("jax", "skipped", "loss raised")
    assert function._explain_skip(other, TORCH, None, why).reason.startswith(
        "no reference forward given (pass reference=f, the forward written against the array API, to add jax"
    )
    assert function._explain_skip(other, TORCH, np.sin, why).reason == (
        "the reference forward raised TypeError: no jax on jax arrays"
    )
    ran = OracleRun("jax", "ran")
    assert function._explain_skip(ran, TORCH, None, why) is ran
    assert function._explain_skip(OracleRun("fd", "skipped", "x"), TORCH, None, why).reason == "x"


def _param(disagree, trusted, ok):
    comparisons = {o: SimpleNamespace(ok=v) for o, v in ok.items()}
    return ParamReport("x", (2,), "float64", "ok", comparisons, trusted, oracles_disagree=disagree)


def test_a_disagreement_of_fd_and_the_bodys_autograd_is_explained_with_what_to_do():
    p = _param(True, ("fd", "torch"), {"fd": True, "torch": False})
    note = function._explain_disagreement(p, TORCH).notes[-1]
    assert note.startswith("yours agrees with fd only; torch's autograd of Cube.forward is differentiated step by")
    assert note.endswith("or oracles=('fd',) when the body cannot be differentiated as written")
    assert p.notes == []  # a new report, the given one unchanged
    assert function._explain_disagreement(_param(False, ("fd", "torch"), {}), TORCH).notes == []
    assert function._explain_disagreement(_param(True, ("fd", "jax"), {}), TORCH).notes == []
