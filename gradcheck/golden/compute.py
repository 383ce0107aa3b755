"""Every computed field of a case: values and gradients of every node, derived values, training checkpoints,
and the same for each mistake variant (as "variant/field"). Numpy only; the oracles check it elsewhere."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from gradcheck.golden import graph as g
from gradcheck.golden import variants
from gradcheck.golden.during_backward import round_during_backward
from gradcheck.golden.jsonschema import CaseError
from gradcheck.golden.schema import parse


class DerivedError(ValueError):
    """A derived node or training step that cannot be evaluated (shapes that do not fit); compute() names the
    file and `field`."""

    def __init__(self, message: str, field: str = "derived"):
        super().__init__(message)
        self.field = field


def compute(case) -> dict[str, np.ndarray]:
    """The correct computation's fields, then each variant's under its name. Results are memoised by the
    case's content (everything but id, title and the generated fields), so a case verified twice computes once;
    the arrays are shared, the dict is fresh."""
    data = {k: v for k, v in case.data.items() if k not in ("computed", "generated_by", "id", "title")}
    where = str(case.path.parent) if "data" in data["inputs"] else ""  # a data file is read beside the case
    try:
        with np.errstate(all="ignore"):  # a non-finite value is reported below, naming its field
            out = dict(_computed(json.dumps(data, sort_keys=True), where))
    except DerivedError as exc:
        raise CaseError(case.path, exc.field, str(exc)) from None
    bad = sorted(k for k, v in out.items() if not np.all(np.isfinite(v)))
    if bad:
        raise CaseError(
            case.path,
            f"computed.{bad[0]}",
            f"is not finite ({np.ravel(out[bad[0]])[:4]}): check the "
            f"derived node, variant or training step that computes it",
        )
    return out


@lru_cache(maxsize=32)
def _computed(text: str, path: str) -> dict[str, np.ndarray]:
    data = json.loads(text)
    case = parse({**data, "id": "memo", "title": ""}, Path(path) / "memo")
    return _compute(case)


def _compute(case) -> dict[str, np.ndarray]:
    out = run(case, variants.correct(case))
    for name in case.data.get("variants", {}):
        out.update({f"{name}/{k}": v for k, v in run(case, variants.resolve(case, name)).items()})
    return out


def run(case, comp) -> dict[str, np.ndarray]:
    fields = evaluate(comp, comp.inputs)
    if comp.train:
        fields.update(train(case, comp))
        derive(comp.derived, fields)  # derived values that read training checkpoints ("W1@1")
    return {k: np.asarray(v, dtype=np.float64) for k, v in fields.items()}


def evaluate(comp, inputs, gradients=True, derived=None, wanted=None) -> dict:
    """Values of inputs and nodes, their gradients "d<name>" (all, or only of `wanted`), the graph's aliases
    and the derived values (all, or only the `derived` nodes given)."""
    values = g.forward(comp.graph, inputs, np, rounding=comp.rounding)
    fields = {k: v for k, v in values.items() if ":" not in k}
    if not gradients:
        return fields
    adjoints = g.backward(comp.graph, values, wanted)
    fields.update({f"d{k}": v for k, v in adjoints.items() if ":" not in k})
    fields.update({alias: fields[target] for alias, target in comp.graph.aliases.items() if target in fields})
    derive(comp.derived if derived is None else derived, fields)
    return fields


def derive(nodes, fields) -> None:
    """Evaluate (numpy) every derived node whose arguments are available, in dependency order."""
    pending = [n for n in nodes if n.name not in fields]
    while True:
        ready = [n for n in pending if all(a in fields for a in n.inputs())]
        if not ready:
            return
        for node in ready:
            args = [_arg(fields, a) for a in node.args]
            try:
                fields[node.name] = np.asarray(g.OPS[node.op].forward(np, *args, **node.attrs), dtype=np.float64)
            except (ValueError, TypeError, IndexError) as exc:
                raise DerivedError(
                    f"derived node '{node.name}' ({node.op} of {[np.shape(a) for a in args]}) fails: {exc}"
                ) from None
        pending = [n for n in pending if n.name not in fields]


def _arg(fields, a):
    return fields[a] if isinstance(a, str) else a


def train(case, comp) -> dict:
    """SGD for `steps` rounds: p <- p - lr dE/dp for every parameter not frozen, all at once (simultaneous),
    one after the other with the gradient at the already-updated values (sequential), or each as soon as the
    backward pass has its gradient (during_backward, see during_backward.py); fields "name@k"."""
    t = comp.train
    lr, steps = t["lr"], t["steps"]
    checkpoints = set(t.get("checkpoints") or [steps])
    trainable = [p for p in case.params if p not in t.get("frozen", [])]
    grad_of = {p: t.get("gradients", {}).get(p, f"d{p}") for p in trainable}
    before = t.get("report", "after_update") == "before_update"
    needed = _needed(comp.derived, set(grad_of.values()))  # derived nodes the update reads, if any
    wanted = trainable if all(grad_of[p] == f"d{p}" for p in trainable) else None
    state, out = dict(comp.inputs), {}
    for k in range(1, steps + 1):
        if before and k in checkpoints:
            out.update(_snapshot(case, comp, state, k))
        if t.get("update") == "during_backward":
            forward = g.forward(comp.graph, state, np, rounding=comp.rounding)
            state.update(round_during_backward(comp.graph, forward, trainable, lr))
        elif t.get("update", "simultaneous") == "simultaneous":
            fields = evaluate(comp, state, derived=needed, wanted=wanted)
            state.update({p: state[p] - lr * _gradient(comp, fields, grad_of, p, state) for p in trainable})
        else:
            for p in trainable:
                fields = evaluate(comp, state, derived=needed, wanted=wanted)
                state[p] = state[p] - lr * _gradient(comp, fields, grad_of, p, state)
        if not before and k in checkpoints:
            out.update(_snapshot(case, comp, state, k))
    return out


def _gradient(comp, fields, grad_of, p, state):
    """The gradient that updates `p`: its own, or a variant's hand-made one, which must have p's shape."""
    grad = fields[grad_of[p]]
    if np.shape(grad) != np.shape(state[p]):
        raise DerivedError(
            f"is {grad_of[p]!r} of shape {np.shape(grad)}, but it updates {p} of shape {np.shape(state[p])}",
            field=f"{comp.where}train.gradients.{p}",
        )
    return grad


def _needed(nodes, names) -> tuple:
    """The derived nodes that computing `names` requires (in their written order)."""
    by_name, need, todo = {n.name: n for n in nodes}, set(), [n for n in names if n in {m.name for m in nodes}]
    while todo:
        name = todo.pop()
        if name not in need:
            need.add(name)
            todo += [a for a in by_name[name].inputs() if a in by_name]
    return tuple(n for n in nodes if n.name in need)


def _snapshot(case, comp, state, k) -> dict:
    keep = set(case.params) | set(comp.graph.names())
    return {f"{name}@{k}": v for name, v in evaluate(comp, state, gradients=False, derived=()).items() if name in keep}
