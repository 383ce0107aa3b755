"""check_layer: a layer object with `forward(X)`, `backward(dY) -> dX`, and parameters and their gradients kept on
the object (by default the dicts `layer.parameters` and `layer.gradients`, the common numpy style).

Every call runs on a deep copy of the layer, so accumulated gradients, kept inputs and caches never leak between
calls, and numpy's global generator is reseeded identically before each forward (and restored after), so a
dropout layer drawing from np.random is checked like a deterministic one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ...errors import GradcheckError
from ...report import HealthCheck, Report
from ...settings import CheckOptions, Options
from ...tracebacks import user_facing
from ..diagnose.likely_bug import Operation
from ..record.inputs import call_user, changed_arrays, copy_tree
from ..record.writes import Record, changed, numpy_seed
from ..validate import bad
from . import adapter
from .backward import SEED_STREAM
from .gradients import Inputs, as_gradient, match
from .outputs import make_cotangent, pairing

if TYPE_CHECKING:
    from typing import Unpack


def attr(obj, path: str, default=None):
    """obj.a.b for the dotted path "a.b" (parameters of a wrapped layer: "conv.W"), or default."""
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return default
    return obj


GRAD_SPELLINGS = ("d{}", "d_{}", "grad_{}", "{}_grad")  # where libraries keep W's gradient: dW, d_W, grad_W, W_grad


def grad_names(name: str) -> list[str]:
    """The usual names of a parameter's gradient, on the last part of a dotted name: conv.W -> conv.dW, ..."""
    head, _, last = name.rpartition(".")
    return [f"{head}.{s.format(last)}" if head else s.format(last) for s in GRAD_SPELLINGS]


