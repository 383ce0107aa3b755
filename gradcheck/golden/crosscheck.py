"""Cross-check a case against the oracles: every input's and every node's gradient (the interpreter's own
numpy VJPs) against fd, torch and jax, and every node's value recomputed under torch and jax.

One check covers the whole graph: each node gets a zero offset parameter (node = op(...) + offset), so the
gradient with respect to the offset is the gradient with respect to the node. Mistake variants are not
cross-checked (they reproduce a source's errors on purpose). torch and jax are imported lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradcheck.golden import graph as g
from gradcheck.golden import variants
from gradcheck.golden.ops import OPS

ORACLES = ("fd", "torch", "jax")
FORWARD_RTOL, FORWARD_ATOL = 1e-12, 1e-14
NODE = "node."  # prefix of the offset parameters


@dataclass
class CrossCheck:
    """What the oracles confirmed and the problems they found (each naming the file and the field)."""

    path: str
    confirmed: list[str] = field(default_factory=list)  # "dW1 (fd, torch, jax)", "z1 (torch, jax)"
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def crosscheck(case, oracles=ORACLES) -> CrossCheck:
    """Check the correct computation of `case` (see the module docstring)."""
    cc = CrossCheck(case.path.name)
    comp = variants.correct(case)
    _gradients(case, comp, cc, oracles)
    for backend in [o for o in oracles if o != "fd"]:
        _forward(comp, cc, backend)
    return cc


def _gradients(case, comp, cc, oracles):
    from gradcheck import grad_report

    graph, labels = comp.graph, labels_only(comp.graph)
    inputs = {k: v for k, v in comp.inputs.items() if k not in labels}
    values = g.forward(graph, comp.inputs, np)
    adjoint = g.backward(graph, values)
    nodes = [n.name for n in graph.nodes if n.name != graph.output]
    params = {
        **{k: np.asarray(v, dtype=np.float64) for k, v in inputs.items()},
        **{NODE + n: np.zeros(np.shape(values[n])) for n in nodes},
    }
    stored = {**{k: adjoint[k] for k in inputs}, **{NODE + n: adjoint[n] for n in nodes}}

    def loss(p):
        import array_api_compat

        xp = array_api_compat.array_namespace(*p.values())
        offsets = {n: p[NODE + n] for n in nodes}
        given = {**{k: xp.asarray(comp.inputs[k], dtype=xp.float64) for k in labels}, **{k: p[k] for k in inputs}}
        out = g.forward(graph, given, xp, offsets=offsets)[graph.output]
        return xp.sum(out)  # the output is a scalar or a 1 x 1 array

    report = grad_report(loss, lambda p: dict(stored), params, oracles=oracles)
    if report.ran != list(oracles):
        skipped = {o.name: o.reason for o in report.oracles if o.status != "ran"}
        cc.problems.append(f"{cc.path}: not every oracle ran: {skipped}")
    elif not report.ok:
        cc.problems.append(f"{cc.path}: the gradients computed for the case disagree with the oracles:\n{report}")
    else:
        names = [f"d{k}" for k in inputs if ":" not in k] + [f"d{n}" for n in nodes if ":" not in n]
        cc.confirmed += [f"{n} ({', '.join(oracles)})" for n in names]


def labels_only(graph) -> set[str]:
    """Inputs used only where an op takes no gradient (class labels): the oracles must not perturb them."""
    used, nondiff = set(), set()
    for node in graph.nodes:
        for i, a in enumerate(node.args):
            if isinstance(a, str):
                (nondiff if i in OPS[node.op].nondiff else used).add(a)
    return nondiff - used


def _forward(comp, cc, backend):
    """Every node's value recomputed on torch tensors or jax arrays (float64) equals numpy's."""
    want = g.forward(comp.graph, comp.inputs, np)
    got = _run_torch(comp) if backend == "torch" else _run_jax(comp)
    for name in (n.name for n in comp.graph.nodes):
        a, b = np.asarray(want[name], dtype=np.float64), got[name]
        if a.shape != b.shape or not np.allclose(b, a, rtol=FORWARD_RTOL, atol=FORWARD_ATOL):
            cc.problems.append(
                f"{cc.path}: node '{name}' computed under {backend} is {np.ravel(b)[:4]}, under numpy {np.ravel(a)[:4]}"
            )
        elif ":" not in name:
            cc.confirmed.append(f"{name} ({backend})")


def _run_torch(comp) -> dict:
    import array_api_compat
    import torch

    xp = array_api_compat.array_namespace(torch.zeros(1))
    inputs = {k: torch.tensor(np.asarray(v), dtype=torch.float64) for k, v in comp.inputs.items()}
    return {k: v.detach().numpy().astype(np.float64) for k, v in g.forward(comp.graph, inputs, xp).items()}


def _run_jax(comp) -> dict:
    import array_api_compat
    import jax

    with jax.enable_x64(True):
        import jax.numpy as jnp

        xp = array_api_compat.array_namespace(jnp.zeros(1))
        inputs = {k: jnp.asarray(np.asarray(v), dtype=jnp.float64) for k, v in comp.inputs.items()}
        return {k: np.asarray(v, dtype=np.float64) for k, v in g.forward(comp.graph, inputs, xp).items()}
