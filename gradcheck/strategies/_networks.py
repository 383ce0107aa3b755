"""Hypothesis strategies for the MLP: widths, batches, network specs, parameters, data and whole cases.

Public through `gradcheck.strategies` (its docstring has an example); import them from there. Arrays are filled
from one drawn seed (see `_arrays`); everything else is a Hypothesis choice. Cross-entropy labels are one-hot;
ReLU kinks can be kept at a margin.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from gradcheck.nets.activations import ELEMENTWISE
from gradcheck.nets.mlp import forward_trace
from gradcheck.nets.spec import BIASES, CONVENTIONS, LOSSES, REDUCTIONS, MLPSpec
from gradcheck.strategies._arrays import _SEEDS, _cast, _generator, _inward, _one_hot, _seeded, _uniform
from gradcheck.strategies._validation import InvalidArgument, _bounds, _choices, _dtype, _real, _strategy

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUT_ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")  # for squared_error; the cross-entropies fix theirs
_OUTPUT_FOR_LOSS = {"cross_entropy": "softmax", "softmax_cross_entropy": "identity"}
_FLOAT64 = np.dtype("float64")
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
    pick = {
        name: st.sampled_from(values)
        for name, values in (
            ("loss", losses),
            ("hidden", hidden),
            ("output", outputs),
            ("convention", _choices("conventions", conventions, CONVENTIONS)),
            ("bias", _choices("biases", biases, BIASES)),
            ("reduction", _choices("reductions", reductions, REDUCTIONS)),
        )
    }
    width = st.integers(min_width, max_width)
    classes = st.integers(max(min_width, 2), max_width) if max_width >= 2 else width  # a softmax needs 2
    return _specs(st.integers(min_layers, max_layers), width, classes, pick)


@st.composite
def _specs(draw, depths, width, classes, pick):
    """An MLPSpec; the strategies are built once by mlp_specs, not per draw."""
    loss = draw(pick["loss"])
    n_layers = draw(depths)
    widths = [draw(width) for _ in range(n_layers)]
    widths.append(draw(classes if loss in _OUTPUT_FOR_LOSS else width))
    acts = [draw(pick["hidden"]) for _ in range(n_layers - 1)]
    acts.append(_OUTPUT_FOR_LOSS.get(loss) or draw(pick["output"]))
    return MLPSpec(
        tuple(widths),
        tuple(acts),
        loss=loss,
        convention=draw(pick["convention"]),
        bias=draw(pick["bias"]),
        reduction=draw(pick["reduction"]),
    )


# --- networks ----------------------------------------------------------------------------


def _glorot(spec, name):
    """Glorot-uniform limit sqrt(6 / (fan_in + fan_out)) of the layer a parameter belongs to."""
    i = int(name[1:])
    return math.sqrt(6.0 / (spec.widths[i - 1] + spec.widths[i]))


def mlp_params(spec: MLPSpec, *, dtype="float64", scale: float = 1.0) -> st.SearchStrategy[dict]:
    """Parameter dicts for spec ({"W1", "b1", ...}, spec.param_shapes()), entries of layer i uniform within
    +-scale * sqrt(6 / (n_{i-1} + n_i)) (Glorot; scale default 1), dtype "float64" (default) or "float32".

    Example: mlp_params(MLPSpec((3, 2), ("sigmoid",)), dtype="float32")
    """
    spec, dtype = _spec(spec), _dtype(dtype)
    scale = _real("scale", scale, positive=True)
    return _seeded(lambda seed: {k: _cast(v, dtype) for k, v in _params(spec, seed, scale).items()})


def _params(spec, seed, scale):
    """spec's parameters in float64 from one seed, layer i within +-scale * its Glorot limit."""
    rng = _generator(seed)
    return {k: _uniform(rng, shape, -1.0, 1.0) * (scale * _glorot(spec, k)) for k, shape in spec.param_shapes().items()}


def _batch(spec, n, seed, scale, dtype):
    """(x, y) of n examples for spec from one seed, in dtype: x within +-scale, y as _TARGET_RANGE or one-hot."""
    rng = _generator(seed)
    x_shape, y_shape = _data_shapes(spec, n)
    x = _cast(_uniform(rng, x_shape, *_inward(-scale, scale, dtype)), dtype)
    if spec.loss != "squared_error":
        return x, _one_hot(rng, y_shape, 1 - spec.batch_axis, dtype)
    lo, hi = _TARGET_RANGE.get(spec.activations[-1], (-1.0, 1.0))
    return x, _cast(_uniform(rng, y_shape, lo, hi), dtype)


def _data_shapes(spec, n):
    """(x shape, y shape) for n examples in spec's convention."""
    n_in, n_out = spec.widths[0], spec.widths[-1]
    return ((n_in, n), (n_out, n)) if spec.convention == "column" else ((n, n_in), (n, n_out))


def mlp_batches(
    spec: MLPSpec, *, batch_size=None, dtype="float64", scale: float = 1.0
) -> st.SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """(x, y) for spec in its convention: x entries uniform in [-scale, scale] (default 1); y one-hot along the
    class axis for the cross-entropies, else within the output's range ([0, 1] for sigmoid/relu, [-1, 1]
    otherwise).

    batch_size: an int or a strategy (default batch_sizes()). Example: mlp_batches(spec, batch_size=1)
    """
    spec, dtype = _spec(spec), _dtype(dtype)
    scale = _real("scale", scale, positive=True)
    sizes = _strategy("batch_size", batch_size, batch_sizes())
    return _seeded(lambda n, seed: _batch(spec, n, seed, scale, dtype), sizes)


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
    params = _params(spec, draw(_SEEDS), scale)
    x, y = _batch(spec, draw(sizes), draw(_SEEDS), scale, _FLOAT64)  # drawn in float64, cast once below
    if margin > 0:
        params = _clear_kinks(spec, params, x, margin)
    case = MLPCase(spec, {k: _cast(v, dtype) for k, v in params.items()}, _cast(x, dtype), _cast(y, dtype))
    if margin > 0:
        assume(relu_kink_distance(case) >= margin)
    return case
