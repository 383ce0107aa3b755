"""Layer bugs planted into a right gradient, each diagnosed with its exact words (diagnose() without oracles),
and advice that fits the operation (no sigma'(z) for a layer without one)."""

import numpy as np
import pytest

import gradcheck as gc
from gradcheck._engine.diagnose.likely_bug import Operation, diagnose
from gradcheck.report import ParamReport

LAYER = Operation("pool_forward", mlp=False)
G = np.random.default_rng(5).normal(size=(4, 6))


def diagnosed(yours, ref, op=LAYER, args=()):
    p = ParamReport(
        "x",
        ref.shape,
        "float64",
        "mismatch",
        trusted=("torch",),
        yours=np.asarray(yours, float),
        refs={"torch": np.asarray(ref, float)},
    )
    return diagnose(p, args, op)


def relu_masked():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(4, 6))
    return G, G * (x > 0)  # yours: the upstream gradient without the mask


def max_pool_routed():
    """2x1 max pooling of a (4, 6) input: the reference routes each upstream value to its window's argmax;
    the planted bug sends it to the other entry of the window."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(4, 6))
    up = rng.normal(size=(2, 6))
    ref, wrong = np.zeros_like(x), np.zeros_like(x)
    for i in range(2):
        top = 2 * i + np.argmax(x[2 * i : 2 * i + 2], axis=0)
        other = 4 * i + 1 - top  # the window's other row
        ref[top, np.arange(6)] = up[i]
        wrong[other, np.arange(6)] = up[i]
    return wrong, ref


def shifted():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=(3, 8))
    yours = np.zeros_like(ref)
    yours[:, 1:] = ref[:, :-1]  # cropped one position off: yours[i] = ref[i - 1]
    yours[:, 0] = rng.normal(size=3)
    return yours, ref


def missing_batch_mean():
    rng = np.random.default_rng(4)
    ref = rng.normal(size=(5, 3))
    return ref + np.array([0.3, -0.2, 0.7]), ref  # the same term in every row: constant along axis 0


def rank_one():
    rng = np.random.default_rng(5)
    ref = rng.normal(size=(5, 4))
    return ref + np.outer(rng.normal(size=5), rng.normal(size=4)), ref


def approximated():
    rng = np.random.default_rng(6)
    ref = rng.normal(size=(6, 5))
    return ref * (1 + 1e-3 * np.tanh(ref)), ref


def clipped():
    rng = np.random.default_rng(7)
    ref = rng.normal(size=(4, 5))
    return np.clip(ref, -0.8, 0.8), ref


def test_missing_mask():
    yours, ref = relu_masked()
    k = int(np.sum(ref == 0))
    found = diagnosed(yours, ref)
    assert found.kind == "missing_mask"
    assert found.words == (
        f"yours is nonzero at {k} entries where the reference is exactly zero, and right everywhere else ({k} of 24 "
        "reference entries are zero): a mask is missing in the backward; the entries the forward zeroed or ignored "
        "(ReLU's x <= 0, dropout's dropped units, padding, masked positions) get no gradient, so multiply by the "
        "forward's mask"
    )


def test_routing_to_the_wrong_entry_of_a_window():
    found = diagnosed(*max_pool_routed())
    assert found.kind == "routed"
    assert found.words.startswith(
        "yours holds the reference's values at other positions (24 wrong entries hold "
        "the same values as the reference there, moved): the gradient is routed to the "
        "wrong entries; in max pooling the argmax within each window"
    )


def test_shift_by_the_padding():
    found = diagnosed(*shifted())
    assert found.kind == "routed"
    assert found.words.startswith(
        "yours is the reference shifted by 1 along axis 1 (yours[i] = reference[i - 1] "
        "away from the border): the gradient is routed to positions off by 1, an offset "
        "in padding or stride"
    )


def test_missing_term_constant_along_the_batch_axis():
    found = diagnosed(*missing_batch_mean())
    assert found.kind == "missing_term"
    assert found.words.startswith(
        "yours - reference is the same at every index along axis 0 (the batch axis): "
        "a term that is constant over the batch is missing (or extra)"
    )


def test_missing_term_of_rank_one():
    found = diagnosed(*rank_one())
    assert (found.kind, found.words) == (
        "missing_term",
        (
            "yours - reference is an outer product u v^T (rank one): a whole term of the chain rule is missing or "
            "extra, a path through a quantity every entry depends on (a sum, a mean, a norm)"
        ),
    )


def test_approximated_derivative():
    found = diagnosed(*approximated())
    assert found.kind == "approximation"
    assert found.words.startswith(
        "yours is close to the reference but off by a small systematic amount (correlation 1.0000, largest difference"
    )


def test_clipped_and_surrogate_say_they_are_not_the_derivative():
    found = diagnosed(*clipped())
    assert found.kind == "clipped" and "which is deliberate but not the derivative, so it fails here" in found.words
    surrogate = diagnosed(G, np.zeros_like(G))
    assert surrogate.kind == "surrogate" and "straight-through estimator" in surrogate.words


@pytest.mark.parametrize(
    "plant", [relu_masked, max_pool_routed, shifted, missing_batch_mean, rank_one, approximated, clipped]
)
def test_no_sigma_prime_in_a_layers_advice(plant):
    assert "sigma" not in diagnosed(*plant()).words


def test_unstructured_advice_fits_the_operation():
    ref = np.random.default_rng(8).normal(size=(3, 4))
    yours = np.sin(5 * ref) + ref
    assert "sigma'(a) for sigma'(z)" in diagnosed(yours, ref, op=Operation()).words
    layer = diagnosed(yours, ref)
    assert layer.kind == "unstructured" and "sigma" not in layer.words
    assert layer.words.endswith("a missing chain-rule factor, or a cached value from the wrong step in pool_forward")


def test_bisection_stopped_at_its_budget_says_at_least():
    W = np.random.default_rng(0).normal(size=(50, 60))

    def loss(p):
        return 0.5 * np.sum(p["W"] ** 2)

    def many_wrong(p):
        g = p["W"].copy()
        g.reshape(-1)[:1000] *= 1.5  # 1,000 wrong entries: more than the bisection budget can locate
        return {"W": g}

    report = gc.check_grad(loss, many_wrong, {"W": W}, oracles="fd", raise_on_failure=False)
    w = report.param("W")
    n = len(w.comparisons["fd"].detail["located"])
    assert w.diagnosis.startswith(
        f"at least {n} entries wrong: bisection of fd probes stopped at its budget after locating {n} (at "
    )
    assert f"located by bisection of fd probes: at least {n} wrong entries" in str(report)


def test_an_empty_axis_points_at_the_zero_padding_slice():
    from gradcheck._engine.record.structure import shape_hint

    assert shape_hint(np.zeros((2, 3, 0, 0)), (2, 3, 7, 7)).startswith(
        "it has an empty axis: a slice such as dx[:, :, pad:-pad] with pad = 0 selects nothing"
    )
