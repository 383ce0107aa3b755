"""Text of a Report: verdict line, one block per parameter (capped table of worst entries), oracles, action."""

from __future__ import annotations

import numpy as np

from .report import ParamReport, Report


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
        lines.append("    " + f"{_index(r['index']):>10}" + "".join(f"{_val(r[c]):>14}" for c in cols)
                     + f"{_num(r['difference']):>13}")
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
        lines = [f"    located by bisection of fd probes: {len(located)} wrong entr{'y' if len(located) == 1 else 'ies'}",
                 f"    {'index':>10}{'yours':>14}{'fd':>14}{'fd error':>11}{'difference':>13}"]
        for r in located[:8]:
            lines.append(f"    {_index(r['index']):>10}{_val(r['yours']):>14}{_val(r['fd']):>14}{r['fd_error']:>11.1e}"
                         f"{_num(r['yours'] - r['fd']):>13}")
        return lines
    lines = [f"    {'probe':>6}{'<yours, v>':>16}{'fd d/dt':>16}{'fd error':>11}{'allowed':>11}"]
    for r in [r for r in c.detail.get("probes", []) if not r.get("ok", True)][:4] or c.detail.get("probes", [])[:4]:
        lines.append(f"    {r['probe']:>6}{_val(r['yours']):>16}{_val(r['fd']):>16}{r['fd_error']:>11.1e}{r['bound']:>11.1e}")
    return lines


def _ok_line(p: ParamReport) -> str:
    parts = []
    for o, c in p.comparisons.items():
        tag = "" if o in p.trusted else " (set aside)"
        kind = "rel" if c.mode == "entries" else "probe rel"
        parts.append(f"{o} {kind} {c.max_rel:.1e}{tag}" + (f", {c.kinks} at kinks" if c.kinks else ""))
    return f"{p.name}  shape {tuple(p.shape)} {p.dtype}  ok  " + "   ".join(parts)


DISAGREE = ("the oracles disagree with each other and none is clearly wrong: check the loss for non-differentiable "
            "points or randomness")


def format_param(p: ParamReport) -> list[str]:
    if p.ok:
        return [_ok_line(p), *[f"  note: {n}" for n in p.notes], *[f"  note: {why}" for why in p.set_aside.values()],
                *([f"  note: {DISAGREE}"] if p.oracles_disagree else [])]
    lines = [_param_header(p), *_table(p), *_probe_lines(p)]
    if p.diagnosis:
        lines.append(f"  diagnosis: {p.diagnosis}")
    lines += [f"  note: {why}" for why in p.set_aside.values()]
    lines += [f"  note: {DISAGREE}"] if p.oracles_disagree else []
    lines += [f"  note: {n}" for n in p.notes]
    return lines


def bound_line(report: Report) -> str | None:
    """One line: per parameter, the smallest single-entry error the check would have caught."""
    judged = [p for p in report.params if p.bound is not None and np.isfinite(p.bound)]
    if not judged:
        return None
    parts = [f"{p.bound:.1e} in {p.name}" for p in judged[:6]] + (["..."] if len(judged) > 6 else [])
    return f"detection bound: no entry is off by more than {', '.join(parts)} (single entries; seed {report.seed})"


def format_oracles(report: Report) -> list[str]:
    parts, skipped = [], []
    for o in report.oracles:
        if o.status == "ran":
            work = f", {o.evaluations} evals" if o.name == "fd" else ""
            parts.append(f"{o.name} ({o.mode}{work}, {o.seconds * 1e3:.1f} ms)")
        else:
            skipped.append(f"  {o.name} skipped: {o.reason}")
    return ["oracles: " + "; ".join(parts) if parts else "oracles: none ran", *skipped]


def format_report(report: Report) -> str:
    lines = [report.verdict]
    for p in sorted(report.params, key=lambda p: p.ok):
        lines += format_param(p)
    bound = bound_line(report)
    if bound:
        lines.append(bound)
    lines += [f"health: {h.name}: {h.message}" for h in report.health]
    lines += format_oracles(report)
    tols = ", ".join(f"{d} rtol {t['rtol']:.0e} atol {t['atol']:.1e}" for d, t in report.tolerances.items())
    if tols:
        lines.append(f"tolerance: {tols}; seed {report.seed}")
    if report.reproduce and not report.ok:
        lines.append(f"reproduce: {report.reproduce}")
    return "\n".join(lines)


def _and(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def verdict_line(report: Report) -> str:
    """The first line: passed or not, against whom, and whether the oracles agreed among themselves."""
    what = "hand-written vjp" if report.kind == "vjp" else "hand-written grad"
    ran = report.ran
    blocking = [h for h in report.health if h.fails]
    if not ran:
        return f"no verdict: no oracle could run ({'; '.join(o.reason for o in report.oracles)})"
    if any(h.name == "nondeterministic" for h in blocking):
        return f"no verdict: {what.split()[-1]} or loss is nondeterministic (see health below)"
    bad = report.failing
    n_entries = sum(int(np.prod(p.shape)) for p in report.params if p.status != "extra")
    if not bad:
        if blocking:
            return f"check failed: {what} agrees with {_and(ran)}, but {blocking[0].name.replace('_', ' ')} (see health below)"
        skipped = [o.name for o in report.oracles if o.status != "ran"]
        tail = f"; {_and(skipped)} skipped" if skipped else ""
        aside = list(dict.fromkeys(o for p in report.params for o in p.set_aside))
        if aside:
            ran = [o for o in ran if o not in aside] or ran
            tail += f"; {_and(aside)} set aside, see notes"
        return (f"gradient check passed: {what} agrees with {_and(ran)} "
                f"({len(report.params)} parameters, {n_entries} entries, seed {report.seed}{tail})")
    names = _and([p.name for p in bad])
    mism = [p for p in bad if p.status == "mismatch"]
    if not mism:
        return f"gradient mismatch in {names}: {bad[0].message}"
    trusted = list(dict.fromkeys(o for p in mism for o in p.trusted))
    aside = list(dict.fromkeys(o for p in mism for o in p.set_aside))
    agree = ("they agree with each other" if len(trusted) > 1 else "the only oracle that ran") if not aside else \
        f"which agree with each other; {_and(aside)} set aside"
    if any(p.oracles_disagree for p in mism):
        agree = "and the oracles disagree with each other"
    return f"gradient mismatch in {names}: {what} disagrees with {_and(trusted)} ({agree})"
