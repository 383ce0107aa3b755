"""The logic behind gradcheck's pytest plugin: settings, the fixture object, records, summary and JSON report.

Imported lazily by `_gradcheck_pytestplugin` (the entry point) only when a test uses gradcheck.
A check is recorded on the test item as a `user_properties` entry ("gradcheck", json), so that under
pytest-xdist it travels to the controller on the test report, which alone sums and writes the report.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from . import __version__
from ._engine.check import grad_report
from .errors import GradcheckError, GradientMismatch
from ._engine.oracles import ORACLE_NAMES
from ._engine.vjp import check_vjp as _check_vjp

MARKER_KEYWORDS = ("oracles", "rtol", "atol", "seed")
RECORD_KEY = "gradcheck"


def parse_oracles(value, where: str):
    """'fd,torch' or ('fd', 'torch') -> ('fd', 'torch'); '' / None / 'auto' -> None (fd + installed)."""
    if value is None or (isinstance(value, str) and value.strip() in ("", "auto")):
        return None
    names = [n.strip() for n in value.split(",")] if isinstance(value, str) else list(value)
    bad = [n for n in names if n not in ORACLE_NAMES]
    if bad or not names:
        raise GradcheckError(f"Expected oracles from {ORACLE_NAMES} (comma-separated) but got {where}={value!r}")
    return tuple(dict.fromkeys(names))


def parse_seed(value, where: str) -> int:
    try:
        seed = int(value)
    except (TypeError, ValueError):
        seed = -1
    if isinstance(value, bool) or seed < 0:
        raise GradcheckError(f"Expected a non-negative integer but got {where}={value!r}")
    return seed


def validate_session_options(config) -> None:
    """Raise pytest.UsageError for a bad --gradcheck-oracles / --gradcheck-seed (or their ini keys)."""
    try:
        parse_oracles(config.option.gradcheck_oracles, "--gradcheck-oracles")
        parse_seed(config.option.gradcheck_seed, "--gradcheck-seed")
    except GradcheckError as exc:
        raise pytest.UsageError(str(exc)) from None


def session_settings(config) -> dict:
    return {"oracles": parse_oracles(config.option.gradcheck_oracles, "--gradcheck-oracles"),
            "seed": parse_seed(config.option.gradcheck_seed, "--gradcheck-seed")}


def marker_settings(item) -> dict:
    """The keywords of the closest @pytest.mark.gradcheck, validated; a bad one fails the test by name."""
    mark = item.get_closest_marker("gradcheck")
    if mark is None:
        return {}
    where = f"@pytest.mark.gradcheck on {item.nodeid}"
    try:
        if mark.args:
            raise GradcheckError(f"{where} takes keywords only ({', '.join(MARKER_KEYWORDS)}) but got {mark.args!r}")
        unknown = sorted(set(mark.kwargs) - set(MARKER_KEYWORDS))
        if unknown:
            raise GradcheckError(f"{where}: unknown keyword {unknown[0]!r}; expected one of {MARKER_KEYWORDS}")
        out = dict(mark.kwargs)
        if "oracles" in out:
            out["oracles"] = parse_oracles(out["oracles"], "oracles")
        if "seed" in out:
            out["seed"] = parse_seed(out["seed"], "seed")
        for key in ("rtol", "atol"):
            value = out.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                      or not math.isfinite(value) or value < 0):
                raise GradcheckError(f"Expected a finite non-negative number but got {key}={value!r}")
    except GradcheckError as exc:
        problem = str(exc) if where in str(exc) else f"{where}: {exc}"
    else:
        return out
    pytest.fail(problem, pytrace=False)


class GradcheckFixture:
    """What the `gradcheck` fixture returns: check_grad / check_vjp with the session and marker settings.

    Precedence: keywords of the call, then the test's marker, then --gradcheck-* options (or ini keys).
    """

    def __init__(self, request):
        self._item = request.node
        self.settings = {**session_settings(request.config), **marker_settings(request.node)}
        self.reports = []

    def check_grad(self, loss, grad, params, *, args=(), label=None, **overrides):
        """gradcheck.check_grad with this test's settings; raises GradientMismatch when the check fails."""
        __tracebackhide__ = True
        return self._finish(self.grad_report(loss, grad, params, args=args, label=label, **overrides))

    def check_vjp(self, fn, vjp, inputs, *, cotangent=None, label=None, **overrides):
        """gradcheck.check_vjp with this test's settings; raises GradientMismatch when the check fails."""
        __tracebackhide__ = True
        kw = self._options(overrides)
        report = _check_vjp(fn, vjp, inputs, cotangent=cotangent, raise_on_failure=False, **kw)
        return self._finish(self._record(report, label or getattr(fn, "__name__", "vjp"), kw["seed"]))

    def grad_report(self, loss, grad, params, *, args=(), label=None, **overrides):
        """Like check_grad but never raises for a wrong gradient (the check is still recorded)."""
        __tracebackhide__ = True
        kw = self._options(overrides)
        report = grad_report(loss, grad, params, args=args, **kw)
        return self._record(report, label or getattr(grad, "__name__", "grad"), kw["seed"])

    def _options(self, overrides) -> dict:
        unknown = sorted(set(overrides) - {"oracles", "rtol", "atol", "seed", "fd"})
        if unknown:
            raise GradcheckError(f"gradcheck fixture: unknown keyword {unknown[0]!r}; expected oracles, rtol, atol, "
                                 "seed, fd, args, label")
        kw = {**self.settings, **overrides}
        kw.setdefault("seed", 0)
        return kw

    def _record(self, report, label: str, seed: int):
        report.reproduce = f"pytest {self._item.nodeid} --gradcheck-seed={seed}"
        self.reports.append(report)
        self._item.user_properties.append((RECORD_KEY, json.dumps(record(report, self._item.nodeid, label), default=str)))
        return report

    def _finish(self, report):
        __tracebackhide__ = True
        if not report.ok:
            raise GradientMismatch(report)
        return report


