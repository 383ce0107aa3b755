"""Hypothesis strategies for the MLP: widths, batches, network specs, parameters, data and whole cases.

Public through `gradcheck.strategies`; import them from there. Bounds are keyword-only `min_*`/`max_*` as in
`hypothesis.extra.numpy`; arguments are validated when the strategy is built, and a bad one raises
`InvalidArgument` naming it. Generated arrays are finite and well scaled; cross-entropy labels are one-hot; ReLU
kinks can be kept at a margin.
Example:

    @settings(deadline=None)  # the first check imports torch and jax
    @given(case=mlp_cases(mlp_specs(max_layers=2), kink_margin=0.05))
    def test_my_backprop(case):
        check_grad(my_loss, my_grad, case.params, args=case.args)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck.nets.activations import ELEMENTWISE
from gradcheck.nets.mlp import forward_trace
from gradcheck.nets.spec import BIASES, CONVENTIONS, LOSSES, REDUCTIONS, MLPSpec
from gradcheck.strategies._validation import (
    InvalidArgument,
    _bounds,
    _choices,
    _dtype,
    _real,
    _shape,
    _strategy,
)

__all__ = [
    "MLPCase",
    "batch_sizes",
    "finite_arrays",
    "layer_widths",
    "mlp_batches",
    "mlp_cases",
    "mlp_params",
    "mlp_specs",
    "network_widths",
    "one_hot_labels",
    "relu_kink_distance",
]

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")  # for squared_error; the cross-entropies fix theirs
_OUTPUT_FOR_LOSS = {"cross_entropy": "softmax", "softmax_cross_entropy": "identity"}
_TARGET_RANGE = {"sigmoid": (0.0, 1.0), "relu": (0.0, 1.0)}  # other outputs get targets in [-1, 1]


class MLPCase(NamedTuple):
    """One generated network and batch: check with check_grad(loss, grad, case.params, args=case.args)."""

    spec: MLPSpec
    params: dict
    x: np.ndarray
    y: np.ndarray

    @property
    def args(self) -> tuple:
        """(x, y): the data arguments of loss(params, x, y) and grad(params, x, y)."""
        return (self.x, self.y)


# --- argument validation (eager, naming the argument) ------------------------------------


def _spec(spec):
    if not isinstance(spec, MLPSpec):
        raise InvalidArgument(f"Expected an MLPSpec but got spec={spec!r} (type={type(spec).__name__})")
    return spec


# --- shapes ------------------------------------------------------------------------------


def layer_widths(*, min_width: int = 1, max_width: int = 5) -> st.SearchStrategy[int]:
    """Width of one layer, in [min_width, max_width] (defaults 1 and 5); shrinks towards min_width.

    Example: layer_widths(max_width=3).example() -> 2
    """
    lo, hi = _bounds("min_width", min_width, "max_width", max_width, minimum=1)
    return st.integers(lo, hi)


def batch_sizes(*, min_size: int = 1, max_size: int = 4) -> st.SearchStrategy[int]:
    """Number of examples N in a batch, in [min_size, max_size] (defaults 1 and 4; N = 1 is a single example).

    Example: batch_sizes(max_size=8).example() -> 3
    """
    lo, hi = _bounds("min_size", min_size, "max_size", max_size, minimum=1)
    return st.integers(lo, hi)


def network_widths(
    *, min_layers: int = 1, max_layers: int = 3, min_width: int = 1, max_width: int = 5
) -> st.SearchStrategy[tuple[int, ...]]:
    """Widths (n_0, n_1, ..., n_L) of an MLP with L in [min_layers, max_layers] (defaults 1, 3), input first.

    Each width is in [min_width, max_width] (defaults 1, 5). Example: network_widths(max_layers=2) -> (3, 1, 2)
    """
    lo, hi = _bounds("min_layers", min_layers, "max_layers", max_layers, minimum=1)
    width = layer_widths(min_width=min_width, max_width=max_width)
    return st.lists(width, min_size=lo + 1, max_size=hi + 1).map(tuple)


def mlp_specs(
    *,
    min_layers: int = 1,
    max_layers: int = 3,
    min_width: int = 1,
    max_width: int = 5,
    activations=HIDDEN_ACTIVATIONS,
    output_activations=OUTPUT_ACTIVATIONS,
    losses=LOSSES,
    conventions=CONVENTIONS,
    biases=BIASES,
    reductions=REDUCTIONS,
) -> st.SearchStrategy[MLPSpec]:
    """MLPSpecs: depth and widths as in network_widths; hidden activations drawn from `activations`
    (default sigmoid, tanh, relu), the output from `output_activations` for squared_error (default identity,
    sigmoid, tanh, relu), softmax for cross_entropy, identity logits for softmax_cross_entropy; loss, convention,
    bias style and reduction from the given tuples (default: all). A cross-entropy output has >= 2 classes.

    Example: mlp_specs(max_layers=2, losses=("softmax_cross_entropy",), conventions=("row",))
    """
    _bounds("min_layers", min_layers, "max_layers", max_layers, minimum=1)
    _bounds("min_width", min_width, "max_width", max_width, minimum=1)
    hidden = _choices("activations", activations, tuple(ELEMENTWISE))
    outputs = _choices("output_activations", output_activations, tuple(ELEMENTWISE))
    losses = _choices("losses", losses, LOSSES)
    if max_width < 2 and set(losses) & set(_OUTPUT_FOR_LOSS):
        raise InvalidArgument(
            f"Expected max_width >= 2 when losses include a cross-entropy (softmax needs 2 "
            f"classes) but got max_width={max_width}, losses={losses!r}"
        )
    return _specs(
        min_layers,
        max_layers,
        min_width,
        max_width,
        hidden,
        outputs,
        losses,
        _choices("conventions", conventions, CONVENTIONS),
        _choices("biases", biases, BIASES),
        _choices("reductions", reductions, REDUCTIONS),
    )


@st.composite
def _specs(
    draw, min_layers, max_layers, min_width, max_width, hidden, outputs, losses, conventions, biases, reductions
):
    loss = draw(st.sampled_from(losses))
    n_layers = draw(st.integers(min_layers, max_layers))
    widths = draw(st.lists(st.integers(min_width, max_width), min_size=n_layers, max_size=n_layers))
    out_lo = max(min_width, 2) if loss in _OUTPUT_FOR_LOSS else min_width
    widths.append(draw(st.integers(out_lo, max_width)))
    acts = [draw(st.sampled_from(hidden)) for _ in range(n_layers - 1)]
    acts.append(_OUTPUT_FOR_LOSS.get(loss) or draw(st.sampled_from(outputs)))
    return MLPSpec(
        tuple(widths),
        tuple(acts),
        loss=loss,
        convention=draw(st.sampled_from(conventions)),
        bias=draw(st.sampled_from(biases)),
        reduction=draw(st.sampled_from(reductions)),
    )


# --- arrays ------------------------------------------------------------------------------


def _inward(lo, hi, dtype):
    """[lo, hi] rounded inwards to values of dtype (exact, so Hypothesis can draw at that width)."""
    lo_d, hi_d = np.asarray(lo, dtype), np.asarray(hi, dtype)
    lo_d = np.nextafter(lo_d, dtype.type(np.inf)) if lo_d < lo else lo_d
    hi_d = np.nextafter(hi_d, dtype.type(-np.inf)) if hi_d > hi else hi_d
    return float(lo_d), float(hi_d)


def _cast(a, dtype):
    """a as dtype, with entries too small to be normal in dtype flushed to 0 (no subnormals after a cast)."""
    a = np.asarray(a).astype(dtype)
    return np.where(np.abs(a) < np.finfo(dtype).tiny, dtype.type(0), a)


def _push_off_zero(a, margin, lo, hi):
    """Entries with |a| < margin become +-margin (keeping their sign where [lo, hi] allows)."""
    side = np.where(np.signbit(a), -margin, margin).astype(a.dtype)
    side = np.where(side < lo, margin, np.where(side > hi, -margin, side)).astype(a.dtype)
    return np.where(np.abs(a) < margin, side, a)


def finite_arrays(
    shape, *, dtype="float64", min_value: float = -1.0, max_value: float = 1.0, kink_margin: float = 0.0
) -> st.SearchStrategy[np.ndarray]:
    """Finite float arrays of `shape` with entries in [min_value, max_value] (defaults -1, 1); no subnormals.

    dtype is "float64" (default) or "float32". With kink_margin > 0 (default 0) every entry has |x| >=
    kink_margin (entries closer to 0 are moved to +-kink_margin), e.g. inputs of relu kept off its kink.
    Example: finite_arrays((2, 3), dtype="float32", kink_margin=0.1)
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    lo, hi = _real("min_value", min_value), _real("max_value", max_value)
    margin = _real("kink_margin", kink_margin)
    if lo > hi:
        raise InvalidArgument(f"Expected min_value <= max_value but got min_value={lo}, max_value={hi}")
    if margin < 0 or (margin > 0 and hi < margin and lo > -margin):
        raise InvalidArgument(
            f"Expected kink_margin >= 0 with room in [min_value, max_value] outside "
            f"(-kink_margin, kink_margin) but got kink_margin={margin}, min_value={lo}, "
            f"max_value={hi}"
        )
    lo_d, hi_d = _inward(lo, hi, dtype)
    if lo_d > hi_d:
        raise InvalidArgument(
            f"Expected [min_value, max_value] to contain a {dtype.name} value but got min_value={lo}, max_value={hi}"
        )
    elements = st.floats(lo_d, hi_d, allow_subnormal=False, width=dtype.itemsize * 8)
    arrays = hnp.arrays(dtype, shape, elements=elements, fill=st.nothing())
    if margin == 0:
        return arrays
    m = float(np.nextafter(np.asarray(margin, dtype), np.inf) if np.asarray(margin, dtype) < margin else margin)
    return arrays.map(lambda a: _push_off_zero(a, dtype.type(m), lo_d, hi_d))


