"""One small interpreter for a case's model: named nodes of `ops.OPS`, evaluated under numpy, torch or jax.

A model is either a graph (nodes written in the case file) or an MLP spec, which `mlp_nodes` turns into the
same kind of nodes (z1, a1, ...). The loss section becomes nodes too, ending in the node "loss"; with loss
kind "none" the model's output itself is differentiated (an upstream gradient of 1). `backward` is
gradcheck's own reverse mode over the ops' numpy VJPs; the oracles check it (see crosscheck.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradcheck.golden.ops import OPS

LOSS_NODE = "loss"
ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "softmax")


@dataclass(frozen=True)
class Node:
    """name = op(*args, **attrs); an arg is the name of an input or node, or a number."""

    name: str
    op: str
    args: tuple
    attrs: dict = field(default_factory=dict)

    def inputs(self) -> list[str]:
        return [a for a in self.args if isinstance(a, str)]


@dataclass(frozen=True)
class Graph:
    """Nodes in evaluation order, the scalar node differentiated, and names that alias other fields."""

    nodes: tuple[Node, ...]
    output: str
    aliases: dict[str, str] = field(default_factory=dict)

    def names(self) -> list[str]:
        return [n.name for n in self.nodes]


def node_from_json(raw: dict) -> Node:
    return Node(raw["name"], raw["op"], tuple(raw.get("args", ())), dict(raw.get("attrs", {})))


def toposort(nodes, known) -> tuple[Node, ...]:
    """Nodes ordered so every argument is computed first; raises ValueError naming a node that cannot be."""
    done, ordered, pending = set(known), [], list(nodes)
    while pending:
        ready = [n for n in pending if all(a in done for a in n.inputs())]
        if not ready:
            n = pending[0]
            missing = [a for a in n.inputs() if a not in done and a not in {p.name for p in pending}]
            raise ValueError(
                f"node {n.name!r} uses {missing[0]!r}, which is no input or node"
                if missing
                else f"nodes {[p.name for p in pending]} depend on each other (a cycle)"
            )
        ordered += ready
        done |= {n.name for n in ready}
        pending = [n for n in pending if n.name not in done]
    return tuple(ordered)


def mlp_nodes(model: dict) -> tuple[list[Node], dict[str, str]]:
    """The nodes of an MLP spec (x -> z1 -> a1 -> ... -> aL) and its aliases (y_hat, d_output, deltaI)."""
    column = model.get("convention", "column") == "column"
    bias = model.get("bias", "vector")
    nodes, a, L = [], "x", len(model["activations"])
    for i, act in enumerate(model["activations"], start=1):
        W, src = f"W{i}", a
        if bias == "ones_column":
            src = f"X{i}"
            nodes.append(Node(src, "prepend_ones", (a,), {"axis": 0 if column else 1}))  # [1; x] or [1, X]
        z = Node(f"z{i}", "matmul", (W, src) if column else (src, W))  # z = W x (column) or Z = X W (row)
        if bias == "vector":
            nodes += [Node(f"{z.name}_nobias", "matmul", z.args), Node(f"z{i}", "add", (f"{z.name}_nobias", f"b{i}"))]
        else:
            nodes.append(z)
        if act == "identity":
            nodes.append(Node(f"a{i}", "mul", (f"z{i}", 1.0)))
        elif act == "softmax":
            nodes.append(Node(f"a{i}", "softmax", (f"z{i}",), {"axis": 0 if column else 1}))
        else:
            nodes.append(Node(f"a{i}", act, (f"z{i}",)))
        a = f"a{i}"
    aliases = {"y_hat": f"a{L}", "d_output": f"da{L}", **{f"delta{i}": f"dz{i}" for i in range(1, L + 1)}}
    return nodes, aliases


def loss_nodes(loss: dict, shapes: dict[str, tuple]) -> tuple[list[Node], str]:
    """The loss section as nodes ending in "loss" (or the model's output for kind "none")."""
    kind, out = loss["kind"], loss["output"]
    if kind == "none":
        return [], out
    target = loss["target"]
    if kind == "squared_error":
        nodes = [
            Node("loss:r", "sub", (out, target)),
            Node("loss:r2", "pow", ("loss:r",), {"exponent": loss.get("power", 2)}),
            Node("loss:sum", "sum", ("loss:r2",)),
        ]
        if loss.get("half", True):
            nodes.append(Node("loss:half", "mul", ("loss:sum", 0.5)))  # E = 1/2 sum (y_hat - y)^2
    else:  # cross_entropy: E = -sum y log y_hat
        nodes = [Node("loss:sum", "cross_entropy", (out, target))]
    last = nodes[-1].name
    if loss.get("reduction", "sum") == "mean":
        n = shapes[target][loss.get("batch_axis", 0)] if len(shapes[target]) else 1
        nodes.append(Node("loss:mean", "div", (last, float(n))))  # mean over the N examples
        last = "loss:mean"
    for i, pen in enumerate(loss.get("penalties", [])):
        last = _penalty(nodes, last, i, pen)
    nodes.append(Node(LOSS_NODE, "mul", (last, float(loss.get("scale", 1.0)))))
    return nodes, LOSS_NODE


def _penalty(nodes, last, i, pen) -> str:
    """+ coefficient * (1/2 if half) * sum of squares of each listed parameter (L2)."""
    coef = pen["coefficient"] * (0.5 if pen.get("half", False) else 1.0)
    for j, p in enumerate(pen["params"]):
        sq, s, term, total = (f"loss:pen{i}.{j}:{k}" for k in ("sq", "sum", "term", "total"))
        nodes += [
            Node(sq, "pow", (p,), {"exponent": 2}),
            Node(s, "sum", (sq,)),
            Node(term, "mul", (s, coef)),
            Node(total, "add", (last, term)),
        ]
        last = total
    return last


def forward(graph: Graph, inputs: dict, xp, offsets=None, rounding=None) -> dict:
    """Every input and node value; offsets[name] is added to a node's value (the oracles differentiate
    through it), rounding[name] = decimals rounds a node as a document's hand computation did."""
    values = dict(inputs)
    for node in graph.nodes:
        op = OPS[node.op]
        args = [values[a] if isinstance(a, str) else a for a in node.args]
        value = op.forward(xp, *args, **node.attrs)
        if rounding and node.name in rounding:
            value = xp.round(value * 10.0 ** rounding[node.name]) / 10.0 ** rounding[node.name]
        if offsets is not None and node.name in offsets:
            value = value + offsets[node.name]
        values[node.name] = value
    return values


def node_vjp(node, g_out, values: dict) -> list:
    """The VJP of one node: the cotangent g_out of its output pulled back to each argument, at `values`."""
    args = [values[a] if isinstance(a, str) else a for a in node.args]
    return OPS[node.op].vjp(g_out, args, np.asarray(values[node.name], dtype=np.float64), **node.attrs)


def backward(graph: Graph, values: dict, wanted=None) -> dict[str, np.ndarray]:
    """d output / d v for every input and node v (or only the `wanted` names), by the ops' VJPs in reverse
    order; zeros where v does not reach the output."""
    adj = {graph.output: np.ones_like(np.asarray(values[graph.output], dtype=np.float64))}
    for node in reversed(graph.nodes):
        g = adj.get(node.name)
        if g is None:
            continue
        for a, ga in zip(node.args, node_vjp(node, g, values)):
            if isinstance(a, str):
                adj[a] = adj[a] + ga if a in adj else np.asarray(ga, dtype=np.float64)
    names = values if wanted is None else wanted
    return {k: adj[k] if k in adj else np.zeros(np.shape(values[k])) for k in names}
