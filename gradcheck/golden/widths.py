"""An MLP case's shapes against its `model.widths`, checked before any node runs, so the error names the
field that is wrong: the widths when the weights fit each other but not them, else the first input that
does not fit (`inputs.values.W1`), never a node further down that happens to fail first."""

from __future__ import annotations

import numpy as np

from gradcheck.golden.inputs import input_field
from gradcheck.golden.jsonschema import CaseError


def check_widths(data: dict, inputs: dict, path) -> None:
    """Raise CaseError if W1.., x or b1.. do not fit model.widths (see the module docstring)."""
    model = data["model"]
    widths, column = model["widths"], model.get("convention", "column") == "column"
    layers = range(1, len(widths))
    if len(model["activations"]) != len(widths) - 1 or any(f"W{i}" not in inputs for i in layers):
        return  # the loader names what is missing
    extra = 1 if model.get("bias", "vector") == "ones_column" else 0  # the ones column adds an input row
    want = {f"W{i}": (widths[i], widths[i - 1] + extra) for i in layers}  # column: W is (units, inputs)
    want = {k: v if column else v[::-1] for k, v in want.items()}  # row: X W, W is (inputs, units)
    have = {k: np.shape(inputs[k]) for k in want}
    implied = _implied_widths(have, column, extra)
    if have != want and implied is not None:
        shapes = ", ".join(f"{k} {v}" for k, v in have.items())
        raise CaseError(
            path,
            "model.widths",
            f"is {widths} but the weights ({shapes}) make a {'-'.join(map(str, implied))} network: "
            f"widths must be {implied}",
        )
    have, want = _add_x_and_biases(have, want, model, inputs)
    for name in want:
        if have[name] != want[name]:
            raise CaseError(
                path,
                input_field(data, name),
                f"has shape {have[name]} but model.widths {widths} ({'column' if column else 'row'} convention"
                f"{', a ones column' if extra else ''}) needs {want[name]}",
            )


def _implied_widths(have: dict, column: bool, extra: int) -> list[int] | None:
    """The widths the weight matrices make when each layer's outputs are the next one's inputs, else None."""
    if not all(len(v) == 2 for v in have.values()):
        return None
    ins = [v[1 if column else 0] - extra for v in have.values()]
    outs = [v[0 if column else 1] for v in have.values()]
    return [ins[0], *outs] if ins[1:] == outs[:-1] else None


def _add_x_and_biases(have, want, model, inputs):
    """x's feature axis and each bias vector's size join the comparison (as shapes said in words)."""
    widths, column = model["widths"], model.get("convention", "column") == "column"
    x = np.shape(inputs["x"])
    if not x or x[0 if column else -1] != widths[0]:
        have["x"], want["x"] = x, f"({widths[0]}, N)" if column else f"(N, {widths[0]})"
    for i in range(1, len(widths)):
        b = inputs.get(f"b{i}")
        if model.get("bias", "vector") == "vector" and b is not None and np.size(b) != widths[i]:
            have[f"b{i}"], want[f"b{i}"] = np.shape(b), f"{widths[i]} entries"
    return have, want
