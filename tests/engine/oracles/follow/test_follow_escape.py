"""follow/escape.py: where the user's code left what a framework can follow, named by file, line and call."""

import numpy as np
import pytest

from gradcheck._engine.oracles.follow.backends import backend
from gradcheck._engine.oracles.follow.escape import CannotFollow, Escape, calls
from gradcheck._engine.oracles.follow.session import Session

pytest.importorskip("torch")


def softmax_loss(W):
    return float(np.sum(np.exp(W)))  # line 14: a Python float, past which autograd sees nothing


def test_an_escape_names_the_function_file_line_and_call():
    s = Session(backend("torch"))
    with pytest.raises(CannotFollow) as info:
        softmax_loss(s.input(s.backend.leaf(np.ones(3))))
    assert info.value.escape.reason("torch") == (
        "softmax_loss (test_follow_escape.py:14) converted an array computed from its inputs to a Python float "
        "(float): torch cannot follow it past that line"
    )
    assert s.escapes == [info.value.escape]  # recorded before it is raised: a swallowed one still counts


def test_the_reason_reads_as_the_issue_words_it():
    e = Escape("softmax_loss", "/x/layers.py", 42, "np.asarray", "converted its input to a plain numpy array")
    assert e.reason("torch") == (
        "softmax_loss (layers.py:42) converted its input to a plain numpy array (np.asarray): torch cannot "
        "follow it past that line"
    )


def test_calls_reads_the_called_name_from_the_current_instruction():
    import sys

    def here():
        return calls(sys._getframe(1), "here")

    assert here() and not calls(sys._getframe(0), "zeros")
