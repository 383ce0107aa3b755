"""check_vjp: a layer's backward checked as the gradient of <fn(*inputs), cotangent>.

fn may return one array or several (a tuple or a dict of arrays); the cotangent then has the same structure,
and vjp(cotangent, *inputs) returns one gradient per input (None for an input not differentiated, a nested list
read as an array).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from ...errors import GradcheckError
from ...report import Report
from ...settings import CheckOptions, Options
from ...tracebacks import user_facing
from ..diagnose.likely_bug import Operation
from ..record.inputs import call_user, changed_arrays, copy_tree, fresh, require_callable
from ..record.writes import Record
from . import adapter
from .backward import read_inputs
from .gradients import Inputs, match
from .outputs import make_cotangent, pairing

if TYPE_CHECKING:
    from typing import Unpack


@user_facing
def check_vjp(fn, vjp, inputs, *, cotangent=None, names=None, **options: Unpack[CheckOptions]) -> Report:
    """Check `vjp(cotangent, *inputs)` (one gradient per input, None if not differentiated) against fn.

    fn may return a tuple or dict of arrays, with a cotangent of the same structure; `names` names the inputs
    (default: fn's parameter names).
    """
    __tracebackhide__ = True
    require_callable("fn", fn), require_callable("vjp", vjp)
    opts = Options.parse(options, "check_vjp")
    ins = read_inputs(fn, inputs, names, who="fn")
    cot = make_cotangent(call_user("fn", fn, *fresh(ins.values)), cotangent, opts.seed, "fn")
    first = call_user("vjp", vjp, copy_tree(cot), *fresh(ins.values))
    if isinstance(first, (Mapping, str, bytes, Iterator)) or (ins.n > 1 and not isinstance(first, (list, tuple))):
        raise GradcheckError(
            f"Expected vjp to return a tuple of {ins.n} gradients (one per input, None for "
            f"an input not differentiated) but it returned {first!r:.60} (type={type(first).__name__})"
        )
    grads = list(first) if isinstance(first, (list, tuple)) else [first]
    while len(grads) > ins.n and grads[-1] is None:
        grads.pop()
    if len(grads) != ins.n:
        raise GradcheckError(
            f"Expected vjp to return {ins.n} gradients (one per input, None for an input "
            f"not differentiated) but it returned {len(grads)}"
        )
    found, _ = match(grads, ins, "vjp")
    if not found:
        raise GradcheckError("vjp returned None for every input: nothing to check")
    diff = [n for n in ins.names if n in found]
    params = {n: ins.values[ins.names.index(n)] for n in diff}
    record = Record()
    return adapter.run(
        *_as_loss_and_grad(fn, vjp, ins, diff, record),
        params,
        args=(cot,),
        kind="vjp",
        options=opts,
        op=Operation.vjp(getattr(fn, "__name__", None), {ins.names[0]: ins.values[0]}, cot, "cotangent"),
        health=lambda: record.health("vjp", "cotangent"),
    )


def _as_loss_and_grad(fn, vjp, ins: Inputs, diff, record: Record):
    """loss(p, cot) = <fn(*inputs with p), cot>; grad(p, cot) = the vjp's gradients for the inputs in p, each
    call on a fresh cotangent (a write into it is recorded as a warning, not a failure)."""
    where = [ins.names.index(n) for n in diff]
    fixed = tuple((i, x) for i, x in enumerate(ins.values) if i not in where)  # the only inputs the closures hold

    def assemble(p):
        full = [None] * ins.n
        for i, x in fixed:
            full[i] = x
        for i, v in zip(where, p.values()):
            full[i] = v
        return full

    def loss(p, cot):
        return pairing(call_user("fn", fn, *assemble(p)), cot)

    def grad(p, cot):
        mine = copy_tree(cot)
        found, _ = match(call_user("vjp", vjp, mine, *assemble(p)), ins, "vjp")
        record.dout = record.dout or bool(changed_arrays(cot, mine, "cotangent"))
        return {n: found.get(n) for n in p}

    return loss, grad