def record(report, nodeid: str, label: str) -> dict:
    """One check as plain data: where, verdict, per-oracle agreement, worst relative error, full report."""
    agree, worst = {}, (0.0, None, None)
    for p in report.params:
        for oracle, c in p.comparisons.items():
            agree[oracle] = agree.get(oracle, True) and c.ok
            rel = c.max_rel if math.isfinite(c.max_rel) else math.inf
            if oracle in p.trusted and (worst[1] is None or rel > worst[0]):
                worst = (rel, p.name, oracle)
    for o in report.oracles:
        if o.status == "ran" and o.name not in agree:
            agree[o.name] = report.ok
    return {"test": nodeid, "label": label, "ok": report.ok, "verdict": report.verdict,
            "agree": agree, "skipped": {o.name: o.reason for o in report.oracles if o.status != "ran"},
            "worst_rel": worst[0] if math.isfinite(worst[0]) else None, "worst_param": worst[1],
            "worst_oracle": worst[2], "report": report.to_dict()}


def summarize(records: list[str]) -> dict:
    """Totals over the run: checks, passed, agreement per oracle, worst relative errors."""
    checks = [json.loads(r) for r in records]
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
    return {"checks": len(checks), "passed": sum(c["ok"] for c in checks),
            "tests": len({c["test"] for c in checks}),
            "agreement": {n: {"ran": v[0], "agreed": v[1]} for n, v in sorted(oracles.items(), key=lambda kv: order.get(kv[0], 9))},
            "worst": _where(worst), "worst_passing": _where(worst_ok), "checks_detail": checks}


def _where(c) -> dict | None:
    if c is None:
        return None
    return {"rel": c["worst_rel"], "param": c["worst_param"], "oracle": c["worst_oracle"], "test": c["test"]}


def _n(k: int, word: str) -> str:
    return f"{k} {word}" + ("" if k == 1 else "s")


def _rel(x) -> str:
    return "inf/nan" if x is None else f"{x:.1e}"


def summary_lines(records: list[str], config) -> list[str]:
    """The terminal summary: checks run, agreement per oracle, worst relative error, where the report went."""
    s = summarize(records)
    failed = s["checks"] - s["passed"]
    lines = [f"{_n(s['checks'], 'gradient check')} in {_n(s['tests'], 'test')}: {s['passed']} passed"
             + (f", {failed} failed" if failed else "")]
    agreement = ", ".join(f"{n} {v['agreed']}/{v['ran']}" for n, v in s["agreement"].items())
    lines.append(f"agreement with oracles: {agreement or 'no oracle ran'}")
    w, wp = s["worst"], s["worst_passing"]
    if w is not None:
        lines.append(f"worst relative error: {_rel(w['rel'])} ({w['param']} vs {w['oracle']}) in {w['test']}")
    if wp is not None and wp != w:
        lines.append(f"worst among passing checks: {_rel(wp['rel'])} ({wp['param']} vs {wp['oracle']}) in {wp['test']}")
    if config.option.gradcheck_report:
        lines.append(f"report: {config.option.gradcheck_report}")
    return lines


def write_json_report(path, records: list[str], config) -> None:
    """Every check in the run (all xdist workers merged), sorted by test id, with the totals."""
    s = summarize(records)
    checks = sorted(s.pop("checks_detail"), key=lambda c: c["test"])
    out = {"gradcheck_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
           "settings": {"oracles": config.option.gradcheck_oracles or "auto",
                        "seed": config.option.gradcheck_seed}, "summary": s, "checks": checks}
    target = Path(config.invocation_params.dir, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=1, default=str) + "\n")


def compact_failure(item, excinfo) -> str | None:
    """For a GradientMismatch (unless --tb=long/native): verdict, the test's own line, then the report table."""
    if not excinfo.errisinstance(GradientMismatch) or item.config.option.tbstyle in ("long", "native"):
        return None
    report = excinfo.value.report
    if item.nodeid not in report.reproduce:
        report.reproduce = f"pytest {item.nodeid}"
    verdict, *rest = str(report).split("\n")
    return "\n".join([verdict, *_test_line(item, excinfo), *rest])


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
