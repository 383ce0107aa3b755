"""What the backward's quantities should be: the forward's intermediates, each with its value and its adjoint
(dL/dz, the gradient of the loss with respect to it).

One interface, `forward_quantities(loss, params, args, gradients)`: run the forward under a framework with its
intermediates captured and give them back as numpy values with adjoints. A forward torch can run (array-API code:
`xp = array_namespace(W)`) runs once under torch, every intermediate kept with retain_grad, so one backward gives
every adjoint, named sub-expressions too (`W1 @ x`). A numpy-only forward is followed as it runs and its named
intermediates' adjoints are measured by central differences on each one (a budget caps the cost).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np

from ..record.inputs import copy_tree
from ..tree import convert_args, flatten, unflatten
from .source import segment, statement_at
from .trace import Follower

FD_BUDGET = 3000  # loss evaluations the numpy path may spend on adjoints
FD_ENTRIES = 400  # larger intermediates get no measured adjoint


@dataclass
class Quantity:
    """A forward quantity: a parameter or input (`leaf`), a variable, or an unnamed sub-expression."""

    label: str  # "a2", "p['W1'] @ x", "W1"
    file: str
    line: int
    value: np.ndarray
    adjoint: np.ndarray | None = None
    named: bool = True  # a variable (or leaf); False for a sub-expression
    leaf: bool = False
    function: str = ""


@dataclass
class Forward:
    quantities: list[Quantity]
    how: str  # "torch", "numpy", or why neither ran


def forward_quantities(loss, params, args, gradients: dict[str, np.ndarray]) -> Forward:
    """The forward's quantities with adjoints: under torch when it runs there, else numpy with measured ones."""
    names, leaves, _ = flatten(params, "params")
    leaf_qs = [
        Quantity(n, "", 0, np.asarray(x, dtype=np.float64), gradients.get(n), leaf=True)
        for n, x in zip(names, leaves)
        if isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)
    ]
    try:
        return Forward(leaf_qs + _under_torch(loss, params, args), "torch")
    except Exception:  # numpy-only code meeting a tensor (or no torch): follow it in numpy
        pass
    return Forward(leaf_qs + _under_numpy(loss, params, args), "numpy")


# ---- torch: one run, every intermediate retained ------------------------------------------------------------


def _under_torch(loss, params, args) -> list[Quantity]:
    import torch
    from torch.overrides import TorchFunctionMode

    names, leaves, treedef = flatten(params, "params")
    tensors = [torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True) for x in leaves]
    targs = convert_args(
        args, lambda a: torch.tensor(a, dtype=torch.float64) if a.dtype.kind == "f" else torch.tensor(a)
    )
    follower = Follower(snapshot=False)
    ops: list[tuple] = []

    class Capture(TorchFunctionMode):
        def __torch_function__(self, func, types, fargs=(), kwargs=None):
            out = func(*fargs, **(kwargs or {}))
            where = follower.current_line()
            if where is not None and isinstance(out, torch.Tensor) and out.requires_grad and out.is_floating_point():
                out.retain_grad()
                frame, line = where
                ops.append((frame.f_code.co_filename, line, frame.f_code.co_name, _func_name(func), out))
            return out

    with Capture():
        out = follower.run(loss, unflatten(treedef, tensors), *targs)
    if not isinstance(out, torch.Tensor) or out.numel() != 1 or not out.requires_grad:
        raise TypeError("the loss is not a differentiable torch scalar")
    out.reshape(()).backward()
    return _torch_quantities(follower, ops, {id(t) for t in tensors})


def _func_name(func) -> str:
    return getattr(func, "__name__", str(func)).strip("_")


def _torch_quantities(follower: Follower, ops: list[tuple], leaf_ids: set[int]) -> list[Quantity]:
    import torch

    seen: set[int] = set(leaf_ids)
    out: list[Quantity] = []

    def add(label, file, line, t, named, function=""):
        if id(t) in seen or not isinstance(t, torch.Tensor) or not t.is_floating_point():
            return
        seen.add(id(t))
        adj = None if t.grad is None else t.grad.detach().numpy().astype(np.float64).copy()
        if adj is None and t.requires_grad:
            adj = np.zeros(tuple(t.shape))
        if adj is not None and not np.any(adj):
            return  # the loss does not depend on it (a gradient line inside the forward): not a forward quantity
        value = t.detach().numpy().astype(np.float64).copy()
        out.append(Quantity(label, file, line, value, adj, named, function=function))

    for s in follower.steps:  # named writes first: a variable's name beats its expression's text
        if s.name is not None and not s.argument:
            add(s.name, s.file, s.line, s.live, True, s.function)
    for (file, line, function), group in _by_line(ops).items():
        for label, t in zip(_labels(file, line, [f for f, _ in group]), (t for _, t in group)):
            add(label or "an intermediate", file, line, t, False, function)
    return out