def one_hot_labels(shape, *, axis: int = -1, dtype="float64") -> st.SearchStrategy[np.ndarray]:
    """One-hot label arrays of `shape`: exactly one 1 along `axis` (default -1, the class axis), 0 elsewhere.

    Example: one_hot_labels((4, 3)) (4 examples, 3 classes; use axis=0 for the column convention).
    """
    shape, dtype = _shape(shape), _dtype(dtype)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -len(shape) <= axis < len(shape):
        raise InvalidArgument(f"Expected an axis of a {len(shape)}-d shape but got axis={axis!r}")
    n_classes = shape[axis]
    if n_classes < 1:
        raise InvalidArgument(f"Expected at least one class along axis={axis} but got shape={shape}")
    rest = shape[: axis % len(shape)] + shape[axis % len(shape) + 1 :]
    labels = hnp.arrays(np.int64, rest, elements=st.integers(0, n_classes - 1))
    return labels.map(lambda k: np.moveaxis(np.eye(n_classes, dtype=dtype)[k], -1, axis))


# --- networks ----------------------------------------------------------------------------


def _glorot(spec, name):
    """Glorot-uniform limit sqrt(6 / (fan_in + fan_out)) of the layer a parameter belongs to."""
    i = int(name[1:])
    return math.sqrt(6.0 / (spec.widths[i - 1] + spec.widths[i]))


