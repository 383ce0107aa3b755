"""The one writer of report text: the terminal table, Markdown and HTML of a Report, and its verdict line.

Every format reads the same sentences (verdict, parameter header, diagnosis, notes, bound, health, oracles,
tolerance, action) from the functions here, so a notebook and a terminal never say different things.
"""

from __future__ import annotations

import html as _html
import math
import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .report import Counterpart, ParamReport, Report


def _num(x: float) -> str:
    return f"{x:.3e}" if np.isfinite(x) else str(x)


def _val(x: float) -> str:
    if not np.isfinite(x):
        return str(x)
    return f"{x:.7f}" if 1e-3 <= abs(x) < 1e4 or x == 0 else f"{x:.4e}"


def _index(idx) -> str:
    return "(" + ", ".join(str(i) for i in idx) + ("," if len(idx) == 1 else "") + ")" if idx else "()"


def _param_header(p: ParamReport) -> str:
    head = f"{p.name}  shape {tuple(p.shape)} {p.dtype}"
    if p.status != "mismatch":
        return f"{head}  {p.status}" + (f": {p.message}" if p.message else "")
    entry = [c for o, c in p.comparisons.items() if o in p.trusted and c.mode == "entries"]
    if entry:
        c = max(entry, key=lambda c: c.n_bad)
        return f"{head}  wrong entries {c.n_bad}/{c.n_total}   max |d| {c.max_abs:.1e}   max rel {c.max_rel:.1e}"
    c = max(p.comparisons.values(), key=lambda c: c.n_bad)
    return f"{head}  wrong probes {c.n_bad}/{c.n_total} (fd directional derivatives; no per-entry oracle ran)"


def _table(p: ParamReport) -> list[str]:
    rows = p.rows()
    if not rows:
        return []
    cols = ["yours", *p.refs.keys()]
    lines = ["    " + f"{'index':>10}" + "".join(f"{c:>14}" for c in cols) + f"{'difference':>13}"]
    for r in rows:
        lines.append(
            "    "
            + f"{_index(r['index']):>10}"
            + "".join(f"{_val(r[c]):>14}" for c in cols)
            + f"{_num(r['difference']):>13}"
        )
    shown = len(rows)
    bad = max((c.n_bad for c in p.comparisons.values() if c.mode == "entries"), default=0)
    if bad > shown:
        lines.append(f"    ... {bad - shown} more wrong entries not shown")
    return lines


def _probe_lines(p: ParamReport) -> list[str]:
    c = p.comparisons.get("fd")
    if c is None or c.mode != "probes" or p.refs:
        return []
    located = c.detail.get("located", [])
    if located:
        least = "" if c.detail.get("located_all", True) else "at least "
        lines = [
            f"    located by bisection of fd probes: {least}{len(located)} "
            f"wrong entr{'y' if len(located) == 1 else 'ies'}",
            f"    {'index':>10}{'yours':>14}{'fd':>14}{'fd error':>11}{'difference':>13}",
        ]
        for r in located[:8]:
            lines.append(
                f"    {_index(r['index']):>10}{_val(r['yours']):>14}{_val(r['fd']):>14}{r['fd_error']:>11.1e}"
                f"{_num(r['yours'] - r['fd']):>13}"
            )
        return lines
    lines = [f"    {'probe':>6}{'<yours, v>':>16}{'fd d/dt':>16}{'fd error':>11}{'allowed':>11}"]
    for r in [r for r in c.detail.get("probes", []) if not r.get("ok", True)][:4] or c.detail.get("probes", [])[:4]:
        lines.append(
            f"    {r['probe']:>6}{_val(r['yours']):>16}{_val(r['fd']):>16}{r['fd_error']:>11.1e}{r['bound']:>11.1e}"
        )
    return lines


def _ok_line(p: ParamReport) -> str:
    parts = []
    for o, c in p.comparisons.items():
        tag = "" if o in p.trusted else " (set aside)"
        kind = "rel" if c.mode == "entries" else "probe rel"
        parts.append(f"{o} {kind} {c.max_rel:.1e}{tag}" + (f", {c.kinks} at kinks" if c.kinks else ""))
    return f"{p.name}  shape {tuple(p.shape)} {p.dtype}  ok  " + "   ".join(parts)


