"""What `computed` stores: every field before training, and at checkpoints and in variants only the trained
parameters, the output and what the case names. Measured on a 400-row classifier with integer labels."""

import json

import numpy as np

from gradcheck.golden import load, update, verify
from gradcheck.golden.compute import compute
from gradcheck.golden.crosscheck import crosscheck
from gradcheck.golden.stored import stored_fields

from .conftest import header

ROWS, CLASSES = 400, 3


def classifier(tmp_path, **extra):
    """A 400 x 4 -> 3 softmax classifier on integer labels: one_hot, slice (the first 2 features), accuracy."""
    data = {
        **header("labels"),
        "model": {
            "kind": "graph",
            "output": "mean_ce",
            "nodes": [
                {"name": "X2", "op": "slice", "args": ["X"], "attrs": {"start": 0, "stop": 2, "axis": 1}},
                {"name": "Z", "op": "matmul", "args": ["X2", "W"]},
                {"name": "P", "op": "softmax", "args": ["Z"], "attrs": {"axis": 1}},
                {"name": "Y", "op": "one_hot", "args": ["y"], "attrs": {"classes": CLASSES}},
                {"name": "ce", "op": "cross_entropy", "args": ["P", "Y"]},
                {"name": "mean_ce", "op": "div", "args": ["ce", float(ROWS)]},
            ],
        },
        "inputs": {
            "rng": {
                "generator": "numpy.random.default_rng",
                "seed": 0,
                "draws": [
                    {"name": "X", "dist": "standard_normal", "shape": [ROWS, 4]},
                    {"name": "W", "dist": "standard_normal", "shape": [2, CLASSES]},
                    {"name": "y", "dist": "labels", "classes": CLASSES, "n": ROWS},
                ],
            },
            "params": ["W"],
        },
        "loss": {"kind": "none", "output": "mean_ce"},
        "train": {"lr": 0.5, "steps": 10, "checkpoints": list(range(1, 11))},
        "derived": [{"name": "acc", "op": "accuracy", "args": ["P@10", "y"], "attrs": {"axis": 1}}],
        "variants": {"slow": {"says": "a smaller step", "train": {"lr": 0.05}}},
        "claims": [{"relation": "le", "left": "mean_ce@10", "right": "mean_ce", "says": "training lowers the loss"}],
        "stated": [{"field": "P@10[0, 1]", "printed": "0", "where": "a named checkpoint node", "rule": None}],
        **extra,
    }
    data["stated"][0].pop("rule")
    path = tmp_path / "labels.gradcheck.json"
    path.write_text(json.dumps(data))
    case = load(path)
    data["stated"][0]["printed"] = f"{float(compute(case)['P@10'][0, 1]):.6f}"
    path.write_text(json.dumps(data))
    assert not update([path]).broken
    return path


def test_checkpoints_and_variants_keep_only_parameters_output_and_named_fields(tmp_path):
    path = classifier(tmp_path)
    stored = json.loads(path.read_text())["computed"]
    later = {k for k in stored if "@" in k or "/" in k}
    assert later == {f"{p}@{k}" for k in range(1, 11) for p in ("W", "mean_ce")} | {"P@10"} | {
        f"slow/{n}" for n in ("W", "mean_ce", "dW", *(f"{p}@{k}" for k in range(1, 11) for p in ("W", "mean_ce")))
    }
    everything = compute(load(path))
    assert {k for k in everything if "@" not in k and "/" not in k} <= set(stored)  # before training: all
    full = len(json.dumps({k: np.asarray(v).tolist() for k, v in everything.items()}))
    assert path.stat().st_size < full / 5  # measured: 285 kB against 1.96 MB for every field
    assert verify(load(path)).ok


def test_a_field_that_nothing_names_is_computed_but_not_stored(tmp_path):
    case = load(classifier(tmp_path))
    fields = compute(case)
    assert "P@3" in fields and "P@3" not in stored_fields(case, fields)
    assert float(fields["acc"]) == np.mean(np.argmax(fields["P@10"], axis=1) == fields["y"])
    assert "acc" in stored_fields(case, fields)


def test_integer_labels_are_refused_unless_whole_and_in_range(tmp_path):
    path = classifier(tmp_path)
    data = json.loads(path.read_text())
    data["inputs"]["values"] = {"y": [0.5] + [0.0] * (ROWS - 1)}
    data["inputs"]["rng"]["draws"].pop()
    path.write_text(json.dumps(data))
    try:
        load(path)
    except Exception as exc:  # noqa: BLE001 - the message is the contract
        assert "field 'model.nodes' node 'Y' (one_hot of [(400,)]) fails: class labels must be whole numbers" in str(
            exc
        )
        assert "entry [0] is 0.5" in str(exc)
    else:
        raise AssertionError("labels 0.5 accepted")


def test_the_oracles_confirm_the_classifier_and_leave_the_labels_alone(tmp_path):
    cc = crosscheck(load(classifier(tmp_path)))
    assert cc.ok, cc.problems
    assert "dW (fd, torch, jax)" in cc.confirmed and not any(c.startswith("dy ") for c in cc.confirmed)
