"""gradcheck: check hand-written gradients against finite differences, PyTorch autograd and JAX grad.

Only numpy is imported here; torch and jax are imported by their oracles, when a check uses them.
Subpackages: `gradcheck.nets` (hand-written matrix backprop), `gradcheck.strategies` (Hypothesis
strategies; imports Hypothesis), `gradcheck.golden` (textbook reference cases).
"""

from ._engine.compare.tolerance import DEFAULT_TOLERANCES, Tolerance
from ._engine.entry.backward import check_backward
from ._engine.entry.function import check_function
from ._engine.entry.hvp import check_hvp
from ._engine.entry.jvp import check_jvp
from ._engine.entry.layer import check_layer
from ._engine.entry.vjp import check_vjp
from ._engine.oracles.fd import FiniteDifferences
from ._engine.oracles.finite_diff import CentralRichardson
from ._engine.oracles.taylor import taylor_data
from ._engine.run.check import check_grad, grad_report
from .errors import GradcheckError, GradientMismatch, OracleUnavailable
from .report import HealthCheck, OracleRun, ParamReport, Report
from .settings import CheckOptions

__version__ = "0.1.0"

__all__ = [
    "CentralRichardson",
    "CheckOptions",
    "DEFAULT_TOLERANCES",
    "FiniteDifferences",
    "GradcheckError",
    "GradientMismatch",
    "HealthCheck",
    "OracleRun",
    "OracleUnavailable",
    "ParamReport",
    "Report",
    "Tolerance",
    "check_backward",
    "check_function",
    "check_grad",
    "check_hvp",
    "check_jvp",
    "check_layer",
    "check_vjp",
    "grad_report",
    "taylor_data",
]
