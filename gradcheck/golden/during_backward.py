"""One training round as many published scripts wrote it: each parameter is updated as soon as the backward
pass has its whole gradient, so the deltas of earlier layers are backpropagated through the already-updated
weights (`"update": "during_backward"`, a mistake a variant names; the correct round is simultaneous).

For z = W a that is dW = dz a^T, W <- W - lr dW, then da = W_new^T dz (instead of W_old^T dz). The forward
values stay those of the round's forward pass.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from gradcheck.golden import graph as g


def round_during_backward(graph: g.Graph, values: dict, trainable, lr: float) -> dict[str, np.ndarray]:
    """The trained parameters after one such round, from the forward `values` of the round."""
    uses = Counter(a for node in graph.nodes for a in node.inputs() if a in trainable)
    current, adj = dict(values), {graph.output: np.ones_like(np.asarray(values[graph.output], dtype=np.float64))}
    updated = {}
    for node in reversed(graph.nodes):
        grads = _vjp(node, adj.get(node.name), current)
        done = [a for a in dict.fromkeys(node.inputs()) if a in uses]
        _accumulate(adj, node.args, grads, keep=lambda a: a in uses)
        for p in done:
            uses[p] -= node.inputs().count(p)
            if uses[p] == 0:  # p's gradient is complete: update it before the node's other arguments' VJPs
                updated[p] = current[p] = current[p] - lr * adj.get(p, 0.0)
        if any(p in updated for p in done):
            grads = _vjp(node, adj.get(node.name), current)
        _accumulate(adj, node.args, grads, keep=lambda a: a not in uses)
    return {p: updated.get(p, values[p]) for p in trainable}


def _vjp(node, g_out, values):
    return [None] * len(node.args) if g_out is None else g.node_vjp(node, g_out, values)


def _accumulate(adj, args, grads, keep):
    for a, ga in zip(args, grads):
        if isinstance(a, str) and ga is not None and keep(a):
            adj[a] = adj[a] + ga if a in adj else np.asarray(ga, dtype=np.float64)
