"""The search for the first wrong line: following the backward's dataflow, the first quantity that is wrong while
everything it was computed from is right.

A quantity is right when it equals a forward quantity (match.py). One that is wrong looks like one that has no
counterpart, so a quantity is found wrong by asking the code itself: rerun the backward with a forward quantity
in its place; when the gradients then all come out right, that quantity was wrong and the rest of the code is
right. Failing that, a returned gradient that is wrong while everything its line reads is right is the bug's line.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from ...report import Counterpart, FirstWrong
from ...report import Step as StepReport
from .match import Match, candidates, classify, close, is_quantity
from .reference import Quantity
from .trace import Step

RERUNS = 400  # backward reruns the search may spend
PER_STEP = 24  # candidate values tried in one quantity's place
REPAIRED = 1e-5  # a rerun's gradient counts as right within this of the largest entry


@dataclass
class Located:
    first_wrong: FirstWrong | None
    steps: list[StepReport]
    why: str = ""


@dataclass
class Problem:
    """What the search works on: the steps of one followed run, the forward's quantities, the true gradients
    (the names whose returned gradient is wrong in `wrong`), and a rerun with one step's value swapped."""

    steps: list[Step]
    quantities: list[Quantity]
    returned: dict[str, np.ndarray]
    truth: dict[str, np.ndarray]
    wrong: list[str]
    rerun: Callable[[tuple[int, np.ndarray]], dict | None]
    rtol: float = 1e-6


def search(pb: Problem) -> Located:
    matches = {s.index: classify(s.value, pb.quantities, pb.rtol) for s in pb.steps if not s.argument}
    producers = {n: _producer(pb.steps, g) for n, g in pb.returned.items() if n in pb.truth}
    found = _repair(pb, matches, {s.index for s in producers.values() if s is not None})
    if found is None:
        found = _wrong_output(pb, matches, producers)
    if isinstance(found, str):
        return Located(None, _report_steps(pb, matches, producers, None), found)
    step, expected, shape = found
    fw = FirstWrong(
        step.file,
        step.line,
        step.statement.code,
        step.name,
        step.function,
        expected,
        tuple(shape),
        tuple(_inputs(pb, step, matches)),
    )
    return Located(fw, _report_steps(pb, matches, producers, step))


def counterpart(m: Match) -> Counterpart:
    q = m.quantity
    return Counterpart(m.kind, q.label, q.file, q.line, m.convention, q.named)


def _producer(steps: list[Step], g: np.ndarray) -> Step | None:
    """The step that computed a returned gradient: the last one whose value is it, not a line that only passes
    it on (`return dx, dw`, `grads["W"] = dW`)."""
    if not isinstance(g, np.ndarray):
        return None
    for s in reversed(steps):
        if s.argument or _passes_on(s.statement.node):
            continue
        for key, v in _parts(s.value):
            if isinstance(v, np.ndarray) and v.shape == g.shape and np.array_equal(v, g):
                return s if key is None else replace(s, value=v)
    return None


def _parts(v):
    if isinstance(v, dict):
        return list(v.items())
    if isinstance(v, (list, tuple)):
        return list(enumerate(v))
    return [(None, v)]


def _passes_on(node) -> bool:
    value = getattr(node, "value", None)

    def plain(e):
        return isinstance(e, (ast.Name, ast.Constant, ast.Attribute)) or (
            isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name) and isinstance(e.slice, ast.Constant)
        )

    if value is None:
        return False
    if isinstance(value, (ast.Tuple, ast.List)):
        return all(plain(e) for e in value.elts)
    if isinstance(value, ast.Dict):
        return all(plain(e) for e in value.values)
    return plain(value) and not isinstance(node, ast.AugAssign)


def _swappable(pb: Problem, producers: set[int]) -> list[Step]:
    """Steps whose value can be put in question: floating arrays written once (a loop's temporary, rewritten on
    every pass, is not), not a returned gradient's own line."""
    whole: dict[tuple, int] = {}
    for s in pb.steps:
        whole[(s.call, s.line, s.name)] = whole.get((s.call, s.line, s.name), 0) + 1
    last = max(producers, default=-1)
    return [
        s
        for s in pb.steps
        if not s.argument
        and s.index not in producers
        and s.index < last
        and s.name is not None
        and is_quantity(s.value)
        and whole[(s.call, s.line, s.name)] == 1
        and not _passes_on(s.statement.node)
    ]


