"""The logic behind gradcheck's pytest plugin: settings, the fixture object, records, summary and JSON report.

Imported lazily by `_gradcheck_pytestplugin` (the entry point) only when a test uses gradcheck.
A check is recorded on the test item as a `user_properties` entry ("gradcheck", json), so that under
pytest-xdist it travels to the controller on the test report, which alone sums and writes the report.
Inside a Hypothesis test each record says which example made it (`hypothesis_example`), so that a failed
test counts the checks of the failing example Hypothesis replays, not every one it tried while shrinking.
"""

from __future__ import annotations

import inspect
import json
import math
import sys
import time
from pathlib import Path

import pytest

from . import __version__
from ._engine.entry.backward import check_backward as _check_backward
from ._engine.entry.function import check_function as _check_function
from ._engine.entry.hvp import check_hvp as _check_hvp
from ._engine.entry.jvp import check_jvp as _check_jvp
from ._engine.entry.layer import check_layer as _check_layer
from ._engine.entry.vjp import check_vjp as _check_vjp
from ._engine.oracles import ORACLE_NAMES
from ._engine.run.check import grad_report
from .errors import GradcheckError, GradientMismatch, fail
from .report import write_json
from .settings import Settings

MARKER_KEYWORDS = ("oracles", "rtol", "atol", "seed")
FIXTURE_KEYWORDS = (*MARKER_KEYWORDS, "fd")
RECORD_KEY = "gradcheck"


def own_keywords(check) -> tuple[str, ...]:
    """The keywords an entry point takes beside the check options, passed through to it unchanged."""
    return tuple(p.name for p in inspect.signature(check).parameters.values() if p.kind is p.KEYWORD_ONLY)


def session_settings(config) -> Settings:
    """--gradcheck-oracles / -seed / -rtol / -atol (or their ini keys), parsed by gradcheck.settings."""
    o = config.option
    return Settings.parse(
        "--gradcheck-",
        oracles=o.gradcheck_oracles,
        seed=o.gradcheck_seed or None,
        rtol=o.gradcheck_rtol or None,
        atol=o.gradcheck_atol or None,
    )


def validate_session_options(config) -> None:
    """Raise pytest.UsageError for a bad --gradcheck-oracles / -seed / -rtol / -atol (or their ini keys)."""
    try:
        session_settings(config)
    except GradcheckError as exc:
        raise pytest.UsageError(str(exc)) from None


def marker_settings(item) -> Settings:
    """The keywords of the closest @pytest.mark.gradcheck, validated; a bad one fails the test by name."""
    mark = item.get_closest_marker("gradcheck")
    if mark is None:
        return Settings()
    where = f"@pytest.mark.gradcheck on {item.nodeid}"
    try:
        if mark.args:
            raise GradcheckError(f"{where} takes keywords only ({', '.join(MARKER_KEYWORDS)}) but got {mark.args!r}")
        unknown = sorted(set(mark.kwargs) - set(MARKER_KEYWORDS))
        if unknown:
            raise GradcheckError(f"{where}: unknown keyword {unknown[0]!r}; expected one of {MARKER_KEYWORDS}")
        out = Settings.parse(**mark.kwargs)
    except GradcheckError as exc:
        problem = str(exc) if where in str(exc) else f"{where}: {exc}"
    else:
        return out
    pytest.fail(problem, pytrace=False)


