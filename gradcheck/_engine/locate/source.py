"""The user's source, line by line: which statement a line belongs to, what it reads and what it writes.

A write is a place a statement stores a value: a name (`d2 = ...`), an in-place write into an array or a list
(`dx[mask] = 0`, `dW += ...`, `np.add.at(dx, idx, d)`, `grads.append(...)`: the array or list written into), a
keyed entry (`grads["W1"] = ...`) or an attribute (`self.dW = ...`). A return statement writes its value.
"""

from __future__ import annotations

import ast
import functools
import linecache
from dataclasses import dataclass

# methods that change the object they are called on, and numpy functions that write into their first argument
MUTATING_METHODS = frozenset(
    "append extend insert fill fill_ copy_ add_ sub_ mul_ div_ put itemset update setdefault zero_".split()
)
WRITING_FUNCTIONS = frozenset("at copyto put place putmask fill_diagonal".split())


@dataclass(frozen=True)
class Target:
    """One place a statement writes: `base` (a local or global name), then an optional constant key or
    attribute; `whole` is False for a write into part of an array (the array written into is the value)."""

    base: str
    key: object = None  # a constant subscript (grads["W1"]) or None
    attr: str | None = None  # self.dW
    whole: bool = True

    @property
    def name(self) -> str:
        if self.attr is not None:
            return f"{self.base}.{self.attr}"
        return self.base if self.key is None else f"{self.base}[{self.key!r}]"


@dataclass(frozen=True)
class Statement:
    """A simple statement (or a compound statement's header) of the user's code."""

    line: int  # first line, 1-based
    end: int
    code: str  # its source, stripped, continuation lines joined
    writes: tuple[Target, ...]
    reads: tuple[str, ...]  # names loaded, in order of first appearance
    returns: bool = False
    node: ast.AST | None = None


@functools.lru_cache(maxsize=256)
def _tree(filename: str, text: str) -> dict[int, Statement]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    lines = text.splitlines()
    out: dict[int, Statement] = {}
    for node in ast.walk(tree):
        st = _statement(node, lines, text)
        if st is not None:
            for line in range(st.line, st.end + 1):
                if line not in out or out[line].end - out[line].line >= st.end - st.line:
                    out[line] = st
    return out


def statement_at(filename: str, line: int) -> Statement | None:
    """The innermost statement holding `line` of `filename` (None when the source cannot be read)."""
    text = "".join(linecache.getlines(filename))
    return _tree(filename, text).get(line) if text else None


def _statement(node: ast.AST, lines: list[str], text: str) -> Statement | None:
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)):
        end = node.end_lineno or node.lineno
        head = node
    elif isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.If, ast.With)):
        head = node.iter if isinstance(node, (ast.For, ast.AsyncFor)) else getattr(node, "test", None)
        end = (head.end_lineno if head is not None else node.lineno) or node.lineno
    else:
        return None
    if isinstance(node, (ast.For, ast.While, ast.If, ast.With, ast.AsyncFor)):
        code = lines[node.lineno - 1].split("#")[0].strip().rstrip(":")
    else:
        code = " ".join((ast.get_source_segment(text, node) or ast.unparse(node)).split())
    return Statement(
        node.lineno,
        end,
        code,
        tuple(writes(node)),
        tuple(reads(head if head is not None else node)),
        isinstance(node, ast.Return),
        node,
    )


def writes(node: ast.AST) -> list[Target]:
    """The places a statement writes (see the module docstring)."""
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in _targets(target)]
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return (
            [replace_whole(t, False) for t in _targets(node.target)]
            if isinstance(node, ast.AugAssign)
            else (_targets(node.target))
        )
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return _targets(node.target)
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        return _call_writes(node.value)
    return []


def replace_whole(t: Target, whole: bool) -> Target:
    return Target(t.base, t.key, t.attr, whole and t.whole)


def _targets(target: ast.AST) -> list[Target]:
    if isinstance(target, ast.Name):
        return [Target(target.id)]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [t for elt in target.elts for t in _targets(elt)]
    if isinstance(target, ast.Starred):
        return _targets(target.value)
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        return [Target(target.value.id, attr=target.attr)]
    if isinstance(target, ast.Subscript):
        base = _base(target)
        if base is None:
            return []
        if isinstance(target.value, ast.Name) and isinstance(target.slice, ast.Constant):
            if isinstance(target.slice.value, str):
                return [Target(base, key=target.slice.value)]
        return [Target(base, whole=False)]
    return []


def _base(node: ast.AST) -> str | None:
    """The name at the root of a subscript/attribute chain (`dx` of `dx[:, 1][mask]`)."""
    while isinstance(node, (ast.Subscript, ast.Attribute)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _call_writes(call: ast.Call) -> list[Target]:
    func = call.func
    out = [Target(b, whole=False) for k in call.keywords if k.arg == "out" and (b := _base(k.value))]
    if isinstance(func, ast.Attribute):
        if func.attr in MUTATING_METHODS and (b := _base(func.value)) is not None:
            return out + [Target(b, whole=False)]
        if func.attr in WRITING_FUNCTIONS and call.args and (b := _base(call.args[0])) is not None:
            return out + [Target(b, whole=False)]
    return out


def reads(node: ast.AST) -> list[str]:
    """Names a statement loads, in order of first appearance (a target's index expressions included)."""
    seen: dict[str, None] = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
            seen.setdefault(sub.id)
    if isinstance(node, ast.AugAssign):  # `dW += x` reads dW too
        b = _base(node.target)
        if b is not None:
            seen = {b: None, **seen}
    return list(seen)


def segment(filename: str, node: ast.AST) -> str:
    """The source text of an expression node, on one line."""
    text = "".join(linecache.getlines(filename))
    got = ast.get_source_segment(text, node) if text else None
    return " ".join((got or ast.unparse(node)).split())
