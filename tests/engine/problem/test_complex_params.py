"""_engine/complex_params: a complex leaf as its real view (Re at [..., 0], Im at [..., 1]), the loss and grad
wrapped around it, and the conventions named (conjugate, Wirtinger, a missing imaginary part, a few entries)."""

import numpy as np

from gradcheck._engine.problem.complex_params import as_real, diagnose, note, split

Z = np.array([1 + 2j, -3 + 0.5j])


def test_the_real_view_holds_real_then_imaginary_parts():
    v = as_real(Z)
    assert v.shape == (2, 2) and v.dtype == np.float64
    np.testing.assert_array_equal(v, [[1, 2], [-3, 0.5]])
    assert as_real(Z.astype(np.complex64)).dtype == np.float32


def test_split_leaves_real_params_alone():
    loss, grad, params, layout = split(len, len, {"w": np.ones(2)})
    assert layout is None and loss is len and grad is len


def test_split_rebuilds_complex_params_for_the_users_code_and_reads_its_gradient_in_torchs_convention():
    seen = []

    def loss(p, k):
        seen.append(p["z"])
        return float(np.sum(np.abs(p["z"]) ** 2)) * k

    def grad(p, k):
        return {"z": 2 * k * p["z"], "w": np.ones(1)}

    rloss, rgrad, params, layout = split(loss, grad, {"z": Z, "w": np.zeros(1)})
    assert layout.dtypes == {"z": "complex128"} and "z" in layout and "w" not in layout
    assert params["z"].shape == (2, 2) and params["w"] is not None
    assert rloss(params, 3.0) == 3.0 * float(np.sum(np.abs(Z) ** 2))
    np.testing.assert_array_equal(seen[0], Z)
    np.testing.assert_array_equal(rgrad(params, 1.0)["z"], as_real(2 * Z))
    assert rloss.__qualname__ == loss.__qualname__


def test_a_real_gradient_for_a_complex_param_is_read_with_imaginary_part_zero():
    _, rgrad, params, _ = split(None, lambda p: {"z": np.real(p["z"])}, {"z": Z})
    np.testing.assert_array_equal(rgrad(params)["z"], [[1, 0], [-3, 0]])


REF = as_real(np.array([2 + 4j, -6 + 1j, 1 - 1j]))
NONE = np.zeros((3, 2), bool)


def test_the_conjugate_is_named():
    kind, words = diagnose("z", as_real(np.conj(REF[..., 0] + 1j * REF[..., 1])), REF, NONE)
    assert kind == "conjugate"
    assert words == (
        "z is the conjugate of torch's convention, dL/dRe + i dL/dIm: yours is dL/dRe - i dL/dIm (the conjugate "
        "convention, what jax.grad returns for a real loss of complex params); return its conjugate (np.conj)"
    )


def test_half_is_the_bare_wirtinger_derivative_not_a_conjugate():
    kind, words = diagnose("z", REF / 2, REF, NONE)
    assert kind == "wirtinger"
    assert words == (
        "z = 0.5 x torch's convention, dL/dRe + i dL/dIm: that is the bare Wirtinger derivative dL/dz* = "
        "(dL/dRe + i dL/dIm) / 2; multiply it by 2"
    )


def test_half_the_conjugate_is_the_wirtinger_dl_dz():
    yours = REF / 2 * np.array([1, -1])
    assert diagnose("z", yours, REF, NONE)[1] == (
        "z = 0.5 x the conjugate of torch's convention, dL/dRe + i dL/dIm: that is the Wirtinger derivative dL/dz; "
        "return 2 x its conjugate"
    )


def test_a_missing_imaginary_part_is_named():
    yours = REF * np.array([1, 0])
    assert diagnose("z", yours, REF, NONE) == (
        "missing_imaginary",
        "z has no imaginary part where torch's convention, dL/dRe + i dL/dIm has one: dL/dIm is missing (a real "
        "array returned, or .real taken); return dL/dRe + i dL/dIm",
    )


def test_one_wrong_complex_entry_is_named_as_an_entry_of_z():
    yours, wrong = REF.copy(), NONE.copy()
    yours[1] *= 1.1
    wrong[1] = True
    wide = np.zeros((8, 2), bool)
    wide[1, 0] = True
    wide_ref = np.tile(REF, (3, 1))[:8]
    assert diagnose("z", np.where(wide, 2 * wide_ref, wide_ref), wide_ref, wide) == (
        "partial",
        "only 1 of 8 complex entries wrong (z[1]); the rest agree in torch's convention, dL/dRe + i dL/dIm",
    )
    assert diagnose("z", REF * 3, REF, ~NONE) is None


def test_the_note_says_the_convention_matched_or_read_in():
    _, _, _, layout = split(None, None, {"z": Z})
    assert note("z", layout, True) == [
        "z is complex128: yours matched torch's convention, dL/dRe + i dL/dIm (checked as its real and imaginary "
        "parts, entries [..., 0] and [..., 1] of the table)"
    ]
    assert "yours was read in torch's convention" in note("z", layout, False)[0]
    assert note("w", layout, True) == [] and note("z", None, True) == []
