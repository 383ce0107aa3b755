"""gradcheck.tracebacks: a GradcheckError leaves an entry point without gradcheck's frames; the user's are kept."""

import traceback

import numpy as np
import pytest

import gradcheck
from gradcheck.tracebacks import KEEP_VARIABLE, PACKAGE, trimmed, user_facing


def _frames(exc) -> list[str]:
    return [f.filename for f in traceback.extract_tb(exc.__traceback__)]


def test_a_bad_input_is_raised_from_the_entry_point_alone():
    with pytest.raises(gradcheck.GradcheckError, match="has dtype int64") as info:
        gradcheck.check_grad(lambda p: p["b"].sum(), lambda p: p, {"b": [1, 2]})
    inside = [f for f in _frames(info.value) if f.startswith(PACKAGE)]
    assert [f.removeprefix(PACKAGE) for f in inside] == ["tracebacks.py"]  # the entry's own frame, nothing deeper


def test_the_users_frames_and_the_cause_are_kept():
    def loss(p):
        raise KeyError("boom")

    with pytest.raises(gradcheck.GradcheckError, match="raised KeyError: 'boom'") as info:
        gradcheck.check_grad(loss, lambda p: p, {"b": np.ones(2)})
    assert isinstance(info.value.__cause__, KeyError)
    assert any(f.name == "loss" for f in traceback.extract_tb(info.value.__cause__.__traceback__))


def test_a_gradient_mismatch_is_trimmed_too():
    with pytest.raises(gradcheck.GradientMismatch) as info:
        gradcheck.check_grad(lambda p: float(np.sum(p**2)), lambda p: 3 * p, np.ones(2), oracles="fd")
    assert [f.removeprefix(PACKAGE) for f in _frames(info.value) if f.startswith(PACKAGE)] == ["tracebacks.py"]


def test_other_exceptions_keep_every_frame():
    @user_facing
    def entry():
        return {}["missing"]

    with pytest.raises(KeyError) as info:
        entry()
    assert len(_frames(info.value)) == 3  # this test, the wrapper, entry


def test_the_variable_keeps_every_frame(monkeypatch):
    monkeypatch.setenv(KEEP_VARIABLE, "1")
    with pytest.raises(gradcheck.GradcheckError) as info:
        gradcheck.check_grad(lambda p: p["b"].sum(), lambda p: p, {"b": [1, 2]})
    assert any(f.endswith("inputs.py") for f in _frames(info.value))


def test_trimmed_of_a_traceback_all_inside_gradcheck_is_none():
    try:
        gradcheck.settings.parse_seed(-1)
    except gradcheck.GradcheckError as exc:
        assert trimmed(exc.__traceback__.tb_next) is None
