"""check_backward: a course-style backward pass, `out, cache = forward(*inputs)` / `backward(dout, cache)`.

Reduced to the engine's check of the scalar <outputs, dout> and its gradient: every call runs forward then
backward on fresh copies of the inputs and a fresh dout, so a cache holding references to the inputs or views
of the outputs never sees a perturbation, and writes are recorded (calls.py). A forward returning
`(loss, dx)` is checked without a backward.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ...errors import GradcheckError
from ...report import HealthCheck, Report
from ...settings import CheckOptions, Options
from ...tracebacks import user_facing
from ..diagnose.likely_bug import Operation
from ..diagnose.scaling import batch_size
from ..record.inputs import call_user, changed_arrays, copy_tree, fresh, require_callable
from ..record.writes import Record, changed, copy_arrays, numpy_seed
from ..tree import flatten
from ..validate import parse_int
from . import adapter
from .gradients import Inputs, is_floating_array, match
from .outputs import make_cotangent, pairing

if TYPE_CHECKING:
    from typing import Unpack

SEED_STREAM = 0x1A7  # numpy's global seed for the user's calls, derived from the check's seed


@user_facing
def check_backward(
    forward, backward, inputs, *, dout=None, outputs=None, names=None, **options: Unpack[CheckOptions]
) -> Report:
    """Check `backward(dout, cache)` (one gradient per input) against `out, cache = forward(*inputs)`.

    Several outputs: `h, c, cache = forward(...)` with `backward(dh, dc, cache)`; integer inputs get no gradient;
    `backward=None` checks a forward returning `(loss, dx)`. Raises GradientMismatch when the check fails.
    """
    __tracebackhide__ = True
    require_callable("forward", forward)
    adapter.require_callable_or_none("backward", backward)
    opts = Options.parse(options, "check_backward")
    if outputs is not None:
        parse_int(outputs, "outputs", minimum=1)
    ins = read_inputs(forward, inputs, names)
    forward, backward = (seeded(f, opts.seed) for f in (forward, backward))
    name = getattr(forward, "__name__", None)
    record = Record()
    if backward is None:
        loss, grad, params, left = _loss_mode(forward, ins, record)
        return adapter.run(
            loss,
            grad,
            params,
            args=(),
            kind="backward",
            options=opts,
            op=Operation(name, mlp=False, batch=batch_size(ins.values)),
            health=lambda: record.health("forward") + not_checked(left, "forward"),
        )
    result = call_user("forward", forward, *fresh(ins.values))
    layout = Layout.read(result, backward, ins.n, outputs)
    out, cache = layout.split(result)
    cot = make_cotangent(out, dout, opts.seed, "forward", "dout")
    found, left = match(
        call_user("backward", backward, *layout.arguments(copy_tree(cot), cache, ins.values)), ins, "backward"
    )
    if not found:
        raise GradcheckError(
            f"backward returned no gradient for any floating-point array input (inputs: "
            f"{', '.join(ins.names)}; numbers and integer arrays are not differentiated): "
            f"nothing to check"
        )
    loss, grad = _adapt(forward, backward, ins, list(found), layout, record)
    params = {n: ins.values[ins.names.index(n)] for n in ins.names if n in found}
    return adapter.run(
        loss,
        grad,
        params,
        args=(cot,),
        kind="backward",
        options=opts,
        op=Operation.vjp(name, {ins.names[0]: ins.values[0]}, cot),
        health=lambda: record.health() + not_checked(left, "backward"),
    )


def seeded(fn, seed: int):
    """fn run with numpy's global generator seeded the same way for every call (and restored after), so a
    forward drawing a dropout mask from np.random draws the same mask in every call of the check."""
    if fn is None:
        return None
    rng_seed = int(np.random.default_rng([seed, SEED_STREAM]).integers(2**31))

    @functools.wraps(fn)
    def call(*args):
        with numpy_seed(rng_seed):
            return fn(*args)

    return call


def read_inputs(fn, inputs, names=None, skip: int = 0, who: str = "forward") -> Inputs:
    """The inputs as a tuple (named from fn's signature or `names`); floating arrays can be differentiated."""
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise GradcheckError(
            f"Expected inputs to be a non-empty tuple (the arguments of {who}) but got "
            f"inputs={inputs!r:.80} (type={type(inputs).__name__})"
        )
    values = tuple(inputs)
    names = adapter.input_names(fn, len(values), names, skip)
    return Inputs(tuple(names), values, tuple(is_floating_array(v) for v in values))


def not_checked(left, who: str) -> list[HealthCheck]:
    """A warning naming floating inputs the function returned no gradient for (they are not checked)."""
    if not left:
        return []
    many = len(left) > 1
    return [
        HealthCheck(
            "not_checked",
            f"{who} returned no gradient for {', '.join(left)} (floating "
            f"input{'s' if many else ''}), so {'they are' if many else 'it is'} "
            f"not checked; return None for an input on purpose to silence this",
        )
    ]


@dataclass(frozen=True)
class Layout:
    """How forward's result splits into outputs and cache, and how backward is called."""

    outputs: int | None  # how many leading results are outputs; None: the whole result is the output
    cache: bool  # a cache follows the outputs
    packed: bool = False  # backward takes the douts as one tuple: backward((dh, dc), cache)
    inputs_after: bool = False  # no cache: backward(dout, *inputs)

    @classmethod
    def read(cls, result, backward, n_inputs: int, outputs: int | None) -> Layout:
        arity = adapter.positional_arity(backward)
        if outputs is not None:
            return cls._given(result, arity, outputs)
        if not isinstance(result, tuple):
            if arity in (None, 1) or arity == 1 + n_inputs:
                return cls(None, False, inputs_after=arity == 1 + n_inputs and arity != 1)
            raise GradcheckError(
                f"forward returned one array (no cache), so backward is called as backward(dout) "
                f"or backward(dout, *inputs), but it takes {arity} arguments"
            )
        n = len(result)
        if arity is None or arity == n:
            return cls(n - 1, True)
        if arity == 2 and n > 2:
            return cls(n - 1, True, packed=True)
        if arity == 1:
            return cls(None, False)
        raise GradcheckError(
            f"forward returned a tuple of {n} and backward takes {arity} arguments: expected "
            f"backward(dout, cache) for (out, cache), backward(dh, dc, cache) for (h, c, cache); "
            f"pass outputs=k when forward's first k results are its outputs"
        )

    @classmethod
    def _given(cls, result, arity, outputs) -> Layout:
        n = len(result) if isinstance(result, tuple) else 1
        if isinstance(outputs, bool) or not isinstance(outputs, int) or not 1 <= outputs <= n or n > outputs + 1:
            raise GradcheckError(
                f"Expected outputs to be {n - 1} or {n} (forward returned {n} results: outputs, "
                f"then the cache) but got outputs={outputs!r}"
            )
        if not isinstance(result, tuple):
            return cls(None, False)
        cache = n == outputs + 1
        return cls(outputs, cache, packed=cache and outputs > 1 and arity == 2)

    def split(self, result) -> tuple:
        """(output tree, cache)."""
        if self.outputs is None:
            return result, None
        outs = result[: self.outputs]
        return (outs[0] if self.outputs == 1 else tuple(outs)), (result[self.outputs] if self.cache else None)

    def arguments(self, dout, cache, inputs) -> list:
        """backward's arguments for one call."""
        douts = [dout] if self.outputs in (None, 1) or self.packed else list(dout)
        if self.inputs_after:
            return [*douts, *fresh(inputs)]
        return douts + ([cache] if self.cache else [])


def _adapt(forward, backward, ins: Inputs, diff: list[str], layout: Layout, record: Record):
    """loss(p, dout) = <outputs, dout>; grad(p, dout) = backward's gradients for the inputs in p."""
    where = [ins.names.index(n) for n in diff]
    fixed = [(i, v) for i, v in enumerate(ins.values) if i not in where]  # the only inputs the closures hold

    def assemble(p):
        vals = [None] * ins.n
        for (i, _), v in zip(fixed, fresh([v for _, v in fixed])):
            vals[i] = v
        for i, v in zip(where, copy_arrays(list(p.values()))):
            vals[i] = v
        return vals

    def forward_at(p):
        """forward on fresh inputs holding p; when the record watches this call, forward's writes are noted."""
        vals = assemble(p)
        watch = record.watching()
        out, cache = layout.split(call_user("forward", forward, *vals))
        if watch:
            record.wrote("forward", changed(diff, list(p.values()), [vals[i] for i in where]))
        return vals, watch, out, cache

    def loss(p, dout):
        return pairing(forward_at(p)[2], dout)

    def grad(p, dout):
        vals, watch, out, cache = forward_at(p)
        if watch:
            after = copy_arrays([vals[i] for i in where])
            out_names, out_leaves, _ = flatten(out, "output")
            out_before = copy_arrays(out_leaves)
        mine = copy_tree(dout)
        returned = call_user("backward", backward, *layout.arguments(mine, cache, ins.values))
        if watch:
            record.wrote("backward", changed(diff, after, [vals[i] for i in where]))
            record.dout = record.dout or bool(changed_arrays(dout, mine, "dout"))
            record.outputs += [n for n in changed(out_names, out_before, out_leaves) if n not in record.outputs]
        found, _ = match(returned, ins, "backward")
        return {n: found.get(n) for n in p}

    return loss, grad


def _loss_mode(forward, ins: Inputs, record: Record):
    """A forward returning (loss, gradients): loss(p) is its first result, grad(p) the rest."""
    first = call_user("forward", forward, *fresh(ins.values))
    if not isinstance(first, tuple) or len(first) < 2:
        raise GradcheckError(
            f"Expected forward to return (loss, dx) when backward is None but it returned "
            f"{type(first).__name__}; pass backward for a forward returning (out, cache)"
        )
    found, left = match(_grads_of(first), ins, "forward")
    if not found:
        raise GradcheckError(
            f"forward returned no gradient for any floating-point array input (inputs: "
            f"{', '.join(ins.names)}; numbers and integer arrays are not differentiated): "
            f"nothing to check"
        )
    diff = [n for n in ins.names if n in found]
    where = [ins.names.index(n) for n in diff]

    def call(p):
        vals = fresh(ins.values)
        for i, v in zip(where, copy_arrays(list(p.values()))):
            vals[i] = v
        watch = record.watching()
        result = call_user("forward", forward, *vals)
        if watch:
            record.wrote("forward", changed(diff, list(p.values()), [vals[i] for i in where]))
        return result

    def loss(p):
        return call(p)[0]

    def grad(p):
        found, _ = match(_grads_of(call(p)), ins, "forward")
        return {n: found.get(n) for n in p}

    return loss, grad, {n: ins.values[i] for n, i in zip(diff, where)}, left


def _grads_of(result):
    return result[1] if len(result) == 2 else result[1:]
