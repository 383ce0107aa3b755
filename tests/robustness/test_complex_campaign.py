"""The complex campaign: random real losses of complex params (least squares, a log-barrier of |z|^2, a complex
linear layer with a real tanh-of-modulus head), right gradients in torch's convention all pass, and every planted
error fails (unless below the detection bound the report states): one complex entry off by 1%-20%, a whole
parameter scaled, the conjugate, half (the bare Wirtinger derivative), the imaginary part dropped."""

import numpy as np
import pytest
from array_api_compat import array_namespace

import gradcheck as gc

pytest.importorskip("torch")

PLANTS = ("entry", "whole", "conjugate", "half", "real only")


def _c(rng, *shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


def draw(rng):
    """(loss, grad, params, args): one of three real losses of complex params, sizes drawn."""
    m, n = int(rng.integers(2, 8)), int(rng.integers(1, 6))
    kind = int(rng.integers(3))
    A, b = _c(rng, m, n), _c(rng, m)
    if kind == 0:

        def loss(p, A, b):
            xp = array_namespace(p["z"])
            r = A @ p["z"] - b
            return 0.5 * xp.sum(xp.real(r) ** 2 + xp.imag(r) ** 2)

        def grad(p, A, b):
            return {"z": A.conj().T @ (A @ p["z"] - b)}

        return loss, grad, {"z": _c(rng, n)}, (A, b)
    if kind == 1:

        def loss(p, A, b):
            xp = array_namespace(p["z"])
            return xp.sum(xp.log(1 + xp.real(p["z"]) ** 2 + xp.imag(p["z"]) ** 2))

        def grad(p, A, b):
            return {"z": 2 * p["z"] / (1 + np.abs(p["z"]) ** 2)}

        return loss, grad, {"z": _c(rng, n)}, (A, b)

    def loss(p, A, b):  # y = W x, L = sum tanh(|y|^2) + s |x|^2 with real s
        xp = array_namespace(p["W"])
        y = p["W"] @ A[0]
        return xp.sum(xp.tanh(xp.real(y) ** 2 + xp.imag(y) ** 2)) + p["s"][0] * xp.sum(xp.abs(A[0]) ** 2)

    def grad(p, A, b):
        x = A[0]
        y = p["W"] @ x
        dy = 2 * y * (1 - np.tanh(np.abs(y) ** 2) ** 2)  # torch convention: dL/dRe y + i dL/dIm y
        return {"W": np.outer(dy, x.conj()), "s": np.array([np.sum(np.abs(x) ** 2)])}

    return loss, grad, {"W": _c(rng, m, n) * 0.5, "s": np.array([0.3])}, (A, b)


def plant(grad, name, kind, rng, shape):
    rel = float(rng.uniform(0.01, 0.2)) * (1 if rng.random() < 0.5 else -1)
    index = tuple(int(rng.integers(s)) for s in shape)

    def wrong(p, A, b):
        g = dict(grad(p, A, b))
        x = g[name].copy()
        if kind == "entry":
            x[index] *= 1 + rel
        elif kind == "whole":
            x = x * (1 + rel)
        elif kind == "conjugate":
            x = np.conj(x)
        elif kind == "half":
            x = x / 2
        else:
            x = np.real(x)
        g[name] = x
        return g

    return wrong, rel, index


@pytest.mark.parametrize("oracles", [("fd",), ("fd", "torch")])
def test_right_complex_gradients_pass_and_planted_ones_fail(oracles):
    rng = np.random.default_rng(11)
    problems = []
    for k in range(30):
        loss, grad, params, args = draw(rng)
        right = gc.grad_report(loss, grad, params, args=args, oracles=oracles)
        if not right.ok:
            problems.append(f"right failed ({k}): {right.verdict}")
        name = next(n for n, v in params.items() if np.iscomplexobj(v))
        kind = PLANTS[k % len(PLANTS)]
        wrong, rel, index = plant(grad, name, kind, rng, params[name].shape)
        g_right, g_wrong = grad(params, *args)[name], wrong(params, *args)[name]
        if kind in ("conjugate", "real only") and np.allclose(np.imag(g_right), 0):
            continue  # no imaginary part: the plant changed nothing
        report = gc.grad_report(loss, wrong, params, args=args, oracles=oracles)
        if report.ok and not np.max(np.abs(g_wrong - g_right)) <= report.param(name).bound:
            problems.append(f"false pass ({k}): {kind} of {name} x{1 + rel:.3f} at {index}")
        elif not report.ok:
            assert report.param(name).status == "mismatch"
            named = {"conjugate": "conjugate", "half": "wirtinger", "real only": "missing_imaginary"}.get(kind)
            if named is not None and report.param(name).diagnosis_kind != named:
                problems.append(f"misnamed ({k}): {kind} of {name}: {report.param(name).diagnosis}")
    assert problems == []
