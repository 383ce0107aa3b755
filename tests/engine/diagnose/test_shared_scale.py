"""shared_scale.py: one unnamed factor shared by every parameter is said once; a passing parameter, different
factors, or a factor that each parameter's diagnosis names by its cause leave the diagnoses as they are."""

import numpy as np

from gradcheck._engine.diagnose.shared_scale import shared_scale
from gradcheck.report import ParamReport

RNG = np.random.default_rng(0)


def param(name, c, status="mismatch", shape=(3, 2)):
    ref = RNG.normal(size=shape)
    return ParamReport(
        name, shape, "float64", status, trusted=("torch",), yours=c * ref, refs={"torch": ref}, diagnosis="own"
    )


def test_one_factor_on_every_parameter_is_said_once():
    out = shared_scale([param("Wx", 0.156405), param("Wh", 0.156405), param("b", 0.156405, shape=(4,))])
    assert [p.diagnosis_kind for p in out] == ["shared_scale"] * 3
    assert out[0].diagnosis.startswith(
        "every parameter (Wx, Wh and b) is yours = 0.156405 x reference, the same factor 0.156405: one scale "
        "applied to the whole gradient, not a bug of any one parameter; look for gradient-norm clipping"
    )
    assert out[2].diagnosis == "the same factor 0.156405 as every other parameter (see Wx)"


def test_diagnoses_kept_when_the_factor_is_not_shared_by_every_parameter_or_has_a_named_cause():
    for params in (
        [param("W", 0.3), param("b", 0.3), param("c", 1.0, "ok")],  # c passes: not every parameter
        [param("W", 0.3), param("b", 0.4)],
        [param("W", 0.3)],
        [param("W", 2.0), param("b", 2.0)],  # the loss's 1/2: each says so
        [param("W", -1.0), param("b", -1.0)],
        [param("W", 1 / 8), param("b", 1 / 8)],
    ):
        assert [p.diagnosis for p in shared_scale(params)] == ["own"] * len(params)
