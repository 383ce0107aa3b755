"""A torch.autograd.Function subclass for check_function: its forward run by F.apply (values), its forward's
body run under autograd with a stand-in ctx (the AD oracle), and its backward called with the ctx of a real
F.apply (yours), reduced like torch's engine reduces a gradient of a broadcast shape."""

from __future__ import annotations

import numpy as np

from ...errors import GradcheckError


class StandInCtx:
    """What F.forward may use of ctx, without autograd's node: saved tensors, flags and any attribute."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = tuple(needs_input_grad)
        self.saved_tensors = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        self.saved_tensors = tensors

    def save_for_forward(self, *tensors):
        self.saved_for_forward = tensors

    def mark_dirty(self, *tensors):
        self.dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class TorchFunction:
    """check_function's view of a torch.autograd.Function subclass F."""

    name = "torch"

    def __init__(self, F, float64: bool):
        import torch

        self.torch, self.F, self.float64 = torch, F, float64
        self.new_style = F.setup_context is not torch.autograd.Function.setup_context  # forward(*args), no ctx
        self.skip = 0 if self.new_style else 1
        self.forward_fn = F.forward
        self.label, self.backward_label = f"{F.__name__}.forward", f"{F.__name__}.backward"
        self.body_label = f"{F.__name__}.forward"
        self.jvp_label = f"{F.__name__}.jvp" if defines_jvp(F) else None

    def to_numpy(self, v):
        """A tensor as a numpy array (detached copy); anything else unchanged."""
        if isinstance(v, self.torch.Tensor):
            return v.detach().cpu().numpy().copy()
        return v

    def owns(self, leaf) -> bool:
        return isinstance(leaf, self.torch.Tensor)

    def _tensors(self, vals, requires=()):
        torch, out = self.torch, []
        for i, v in enumerate(vals):
            if isinstance(v, np.ndarray):
                floating = v.dtype.kind == "f"
                t = torch.tensor(v, dtype=torch.float64 if floating and self.float64 else None)
                out.append(t.requires_grad_(True) if i in requires and floating else t)
            else:
                out.append(v)
        return out

    def forward(self, vals) -> list[np.ndarray]:
        """F's outputs (by F.apply, without autograd) as numpy arrays."""
        with self.torch.no_grad():
            outs = _as_list(self.F.apply(*self._tensors(vals)))
        return [o.detach().cpu().numpy() for o in outs if isinstance(o, self.torch.Tensor)]

    def body(self, vals, diff_names) -> list:
        """F.forward's body on the given tensors under autograd (a stand-in ctx), never F.apply."""
        tensors = [
            v if isinstance(v, self.torch.Tensor) and v.requires_grad else t
            for v, t in zip(vals, self._tensors([_np(v) for v in vals]))
        ]
        needs = [isinstance(t, self.torch.Tensor) and t.requires_grad for t in tensors]
        with self.torch.enable_grad():
            outs = _as_list(self.F.forward(*tensors) if self.new_style else self.F.forward(StandInCtx(needs), *tensors))
        outs = [o for o in outs if isinstance(o, self.torch.Tensor)]
        if any(needs) and not any(o.requires_grad for o in outs if o.is_floating_point()):
            raise RuntimeError("its output does not depend on the inputs through autograd (the body leaves the graph)")
        return outs

    def check_graph(self, total, leaves) -> None:
        """Backpropagate once through the body's graph (kept for the oracle), so an in-place write autograd
        cannot undo is raised here, where the oracle reports it as a skip, not inside the oracle's own call."""
        leaves = [t for t in leaves if isinstance(t, self.torch.Tensor) and t.requires_grad]
        if leaves and total.requires_grad:
            self.torch.autograd.grad(total, leaves, retain_graph=True, allow_unused=True)

    def yours(self, vals, cots) -> list:
        """The hand-written backward's gradients, one per input (None where it gave none)."""
        torch = self.torch
        floating = {i for i, v in enumerate(vals) if isinstance(v, np.ndarray) and v.dtype.kind == "f"}
        tensors = self._tensors(vals, requires=floating)
        outs = [o for o in _as_list(self.F.apply(*tensors)) if isinstance(o, torch.Tensor)]
        node = next((o.grad_fn for o in outs if o.grad_fn is not None), None)
        if node is None:
            raise GradcheckError(f"{self.label} returned no output attached to autograd; nothing to check")
        dtypes = [o.dtype if o.is_floating_point() else torch.float64 for o in outs]
        grads = _as_list(self.F.backward(node, *[torch.tensor(c, dtype=d) for c, d in zip(cots, dtypes)]))
        while len(grads) > len(vals) and grads[-1] is None:
            grads.pop()
        if len(grads) != len(vals):
            raise GradcheckError(
                f"{self.backward_label} returned {len(grads)} gradients for {len(vals)} inputs: "
                f"torch requires one per forward input (None for a non-tensor one)"
            )
        return [self._reduced(g, t) for g, t in zip(grads, tensors)]

    def rule(self, tangents, vals) -> list:
        """F.jvp's output tangents, as torch's forward-mode AD calls it (one numpy array per output)."""
        return forward_ad(self, tangents, vals)

    def body_second_order(self, vals, xs, cs, floating, w):
        """<grad of <body(x), c> w.r.t. x, w>, by autograd of the forward's body (create_graph, never F.backward)."""
        torch = self.torch
        outs = self.body(vals, None)
        total = sum((outs[i] * torch.as_tensor(c, dtype=outs[i].dtype)).sum() for i, c in zip(floating, cs))
        gs = torch.autograd.grad(total, xs, create_graph=True, allow_unused=True)
        pairs = [(g * torch.as_tensor(wi, dtype=g.dtype)).sum() for g, wi in zip(gs, w) if g is not None]
        return sum(pairs) if pairs else total * 0.0

    def double_backward(self, vals, where, cs, floating, w) -> list[np.ndarray]:
        """F's double backward: d/d(x, c) of <F.backward's gradients for x at cotangent c, w>, by autograd through
        F.apply and F.backward (create_graph); zeros where the backward's answer does not depend on an input."""
        torch = self.torch
        tensors = self._tensors(vals, requires=set(where))
        outs = [o for o in _as_list(self.F.apply(*tensors)) if isinstance(o, torch.Tensor)]
        picked = [outs[i] for i in floating]
        cts = [torch.tensor(c, dtype=o.dtype, requires_grad=True) for c, o in zip(cs, picked)]
        xs = [tensors[i] for i in where]
        leaves = xs + cts
        try:
            gs = torch.autograd.grad(picked, xs, cts, create_graph=True, allow_unused=True)
            terms = [(g * torch.tensor(wi, dtype=g.dtype)).sum() for g, wi in zip(gs, w) if g is not None]
            total = sum(terms) if terms else None
            dd = (
                [None] * len(leaves)
                if total is None or not total.requires_grad
                else torch.autograd.grad(total, leaves, allow_unused=True)
            )
        except RuntimeError as exc:
            raise GradcheckError(
                f"{self.backward_label} cannot be differentiated at second order: autograd raised "
                f"{str(exc).splitlines()[0][:160]} (a @once_differentiable backward, or one computed outside "
                f"autograd); order=2 checks a backward written in differentiable torch operations"
            ) from exc
        return [
            np.zeros(tuple(t.shape)) if d is None else d.detach().cpu().numpy().astype(np.float64)
            for d, t in zip(dd, leaves)
        ]

    def _reduced(self, g, t):
        """g as torch's engine passes it on: summed to the input's shape where it broadcasts, in its dtype."""
        if g is None or not isinstance(t, self.torch.Tensor):
            return None if g is None else _np(g)
        if tuple(g.shape) != tuple(t.shape) and _expandable(tuple(t.shape), tuple(g.shape)):
            g = g.sum_to_size(t.shape)
        return g.detach().to(t.dtype).cpu().numpy()


