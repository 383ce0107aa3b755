"""health.py: health checks in words; a write into the inputs carries whose call it was, as a field."""

import numpy as np

import gradcheck as gc
from gradcheck._engine.record.health import for_oracles
from gradcheck.report import HealthCheck


def _loss_writes(p):
    p["w"] *= 0.5  # an in-place update of an input
    return float(np.sum(p["w"] ** 2))


def test_a_write_by_the_loss_names_the_loss_as_its_source():
    report = gc.grad_report(_loss_writes, lambda p: {"w": 2 * p["w"]}, {"w": np.ones(3)}, oracles=("fd",))
    wrote = [h for h in report.health if h.name == "mutated_input"]
    assert [(h.source, h.fails) for h in wrote] == [("loss", True)]


def test_the_oracles_evaluate_a_writing_loss_on_copies_and_leave_a_clean_one_alone():
    clean = lambda p: 0.0  # noqa: E731
    assert for_oracles(clean, [HealthCheck("mutated_input", "grad wrote ...", True, source="grad")]) is clean
    guarded = for_oracles(_loss_writes, [HealthCheck("mutated_input", "loss wrote ...", True, source="loss")])
    w = np.ones(3)
    assert guarded({"w": w}) == 0.75 and np.array_equal(w, np.ones(3))