def _by_line(ops) -> dict:
    grouped: dict = {}
    for file, line, function, name, t in ops:
        grouped.setdefault((file, line, function), []).append((name, t))
    return grouped


_BINOPS = {
    ast.Add: ("add",),
    ast.Sub: ("sub",),
    ast.Mult: ("mul",),
    ast.Div: ("div", "reciprocal"),
    ast.MatMult: ("matmul", "mm", "mv", "bmm"),
    ast.Pow: ("pow",),
    ast.Mod: ("remainder", "mod", "fmod"),
}


def _labels(file: str, line: int, funcs: list[str]) -> list[str | None]:
    """Each operation on a line paired with the expression that made it, in evaluation order (the source text
    of a BinOp for `__matmul__`, of a call for `exp`); None where no expression fits."""
    stmt = statement_at(file, line)
    nodes = [] if stmt is None or stmt.node is None else _postorder(stmt.node)
    used: set[int] = set()
    out = []
    for f in funcs:
        label = None
        for i, node in enumerate(nodes):
            if i not in used and _fits(node, f):
                used.add(i)
                label = segment(file, node)
                break
        out.append(label)
    return out


def _postorder(node: ast.AST) -> list[ast.AST]:
    out = []
    for child in ast.iter_child_nodes(node):
        out += _postorder(child)
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Call)):
        out.append(node)
    return out


def _fits(node: ast.AST, func: str) -> bool:
    if isinstance(node, ast.BinOp):
        return any(k in func for k in _BINOPS.get(type(node.op), ()))
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.USub) and "neg" in func
    if isinstance(node, ast.Call):
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        return bool(called) and (called in func or func in called)
    return False


# ---- numpy: followed, adjoints by central differences on each named intermediate -----------------------------


def _under_numpy(loss, params, args) -> list[Quantity]:
    follower = Follower()
    follower.run(loss, copy_tree(params), *copy_tree(args))
    picked = [
        s
        for s in _with_returned(follower.steps)
        if not s.argument and isinstance(s.value, np.ndarray) and s.value.dtype.kind == "f"
    ]
    out, budget = [], FD_BUDGET
    for s in picked:
        adj = None
        if s.index >= 0 and 0 < s.value.size <= FD_ENTRIES and 2 * s.value.size <= budget:
            budget -= 2 * s.value.size
            adj = _measured_adjoint(loss, params, args, s.index, s.value)
            if adj is not None and not np.any(adj):
                continue  # the loss does not depend on it: not a forward quantity
        out.append(Quantity(s.name, s.file, s.line, s.value.astype(np.float64), adj, True, function=s.function))
    return out


def _with_returned(steps):
    """Named writes, and each array a function returns (`return np.maximum(0, x), x`), labelled by its
    expression: the outputs a caller's `dout` is the adjoint of."""
    from dataclasses import replace

    for s in steps:
        if s.name is not None:
            yield s
            continue
        node = getattr(s.statement.node, "value", None)
        elts = node.elts if isinstance(node, ast.Tuple) else [node]
        values = s.value if isinstance(node, ast.Tuple) and isinstance(s.value, tuple) else (s.value,)
        for elt, v in zip(elts, values):
            if elt is not None and not isinstance(elt, ast.Name):
                yield replace(s, name=segment(s.file, elt), value=v, index=-1)


def _measured_adjoint(loss, params, args, index: int, value: np.ndarray) -> np.ndarray | None:
    """dL/dz for the intermediate written at step `index`: central differences, one entry at a time."""
    h = 1e-6 * max(1.0, float(np.max(np.abs(value))))
    adj = np.zeros(value.shape)
    for j in range(value.size):
        pm = []
        for sign in (1.0, -1.0):
            moved = value.astype(np.float64, copy=True)
            moved.flat[j] += sign * h
            f = Follower(swap=(index, moved), snapshot=False)
            f.keep = False
            try:
                pm.append(float(f.run(loss, copy_tree(params), *copy_tree(args))))
            except Exception:
                return None
            if not f.swapped:
                return None
        adj.flat[j] = (pm[0] - pm[1]) / (2 * h)
    return adj
