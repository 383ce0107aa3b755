"""MLPSpec: a sequential MLP described as plain, validated, immutable data.

Validation happens on construction and every error names the offending field and
value, e.g. "Expected convention in ('column', 'row') but got convention='rows'".
"""

from __future__ import annotations

from dataclasses import dataclass

from gradcheck.errors import GradcheckError
from gradcheck.nets.activations import ELEMENTWISE

ACTIVATIONS = (*ELEMENTWISE, "softmax")
LOSSES = ("squared_error", "cross_entropy", "softmax_cross_entropy")
CONVENTIONS = ("column", "row")
BIASES = ("vector", "none", "ones_column")
REDUCTIONS = ("sum", "mean")

#: The output activation each loss needs (None: any elementwise activation or softmax).
_OUTPUT_FOR_LOSS = {"squared_error": None, "cross_entropy": "softmax", "softmax_cross_entropy": "identity"}


@dataclass(frozen=True)
class MLPSpec:
    """A sequential MLP: layer widths (input first), one activation per layer, loss and conventions.

    convention "column": x (n_in, N) with examples as columns, W_i (n_i, n_{i-1});
    "row": x (N, n_in), W_i (n_{i-1}, n_i). bias "vector" adds b_i, "none" has no bias,
    "ones_column" keeps the bias inside W_i (first column / first row) as in the matrix-form softmax question.
    Example: MLPSpec(widths=(3, 4, 1), activations=("sigmoid", "sigmoid")).
    """

    widths: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str = "squared_error"
    convention: str = "column"
    bias: str = "vector"
    reduction: str = "sum"

    def __post_init__(self):
        object.__setattr__(self, "widths", _check_widths(self.widths))
        object.__setattr__(self, "activations", _check_activations(self.activations, self.widths))
        for field, allowed in (
            ("loss", LOSSES),
            ("convention", CONVENTIONS),
            ("bias", BIASES),
            ("reduction", REDUCTIONS),
        ):
            _check_choice(field, getattr(self, field), allowed)
        _check_output(self.loss, self.activations[-1])

    @property
    def n_layers(self) -> int:
        """Number of weight layers L (= len(widths) - 1)."""
        return len(self.widths) - 1

    @property
    def batch_axis(self) -> int:
        """Axis of x and y that indexes examples: 1 for "column", 0 for "row"."""
        return 1 if self.convention == "column" else 0

    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of the parameters by name: "W1", "b1", "W2", ... (no b keys unless bias="vector")."""
        shapes = {}
        for i, (n_in, n_out) in enumerate(zip(self.widths[:-1], self.widths[1:]), start=1):
            n_w_in = n_in + 1 if self.bias == "ones_column" else n_in
            column = self.convention == "column"
            shapes[f"W{i}"] = (n_out, n_w_in) if column else (n_w_in, n_out)
            if self.bias == "vector":
                shapes[f"b{i}"] = (n_out, 1) if column else (n_out,)
        return shapes


def _check_choice(field, value, allowed):
    """Raise naming `field` unless value is one of `allowed`."""
    if not isinstance(value, str) or value not in allowed:
        raise GradcheckError(f"Expected {field} in {allowed} but got {field}={value!r}")


def _check_widths(widths):
    """widths: at least two positive ints (input width first); returned as a tuple."""
    try:
        widths = tuple(widths)
    except TypeError:
        raise GradcheckError(f"Expected widths to be a sequence of ints but got widths={widths!r}") from None
    bad = [w for w in widths if isinstance(w, bool) or not isinstance(w, int) or w < 1]
    if len(widths) < 2 or bad:
        raise GradcheckError(
            f"Expected widths to be at least 2 positive ints (input width first) but got widths={widths!r}"
        )
    return widths


def _check_activations(activations, widths):
    """activations: one known name per layer, softmax only on the last layer."""
    activations = (activations,) if isinstance(activations, str) else tuple(activations)
    if len(activations) != len(widths) - 1:
        raise GradcheckError(
            f"Expected one activation per layer ({len(widths) - 1} for widths={widths!r}) "
            f"but got activations={activations!r}"
        )
    for i, name in enumerate(activations):
        if name not in ACTIVATIONS:
            raise GradcheckError(f"Expected activations[{i}] in {ACTIVATIONS} but got activations={activations!r}")
        if name == "softmax" and i != len(activations) - 1:
            raise GradcheckError(
                f"softmax is only supported as the last activation but got activations={activations!r}"
            )
    return activations


def _check_output(loss, last):
    """The last activation must suit the loss: softmax for cross_entropy, identity (logits) for the fused one."""
    needed = _OUTPUT_FOR_LOSS[loss]
    if needed is not None and last != needed:
        raise GradcheckError(f"loss={loss!r} needs activations[-1]={needed!r} but got activations[-1]={last!r}")