@dataclass(frozen=True)
class Access:
    """Where a layer keeps its parameters and gradients: in dict attributes, or in attributes of their own."""

    params: str | tuple[str, ...]  # a dict attribute's name, or the names of attribute-held parameters
    grads: str | tuple[str, ...] | None  # likewise for their gradients (aligned with params); None: grad_names

    @classmethod
    def read(cls, layer, params, grads) -> Access:
        if not isinstance(params, (str, tuple, list)) or not all(isinstance(n, str) and n for n in params):
            raise bad("params", params, "params to be the name of a dict attribute or a tuple of attribute names")
        if grads is not None and (
            not isinstance(grads, (str, tuple, list)) or not all(isinstance(n, str) and n for n in grads)
        ):
            raise bad("grads", grads, "grads to be the name of a dict attribute or a tuple of attribute names")
        if isinstance(params, str):
            store = attr(layer, params, None)
            if not isinstance(store, dict):
                raise GradcheckError(
                    f"Expected layer.{params} to be a dict of parameter arrays but got "
                    f"{type(store).__name__} (pass params=('W', 'b') for attribute-held "
                    f"parameters, or params='name' of the dict; got params={params!r})"
                )
            return cls(params, "gradients" if grads is None else grads)
        names = tuple(params)
        if grads is not None and not isinstance(grads, str) and len(tuple(grads)) != len(names):
            raise GradcheckError(
                f"Expected grads to name one attribute per parameter ({len(names)}) but got grads={grads!r}"
            )
        return cls(names, grads if grads is None or isinstance(grads, str) else tuple(grads))

    def names(self, layer) -> list[str]:
        """The floating parameters (in a dict: its floating array entries, in order)."""
        if isinstance(self.params, str):
            store = attr(layer, self.params)
            return [k for k, v in store.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
        for n in self.params:
            if not isinstance(attr(layer, n, None), np.ndarray):
                raise GradcheckError(
                    f"Expected layer.{n} to be a parameter array but got {type(attr(layer, n, None)).__name__}"
                )
        return list(self.params)

    def get(self, layer, name):
        return attr(layer, self.params)[name] if isinstance(self.params, str) else attr(layer, name)

    def set(self, layer, name, value) -> None:
        """Write value into the layer's own array (in place, so aliases such as self.W = self.params['W']
        see it too)."""
        self.get(layer, name)[...] = value

    def grad(self, layer, name):
        """The gradient the layer holds for parameter `name` after backward (None when it has none)."""
        if isinstance(self.grads, str):
            store = attr(layer, self.grads, None)
            if not isinstance(store, dict):
                raise GradcheckError(
                    f"Expected layer.{self.grads} to be a dict of gradients after backward but "
                    f"got {type(store).__name__} (pass grads=... to say where they are)"
                )
            value = next((store[k] for k in [name, *grad_names(name)] if k in store), None)
        elif self.grads is None:
            value = attr(layer, self._spelled(layer, name), None)
        else:
            value = attr(layer, self.grads[list(self.params).index(name)], None)
        return None if value is None else np.array(as_gradient(value), copy=True)

    def _spelled(self, layer, name) -> str:
        """The first of grad_names(name) the layer has after backward, or a GradcheckError naming them all."""
        found = [n for n in grad_names(name) if _has(layer, n)]
        if found:
            return found[0]
        tried = ", ".join(f"layer.{n}" for n in grad_names(name))
        raise GradcheckError(
            f"the layer holds no gradient for {name} after backward: looked for {tried}; pass grads=(...) naming "
            f"the attribute that holds each parameter's gradient, in the order of params"
        )

    def buffers(self, layer, names) -> list[str]:
        """Entries of a parameter dict that the gradient dict has no key for after backward (running
        statistics and other buffers); attribute-held parameters are all named by the caller, so none."""
        if not isinstance(self.params, str):
            return []
        store = attr(layer, self.grads, None) if isinstance(self.grads, str) else None
        if not isinstance(store, dict):
            return []
        return [n for n in names if not any(k in store for k in [n, *grad_names(n)])]

    def zero(self, layer, names) -> None:
        """Zero the gradients a layer already holds, as a training step's zero_grad would."""
        for n in names:
            g = self._held(layer, n)
            if isinstance(g, np.ndarray) and g.flags.writeable:
                g[...] = 0

    def _held(self, layer, name):
        if isinstance(self.grads, str):
            store = attr(layer, self.grads, None)
            return store.get(name) if isinstance(store, dict) else None
        if self.grads is None:
            return next((attr(layer, n) for n in grad_names(name) if _has(layer, n)), None)
        return attr(layer, self.grads[list(self.params).index(name)], None)


def _has(obj, path: str) -> bool:
    """obj has the dotted attribute path (its value may be None)."""
    head, _, last = path.rpartition(".")
    owner = attr(obj, head) if head else obj
    return owner is not None and hasattr(owner, last)


@user_facing
def check_layer(
    layer,
    X,
    *,
    params="parameters",
    grads=None,
    input_name=None,
    forward="forward",
    backward="backward",
    dY=None,
    **options: Unpack[CheckOptions],
) -> Report:
    """Check a layer object's backward: dX from `layer.backward(dY)` and each parameter's gradient read from the
    layer after it, against `Y = layer.forward(X)`; every call on a deep copy of the layer.

    X: the input array, or a tuple of inputs for `forward(*X)` (then backward returns one gradient per input;
    integer inputs such as token ids get none). params: the name of a dict attribute (default `parameters`) or
    a tuple of attribute names (`('W', 'b')`); grads: likewise (default `gradients`, or the first of `dW`, `d_W`,
    `grad_W`, `W_grad` the layer has). The oracle
    is finite differences: parameters are written into the layer's own numpy arrays, which torch and jax cannot
    differentiate through.
    """
    __tracebackhide__ = True
    opts = Options.parse(options, "check_layer")
    for what, name in (("forward", forward), ("backward", backward)):
        if not isinstance(name, str) or not name or (name != what and not callable(getattr(layer, name, None))):
            raise bad(what, name, f"{what} to name a method of the layer ({type(layer).__name__})")
    if not callable(getattr(layer, forward, None)) or not callable(getattr(layer, backward, None)):
        raise bad(
            "layer",
            layer,
            f"layer to be an object with methods {forward}() and {backward}() "
            f"(pass forward=/backward= for other names)",
        )
    if input_name is not None and not isinstance(input_name, (str, tuple, list)) or input_name == "":
        raise bad("input_name", input_name, "input_name to be a non-empty string (or one per input)")
    ins = _inputs(getattr(layer, forward), X, input_name)
    access = Access.read(layer, params, grads)
    names = access.names(layer)
    if set(names) & set(ins.names):
        raise GradcheckError(
            f"input_name={input_name or ins.names!r} is also a parameter of the layer; pass another input_name"
        )
    record, rng_seed = Record(), int(np.random.default_rng([opts.seed, SEED_STREAM]).integers(2**31))
    calls = _Calls(layer, access, names, ins, forward, backward, rng_seed, record)
    start = {**dict(zip(ins.names, ins.values)), **{n: access.get(layer, n) for n in names}}
    cot = make_cotangent(calls.forward(start)[1], dY, opts.seed, f"layer.{forward}", "dY")
    first, dx = calls.forward_backward(start, cot)
    buffers = access.buffers(first, names)
    notes = _buffers_note(buffers, access) + _kept_inputs_note(dx, ins, forward, backward)
    calls.names = [n for n in names if n not in buffers]
    p0 = {
        **{n: v for n, v, f in zip(ins.names, ins.values, ins.floating) if f},
        **{n: np.array(access.get(layer, n), copy=True) for n in calls.names},
    }
    op = Operation.vjp(type(layer).__name__, dict(zip(ins.names, ins.values)), cot, "dY")
    return adapter.run(
        calls.loss,
        calls.grad,
        p0,
        args=(cot,),
        kind="layer",
        options=replace(opts, oracles=("fd",) if opts.oracles is None else opts.oracles),
        op=op,
        health=lambda: record.health(f"layer.{backward}", "dY") + notes,
    )


def _inputs(method, X, input_name) -> Inputs:
    """The layer's inputs: one array named `input_name` (default X), or a tuple named after forward's signature."""
    many = isinstance(X, (tuple, list))
    values = tuple(X) if many else (X,)
    for i, v in enumerate(values):
        if not isinstance(v, np.ndarray) or v.dtype.kind not in "fiub":
            where = f"X[{i}]" if many else "X"
            raise GradcheckError(
                f"Expected {where} to be a numeric numpy array (an input of layer.forward) but got "
                f"X={X!r:.60} (type={type(X).__name__})"
            )
    if not many:
        names = [input_name or "X"]
    else:
        names = adapter.input_names(method, len(values), input_name, who="input_name")
    floating = tuple(v.dtype.kind == "f" for v in values)
    if not any(floating) and not many:
        floating = (False,)
    return Inputs(tuple(names), values, floating)


def _kept_inputs_note(dx, ins: Inputs, forward: str, backward: str) -> list[HealthCheck]:
    """backward returned a list of gradients for a layer of one input: a layer that keeps every input since its last
    backward (numpy-ml's do) returns one per kept input and pairs dY with the oldest, so a forward run before the
    check (to build the weights) leaves it answering for another input."""
    if ins.n != 1 or not isinstance(dx, (list, tuple)):
        return []
    return [
        HealthCheck(
            "kept_inputs",
            f"layer.{backward} returned a {type(dx).__name__} of {len(dx)} arrays for the one input {ins.names[0]}: "
            f"a layer that keeps every input since its last {backward} returns one gradient per kept input, and may "
            f"pair dY with the oldest (an input from a {forward} run before the check); run one {forward} per "
            f"{backward}, or clear what the layer kept before the check",
            source=backward,
        )
    ]


def _buffers_note(buffers, access: Access) -> list[HealthCheck]:
    if not buffers:
        return []
    return [
        HealthCheck(
            "not_checked",
            f"layer.{access.params} has {', '.join(buffers)} but layer.{access.grads} has "
            f"no entry for {'them' if len(buffers) > 1 else 'it'} after backward: taken "
            f"as buffers (running statistics), not parameters, and not checked",
        )
    ]


@dataclass
class _Calls:
    """The loss and gradient the engine checks, each call on a deep copy of the layer."""

    layer: object
    access: Access
    names: list
    ins: Inputs
    forward_name: str
    backward_name: str
    rng_seed: int
    record: Record

    def forward(self, p):
        """(the copy, its output) for params p, with numpy's generator reseeded for the call."""
        layer = copy.deepcopy(self.layer)
        for n in self.names:
            self.access.set(layer, n, p[n])
        given = [p.get(n, v) for n, v in zip(self.ins.names, self.ins.values)]
        xs = [x.copy() for x in given]
        with numpy_seed(self.rng_seed):
            out = call_user(f"layer.{self.forward_name}", getattr(layer, self.forward_name), *xs)
        if self.record.watching():
            self.record.wrote(f"layer.{self.forward_name}", changed(self.ins.names, given, xs))
        return layer, out

    def loss(self, p, dY):
        return pairing(self.forward(p)[1], dY)

    def forward_backward(self, p, dY):
        """(the copy after backward, dX)."""
        layer, _ = self.forward(p)
        self.access.zero(layer, self.names)
        mine = copy_tree(dY)
        with numpy_seed(self.rng_seed):
            dx = call_user(f"layer.{self.backward_name}", getattr(layer, self.backward_name), mine)
        self.record.dout = self.record.dout or bool(changed_arrays(dY, mine, "dY"))
        return layer, dx

    def grad(self, p, dY):
        layer, dx = self.forward_backward(p, dY)
        if self.ins.n == 1:
            found = {self.ins.names[0]: as_gradient(dx)} if self.ins.floating[0] else {}
        else:
            found, _ = match(dx, self.ins, f"layer.{self.backward_name}")
        inputs = {n: found.get(n) for n, f in zip(self.ins.names, self.ins.floating) if f}
        return {**inputs, **{n: self.access.grad(layer, n) for n in self.names}}
