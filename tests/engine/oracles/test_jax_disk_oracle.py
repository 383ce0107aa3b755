"""oracles/jax_disk.py: keys are filed under a text that is the same wherever the key means the same (code by
content, values by repr) and refused when unstable; an executable saved for a key loads for it alone."""

import enum
import functools
import types

import numpy as np
import pytest

from gradcheck._engine.oracles import jax_disk
from gradcheck._engine.oracles.jax_disk import FOLDER_VARIABLE, Unstable, canonical


class Mode(enum.Enum):
    SUM = 1


def _loss(p):
    return p["x"] ** 2


def test_canonical_text_is_the_same_for_equal_values_and_differs_for_different_ones():
    assert canonical((1, 2.0, "a", None, True)) == canonical((1, 2.0, "a", None, True))
    assert canonical(1) != canonical(1.0) != canonical(True)  # the type is part of the text
    assert canonical([1, 2]) != canonical((1, 2))
    assert list(frozenset([1, 9])) != list(frozenset([9, 1]))  # 1 and 9 share a hash slot: insertion order shows
    assert canonical(frozenset([1, 9])) == canonical(frozenset([9, 1]))
    assert canonical(np.float32(2.0)) != canonical(np.float64(2.0))
    assert canonical(Mode.SUM) == f"enum:{canonical(Mode)}.SUM"
    assert canonical(np) == "module(numpy)" and canonical(np.add) == "ufunc(add)"


def test_code_is_keyed_by_its_content_not_its_identity():
    def make(k):
        def f(x):
            return k * x

        return f

    assert canonical(make(1).__code__) == canonical(make(2).__code__)  # code alone: closure values are keyed apart
    g = types.FunctionType(_loss.__code__.replace(co_consts=(None, 3)), globals(), "_loss")
    assert canonical(g.__code__) != canonical(_loss.__code__)
    assert canonical(_loss).startswith(f"function({__name__}._loss:code(")
    assert canonical(functools.lru_cache(_loss)) == f"lru({canonical(_loss)})"


@pytest.mark.parametrize("value", [np.ones(2), {"a": 1}, object(), {1, 2}, (1, [np.ones(1)])])
def test_values_with_no_stable_text_are_refused(value):
    with pytest.raises(Unstable):
        canonical(value)


def test_no_path_without_a_folder_or_for_an_unstable_key(monkeypatch, tmp_path):
    monkeypatch.delenv(FOLDER_VARIABLE, raising=False)
    assert jax_disk.path_for((1, "a")) is None
    pytest.importorskip("jax")
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    assert jax_disk.path_for((1, np.ones(2))) is None
    path = jax_disk.path_for((1, "a"))
    assert path.parent == tmp_path / "executables" and path.suffix == ".xla" and len(path.stem) == 64
    assert jax_disk.path_for((1, "a")) == path and jax_disk.path_for((1, "b")) != path


def test_a_saved_executable_loads_for_its_key_and_a_foreign_file_is_ignored(monkeypatch, tmp_path):
    jax = pytest.importorskip("jax")
    monkeypatch.setenv(FOLDER_VARIABLE, str(tmp_path))
    leaves, args = [np.array([1.0, 2.0, 3.0])], (np.float64(2.0),)

    def flat(ls, args):
        return (args[0] * ls[0] ** 2).sum()

    with jax.enable_x64(True):
        compiled = jax.jit(jax.value_and_grad(flat)).trace(leaves, args).lower().compile()
        key = ("mirror-test", 1)
        assert jax_disk.load(key, leaves, args) is None  # nothing stored yet
        jax_disk.save(key, compiled)
        loaded = jax_disk.load(key, leaves, args)
        assert loaded is not None
        value, (grad,) = loaded(leaves, args)
        assert float(value) == 28.0 and np.array_equal(np.asarray(grad), [4.0, 8.0, 12.0])
        assert jax_disk.load(("mirror-test", 2), leaves, args) is None
        jax_disk.path_for(key).write_bytes(b"not an executable")
        assert jax_disk.load(key, leaves, args) is None
