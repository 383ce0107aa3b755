"""`"update": "during_backward"`: each parameter updated as soon as the backward pass has its gradient, so the
deltas of earlier layers go through the already-updated weights (a mistake published scripts make)."""

import json

import numpy as np

from gradcheck.golden import load, update, verify
from gradcheck.golden.compute import compute

from .conftest import header

TWO_LAYERS = [
    {"name": "z1", "op": "matmul", "args": ["W1", "x"]},
    {"name": "h", "op": "sigmoid", "args": ["z1"]},
    {"name": "z2", "op": "matmul", "args": ["W2", "h"]},
    {"name": "y", "op": "sigmoid", "args": ["z2"]},
]
# The same mistake written out by hand, as a case had to before the built-in update existed:
# dW1 = ((W2 - lr dW2)^T dz2) * h (1 - h) x^T
BY_HAND = {
    "says": "hidden deltas through the updated W2, by hand",
    "add": [
        {"name": "W2_step", "op": "mul", "args": ["dW2", 0.5]},
        {"name": "W2_new", "op": "sub", "args": ["W2", "W2_step"]},
        {"name": "W2_new_T", "op": "transpose", "args": ["W2_new"]},
        {"name": "dh_old_delta", "op": "matmul", "args": ["W2_new_T", "dz2"]},
        {"name": "dh_dz1", "op": "sigmoid_grad", "args": ["z1"]},
        {"name": "dz1_stale", "op": "mul", "args": ["dh_old_delta", "dh_dz1"]},
        {"name": "x_T", "op": "transpose", "args": ["x"]},
        {"name": "dW1_stale", "op": "matmul", "args": ["dz1_stale", "x_T"]},
    ],
    "train": {"gradients": {"W1": "dW1_stale"}},
}


def _case(tmp_path, seed=0):
    rng = np.random.default_rng(seed)
    data = {
        **header("two-layers"),
        "model": {"kind": "graph", "output": "y", "nodes": TWO_LAYERS},
        "inputs": {
            "values": {
                "x": rng.uniform(-1, 1, (2, 1)).tolist(),
                "t": rng.uniform(0, 1, (2, 1)).tolist(),
                "W1": rng.uniform(-1, 1, (2, 2)).tolist(),
                "W2": rng.uniform(-1, 1, (2, 2)).tolist(),
            },
            "params": ["W2", "W1"],
        },
        "loss": {"kind": "squared_error", "output": "y", "target": "t"},
        "train": {"lr": 0.5, "steps": 5, "checkpoints": [1, 5]},
        "variants": {"eager": {"says": "s", "train": {"update": "during_backward"}}, "by-hand": BY_HAND},
        "stated": [],
    }
    path = tmp_path / "two-layers.gradcheck.json"
    path.write_text(json.dumps(data))
    assert not update([path]).broken
    return load(path)


def test_the_built_in_update_is_the_mistake_written_out_by_hand(tmp_path):
    for seed in range(5):
        c = compute(_case(tmp_path, seed))
        for k in ("W1@1", "W2@1", "W1@5", "W2@5", "loss@5"):
            np.testing.assert_allclose(c[f"eager/{k}"], c[f"by-hand/{k}"], rtol=1e-13, atol=1e-16)
        assert not np.allclose(c["eager/W1@1"], c["W1@1"])  # and it is not the correct update
        np.testing.assert_array_equal(c["eager/W2@1"], c["W2@1"])  # the output layer's own step is right


def test_it_equals_the_simultaneous_update_when_no_weight_passes_deltas_on(tmp_path):
    case = _case(tmp_path)
    data = dict(case.data, inputs=dict(case.data["inputs"], params=["W1"]))  # only the first layer trains
    data.pop("computed")
    path = tmp_path / "two-layers.gradcheck.json"
    path.write_text(json.dumps(data))
    update([path])
    c = compute(load(path))
    np.testing.assert_array_equal(c["eager/W1@5"], c["W1@5"])
    assert verify(load(path)).ok