class GradcheckFixture:
    """What the `gradcheck` fixture returns: check_grad, check_vjp, check_backward, check_layer and check_function
    with the session and marker settings.

    Precedence: keywords of the call, then the test's marker, then --gradcheck-* options (or ini keys).
    The fixture shadows the package inside a test, so it also hands out the package's public names:
    `pytest.raises(gradcheck.GradientMismatch)` and `gradcheck.Report` work as they do outside.
    One object serves the whole session (the fixture is session-scoped): it keeps no state of its own between
    calls but the running test's settings and reports, found afresh when the test changes, so it is safe to
    reuse across the examples of a Hypothesis `@given` test.
    """

    def __init__(self, config, current_test):
        self._config = config
        self._current_test = current_test  # () -> the running test item, or None between tests
        self._test = (None, Settings(), [])  # (item, its settings, its reports)

    def _state(self) -> tuple:
        """(item, settings, reports) of the running test, computed once per test."""
        item = self._current_test()
        if item is not self._test[0]:
            marker = marker_settings(item) if item is not None else Settings()
            self._test = (item, marker.over(session_settings(self._config)), [])
        return self._test

    def __repr__(self) -> str:  # Hypothesis prints it in a failing example's arguments
        return "<gradcheck fixture>"

    @property
    def _settings(self) -> Settings:
        return self._state()[1]

    @property
    def reports(self) -> list:
        """The reports of the running test's checks, in order (inside @given: of every example so far)."""
        return self._state()[2]

    @property
    def settings(self) -> dict:
        """The settings this test's checks use (those given by the marker, options or ini keys)."""
        return {k: v for k, v in vars(self._settings).items() if v is not None}

    def __getattr__(self, name: str):
        import gradcheck

        if name in gradcheck.__all__:
            return getattr(gradcheck, name)
        raise AttributeError(
            f"the gradcheck fixture has no attribute {name!r} (it offers check_grad, check_vjp, "
            f"check_backward, check_layer, check_function, check_hvp, check_jvp, grad_report and the package's public "
            f"names: {', '.join(gradcheck.__all__)})"
        )

    def check_grad(self, loss, grad, params, *, args=(), label=None, **overrides):
        """gradcheck.check_grad with this test's settings; raises GradientMismatch when the check fails."""
        __tracebackhide__ = True
        return self._finish(self.grad_report(loss, grad, params, args=args, label=label, **overrides))

    def check_vjp(self, fn, vjp, inputs, *, label=None, **options):
        """gradcheck.check_vjp with this test's settings; raises GradientMismatch when the check fails."""
        __tracebackhide__ = True
        return self._entry(_check_vjp, (fn, vjp, inputs), options, label or _name(fn, "vjp"))

    def check_backward(self, forward, backward, inputs, *, label=None, **options):
        """gradcheck.check_backward (course style: `out, cache = forward(*inputs)`, `backward(dout, cache)`) with
        this test's settings; raises GradientMismatch when the check fails."""
        __tracebackhide__ = True
        named = backward if backward is not None else forward
        return self._entry(_check_backward, (forward, backward, inputs), options, label or _name(named, "backward"))

    def check_layer(self, layer, X, *, label=None, **options):
        """gradcheck.check_layer (a layer object with forward/backward) with this test's settings; raises
        GradientMismatch when the check fails."""
        __tracebackhide__ = True
        return self._entry(_check_layer, (layer, X), options, label or type(layer).__name__)

    def check_function(self, F, inputs, *, label=None, **options):
        """gradcheck.check_function (a torch.autograd.Function or jax.custom_vjp) with this test's settings;
        raises GradientMismatch when the check fails."""
        __tracebackhide__ = True
        return self._entry(_check_function, (F, inputs), options, label or _name(F, "function"))

    def check_hvp(self, loss, hvp, params, *, label=None, **options):
        """gradcheck.check_hvp (a hand-written Hessian-vector product `hvp(params, v, *args)`) with this test's
        settings; raises GradientMismatch when the check fails."""
        __tracebackhide__ = True
        return self._entry(_check_hvp, (loss, hvp, params), options, label or _name(hvp, "hvp"))

    def check_jvp(self, fn, jvp, inputs, *, label=None, **options):
        """gradcheck.check_jvp (a hand-written `jvp(tangents, *inputs)`) with this test's settings; raises
        GradientMismatch when the check fails."""
        __tracebackhide__ = True
        return self._entry(_check_jvp, (fn, jvp, inputs), options, label or _name(jvp, "jvp"))

    def grad_report(self, loss, grad, params, *, args=(), label=None, **overrides):
        """Like check_grad but never raises for a wrong gradient (the check is still recorded)."""
        __tracebackhide__ = True
        kw = self._options(overrides)
        report = grad_report(loss, grad, params, args=args, **kw)
        return self._record(report, label or getattr(grad, "__name__", "grad"), kw["seed"])

    def _entry(self, check, args: tuple, options: dict, label: str):
        """Run one entry point with this test's settings (the call's own keywords first), record, raise on failure."""
        __tracebackhide__ = True
        own = own_keywords(check)
        passed = {k: options.pop(k) for k in own if k in options}
        kw = self._options(options, method=check.__name__, extra=own)
        report = check(*args, **passed, raise_on_failure=False, **kw)
        return self._finish(self._record(report, label, kw["seed"]))

    def _options(self, overrides, method: str = "check_grad", extra: tuple = ("args",)) -> dict:
        __tracebackhide__ = True
        unknown = sorted(set(overrides) - set(FIXTURE_KEYWORDS))
        if unknown:
            expected = ", ".join((*FIXTURE_KEYWORDS, *extra, "label"))
            raise GradcheckError(f"gradcheck fixture {method}: unknown keyword {unknown[0]!r}; expected {expected}")
        given = Settings.parse(**{k: v for k, v in overrides.items() if k != "fd"})
        kw = given.over(self._settings).keywords()
        if "fd" in overrides:
            kw["fd"] = overrides["fd"]
        return kw

    def _record(self, report, label: str, seed: int):
        item, _, reports = self._state()
        reports.append(report)
        if item is None:  # called outside a test (a session fixture's setup): nothing to record it on
            return report
        report.reproduce = f"pytest {item.nodeid} --gradcheck-seed={seed}"
        entry = record(report, item.nodeid, label, hypothesis_example())
        item.user_properties.append((RECORD_KEY, json.dumps(entry, default=str)))
        return report

    def _finish(self, report):
        __tracebackhide__ = True
        if not report.ok:
            fail(report)
        return report