def format_param(p: ParamReport) -> list[str]:
    if p.ok:
        return [_ok_line(p), *[f"  note: {n}" for n in p.notes], *[f"  note: {why}" for why in p.set_aside.values()]]
    lines = [_param_header(p), *_table(p), *_probe_lines(p)]
    if p.diagnosis:
        lines.append(f"  diagnosis: {p.diagnosis}")
    lines += [f"  note: {why}" for why in p.set_aside.values()]
    lines += [f"  note: {n}" for n in p.notes]
    return lines


def bound_line(report: Report) -> str | None:
    """One line: per passing parameter, the smallest single-entry error the check would have caught.

    A failing parameter has no bound (its entries are off by more than any allowance), so it is never listed.
    """
    judged = [p for p in report.params if p.ok and p.bound is not None and np.isfinite(p.bound)]
    if not judged:
        return None
    parts = [f"{p.bound:.1e} in {p.name}" for p in judged[:6]] + (["..."] if len(judged) > 6 else [])
    scope = "the passing parameters: " if len(judged) < len(report.params) else ""
    return (
        f"detection bound: {scope}no entry is off by more than {', '.join(parts)} (single entries; seed {report.seed})"
    )


def format_oracles(report: Report) -> list[str]:
    parts, skipped = [], []
    for o in report.oracles:
        if o.status == "ran":
            work = f", {o.evaluations} evals" if o.name == "fd" else ""
            how = (
                f", {o.ran_as}" if o.ran_as and o.ran_as != "as written" else ""
            )  # followed: said; as written: default
            parts.append(f"{o.name} ({o.mode}{work}{how}, {o.seconds * 1e3:.1f} ms)")
        else:
            skipped.append(f"  {o.name} skipped: {o.reason}")
    return ["oracles: " + "; ".join(parts) if parts else "oracles: none ran", *skipped]


def tolerance_line(report: Report) -> str | None:
    tols = ", ".join(f"{d} rtol {t['rtol']:.0e} atol {t['atol']:.1e}" for d, t in report.tolerances.items())
    why = "".join(f"\n  {d}: {t['why']}" for d, t in report.tolerances.items() if t.get("why"))
    return f"tolerance: {tols}; seed {report.seed}{why}" if tols else None


def _symbol(c: Counterpart) -> str:
    label = c.label if c.label.isidentifier() else f"({c.label})"
    return f"dL/d{label}"


def counterpart(c: Counterpart, long: bool = False) -> str:
    """A quantity of the forward in words: "dL/da2 (the adjoint of a2 at mlp.py:12)", "the forward's a2"."""
    at = f"{os.path.basename(c.file)}:{c.line}" if c.file else ""
    conv = f", {c.convention}" if c.convention else ""
    if c.kind == "gradient":
        return f"the gradient of {c.label}{conv}"
    if c.kind == "adjoint":
        if not long or not at:
            return _symbol(c) + conv
        return f"{_symbol(c)} (the adjoint of {c.label} at {at}){conv}"
    if not at:
        return f"the input {c.label}{conv}"
    return f"the forward's {c.label}" + (f" ({at})" if long else "") + conv


def where_line(report: Report) -> str | None:
    """The first wrong line of the user's backward, what it should be and what it is computed from; or why it
    could not be located (a failing check only)."""
    fw = report.first_wrong
    if fw is None:
        return f"where: not located: {report.not_located}" if report.not_located else None
    head = f"where: {fw.function} ({os.path.basename(fw.file)}:{fw.line}) {fw.code} is wrong"
    should = f"it should be {counterpart(fw.expected, long=True)}, shape {tuple(fw.shape)}"
    if fw.inputs:
        parts = [f"{n} (line {line}, = {counterpart(c)})" for n, line, c in fw.inputs]
        return f"{head}: {should}; what it is computed from, {_and(parts)}, is right"
    return f"{head}: {should}; it is computed from its function's arguments alone"


def footer(report: Report) -> list[str]:
    """The lines under the parameters: where in your code, detection bound, health, oracles, tolerance, how to
    reproduce."""
    lines = [line for line in (where_line(report), bound_line(report)) if line]
    lines += [f"health: {h.name}: {h.message}" for h in report.health]
    lines += format_oracles(report)
    lines += [line for line in (tolerance_line(report),) if line]
    if report.reproduce and not report.ok:
        lines.append(f"reproduce: {report.reproduce}")
    return lines


