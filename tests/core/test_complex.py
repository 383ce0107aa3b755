"""Complex parameters through check_grad and check_vjp: complex least squares, right in torch's convention
(dL/dRe + i dL/dIm; for a vjp J^H applied to the cotangent) and planted in the conjugate convention (jax.grad's),
as the bare Wirtinger derivative (half), and with one wrong entry; the conventions verified against torch and jax."""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc

torch = pytest.importorskip("torch")
jax = pytest.importorskip("jax")

RNG = np.random.default_rng(0)
A = RNG.normal(size=(6, 3)) + 1j * RNG.normal(size=(6, 3))
B = RNG.normal(size=6) + 1j * RNG.normal(size=6)
Z = RNG.normal(size=3) + 1j * RNG.normal(size=3)

CONVENTION = (
    "z is complex128: yours matched torch's convention, dL/dRe + i dL/dIm (checked as its real and imaginary "
    "parts, entries [..., 0] and [..., 1] of the table)"
)
CONJUGATE = (
    "z is the conjugate of torch's convention, dL/dRe + i dL/dIm: yours is dL/dRe - i dL/dIm (the conjugate "
    "convention, what jax.grad returns for a real loss of complex params); return its conjugate (np.conj)"
)
WIRTINGER = (
    "z = 0.5 x torch's convention, dL/dRe + i dL/dIm: that is the bare Wirtinger derivative dL/dz* = "
    "(dL/dRe + i dL/dIm) / 2; multiply it by 2"
)
ONE_ENTRY = "only 1 of 3 complex entries wrong (z[1]); the rest agree in torch's convention, dL/dRe + i dL/dIm"


def loss(p, A, b):
    xp = array_namespace(p["z"])
    r = A @ p["z"] - b
    return 0.5 * xp.sum(xp.real(r) ** 2 + xp.imag(r) ** 2)


def right(p, A, b):
    return {"z": A.conj().T @ (A @ p["z"] - b)}


def one_entry(p, A, b):
    g = right(p, A, b)["z"].copy()
    g[1] *= 1.1
    return {"z": g}


PLANTED = {
    "conjugate": (lambda p, A, b: {"z": np.conj(right(p, A, b)["z"])}, CONJUGATE),
    "wirtinger": (lambda p, A, b: {"z": right(p, A, b)["z"] / 2}, WIRTINGER),
    "one entry": (one_entry, ONE_ENTRY),
}


def test_the_right_gradient_is_torchs_and_jaxs_is_its_conjugate():
    zt = torch.tensor(Z, requires_grad=True)
    (tg,) = torch.autograd.grad(loss({"z": zt}, torch.tensor(A), torch.tensor(B)), zt)
    np.testing.assert_allclose(tg.numpy(), right({"z": Z}, A, B)["z"], rtol=1e-12)
    with jax.enable_x64(True):
        jg = jax.grad(lambda z: loss({"z": z}, jax.numpy.asarray(A), jax.numpy.asarray(B)))(jax.numpy.asarray(Z))
    np.testing.assert_allclose(np.asarray(jg), np.conj(tg.numpy()), rtol=1e-12)


@pytest.mark.parametrize("oracles", [("fd",), ("fd", "torch"), "all"])
def test_a_right_complex_gradient_passes_and_says_its_convention(oracles):
    report = gc.check_grad(loss, right, {"z": Z}, args=(A, B), oracles=oracles)
    z = report.param("z")
    assert z.ok and z.dtype == "complex128" and z.notes[-1] == CONVENTION


@pytest.mark.parametrize("plant", list(PLANTED))
@pytest.mark.parametrize("oracles", [("fd",), ("fd", "torch")])
def test_planted_conventions_fail_with_their_diagnosis(plant, oracles):
    grad, words = PLANTED[plant]
    report = gc.grad_report(loss, grad, {"z": Z}, args=(A, B), oracles=oracles)
    assert not report.ok and report.param("z").status == "mismatch"
    assert report.verdict.startswith("gradient mismatch in z: hand-written grad disagrees with fd")
    assert report.param("z").diagnosis == words


def test_jax_grad_given_as_the_gradient_is_named_as_the_conjugate_convention():
    def jax_grad(p, A, b):
        with jax.enable_x64(True):
            g = jax.grad(lambda q: loss(q, jax.numpy.asarray(A), jax.numpy.asarray(b)))(
                {"z": jax.numpy.asarray(p["z"])}
            )
        return {"z": np.asarray(g["z"])}

    report = gc.grad_report(loss, jax_grad, {"z": Z}, args=(A, B), oracles=("fd", "torch"))
    assert report.param("z").diagnosis == CONJUGATE


def test_complex64_beside_a_real_param_and_the_callers_arrays_unchanged():
    p = {"z": Z.astype(np.complex64), "s": np.array([0.5])}
    before = {k: v.copy() for k, v in p.items()}

    def lossc(p, A, b):
        return loss(p, A, b) * p["s"][0]

    def gradc(p, A, b):
        return {"z": (p["s"][0] * right(p, A, b)["z"]).astype(np.complex64), "s": np.array([loss(p, A, b)])}

    report = gc.check_grad(lossc, gradc, p, args=(A, B), oracles=("fd", "torch"))
    assert report.param("z").dtype == "complex64" and report.param("s").dtype == "float64"
    assert all(np.array_equal(p[k], before[k]) and p[k].dtype == before[k].dtype for k in p)


def residual(z):
    return A @ z - B


def vjp_right(d, z):
    return A.conj().T @ d  # J^H d


@pytest.mark.parametrize("plant", ["right", "conjugate", "wirtinger", "one entry"])
def test_check_vjp_of_the_complex_residual_in_torchs_convention(plant):
    d = RNG.normal(size=6) + 1j * RNG.normal(size=6)
    zt = torch.tensor(Z, requires_grad=True)
    (tg,) = torch.autograd.grad(torch.tensor(A) @ zt - torch.tensor(B), zt, torch.tensor(d))
    np.testing.assert_allclose(tg.numpy(), vjp_right(d, Z), rtol=1e-12)
    vjps = {
        "right": vjp_right,
        "conjugate": lambda d, z: np.conj(vjp_right(d, z)),
        "wirtinger": lambda d, z: vjp_right(d, z) / 2,
        "one entry": lambda d, z: vjp_right(d, z) * np.array([1, 1.1, 1]),
    }
    report = gc.check_vjp(residual, vjps[plant], (Z,), cotangent=d, raise_on_failure=False, oracles=("fd",))
    if plant == "right":
        assert report.ok and report.param("z").notes[-1] == CONVENTION
    else:
        assert report.verdict == "gradient mismatch in z: hand-written vjp disagrees with fd (the only oracle that ran)"
        assert report.param("z").diagnosis == {"conjugate": CONJUGATE, "wirtinger": WIRTINGER}.get(plant, ONE_ENTRY)


def test_check_vjp_draws_a_complex_cotangent_for_a_complex_output():
    assert gc.check_vjp(residual, vjp_right, (Z,), oracles=("fd",)).ok
    with pytest.raises(gc.GradientMismatch):
        gc.check_vjp(residual, lambda d, z: np.real(vjp_right(d, z)), (Z,), oracles=("fd",))
