"""`MODULE:NAME` for the command line: import a user's object and read it as one or more checks.

Accepted objects (a dict or any object with these attributes):
  - a gradient case: `loss`, `grad`, `params`, optional `args` (a tuple; a single value is wrapped);
  - a VJP case: `fn`, `vjp`, `inputs`, optional `cotangent`, `names`;
  - a course-style backward: `forward`, `backward`, `inputs`, optional `dout`, `outputs`, `names`
    (`backward: None` checks a forward returning `(loss, dx)`, as check_backward does);
  - a layer object: `layer`, `X`, optional `params`, `grads`, `input_name`, `dY`;
  - a custom autograd function: `F`, `inputs`, optional `reference`, `cotangent`, `names`, `float64`, `order`;
  - a Hessian-vector product: `loss`, `hvp`, `params`, optional `args`, `vector`;
  - a forward-mode rule: `fn`, `jvp`, `inputs`, optional `tangent`, `names`;
  - any of them may also carry `oracles`, `rtol`, `atol`, `seed` and a `name`;
  - a list or tuple of cases;
  - a function taking no arguments that returns any of the above.
MODULE is a dotted module name (importable from the current directory) or a path to a .py file.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import GradcheckError
from ..settings import Settings

GRAD_FIELDS, VJP_FIELDS = ("loss", "grad", "params"), ("fn", "vjp", "inputs")
BACKWARD_FIELDS, LAYER_FIELDS, FUNCTION_FIELDS = ("forward", "backward", "inputs"), ("layer", "X"), ("F", "inputs")
# kind: (required fields, optional fields), tried in this order.
KINDS = {
    "grad": (GRAD_FIELDS, ("args",)),
    "vjp": (VJP_FIELDS, ("cotangent", "names")),
    "backward": (BACKWARD_FIELDS, ("dout", "outputs", "names")),
    "layer": (LAYER_FIELDS, ("params", "grads", "input_name", "dY")),
    "function": (FUNCTION_FIELDS, ("reference", "cotangent", "names", "float64", "order")),
    "hvp": (("loss", "hvp", "params"), ("args", "vector")),
    "jvp": (("fn", "jvp", "inputs"), ("tangent", "names")),
}
NULLABLE = ("backward",)  # a required field that may be None: check_backward(forward, None, inputs), (loss, dx)
OVERRIDES = ("oracles", "rtol", "atol", "seed")
SHAPES = (
    "a dict or object with loss, grad, params (optional args); with fn, vjp, inputs (optional cotangent); "
    "with forward, backward, inputs (a course-style backward); with layer, X (a layer object); or with F, "
    "inputs (a custom autograd function); with loss, hvp, params (a Hessian-vector product); with fn, jvp, inputs "
    "(a forward-mode rule); a list of those; or a function of no arguments returning one"
)


@dataclass
class Target:
    """One check named on the command line: what to call and with which settings."""

    label: str
    kind: str  # a key of KINDS
    fields: dict
    overrides: dict = field(default_factory=dict)

    def run(self, settings: Settings | None = None):
        """The check's Report (never raises for a mismatch); the target's own settings win over the CLI's."""
        from .._engine.run.check import grad_report

        kw = Settings.parse(f"{self.label}.", **self.overrides).over(settings or Settings()).keywords()
        f = dict(self.fields)
        if self.kind == "grad":
            return grad_report(f.pop("loss"), f.pop("grad"), f.pop("params"), **f, **kw)
        required = [f.pop(k) for k in KINDS[self.kind][0]]
        return _entry_point(self.kind)(*required, **f, raise_on_failure=False, **kw)

    def as_loss(self, report) -> tuple:
        """(loss, params, args) of the check as a scalar loss, for figures; a VJP case is <fn(inputs), cotangent>
        over the inputs the report checked, built by check_vjp's own helpers."""
        f = self.fields
        if self.kind == "grad":
            return f["loss"], f["params"], f.get("args", ())
        if self.kind != "vjp":
            raise GradcheckError(
                f"{self.label}: figures are drawn for gradient and VJP cases; a {self.kind} case "
                "has its full report without them"
            )
        from .._engine.entry.backward import read_inputs
        from .._engine.entry.outputs import make_cotangent
        from .._engine.entry.vjp import _as_loss_and_grad
        from .._engine.record.inputs import fresh
        from .._engine.record.writes import Record

        ins = read_inputs(f["fn"], f["inputs"], f.get("names"), who="fn")
        checked = {p.name for p in report.params}
        diff = [n for n in ins.names if n in checked]
        loss, _ = _as_loss_and_grad(f["fn"], f["vjp"], ins, diff, Record())
        cot = make_cotangent(f["fn"](*fresh(ins.values)), f.get("cotangent"), report.seed, "fn")
        return loss, {n: ins.values[ins.names.index(n)] for n in diff}, (cot,)


