"""A case's model and loss as one graph in evaluation order: its nodes checked against their operations, its
shapes tried by a forward pass, so an error names the node or field that is wrong (used by schema.py and by
each variant's replaced nodes, variants.py)."""

from __future__ import annotations

import numpy as np

from gradcheck.golden import graph as g
from gradcheck.golden.jsonschema import CaseError
from gradcheck.golden.ops import NUMPY_ONLY, OPS


def build_graph(model: dict, loss: dict, inputs: dict, path, where="model", loss_where="loss") -> g.Graph:
    """The model's nodes plus the loss's, in evaluation order; a shape error names the node."""
    if model["kind"] == "mlp":
        nodes, aliases = _mlp(model, inputs, path)
    else:
        nodes, aliases = [g.node_from_json(n) for n in model["nodes"]], {}
        check_nodes(nodes, f"{where}.nodes", path, model=True)
        if model["output"] not in {n.name for n in nodes}:
            raise CaseError(path, f"{where}.output", f"is {model['output']!r}, which is no node of the model")
        if where == "model" and model["output"] != loss["output"]:
            raise CaseError(
                path, "model.output", f"is {model['output']!r} but loss.output is {loss['output']!r}: name one output"
            )
    if loss["kind"] != "none" and "target" not in loss:
        raise CaseError(path, f"{loss_where}.target", f"is missing (loss kind {loss['kind']!r} compares with a target)")
    for key in ("output", "target"):
        name = loss.get(key)
        if name is not None and name not in inputs and name not in {n.name for n in nodes}:
            raise CaseError(path, f"{loss_where}.{key}", f"is {name!r}, which is no input or node")
    shapes = {k: np.shape(v) for k, v in inputs.items()}
    extra, output = g.loss_nodes(loss, shapes)
    try:
        ordered = g.toposort(nodes + extra, inputs)
    except ValueError as exc:
        raise CaseError(path, f"{where}.nodes", str(exc)) from None
    graph = g.Graph(ordered, output, aliases)
    values = _try_forward(graph, inputs, path, where)
    if loss["kind"] != "none" and not _fits(np.shape(values[loss["target"]]), np.shape(values[loss["output"]])):
        raise CaseError(
            path,
            f"{loss_where}.target",
            f"is {loss['target']!r} of shape {np.shape(values[loss['target']])} but the output "
            f"{loss['output']!r} has shape {np.shape(values[loss['output']])}: the loss compares them entry by entry",
        )
    return graph


def _fits(target, output) -> bool:
    """The target broadcasts to the output's shape (a scalar target is fine; (1, 3) against (3, 1) is not)."""
    try:
        return np.broadcast_shapes(target, output) == output
    except ValueError:
        return False


def _mlp(model, inputs, path):
    nodes, aliases = g.mlp_nodes(model)
    if len(model["activations"]) != len(model["widths"]) - 1:
        raise CaseError(
            path,
            "model.activations",
            f"must have one activation per layer ({len(model['widths']) - 1}) but has {len(model['activations'])}",
        )
    for name in ("x", *(a for n in nodes for a in n.inputs() if a[0] in "Wb")):
        if name not in inputs:
            raise CaseError(path, "inputs", f"must define {name!r} for the MLP model")
    return nodes, aliases


def check_nodes(nodes, where, path, model: bool):
    seen = set()
    for i, n in enumerate(nodes):
        op = OPS[n.op]
        if n.name in seen:
            raise CaseError(path, f"{where}[{i}].name", f"repeats the node name {n.name!r}")
        seen.add(n.name)
        if len(n.args) != op.arity:
            raise CaseError(path, f"{where}[{i}].args", f"has {len(n.args)} arguments but {n.op} takes {op.arity}")
        if not n.inputs():
            raise CaseError(path, f"{where}[{i}].args", "must name at least one input or node (not only numbers)")
        if op.arity == 1 and not isinstance(n.args[0], str):
            raise CaseError(path, f"{where}[{i}].args[0]", f"must be a name: {n.op} of a number is a number")
        if model and n.op in NUMPY_ONLY:
            raise CaseError(
                path,
                f"{where}[{i}].op",
                f"{n.op!r} runs under numpy only, so it may appear in 'derived' but not in the model",
            )
        unknown = set(n.attrs) - set(op.attrs)
        if unknown:
            raise CaseError(
                path,
                f"{where}[{i}].attrs",
                f"has {sorted(unknown)}, which {n.op} does not take ({', '.join(op.attrs) or 'no attrs'})",
            )


def _try_forward(graph, inputs, path, where):
    with np.errstate(all="ignore"):  # overflow shows as a non-finite node, reported by name
        return _forward_nodes(graph, inputs, path, where)


def _forward_nodes(graph, inputs, path, where):
    values = dict(inputs)
    for node in graph.nodes:
        try:
            values.update(g.forward(g.Graph((node,), node.name), values, np))
        except (ValueError, TypeError, IndexError, np.exceptions.AxisError) as exc:
            raise CaseError(
                path,
                f"{where}.nodes",
                f"node {node.name!r} ({node.op} of {[np.shape(values.get(a, a)) for a in node.args]}) fails: {exc}",
            ) from None
        if not np.all(np.isfinite(values[node.name])):
            raise CaseError(path, f"{where}.nodes", f"node {node.name!r} is not finite ({node.op})")
    if np.ndim(values[graph.output]) != 0 and np.size(values[graph.output]) != 1:
        raise CaseError(
            path,
            "loss.output",
            f"must be a scalar (an upstream gradient of 1) but {graph.output!r} "
            f"has shape {np.shape(values[graph.output])}",
        )
    return values