def mlp_params(spec: MLPSpec, *, dtype="float64", scale: float = 1.0) -> st.SearchStrategy[dict]:
    """Parameter dicts for spec ({"W1", "b1", ...}, spec.param_shapes()), entries of layer i within
    +-scale * sqrt(6 / (n_{i-1} + n_i)) (Glorot; scale default 1), dtype "float64" (default) or "float32".

    Example: mlp_params(MLPSpec((3, 2), ("sigmoid",)), dtype="float32")
    """
    spec, dtype = _spec(spec), _dtype(dtype)
    scale = _real("scale", scale, positive=True)
    unit = {name: finite_arrays(shape) for name, shape in spec.param_shapes().items()}
    return st.fixed_dictionaries(unit).map(
        lambda u: {k: _cast(v * (scale * _glorot(spec, k)), dtype) for k, v in u.items()}
    )


def _data_shapes(spec, n):
    """(x shape, y shape) for n examples in spec's convention."""
    n_in, n_out = spec.widths[0], spec.widths[-1]
    return ((n_in, n), (n_out, n)) if spec.convention == "column" else ((n, n_in), (n, n_out))


def _targets(spec, shape, dtype):
    """One-hot labels for the cross-entropies; otherwise targets inside the output activation's range."""
    if spec.loss != "squared_error":
        return one_hot_labels(shape, axis=1 - spec.batch_axis, dtype=dtype)
    lo, hi = _TARGET_RANGE.get(spec.activations[-1], (-1.0, 1.0))
    return finite_arrays(shape, dtype=dtype, min_value=lo, max_value=hi)


