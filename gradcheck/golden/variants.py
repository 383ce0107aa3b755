"""Mistake variants: a named change to the correct computation that reproduces what a source printed.

A variant may replace nodes (model or derived) by name, add derived nodes, round nodes in the forward pass,
override loss or training keys (a dropped 1/2, sequential updates, a logged-before-update loss, a
hand-made gradient used for the update) or inputs. Its fields are addressed as "variant/field".
"""

from __future__ import annotations

from dataclasses import dataclass

from gradcheck.golden import graph as g
from gradcheck.golden.inputs import tensor
from gradcheck.golden.jsonschema import CaseError, schema, validate
from gradcheck.golden.model import build_graph
from gradcheck.golden.ops import NUMPY_ONLY


@dataclass(frozen=True)
class Computation:
    """What compute() runs: the graph, inputs, derived nodes, training and forward rounding."""

    graph: g.Graph
    inputs: dict
    derived: tuple
    train: dict | None
    rounding: dict
    where: str = ""  # "variants.<name>." for a variant: the prefix of the fields an error names


def correct(case) -> Computation:
    return Computation(case.graph, case.inputs, case.derived, case.data.get("train"), {})


def check_variants(case) -> set[str]:
    """Validate every variant (merged loss/train against the schema, replaced names exist); their names."""
    for name in case.data.get("variants", {}):
        resolve(case, name)
    return set(case.data.get("variants", {}))


def resolve(case, name: str) -> Computation:
    """The computation of variant `name`; errors name the variant's field."""
    v, path, where = case.data["variants"][name], case.path, f"variants.{name}"
    inputs = {**case.inputs, **{k: tensor(val, path, f"{where}.values.{k}") for k, val in v.get("values", {}).items()}}
    for k in v.get("values", {}):
        if k not in case.inputs:
            raise CaseError(path, f"{where}.values.{k}", f"overrides {k!r}, which is not an input")
    loss = {**case.data["loss"], **v.get("loss", {})}
    validate(loss, path, schema()["$defs"]["loss"], f"{where}.loss")
    train = None
    if "train" in v or "train" in case.data:
        train = {**case.data.get("train", {}), **v.get("train", {})}
        validate(train, path, schema()["$defs"]["train"], f"{where}.train")
    replace = {n["name"]: g.node_from_json(n) for n in v.get("replace", [])}
    model_nodes = [n for n in case.graph.nodes if not _is_loss(n)]
    known = {n.name for n in model_nodes} | {n.name for n in case.derived}
    for i, n in enumerate(v.get("replace", [])):
        if n["name"] not in known:
            raise CaseError(
                path, f"{where}.replace[{i}].name", f"is {n['name']!r}, which is no node of the model or derived"
            )
    added, extra = _split_added(v.get("add", []), set(inputs) | {n.name for n in model_nodes})
    model = {
        "kind": "graph",
        "output": loss["output"],
        "nodes": [_as_json(replace.get(n.name, n)) for n in model_nodes] + added,
    }
    graph = build_graph(model, loss, inputs, path, where=f"{where}.replace", loss_where=f"{where}.loss")
    graph = g.Graph(graph.nodes, graph.output, case.graph.aliases)
    derived = tuple(replace.get(n.name, n) for n in case.derived) + tuple(g.node_from_json(n) for n in extra)
    for node in v.get("round", {}):
        if node not in {n.name for n in graph.nodes}:
            raise CaseError(path, f"{where}.round.{node}", f"names {node!r}, which is no node of the model")
    comp = Computation(graph, inputs, derived, train, dict(v.get("round", {})), f"{where}.")
    _check_gradients(case, comp, v.get("train", {}).get("gradients", {}), f"{where}.train.gradients")
    return comp


def _check_gradients(case, comp, gradients, where):
    """A hand-made gradient updates a trainable parameter and names a field computed in every round (a node,
    an input, a gradient "d<name>" or a derived value; not a checkpoint "name@k")."""
    frozen = set((comp.train or {}).get("frozen", []))
    names = set(comp.inputs) | set(comp.graph.names()) | {n.name for n in comp.derived}
    names |= {"d" + n for n in set(comp.inputs) | set(comp.graph.names())}
    for p, name in gradients.items():
        if p not in case.params or p in frozen:
            raise CaseError(
                case.path, f"{where}.{p}", f"updates {p!r}, which is not a trained parameter {sorted(case.params)}"
            )
        if name not in names or ":" in name:
            near = sorted(n for n in names if n[:2].lower() == name[:2].lower() and ":" not in n)[:6]
            raise CaseError(
                case.path,
                f"{where}.{p}",
                f"is {name!r}, which is no node, input, gradient or derived value of the variant"
                + (f" (like it: {near})" if near else ""),
            )


def _split_added(nodes, model_names) -> tuple[list, list]:
    """Added nodes that compute from inputs and model nodes join the model (they are differentiated); the
    rest are derived values."""
    model, derived = [], []
    for n in nodes:
        args = [a for a in n["args"] if isinstance(a, str)]
        if n["op"] not in NUMPY_ONLY and all(a in model_names for a in args):
            model.append(n)
            model_names.add(n["name"])
        else:
            derived.append(n)
    return model, derived


def _is_loss(node) -> bool:
    return node.name == g.LOSS_NODE or node.name.startswith("loss:")


def _as_json(node) -> dict:
    out = {"name": node.name, "op": node.op, "args": list(node.args)}
    if node.attrs:
        out["attrs"] = dict(node.attrs)
    return out