def text(report: Report) -> str:
    """The terminal report: verdict, failing parameters first (with their worst entries), then the footer."""
    lines = [report.verdict]
    for p in sorted(report.params, key=lambda p: p.ok):
        lines += format_param(p)
    return "\n".join(lines + footer(report))


# ---- Markdown and HTML (notebooks) ----------------------------------------------------------------------


def _summary_rows(report: Report) -> list[list[str]]:
    """One row per parameter: name, shape, dtype, status, worst relative error per oracle, diagnosis."""
    rows = []
    for p in sorted(report.params, key=lambda p: p.ok):
        rel = ", ".join(
            f"{o} {c.max_rel:.1e}" + ("" if o in p.trusted else " (set aside)") for o, c in p.comparisons.items()
        )
        wrong = _param_header(p).split(f"{p.dtype}  ", 1)[-1] if not p.ok else "ok"
        rows.append([p.name, str(tuple(p.shape)), p.dtype, wrong, rel or "-"])
    return rows


SUMMARY_COLUMNS = ["parameter", "shape", "dtype", "status", "worst relative error"]


def _entry_rows(p: ParamReport) -> tuple[list[str], list[tuple[bool, list[str]]]]:
    rows = p.rows()
    cols = ["index", "yours", *p.refs.keys(), "difference"]
    return cols, [
        (r["wrong"], [_index(r["index"]), *(_val(r[c]) for c in cols[1:-1]), _num(r["difference"])]) for r in rows
    ]


def markdown(report: Report) -> str:
    """The report as Markdown: verdict, a parameter table, each failing parameter's entries (wrong ones marked)."""

    def table(cols, rows):
        esc = [[c.replace("|", "\\|") for c in row] for row in rows]
        return ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols), *("| " + " | ".join(r) + " |" for r in esc)]

    mark = "✅" if report.ok else "❌"
    lines = [f"**{mark} {report.verdict}**", "", *table(SUMMARY_COLUMNS, _summary_rows(report))]
    for p in report.failing:
        cols, rows = _entry_rows(p)
        if rows:
            lines += [
                "",
                f"**{p.name}**: worst entries (✗ = rejected by a trusted oracle)",
                "",
                *table(["", *cols], [["✗" if wrong else "", *r] for wrong, r in rows]),
            ]
        lines += ["", f"- diagnosis: {p.diagnosis}"] if p.diagnosis else []
        lines += [f"- note: {n}" for n in [*p.notes, *p.set_aside.values()]]
    notes = [f"- note ({p.name}): {n}" for p in report.params if p.ok for n in [*p.notes, *p.set_aside.values()]]
    return "\n".join(lines + ([""] + notes if notes else []) + ["", *(f"- {line.strip()}" for line in footer(report))])


STYLE = (
    "<style>.gradcheck-report table{border-collapse:collapse;margin:4px 0 8px}"
    ".gradcheck-report td,.gradcheck-report th{border:1px solid #ccc;padding:2px 8px;text-align:right;"
    "font-family:monospace;white-space:nowrap}.gradcheck-report th{text-align:left}"
    ".gradcheck-report td.name,.gradcheck-report td.text{text-align:left}"
    ".gradcheck-report tr.wrong td{background:#fde2e2;font-weight:bold}"
    ".gradcheck-report .verdict-ok{color:#18794e}.gradcheck-report .verdict-fail{color:#c0262d}"
    ".gradcheck-report ul{margin:2px 0;padding-left:20px}</style>"
)


def _cells(values, tag="td", classes=()) -> str:
    classes = list(classes) + [""] * (len(values) - len(classes))
    return "".join(f"<{tag}{f' class={c!r}' if c else ''}>{_html.escape(v)}</{tag}>" for v, c in zip(values, classes))


