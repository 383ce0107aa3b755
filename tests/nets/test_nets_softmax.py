"""Softmax: stability, log-sum-exp variants, and the VJP via the Jacobian equals the fast form."""

import numpy as np
import pytest

from gradcheck.nets import activations as sm


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_sums_to_one_and_matches_torch(axis, rng):
    torch = pytest.importorskip("torch")
    z = rng.standard_normal((4, 5)) * 3
    s = sm.softmax(z, axis=axis)
    np.testing.assert_allclose(np.sum(s, axis=axis), 1.0, rtol=1e-14)
    np.testing.assert_allclose(s, torch.softmax(torch.tensor(z), dim=axis).numpy(), rtol=1e-13)


def test_softmax_is_stable_for_huge_logits():
    z = np.array([[1000.0, 999.0, -1000.0], [-1e4, -1e4, -1e4]])
    with np.errstate(over="raise", invalid="raise"):
        s = sm.softmax(z)
        log_p = sm.log_softmax(z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(log_p))
    np.testing.assert_allclose(s[1], [1 / 3] * 3, rtol=1e-14)
    assert log_p[0, 2] == pytest.approx(-1000.0 - 1000.0 - np.log1p(np.exp(-1.0)), rel=1e-14)


@pytest.mark.parametrize("axis", [0, 1])
def test_lse_variants_agree(axis, rng):
    z = rng.standard_normal((3, 6))
    np.testing.assert_allclose(sm.softmax_lse(z, axis=axis), sm.softmax(z, axis=axis), rtol=1e-13)
    np.testing.assert_allclose(np.exp(sm.log_softmax(z, axis=axis)), sm.softmax(z, axis=axis), rtol=1e-13)
    expected = np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    np.testing.assert_allclose(sm.logsumexp(z, axis=axis), expected, rtol=1e-13)


def test_jacobian_is_diag_s_minus_outer_and_matches_torch(rng):
    torch = pytest.importorskip("torch")
    z = rng.standard_normal(4)
    s = sm.softmax(z)
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=0), torch.tensor(z)).numpy()
    np.testing.assert_allclose(sm.softmax_jacobian(s), jac, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sm.softmax_jacobian(s).sum(axis=0), 0.0, atol=1e-15)


def test_jacobian_rejects_a_batch():
    with pytest.raises(ValueError, match=r"s.shape=\(2, 3\)"):
        sm.softmax_jacobian(np.full((2, 3), 1 / 3))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_vjp_two_ways_agree_and_match_torch(axis, rng, torch_grad):
    z = rng.standard_normal((5, 3))
    g = rng.standard_normal((5, 3))
    s = sm.softmax(z, axis=axis)
    fast = sm.softmax_vjp(s, g, axis=axis)
    via_jacobian = sm.softmax_vjp_jacobian(s, g, axis=axis)
    np.testing.assert_allclose(via_jacobian, fast, rtol=1e-12, atol=1e-15)
    (expected,) = torch_grad(lambda t, gt: (sm.softmax(t, axis=axis) * gt).sum(), z, consts=(g,))
    np.testing.assert_allclose(fast, expected, rtol=1e-11, atol=1e-14)


def test_vjps_do_not_modify_inputs(rng):
    s = sm.softmax(rng.standard_normal((3, 4)))
    g = rng.standard_normal((3, 4))
    s.flags.writeable = False
    g.flags.writeable = False
    sm.softmax_vjp(s, g)
    sm.softmax_vjp_jacobian(s, g)
