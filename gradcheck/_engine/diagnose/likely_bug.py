"""The likely bug, in words, from how a wrong gradient relates to the reference.

Each test looks for one classic mistake of hand-derived matrix backprop: nothing reached the parameter
(all zero), a transpose, one constant factor (sign, 1/2, 2, N, 1/N), rows or columns collapsed to one value
(an inner product where an elementwise product belongs), a few rows/columns/entries wrong, or one factor
per row/column wrong; and those of layers' backward passes: a missing mask (nonzero exactly where the reference
is zero), a gradient routed to other positions (moved values, or shifted by the padding), a missing additive term
(yours - reference constant along an axis, or rank one), an approximated derivative (correlation ~1, small
systematic error), and gradients that are deliberately not the derivative (straight-through, reversal, clipping).
A Diagnosis carries a stable `kind` for programs and a sentence for people; the advice fits the Operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...report import ParamReport
from ..tree import flatten
from . import layer_diagnosis as layer
from .offset import offset
from .scaling import BatchSize, batch_size, close, near, scale_factor, scale_words, shared_leading

#: Every Diagnosis.kind, for programs that branch on it (structure.py adds missing/extra/shape/nonfinite).
KINDS = (
    "zeros",
    "transposed",
    "scaled",
    "collapsed_rows",
    "collapsed_columns",
    "partial",
    "row_scaled",
    "column_scaled",
    "missing_mask",
    "surrogate",
    "clipped",
    "routed",
    "missing_term",
    "approximation",
    "offset",
    "shared_scale",
    "symmetric_part",
    "unstructured",
    "asymmetric",
    "jvp_tangent",
    "second_order",
    "unlocalised",
    "nondeterministic",
    "stateful",
    "missing",
    "extra",
    "shape",
    "nonfinite",
)

# relative closeness for "yours = pattern(reference)", by the dtype of the hand-written gradient
_PATTERN_RTOL = {"float64": 1e-6, "float32": 1e-3, "float16": 3e-2}


@dataclass(frozen=True)
class Diagnosis:
    """A likely bug: `kind` (one of KINDS) and the sentence with its evidence."""

    kind: str
    words: str


@dataclass(frozen=True)
class Operation:
    """What was differentiated, so advice fits it: a matrix-calculus network (check_grad: sigma'(z), W^T and
    outer products) or a layer's backward pass (check_backward, check_layer, check_function), by its name.
    `loss`: a loss is differentiated (a layer's VJP has none, so no 1/2 of a loss); `batch`: N as the entry point
    read it from its inputs and cotangent; `batched`: the inputs that carry the batch axis themselves;
    `cotangent`: the dout the VJP was given."""

    name: str | None = None
    mlp: bool = True
    loss: bool = True
    batch: BatchSize | None = None
    batched: tuple[str, ...] = ()
    cotangent: np.ndarray | None = field(default=None, compare=False, repr=False)

    @classmethod
    def vjp(cls, name: str | None, carriers: dict, cotangent, dout: str = "dout") -> Operation:
        """A backward pass (a VJP, no loss) given `cotangent`: N is the leading dimension the `carriers` (the
        inputs that carry the batch, such as a layer's X) share with it."""
        leaves = flatten(cotangent, dout)[1]
        first = leaves[0] if len(leaves) == 1 and isinstance(leaves[0], np.ndarray) else None
        batch = shared_leading({**carriers, dout: first})
        batched = tuple(n for n, x in carriers.items() if batch is not None and np.shape(x)[:1] == (batch.n,))
        return cls(name, mlp=False, loss=False, batch=batch, batched=batched, cotangent=first)


MLP = Operation()


def diagnose(p: ParamReport, args=(), op: Operation = MLP) -> Diagnosis:
    """The likely bug in parameter p (a mismatch), with its evidence; args give the batch size N, `op` what
    was differentiated (so a layer's report speaks of masks and routing, not of sigma'(z))."""
    ref = reference(p)
    if ref is None and p.yours is not None:
        located = _located(p)
        if located:
            return located
    if ref is None or p.yours is None:
        return Diagnosis(
            "unlocalised",
            "no per-entry reference ran (fd probes only): run with torch or jax "
            "installed, or a smaller problem, to localise",
        )
    y = np.asarray(p.yours, dtype=np.float64)
    rtol = max(_PATTERN_RTOL.get(p.dtype, 1e-3), _reference_error(p, ref))
    batch = op.batch or batch_size(args)
    for test in (
        _zeros,
        _surrogate,
        _offset,
        _transposed,
        _scaled,
        _symmetric_part,
        _collapsed,
        _missing_mask,
        _clipped,
        _routed,
        _partial,
        _line_scaled,
        _missing_term,
        _approximation,
    ):
        found = test(y, ref, p, rtol, batch, op)
        if found:
            return found
    return _unstructured(y, ref, p, rtol, op)


def state_diagnosis(p: ParamReport, how: str) -> Diagnosis:
    """A gradient whose returned array carried state between calls (`how`: what was seen): accumulated across
    calls, with the multiple of the reference the judged call held when it is a whole number."""
    ref = reference(p)
    c = None if ref is None or p.yours is None else scale_factor(np.asarray(p.yours, dtype=np.float64), ref)
    k = round(c) if c is not None else 0
    held = (
        f" (yours = {k} x reference: the buffer already held {k - 1} earlier call's gradient"
        f"{'s' if k > 2 else ''} when this one was judged)"
        if k >= 2 and near(c, k, 1e-6)
        else ""
    )
    return Diagnosis(
        "stateful",
        f"the gradient accumulated across calls{held}: for {p.name}, grad returned {how}, so state "
        f"kept between calls (a buffer accumulated with +=) makes even the first result depend on earlier calls; "
        f"zero the buffer at the start of backward, or return a new array",
    )


def _located(p: ParamReport) -> Diagnosis | None:
    """FD alone: the entries that bisection of the failing probes pinned down, if any."""
    c = p.comparisons.get("fd")
    located = c.detail.get("located") if c is not None else None
    if not located:
        return None
    where = ", ".join(str(tuple(r["index"])) for r in located[:4])
    n = len(located)
    if not c.detail.get("located_all", True):
        return Diagnosis(
            "partial",
            f"at least {n} entries wrong: bisection of fd probes stopped at its budget after "
            f"locating {n} (at {where}{', ...' if n > 4 else ''}) and more are wrong; run "
            f"with torch or jax installed to see every entry, and look at the code that "
            f"computes {p.name}",
        )
    return Diagnosis(
        "partial",
        f"{n} wrong entr{'y' if n == 1 else 'ies'} located by bisection of fd probes, at "
        f"{where}; look at the code that computes {p.name} there",
    )


def _reference_error(p: ParamReport, ref: np.ndarray) -> float:
    """fd's own error relative to the reference's largest entry, where fd is the only reference (code run in float32
    gives fd values good to ~1e-5): a pattern is read no finer than the reference is known."""
    if p.fd_error is None or {o for o in p.trusted if o in p.refs} != {"fd"} or not np.any(ref):
        return 0.0
    return min(4 * float(np.max(p.fd_error)) / float(np.max(np.abs(ref))), 1e-3)


def reference(p: ParamReport) -> np.ndarray | None:
    """The first trusted per-entry reference gradient of p, if any."""
    return next((p.refs[o] for o in p.trusted if o in p.refs), None)


def _zero_mask(p: ParamReport, ref: np.ndarray) -> np.ndarray:
    """Entries where the reference is zero up to its own error (exact for AD, fd's error estimate for fd)."""
    tol = 1e-9 * float(np.max(np.abs(ref), initial=0.0))
    err = p.fd_error if p.fd_error is not None and "fd" in p.trusted[:1] else None
    return np.abs(ref) <= (tol if err is None else tol + 4 * np.asarray(err))


def _layer(test):
    """A layer_diagnosis test as a step of the chain: (y, ref, p, rtol, batch, op) -> Diagnosis | None."""

    def step(y, ref, p, rtol, batch, op=MLP):
        found = test(y, ref, bad_mask(p, y, ref, rtol), _zero_mask(p, ref), rtol)
        return Diagnosis(*found) if found else None

    return step


_surrogate, _missing_mask, _clipped, _routed = (
    _layer(t) for t in (layer.surrogate, layer.missing_mask, layer.clipped, layer.routed)
)


def _missing_term(y, ref, p, rtol, batch, op=MLP):
    found = layer.missing_term(y, ref, None, None, max(rtol, 1e-9), batch is not None or y.ndim == 2)
    return Diagnosis(*found) if found else None


def _approximation(y, ref, p, rtol, batch, op=MLP):
    found = layer.approximation(y, ref, rtol)
    return Diagnosis(*found) if found else None


def _offset(y, ref, p, rtol, batch, op=MLP):
    found = offset(y, ref, rtol, op.cotangent)
    return Diagnosis(*found) if found else None


def _zeros(y, ref, p, rtol, batch, op=MLP):
    if not np.any(y) and np.any(ref):
        return Diagnosis(
            "zeros",
            f"all entries of yours are zero while the reference's are not: the gradient "
            f"never reaches {p.name} (a missing backward step, or a gradient buffer "
            f"that was never filled)",
        )
    return None


def _transposed(y, ref, p, rtol, batch, op=MLP):
    if not (y.ndim == 2 and y.shape[0] == y.shape[1] > 1) or close(ref, ref.T, rtol):
        return None
    c = scale_factor(y, ref.T, rtol)
    if c is None:
        return None
    fix = "for z = W a, dW = delta a^T; for Z = X W, dW = X^T dZ"
    if near(c, 1.0, rtol):
        return Diagnosis("transposed", f"{p.name} is transposed (yours = reference^T): {fix}")
    return Diagnosis(
        "transposed",
        f"{p.name} is transposed and scaled (yours = {c:.6g} x reference^T): {fix}; then "
        f"{scale_words(c, batch, rtol, op.loss, p.name in op.batched)}",
    )


def _symmetric_part(y, ref, p, rtol, batch, op=MLP):
    """yours = c (G + G^T)/2 for the reference G, which is not symmetric: the backward symmetrised the gradient."""
    if not (y.ndim == 2 and y.shape[0] == y.shape[1] > 1) or close(ref, ref.T, rtol) or not close(y, y.T, rtol):
        return None
    c = scale_factor(y, (ref + ref.T) / 2, rtol)
    if c is None:
        return None
    what = "(G + G^T)/2" if near(c, 1.0, rtol) else ("G + G^T" if near(c, 2.0, rtol) else f"{c:.6g} x (G + G^T)/2")
    return Diagnosis(
        "symmetric_part",
        f"yours is the symmetric part of the reference G: yours = {what}, while G is not symmetric: the backward "
        f"symmetrises the gradient, the convention for an input assumed symmetric (autograd's cholesky "
        f"gradient is symmetrised this way), but this forward reads every entry of "
        f"{p.name}, so its gradient is G; check it with a symmetric parameterisation ({p.name} = (S + S^T)/2 "
        f"inside the forward) or return G",
    )


def _scaled(y, ref, p, rtol, batch, op=MLP):
    c = scale_factor(y, ref, rtol)
    if c is None or near(c, 1.0, rtol * 1e-3) or c == 0:
        return None
    if c < 0 and not op.mlp:
        return Diagnosis(
            "scaled",
            f"yours = {c:.6g} x reference (the sign is flipped): a gradient reversal layer "
            f"returns -lambda x the derivative on purpose, and that is not the derivative of "
            f"the forward, so it fails here; otherwise look for a sign error in the backward",
        )
    return Diagnosis("scaled", scale_words(c, batch, rtol, op.loss, p.name in op.batched))


def _collapsed(y, ref, p, rtol, batch, op=MLP):
    if y.ndim != 2:
        return None
    for axis, what in ((0, "row"), (1, "column")):
        first = np.take(y, [0], axis=axis)
        if y.shape[axis] < 2 or not close(y, first, rtol) or close(ref, np.take(ref, [0], axis=axis), rtol):
            continue
        evidence = ""
        if close(first, ref.sum(axis=axis, keepdims=True), rtol):
            evidence = f" (each {what} of yours is the sum of the reference's {what}s)"
        elif close(first, ref.mean(axis=axis, keepdims=True), rtol):
            evidence = f" (each {what} of yours is the mean of the reference's {what}s)"
        return Diagnosis(
            f"collapsed_{what}s",
            f"identical {what}s: every {what} of yours is the same while the reference's differ"
            f"{evidence}: " + (_COLLAPSED_MLP if op.mlp else _COLLAPSED_LAYER),
        )
    return None


_COLLAPSED_MLP = (
    "an inner product (a scalar) was used where an elementwise (Hadamard) product belongs, so a "
    "per-unit factor such as W_i sigma'(z_i) or delta_i was collapsed to one number; multiply "
    "elementwise, then take the outer product"
)
_COLLAPSED_LAYER = (
    "a sum or mean over that axis was taken too early, or a per-entry factor was broadcast from "
    "one value; keep the per-entry factor and reduce only where the forward broadcast"
)


def bad_mask(p: ParamReport, y: np.ndarray, ref: np.ndarray, rtol: float) -> np.ndarray:
    """Entries the trusted oracles rejected (or, without entry masks, those off by more than rtol)."""
    if any(o in p.trusted and c.bad_mask is not None for o, c in p.comparisons.items()):
        return p.wrong_entries()
    return np.abs(y - ref) > rtol * (np.abs(ref) + np.max(np.abs(ref), initial=0.0) * 1e-3)


def _partial(y, ref, p, rtol, batch, op=MLP):
    bad = bad_mask(p, y, ref, rtol)
    n_bad = int(bad.sum())
    if n_bad == 0 or n_bad == bad.size:
        return None
    if bad.ndim == 2 and min(bad.shape) > 1:
        rows, cols = bad.any(axis=1), bad.any(axis=0)
        if rows.sum() < bad.shape[0] and (cols.all() or (rows.sum() <= cols.sum() and n_bad > 3)):
            where = np.flatnonzero(rows)
            if not op.mlp and not np.any(y[rows]) and cols.all():
                return Diagnosis("partial", _zeroed_rows(where, bad.shape[0]))
            return Diagnosis(
                "partial",
                f"only row(s) {_span(where)} of {bad.shape[0]} wrong{_bias_hint(where, 'row')}"
                f"; the other rows agree{_region(y, ref, rows[:, None] & np.ones_like(bad), rtol)}",
            )
        if cols.sum() < bad.shape[1] and (rows.all() or n_bad > 3):
            where = np.flatnonzero(cols)
            return Diagnosis(
                "partial",
                f"only column(s) {_span(where)} of {bad.shape[1]} wrong"
                f"{_bias_hint(where, 'column')}; the other columns agree"
                f"{_region(y, ref, cols[None, :] & np.ones_like(bad), rtol)}",
            )
    if n_bad <= max(3, bad.size // 10):
        ix = np.argwhere(bad)[:6]
        where = ", ".join(str(tuple(int(i) for i in row)) for row in ix) + (", ..." if n_bad > 6 else "")
        return Diagnosis(
            "partial",
            f"only {n_bad} of {bad.size} entries wrong, at {where}; the rest agree{_region(y, ref, bad, rtol)}",
        )
    return None


def _zeroed_rows(where, n: int) -> str:
    """A layer's rows that are zero in yours and not in the reference: an index's row zeroed in the backward only."""
    k = _span(where)
    return (
        f"only row(s) {k} of {n} wrong, and yours is zero there while the reference is not: the gradient of "
        f"row(s) {k} was zeroed although the forward reads them, as for an embedding's padding row"
        f"{_padding_idx(where)} or an index masked in the backward only; make the forward ignore that "
        f"index too (its output zero, so the reference is zero there), or keep its gradient"
    )


def _padding_idx(where) -> str:
    return f" (padding_idx = {int(where[0])})" if len(where) == 1 else "s"


def _bias_hint(where, line: str) -> str:
    if list(where) != [0]:
        return ""
    if line == "row":
        return (
            " (row 0: the bias row when W carries the bias as its first row, Z = [1, X] W, or the padding row of "
            "an embedding whose index 0 is padding)"
        )
    return " (column 0: the bias column when W carries the bias as its first column, z = W [1; x])"


def _region(y, ref, mask, rtol) -> str:
    """Evidence about the wrong region: zero there, or a constant factor there."""
    yr, rr = y[mask], ref[mask]
    if not np.any(yr):
        return (
            " (yours is zero there: that part of the gradient is never computed, or a cross term such as "
            "the softmax Jacobian's off-diagonal -s_i s_j was dropped)"
        )
    c = scale_factor(yr, rr, rtol)
    if c is not None:
        return f" (there yours = {c:.6g} x reference)"
    return ""


def _line_scaled(y, ref, p, rtol, batch, op=MLP):
    """Each row (or column) of yours is its own constant times the reference's: one factor per line wrong."""
    if y.ndim != 2 or min(y.shape) < 2:
        return None
    for axis, what in ((0, "row"), (1, "column")):
        yl, rl = np.moveaxis(y, axis, 0), np.moveaxis(ref, axis, 0)
        cs = [scale_factor(a, b, rtol) if np.any(b) else (0.0 if not np.any(a) else None) for a, b in zip(yl, rl)]
        if any(c is None for c in cs) or np.ptp(cs) <= rtol * max(map(abs, cs)):
            continue
        if not op.mlp:
            return Diagnosis(
                f"{what}_scaled",
                f"each {what} of yours is the reference's {what} times its own factor (factors "
                f"{min(cs):.3g} to {max(cs):.3g}): one factor per {what} is wrong; look for a per-{what} "
                f"quantity (a statistic, a scale, a normaliser) taken at the wrong place",
            )
        unit = (
            (
                "in z = W x the rows of W belong to output units (look at delta_i and the activation "
                "derivative sigma'(z_i) it uses); in Z = X W they belong to inputs (look at which activations "
                "enter dW = X^T dZ)"
            )
            if what == "row"
            else (
                "in z = W x the columns of W belong to inputs (look at which layer's activations enter "
                "dW = delta a^T); in Z = X W they belong to output units (look at delta_j and sigma'(z_j))"
            )
        )
        return Diagnosis(
            f"{what}_scaled",
            f"each {what} of yours is the reference's {what} times its own factor (factors "
            f"{min(cs):.3g} to {max(cs):.3g}): one factor per {what} is wrong; {unit}",
        )
    return None


def _unstructured(y, ref, p, rtol, op=MLP) -> Diagnosis:
    bad = bad_mask(p, y, ref, rtol)
    corr = (
        float(np.corrcoef(y.ravel(), ref.ravel())[0, 1])
        if y.size > 1 and np.std(y) > 0 and np.std(ref) > 0
        else float("nan")
    )
    advice = (
        (
            "look for an activation derivative taken at the wrong point (sigma'(a) for sigma'(z)), a missing "
            "one, W where W^T belongs, or the wrong layer's activations in an outer product"
        )
        if op.mlp
        else (
            f"look for a derivative taken at the wrong point (at the output instead of the input), a missing "
            f"chain-rule factor, or a cached value from the wrong step{' in ' + op.name if op.name else ''}"
        )
    )
    return Diagnosis(
        "unstructured",
        f"no simple pattern ({int(bad.sum())} of {bad.size} entries wrong; not zero, a transpose, a "
        f"constant factor, collapsed or rescaled rows/columns, or a few rows/columns; correlation "
        f"with the reference {corr:.2f}): {advice}",
    )


def _span(ix) -> str:
    ix = [int(i) for i in ix]
    return ", ".join(map(str, ix)) if len(ix) <= 6 else f"{ix[0]}..{ix[-1]} ({len(ix)})"