def _expandable(shape, to) -> bool:
    """torch's is_expandable_to(shape, to): shape broadcasts to `to`."""
    if len(shape) > len(to):
        return False
    return all(a == b or a == 1 for a, b in zip(reversed(shape), reversed(to)))


def _as_list(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _np(v):
    return v.detach().cpu().numpy() if hasattr(v, "detach") else v


def defines_jvp(F) -> bool:
    """Whether F overrides torch.autograd.Function.jvp (then check_function checks it too)."""
    import torch

    return getattr(F, "jvp", None) is not None and F.jvp is not torch.autograd.Function.jvp


def forward_ad(backend: TorchFunction, tangents, vals) -> list:
    """F's outputs' tangents under torch's forward-mode AD, which calls F.jvp: one numpy array per output
    (zeros where torch gives no tangent), in float64 when the check runs F in float64."""
    import torch
    import torch.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        duals = []
        for t, x in zip(tangents, backend._tensors(vals)):
            if t is not None and isinstance(x, torch.Tensor) and x.is_floating_point():
                x = fwAD.make_dual(x, torch.tensor(t, dtype=x.dtype))
            duals.append(x)
        outs = [o for o in _as_list(backend.F.apply(*duals)) if isinstance(o, torch.Tensor)]
        found = [fwAD.unpack_dual(o).tangent for o in outs]
    return [np.zeros(tuple(o.shape)) if t is None else t.detach().cpu().numpy() for o, t in zip(outs, found)]