def html(report: Report) -> str:
    """The report as an HTML fragment (Jupyter's `_repr_html_`): every string escaped, wrong entries marked."""
    esc = _html.escape
    verdict_class = "verdict-ok" if report.ok else "verdict-fail"
    out = [
        STYLE,
        '<div class="gradcheck-report">',
        f'<p class="{verdict_class}"><strong>{"&#10004;" if report.ok else "&#10008;"} {esc(report.verdict)}'
        "</strong></p>",
        "<table><thead><tr>" + _cells(SUMMARY_COLUMNS, "th") + "</tr></thead><tbody>",
    ]
    for row in _summary_rows(report):
        out.append("<tr>" + _cells(row, classes=["name", "", "", "text", "text"]) + "</tr>")
    out.append("</tbody></table>")
    for p in report.failing:
        cols, rows = _entry_rows(p)
        if rows:
            out.append(f"<p><b>{esc(p.name)}</b>: worst entries (rows in red are rejected by a trusted oracle)</p>")
            out.append("<table><thead><tr>" + _cells(cols, "th") + "</tr></thead><tbody>")
            out += [f'<tr class="{"wrong" if wrong else "right"}">' + _cells(r) + "</tr>" for wrong, r in rows]
            out.append("</tbody></table>")
        items = ([f"diagnosis: {p.diagnosis}"] if p.diagnosis else []) + [
            f"note: {n}" for n in [*p.notes, *p.set_aside.values()]
        ]
        out.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>" if items else "")
    notes = [f"note ({p.name}): {n}" for p in report.params if p.ok for n in [*p.notes, *p.set_aside.values()]]
    out.append("<ul>" + "".join(f"<li>{esc(line)}</li>" for line in [*notes, *footer(report)]) + "</ul></div>")
    return "\n".join(line for line in out if line)


