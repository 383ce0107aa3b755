"""Seed 002: the answer's numbers reproduce, and check_grad flags the asker's gradient and says why."""

import numpy as np
import pytest

from gradcheck import GradientMismatch, check_grad
from gradcheck.golden import load
from gradcheck.golden.recipes import compute
from gradcheck.nets import make_loss_and_grad

from .conftest import SEED002


@pytest.fixture(scope="module")
def case():
    return load(SEED002)


def test_stated_correct_update_at_printed_decimals(case):
    got = compute(case)
    np.testing.assert_array_equal(np.round(got["W1_new"], 3), [[0.101, 0.804], [0.404, 0.612]])
    np.testing.assert_array_equal(np.round(got["W1_new"], 5), [[0.10130, 0.80391], [0.40403, 0.61210]])


def test_asker_gradient_has_identical_rows_and_reproduces_the_asker_update(case):
    got = compute(case)
    np.testing.assert_array_equal(got["doc.asker_dW1"][0], got["doc.asker_dW1"][1])
    np.testing.assert_array_equal(np.round(got["doc.asker_W1_new"], 3), [[0.105, 0.816], [0.405, 0.616]])


def test_check_grad_flags_the_asker_gradient_and_names_w1(case):
    loss, grad = make_loss_and_grad(case.spec)
    asker_W1 = compute(case)["doc.asker_dW1"]

    def asker_grad(params, x, y):
        return {**grad(params, x, y), "W1": asker_W1}

    with pytest.raises(GradientMismatch) as info:
        check_grad(loss, asker_grad, case.params, args=(case.x, case.y), oracles=("fd", "torch"))
    report = info.value.report
    assert [p.name for p in report.failing] == ["W1"]
    assert report.param("W2").ok
    assert str(report).startswith("gradient mismatch in W1")
    assert "every row of yours is the same" in report.param("W1").diagnosis
    assert "inner product" in report.param("W1").diagnosis and "Hadamard" in report.param("W1").diagnosis


def test_check_grad_accepts_the_answer_gradient(case):
    loss, grad = make_loss_and_grad(case.spec)
    G = compute(case)["doc.answer_G"]
    report = check_grad(loss, lambda p, x, y: {**grad(p, x, y), "W1": G}, case.params, args=(case.x, case.y),
                        oracles=("fd", "torch"))
    assert report.ok


def test_errata_are_recorded_in_words(case):
    errata = {e["id"]: e for e in case.data["errata"]}
    assert set(errata) == {"sigmoid-sign", "loss-square", "asker-update", "asker-factor-truncated", "answer-S1-is-z1"}
    assert errata["sigmoid-sign"]["printed"] == "sigmoid(x) = 1/(1+e^x)"
    assert "inner product" in errata["asker-update"]["explanation"]