def _name(fn, default: str) -> str:
    return getattr(fn, "__name__", None) or default


STRUCTURAL = ("missing", "extra", "shape", "nonfinite")  # report.Status: grad's structure wrong, nothing compared


def hypothesis_example() -> str | None:
    """Which Hypothesis example is running: "final" (a failing example replayed for its report, or an explicit
    @example), "search" (any other, generated or shrunk), None outside a Hypothesis test."""
    hypothesis = sys.modules.get("hypothesis")  # imported already wherever a Hypothesis test runs
    if hypothesis is None or not hypothesis.currently_in_test_context():
        return None
    from hypothesis.control import current_build_context

    return "final" if current_build_context().is_final else "search"


def record(report, nodeid: str, label: str, example: str | None = None) -> dict:
    """One check as plain data: where, verdict, per-oracle agreement, worst relative error, full report.

    A parameter whose gradient has the wrong structure (shape, keys, NaN) disagrees with every oracle that ran
    and is the worst error, said in words ("problem"), not replaced by the best-matching other parameter."""
    ran = [o.name for o in report.oracles if o.status == "ran"]
    agree, worst, problem = {}, (0.0, None, None), None
    for p in report.params:
        if p.status in STRUCTURAL:
            agree.update(dict.fromkeys(ran, False))
            problem = problem or (p.name, p.message or p.status)
        for oracle, c in p.comparisons.items():
            agree[oracle] = agree.get(oracle, True) and c.ok
            rel = c.max_rel if math.isfinite(c.max_rel) else math.inf
            if oracle in p.trusted and (worst[1] is None or rel > worst[0]):
                worst = (rel, p.name, oracle)
    for name in ran:
        agree.setdefault(name, report.ok)
    if problem is not None:
        worst = (math.inf, problem[0], None)
    return {
        "test": nodeid,
        "label": label,
        "ok": report.ok,
        "verdict": report.verdict,
        "hypothesis_example": example,
        "agree": agree,
        "skipped": {o.name: o.reason for o in report.oracles if o.status != "ran"},
        "worst_rel": worst[0] if math.isfinite(worst[0]) else None,
        "worst_param": worst[1],
        "worst_oracle": worst[2],
        "worst_problem": problem[1] if problem else None,
        "report": report.to_dict(),
    }


def counted(values: list[str], test_failed: bool) -> list[dict]:
    """The checks one test counts, from its records (json): all, except that a failed Hypothesis test counts
    only those outside its search (the failing examples it replays, its explicit examples), not every example
    it tried while searching and shrinking."""
    checks = [json.loads(v) for v in values]
    if test_failed and any(c.get("hypothesis_example") == "final" for c in checks):
        return [c for c in checks if c.get("hypothesis_example") != "search"]
    return checks


