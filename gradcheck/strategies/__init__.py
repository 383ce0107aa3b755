"""Hypothesis strategies for property-testing hand-written backprop: widths, batches, MLP specs, parameters, data,
and the layers beyond the MLP (conv and pooling geometries, sequence lengths, ids, masks).

Compose them in your own `@given` tests. Bounds are keyword-only `min_*`/`max_*` as in `hypothesis.extra.numpy`;
arguments are validated when the strategy is built, and a bad one raises `InvalidArgument` naming it.
This module only re-exports: the array strategies live in `_arrays`, the MLP strategies in `_networks`, the
layer strategies in `_layers`, the argument checks in `_validation`. Arrays are filled by numpy from one drawn
seed, so they cost one Hypothesis choice each; shapes and every other choice shrink as usual
(docs/strategies.md). Example:

    @settings(deadline=None)  # the first check imports torch and jax
    @given(case=mlp_cases(mlp_specs(max_layers=2), kink_margin=0.05))
    def test_my_backprop(case):
        check_grad(my_loss, my_grad, case.params, args=case.args)
"""

from gradcheck.strategies._arrays import finite_arrays, one_hot_labels
from gradcheck.strategies._layers import (
    ConvGeometry,
    PoolGeometry,
    WindowBounds,
    attention_masks,
    conv_geometries,
    kernel_sizes,
    paddings,
    pool_geometries,
    separated_arrays,
    sequence_lengths,
    strides,
    token_ids,
)
from gradcheck.strategies._networks import (
    MLPCase,
    batch_sizes,
    layer_widths,
    mlp_batches,
    mlp_cases,
    mlp_params,
    mlp_specs,
    network_widths,
    relu_kink_distance,
)
from gradcheck.strategies._validation import InvalidArgument

__all__ = [
    "ConvGeometry",
    "InvalidArgument",
    "MLPCase",
    "PoolGeometry",
    "attention_masks",
    "batch_sizes",
    "conv_geometries",
    "finite_arrays",
    "kernel_sizes",
    "layer_widths",
    "mlp_batches",
    "mlp_cases",
    "mlp_params",
    "mlp_specs",
    "network_widths",
    "one_hot_labels",
    "paddings",
    "pool_geometries",
    "relu_kink_distance",
    "separated_arrays",
    "sequence_lengths",
    "strides",
    "token_ids",
    "WindowBounds",
]


def _check_exports(public: set) -> None:
    """`__all__` names exactly the public strategies: every name this package binds, which is every public
    class and function the strategy modules define (their helpers' names start with an underscore;
    InvalidArgument names this package as its home)."""
    from gradcheck.strategies import _arrays, _layers, _networks, _validation

    homes = {m: (m.__name__, __name__) for m in (_arrays, _layers, _networks, _validation)}
    defined = {
        n
        for m, home in homes.items()
        for n, v in vars(m).items()
        if n[0] != "_" and callable(v) and getattr(v, "__module__", None) in home
    }
    assert set(__all__) == public == defined, (set(__all__) ^ public, set(__all__) ^ defined)


_check_exports({n for n in dir() if n[0] not in "_@"})  # "@py_builtins": pytest's assertion rewriting
del _check_exports