def mlp_batches(
    spec: MLPSpec, *, batch_size=None, dtype="float64", scale: float = 1.0
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(x, y) for spec in its convention: x entries in [-scale, scale] (default 1); y one-hot along the class
    axis for the cross-entropies, else within the output's range ([0, 1] for sigmoid/relu, [-1, 1] otherwise).

    batch_size: an int or a strategy (default batch_sizes()). Example: mlp_batches(spec, batch_size=1)
    """
    spec, dtype = _spec(spec), _dtype(dtype)
    scale = _real("scale", scale, positive=True)
    sizes = _strategy("batch_size", batch_size, batch_sizes())
    return sizes.flatmap(
        lambda n: st.tuples(
            finite_arrays(_data_shapes(spec, n)[0], dtype=dtype, min_value=-scale, max_value=scale),
            _targets(spec, _data_shapes(spec, n)[1], dtype),
        )
    )


def _kink_shift(values, margin):
    """The smallest c in 0, +3m, -3m, +6m, ... with |v + c| >= 1.25 m for all v (2N + 1 candidates suffice:
    each open interval of length 2.5 m around a -v holds at most one point of the 3 m grid)."""
    for k in range(2 * len(values) + 1):
        c = (k + 1) // 2 * 3.0 * margin * (1 if k % 2 else -1)
        if np.all(np.abs(values + c) >= 1.25 * margin):
            return c
    raise AssertionError("unreachable: a free candidate always exists")


def _add_to_bias(spec, params, i, j, c):
    """Add c to the bias of unit j of layer i, wherever the spec's bias style keeps it."""
    if spec.bias == "vector":
        params[f"b{i}"][(j, 0) if spec.convention == "column" else j] += c
    else:  # ones_column: the bias is W's first column (column convention) or first row (row-batch)
        params[f"W{i}"][(j, 0) if spec.convention == "column" else (0, j)] += c


def _clear_kinks(spec, params, x, margin):
    """Shift each ReLU unit's bias, layer by layer, so its pre-activations satisfy |z| >= 1.25 margin."""
    params = {k: v.copy() for k, v in params.items()}
    for i, act in enumerate(spec.activations, start=1):
        if act != "relu" or spec.bias == "none":
            continue
        z = forward_trace(params, x, spec)[f"z{i}"]
        for j, unit in enumerate(z if spec.convention == "column" else z.T):
            _add_to_bias(spec, params, i, j, _kink_shift(unit, margin))
    return params


def relu_kink_distance(case: MLPCase) -> float:
    """min |z| over the pre-activations of the case's ReLU layers, computed in the case's dtype (inf: no ReLU)."""
    trace = forward_trace(case.params, case.x, case.spec)
    zs = [np.abs(trace[f"z{i}"]).min() for i, a in enumerate(case.spec.activations, start=1) if a == "relu"]
    return float(min(zs, default=np.inf))


def mlp_cases(
    specs=None, *, batch_size=None, dtype="float64", scale: float = 1.0, kink_margin: float = 0.0
) -> st.SearchStrategy[MLPCase]:
    """MLPCase(spec, params, x, y): a spec from `specs` (an MLPSpec or a strategy, default mlp_specs()) with
    mlp_params and mlp_batches drawn for it (batch_size, scale as there; dtype "float64" (default), "float32"
    or a strategy of them). kink_margin > 0 (default 0) keeps every ReLU pre-activation at |z| >= kink_margin by
    shifting that unit's bias (by at most 3 N kink_margin); with bias="none" such draws are rejected.

    Example: @given(mlp_cases(mlp_specs(biases=("vector",)), dtype="float32", kink_margin=0.05))
    """
    specs = st.just(_spec(specs)) if isinstance(specs, MLPSpec) else specs if specs is not None else mlp_specs()
    if not isinstance(specs, st.SearchStrategy):
        raise InvalidArgument(f"Expected an MLPSpec or a strategy of them but got specs={specs!r}")
    dtypes = dtype if isinstance(dtype, st.SearchStrategy) else st.just(_dtype(dtype))
    sizes = _strategy("batch_size", batch_size, batch_sizes())
    scale = _real("scale", scale, positive=True)
    margin = _real("kink_margin", kink_margin)
    if margin < 0:
        raise InvalidArgument(f"Expected kink_margin >= 0 but got kink_margin={margin}")
    return _cases(specs, dtypes, sizes, scale, margin)


@st.composite
def _cases(draw, specs, dtypes, sizes, scale, margin):
    spec = _spec(draw(specs))
    dtype = _dtype(draw(dtypes))
    params = draw(mlp_params(spec, scale=scale))
    x, y = draw(mlp_batches(spec, batch_size=sizes, scale=scale))
    if margin > 0:
        params = _clear_kinks(spec, params, x, margin)
    case = MLPCase(spec, {k: _cast(v, dtype) for k, v in params.items()}, _cast(x, dtype), _cast(y, dtype))
    if margin > 0:
        assume(relu_kink_distance(case) >= margin)
    return case