def junit_line(check: dict) -> str:
    """The JUnit XML property for one check: its label and verdict line (the full report goes to --gradcheck-report)."""
    return f"{check['label']}: {check['verdict']}"


def summarize(checks: list[dict]) -> dict:
    """Totals over the run: checks, passed, tests (as pytest counted them), agreement, worst relative errors.

    `checks` are the records of `record`, each with "test_failed" added by the controller from pytest's outcome.
    """
    tests = {}
    for c in checks:
        tests[c["test"]] = tests.get(c["test"], False) or bool(c.get("test_failed"))
    oracles = {}
    for c in checks:
        for name, ok in c["agree"].items():
            ran, agreed = oracles.get(name, (0, 0))
            oracles[name] = (ran + 1, agreed + bool(ok))
    order = {n: i for i, n in enumerate(ORACLE_NAMES)}
    scored = [c for c in checks if c["worst_param"] is not None]
    worst = max(scored, key=lambda c: math.inf if c["worst_rel"] is None else c["worst_rel"], default=None)
    passing = [c for c in scored if c["ok"]]
    worst_ok = max(passing, key=lambda c: c["worst_rel"] or 0.0, default=None)
    return {
        "checks": len(checks),
        "passed": sum(c["ok"] for c in checks),
        "tests": len(tests),
        "tests_failed": sum(tests.values()),
        "agreement": {
            n: {"ran": v[0], "agreed": v[1]} for n, v in sorted(oracles.items(), key=lambda kv: order.get(kv[0], 9))
        },
        "worst": _where(worst),
        "worst_passing": _where(worst_ok),
        "checks_detail": checks,
    }


def _where(c) -> dict | None:
    if c is None:
        return None
    return {
        "rel": c["worst_rel"],
        "param": c["worst_param"],
        "oracle": c["worst_oracle"],
        "problem": c.get("worst_problem"),
        "test": c["test"],
    }


def summary_lines(records: list[dict], config) -> list[str]:
    """The terminal summary of the run (written by gradcheck.render)."""
    from .render import plugin_summary

    return plugin_summary(summarize(records), config.option.gradcheck_report)


def write_json_report(path, records: list[dict], config) -> None:
    """Every check in the run (all xdist workers merged), sorted by test id, with the totals."""
    s = summarize(records)
    checks = sorted(s.pop("checks_detail"), key=lambda c: c["test"])
    out = {
        "gradcheck_version": __version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "settings": {
            "oracles": config.option.gradcheck_oracles or "auto",
            "seed": config.option.gradcheck_seed,
            "rtol": config.option.gradcheck_rtol or None,
            "atol": config.option.gradcheck_atol or None,
        },
        "summary": s,
        "checks": checks,
    }
    write_json(Path(config.invocation_params.dir, path), out)


def compact_failure(item, excinfo) -> str | None:
    """For a GradientMismatch (unless --tb=long/native): verdict, the test's own line, the report table, then the
    notes others added to the exception (Hypothesis's falsifying example and how to reproduce it), as pytest
    itself would show them."""
    if not excinfo.errisinstance(GradientMismatch) or item.config.option.tbstyle in ("long", "native"):
        return None
    report = excinfo.value.report
    if item.nodeid not in report.reproduce:
        report.reproduce = f"pytest {item.nodeid}"
    verdict, *rest = str(report).split("\n")
    notes = [str(n) for n in getattr(excinfo.value, "__notes__", ()) or ()]
    return "\n".join([verdict, *_test_line(item, excinfo), *rest, *notes])


def _test_line(item, excinfo) -> list[str]:
    """["at tests/test_x.py:12 in test_x: <statement>"] for the last frame in the test's file, if any."""
    entries = [e for e in excinfo.traceback if str(e.path) == str(item.path)]
    if not entries:
        return []
    e = entries[-1]
    try:
        statement = " ".join(str(e.statement).split())
    except Exception:  # source not available
        statement = ""
    try:
        shown = Path(e.path).relative_to(item.config.invocation_params.dir)
    except ValueError:
        shown = e.path
    return [f"at {shown}:{e.lineno + 1} in {e.name}" + (f": {statement}" if statement else "")]
