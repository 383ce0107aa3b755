"""own_dtype.py: float64=False runs your code in the params' own dtypes (judged in float64); code that refuses
float64 is told so, in the words of the function that raised."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.record.own_dtype import in_own_dtypes


def float32_only(x, W):
    """A forward that checks its inputs' dtype, as chainer's functions do."""
    if x.dtype != np.float32 or W.dtype != np.float32:
        raise TypeError(f"expected float32 inputs, got {x.dtype} and {W.dtype}")
    return x @ W


def vjp(g, x, W):
    return g @ W.T, x.T @ g


@pytest.fixture
def inputs():
    rng = np.random.default_rng(0)
    return rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(3, 2)).astype(np.float32)


def test_the_loss_sees_the_params_in_the_dtypes_they_were_given():
    seen = []
    loss = in_own_dtypes(lambda p: seen.append(p["W"].dtype) or 0.0, {"W": np.ones(2, np.float32), "n": np.arange(2)})
    loss({"W": np.ones(2), "n": np.arange(2)})
    assert seen == [np.float32]


def test_code_that_refuses_float64_names_itself_and_the_way_to_run_it(inputs):
    with pytest.raises(gc.GradcheckError) as e:
        gc.check_vjp(float32_only, vjp, inputs, oracles=("fd",))
    assert str(e.value) == (
        "fn (float32_only) raised TypeError: expected float32 inputs, got float64 and float64 (at float64 copies of "
        "the float32 arrays, where the oracles run your code: pass float64=False to run it in its own dtype, judged "
        "in float64 all the same)"
    )


def test_in_its_own_dtype_a_right_vjp_passes_and_a_wrong_one_fails(inputs):
    assert gc.check_vjp(float32_only, vjp, inputs, oracles=("fd",), float64=False).ok

    def wrong(g, x, W):
        return g @ W.T, 1.05 * (x.T @ g)

    report = gc.check_vjp(float32_only, wrong, inputs, oracles=("fd",), float64=False, raise_on_failure=False)
    assert [p.name for p in report.failing] == ["W"]
    # read against fd's float32-limited values (good to ~1e-5), the factor is still found
    assert report.param("W").diagnosis == (
        "yours = 1.05001 x reference: every entry is off by the same constant factor 1.05001"
    )


def test_float64_must_be_a_flag():
    with pytest.raises(gc.GradcheckError, match="float64"):
        gc.check_grad(lambda p: 0.0, lambda p: p, {"W": np.ones(2)}, float64="no")