def _and(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def verdict_line(report: Report, what: str | None = None) -> str:
    """The first line: passed or not, against whom, and whether the oracles agreed among themselves (`what`:
    what was checked, in words, when the report's kind does not say it: check_function's parts)."""
    what = what or {
        "vjp": "hand-written vjp",
        "backward": "hand-written backward",
        "layer": "hand-written backward",
        "function": "hand-written backward",
        "hvp": "hand-written hvp",
        "jvp": "hand-written jvp",
    }.get(report.kind, "hand-written grad")
    ran = report.ran
    blocking = [h for h in report.health if h.fails]
    if not ran:
        return f"no verdict: no oracle could run ({'; '.join(o.reason for o in report.oracles)})"
    if any(h.name == "nondeterministic" for h in blocking):
        return f"no verdict: {what.split()[-1]} or loss is nondeterministic (see health below)"
    unresolved = [p.name for p in report.params if p.status == "unresolved"]
    if unresolved and all(p.status in ("ok", "unresolved") for p in report.params):
        return f"no verdict for {_and(unresolved)}: this check cannot tell right from wrong here (see below)"
    bad = report.failing
    n_entries = sum(int(np.prod(p.shape)) for p in report.params if p.status != "extra")
    if not bad:
        if blocking:
            problem = blocking[0].name.replace("_", " ")
            return f"check failed: {what} agrees with {_and(ran)}, but {problem} (see health below)"
        skipped = [o.name for o in report.oracles if o.status != "ran"]
        tail = f"; {_and(skipped)} skipped" if skipped else ""
        aside = list(dict.fromkeys(o for p in report.params for o in p.set_aside))
        if aside:
            ran = [o for o in ran if o not in aside] or ran
            tail += f"; {_and(aside)} set aside, see notes"
        return (
            f"gradient check passed: {what} agrees with {_and(ran)} "
            f"({_n(len(report.params), 'input' if report.kind == 'jvp' else 'parameter')}, "
            f"{_n(n_entries, 'entry', 'entries')}, "
            f"seed {report.seed}{tail})"
        )
    names = _and([p.name for p in bad])
    mism = [p for p in bad if p.status == "mismatch"]
    if not mism:
        return f"gradient mismatch in {names}: {bad[0].message}"
    trusted = list(dict.fromkeys(o for p in mism for o in p.trusted))
    if any(p.oracles_disagree for p in mism):  # undecided: name only the oracles yours actually disagrees with
        trusted = [o for o in trusted if any(o in p.comparisons and not p.comparisons[o].ok for p in mism)] or trusted
    aside = list(dict.fromkeys(o for p in mism for o in p.set_aside))
    agree = (
        "and the oracles disagree with each other"
        if any(p.oracles_disagree for p in mism)
        else _agreement_words(trusted, aside)
    )
    return f"gradient mismatch in {names}: {what} disagrees with {_and(trusted)} ({agree})"


def _agreement_words(trusted: list[str], aside: list[str]) -> str:
    """What the headline says of the oracles a mismatch was judged against, and of those set aside."""
    if not aside:
        return "they agree with each other" if len(trusted) > 1 else "the only oracle that ran"
    return f"which agree with each other; {_and(aside)} set aside" if len(trusted) > 1 else f"{_and(aside)} set aside"


# ---- a command's table of checks (gradcheck run / selftest / check) -------------------------------------


def _row_oracles(o) -> str:
    if o.report is None:
        return "-"
    return " ".join(r.name for r in o.report.oracles if r.status == "ran") or "none"


def _row_rel(o) -> str:
    w = o.report.worst_rel() if o.report is not None else None
    return "-" if w is None else f"{w:.1e}" if math.isfinite(w) else str(w)


def run_table(outcomes: list, only_failures: bool = False) -> list[str]:
    """status, check, oracles that ran, worst relative error, seconds: one line per outcome."""
    rows = [o for o in outcomes if not (only_failures and o.ok)]
    width = max([len(o.case_id) for o in rows] + [5])
    lines = [f"{'status':<7}{'check':<{width + 2}}{'oracles':<14}{'worst rel':>10}{'time':>8}"]
    for o in rows:
        lines.append(f"{o.status:<7}{o.case_id:<{width + 2}}{_row_oracles(o):<14}{_row_rel(o):>10}{o.seconds:>7.2f}s")
    return lines


def run_failures(outcomes: list) -> list[str]:
    """For each failed row: its report (ending with how to rerun just that row) or its problems."""
    lines = []
    for o in outcomes:
        if o.ok:
            continue
        lines += ["", f"{o.status} {o.case_id}"]
        lines += [f"  {p}" for p in o.problems]
        if o.report is not None:
            lines += str(o.report).split("\n")
    return lines + [""] if lines else lines


def run_totals(outcomes: list, seconds: float) -> str:
    n_ok = sum(o.ok for o in outcomes)
    kinds = {k: sum(o.kind == k for o in outcomes) for k in ("case", "sweep", "check")}
    names = {"case": "reference cases", "sweep": "sweep checks", "check": "checks"}
    parts = [f"{n} {names[k]}" for k, n in kinds.items() if n]
    verdict = "all passed" if n_ok == len(outcomes) else f"{len(outcomes) - n_ok} FAILED"
    return f"{verdict}: {n_ok}/{len(outcomes)} ({', '.join(parts) or 'nothing ran'}) in {seconds:.1f}s"


# ---- the pytest plugin's terminal summary --------------------------------------------------------------


def _n(k: int, word: str, words: str = "") -> str:
    """'1 test', '2 tests'; `words` for an irregular plural."""
    return f"{k} {word if k == 1 else words or word + 's'}"


def _rel(x) -> str:
    return "inf/nan" if x is None else f"{x:.1e}"


def plugin_summary(s: dict, report_path=None) -> list[str]:
    """The terminal summary: checks and tests, agreement per oracle, worst relative error, where the report went.

    Checks and tests are counted apart: a test may make several checks, or expect a failing one (grad_report).
    """
    failed = s["checks"] - s["passed"]
    tests_ok = s["tests"] - s["tests_failed"]
    lines = [
        f"{_n(s['checks'], 'gradient check')} in {_n(s['tests'], 'test')}: {s['passed']} passed"
        + (f", {failed} failed" if failed else "")
        + f"; tests: {tests_ok} passed"
        + (f", {s['tests_failed']} failed" if s["tests_failed"] else "")
    ]
    agreement = ", ".join(f"{n} {v['agreed']}/{v['ran']}" for n, v in s["agreement"].items())
    lines.append(f"agreement with oracles: {agreement or 'no oracle ran'}")
    w, wp = s["worst"], s["worst_passing"]
    if w is not None and w.get("problem"):
        lines.append(f"worst: {w['param']} not compared ({w['problem']}) in {w['test']}")
    elif w is not None:
        lines.append(f"worst relative error: {_rel(w['rel'])} ({w['param']} vs {w['oracle']}) in {w['test']}")
    if wp is not None and wp != w:
        lines.append(f"worst among passing checks: {_rel(wp['rel'])} ({wp['param']} vs {wp['oracle']}) in {wp['test']}")
    if report_path:
        lines.append(f"report: {report_path}")
    return lines