def _repair(pb: Problem, matches: dict, producers: set[int]):
    """The first step whose value, replaced by a forward quantity, makes every gradient right."""
    budget = RERUNS
    shapes = {q.value.shape for q in pb.quantities} | {q.adjoint.shape for q in pb.quantities if q.adjoint is not None}
    for s in _swappable(pb, producers):
        any_shape = s.value.size == 1 or s.value.shape not in shapes
        tried = 0
        for m, value in candidates(s.value.shape, pb.quantities, any_shape):
            if budget <= 0:
                return None
            if value.shape == s.value.shape and close(value, s.value, pb.rtol):
                continue
            tried += 1
            if tried > PER_STEP:
                break
            budget -= 1
            if _all_right(pb, pb.rerun((s.index, value))):
                return s, counterpart(m), value.shape
    return None


def _all_right(pb: Problem, got: dict | None) -> bool:
    if got is None:
        return False
    for n, truth in pb.truth.items():
        g = got.get(n)
        if not isinstance(g, np.ndarray) or g.shape != truth.shape:
            return False
        if not (close(g.astype(np.float64), truth, REPAIRED) or (not np.any(truth) and not np.any(g))):
            return False
    return True


def _status_of_read(pb: Problem, s: Step, name: str, writers: tuple[int, ...], matches: dict) -> bool:
    """Whether what `s` reads as `name` is right: a step that matched, or something that is not a floating
    quantity (a size, an index); an argument of a call gradcheck made is given."""
    by_index = {x.index: x for x in pb.steps}
    if not writers:
        arg = next((x for x in pb.steps if x.argument and x.call == s.call and x.name == name), None)
        if arg is None or arg.root or not is_quantity(arg.value):
            return True
        return classify(arg.value, pb.quantities, pb.rtol) is not None
    for w in _current(writers, by_index):
        x = by_index.get(w)
        if x is not None and x.argument and x.root:
            continue
        if x is None or (is_quantity(x.value) and matches.get(w) is None):
            return False
        if isinstance(x.value, np.ndarray) and x.value.dtype.kind == "b":
            return False
    return True


def _current(writers: tuple[int, ...], by_index: dict) -> tuple[int, ...]:
    """The writes that make up a name's value: from its last write of the whole array on (an in-place write
    `dx[i] -= 1` leaves the whole array as its value; keyed writes `grads["W"] = ...` each make a part)."""
    for k in range(len(writers) - 1, -1, -1):
        x = by_index.get(writers[k])
        if x is not None and x.name is not None and "[" not in x.name and "." not in x.name:
            return writers[k:]
    return writers


def _wrong_output(pb: Problem, matches: dict, producers: dict):
    """The first wrong returned gradient whose line reads only right quantities, or why there is none."""
    wrong = sorted(((producers.get(n), n) for n in pb.wrong), key=lambda t: -1 if t[0] is None else t[0].index)
    if not pb.steps:
        return "the backward ran no Python lines that could be followed"
    for s, name in wrong:
        if s is None:
            continue
        unknown = [n for n, ws in s.reads if not _status_of_read(pb, s, n, ws, matches)]
        if not unknown:
            return s, Counterpart("gradient", name), pb.truth[name].shape
    first = next(((s, n) for s, n in wrong if s is not None), None)
    if first is None:
        return f"the line that computes the gradient of {pb.wrong[0]} could not be told (it was not followed)"
    s, name = first
    unknown = [n for n, ws in s.reads if not _status_of_read(pb, s, n, ws, matches)]
    return (
        f"the gradient of {name} ({s.function}, line {s.line}) is computed from {', '.join(unknown)}, which "
        f"match nothing the forward computes, and no forward quantity in their place makes the gradients right"
    )


def _inputs(pb: Problem, s: Step, matches: dict) -> list[tuple[str, int, Counterpart]]:
    by_index = {x.index: x for x in pb.steps}
    out = []
    for name, writers in s.reads:
        for w in writers[-1:]:
            m = matches.get(w)
            if m is not None:
                out.append((name, by_index[w].line, counterpart(m)))
    return out


def _report_steps(pb: Problem, matches: dict, producers: dict, blamed: Step | None) -> list[StepReport]:
    wrong_at = {s.index for n, s in producers.items() if s is not None and n in pb.wrong}
    out = []
    for s in pb.steps:
        if s.argument or not (is_quantity(s.value) or s.index in wrong_at):
            continue
        m = matches.get(s.index)
        if blamed is not None and s.index == blamed.index or s.index in wrong_at:
            status = "wrong"
        else:
            status = "right" if m is not None else "unknown"
        out.append(
            StepReport(
                s.file, s.line, s.statement.code, s.name, s.function, status, None if m is None else counterpart(m)
            )
        )
    return out