def _entry_point(kind: str):
    from .._engine.entry.backward import check_backward
    from .._engine.entry.function import check_function
    from .._engine.entry.hvp import check_hvp
    from .._engine.entry.jvp import check_jvp
    from .._engine.entry.layer import check_layer
    from .._engine.entry.vjp import check_vjp

    checks = {"vjp": check_vjp, "backward": check_backward, "layer": check_layer, "function": check_function}
    return {**checks, "hvp": check_hvp, "jvp": check_jvp}[kind]


def resolve(spec: str) -> list[Target]:
    """Import MODULE:NAME and read it as checks; GradcheckError (exit 2) says what was wrong."""
    module_name, sep, name = spec.partition(":")
    if not sep or not module_name or not name:
        raise GradcheckError(
            f"Expected MODULE:NAME (e.g. mypkg.tests.cases:mlp_case or cases.py:mlp_case) but got {spec!r}"
        )
    obj = import_module(module_name)
    for part in name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise GradcheckError(f"{module_name!r} has no attribute {name!r}") from None
    return as_targets(obj, name)


def import_module(name: str):
    """A dotted module (the current directory is importable, as with `python -m`) or a .py file path."""
    if name.endswith(".py") or "/" in name:
        path = Path(name)
        if not path.is_file():
            raise GradcheckError(f"No such file: {name!r}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(path.resolve().parent))
        sys.modules[path.stem] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            sys.modules.pop(path.stem, None)
            raise GradcheckError(f"Cannot import {name!r}: {_one_line(exc)}") from None
        return module
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise GradcheckError(f"Cannot import module {name!r}: {exc}") from None
    except Exception as exc:  # the user's module raised while importing (SyntaxError included)
        raise GradcheckError(f"Cannot import module {name!r}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    """SyntaxError: invalid syntax (cases.py, line 3) - the exception in one line, with file and line."""
    if isinstance(exc, SyntaxError):
        where = f" ({Path(exc.filename or '?').name}, line {exc.lineno})"
        return f"{type(exc).__name__}: {exc.msg}{where}"
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f" ({Path(tb.tb_frame.f_code.co_filename).name}, line {tb.tb_lineno})" if tb is not None else ""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}{where}"


def _get(obj, key):
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _has(obj, keys) -> bool:
    """Whether obj gives every key, None allowed only for a NULLABLE one that it names explicitly."""
    return all(_get(obj, k) is not None or (k in NULLABLE and _names(obj, k)) for k in keys)


def _names(obj, key) -> bool:
    return key in obj if isinstance(obj, dict) else hasattr(obj, key)


def as_targets(obj, label: str, called: bool = False) -> list[Target]:
    """Read obj as checks (see the module docstring for the accepted shapes)."""
    for kind, (keys, extra) in KINDS.items():
        if _has(obj, keys):
            fields = {k: _get(obj, k) for k in keys} | {k: _get(obj, k) for k in extra if _get(obj, k) is not None}
            if "args" in fields and not isinstance(fields["args"], (tuple, list)):
                fields["args"] = (fields["args"],)
            overrides = {k: _get(obj, k) for k in OVERRIDES if _get(obj, k) is not None}
            return [Target(str(_get(obj, "name") or label), kind, fields, overrides)]
    if isinstance(obj, (list, tuple)) and obj:
        return [t for i, item in enumerate(obj) for t in as_targets(item, f"{label}[{i}]", called)]
    if callable(obj) and not called and _no_required_args(obj):
        try:
            made = obj()
        except Exception as exc:
            raise GradcheckError(f"{label}() raised {type(exc).__name__}: {exc}") from exc
        return as_targets(made, label, called=True)
    raise GradcheckError(f"Expected {label} to be {SHAPES}; got {type(obj).__name__}")


def _no_required_args(fn) -> bool:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig.parameters.values())
