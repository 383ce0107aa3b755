"""The commands: `run` gates the user's project, `selftest` runs gradcheck's own cases and sweep, `check`/`plot`.

Each builds a list of jobs (a golden case file, a sweep entry or a user target), runs them into Outcomes,
prints the table and returns the exit status (see gradcheck.cli.EXIT_CODES).
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import render
from ..errors import GradcheckError
from ..settings import ProjectConfig, Settings, find_config, read_config
from . import runner

NOTHING_TO_CHECK = 5  # as pytest's "no tests collected"
CONFIGURE = """gradcheck run: nothing to check. Name what to check in your pyproject.toml:

    [tool.gradcheck]
    targets = ["mypkg.gradients:cases"]   # MODULE:NAME of a case (loss, grad, params) or a list of them
    cases = ["tests/reference_cases"]     # directories of golden case files (optional)
    oracles = "fd,torch"                  # optional; default fd plus one framework, the third on disagreement
    seed = 0                              # optional
    # rtol = 1e-6, atol = 1e-9            # optional; default by dtype

or name them on the command line: gradcheck run mypkg.gradients:cases tests/reference_cases
(gradcheck's own self-test is `gradcheck selftest`.)"""


@dataclass(frozen=True)
class Job:
    """One row to run: a golden case file, a sweep entry or a user target, with its label."""

    kind: str  # "case", "sweep" or "check"
    item: object
    label: str


class Progress:
    """`[ 12/78] sweep/11 ...` on stderr: rewritten in place on a terminal, one line each otherwise."""

    def __init__(self, enabled: bool | None, total: int):
        self.tty = sys.stderr.isatty()
        self.on = self.tty if enabled is None else enabled
        self.total = total

    def step(self, i: int, label: str) -> None:
        if self.on:
            text = f"[{i:>3}/{self.total}] {label}"
            sys.stderr.write(f"\r\033[K{text}" if self.tty else text + "\n")
            sys.stderr.flush()

    def done(self) -> None:
        if self.on and self.tty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


# ---- gradcheck run: the user's project -------------------------------------------------------------------


def project_config(args) -> ProjectConfig:
    """--config FILE, else the nearest pyproject.toml with [tool.gradcheck] (an empty config if none)."""
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise GradcheckError(f"No such file: --config={args.config!r}")
        return read_config(path) or ProjectConfig(path)
    return find_config(Path.cwd())


def split_paths(paths: list[str]) -> tuple[list[str], list[Path]]:
    """Command-line PATHs as (MODULE:NAME targets, case files); a missing path is an input error."""
    targets, cases = [], []
    for text in paths:
        p = Path(text)
        if p.exists():
            if p.is_file() and p.suffix == ".py":
                raise GradcheckError(
                    f"Expected MODULE:NAME for a Python file but got PATH={text!r}: "
                    f"name the case object, e.g. {text}:cases"
                )
            cases += runner.case_paths([text])
        elif ":" in text:
            targets.append(text)
        else:
            raise GradcheckError(f"No such file or directory: {text!r} (a target is MODULE:NAME)")
    return targets, cases


def run(args, cli: Settings) -> int:
    """gradcheck run: the project's targets and case directories, from PATHs or [tool.gradcheck]."""
    start = time.perf_counter()
    config = project_config(args)  # PATHs replace its targets and cases; its settings still apply
    settings = cli.over(config.settings)
    if args.paths:
        targets, cases, where = *split_paths(args.paths), "command line"
    else:
        targets, cases = list(config.targets), runner.case_paths([str(c) for c in config.cases])
        where = str(config.path.name) if config.path else "nothing"
    if config.path is not None and str(config.path.parent) not in sys.path:
        sys.path.insert(0, str(config.path.parent))  # targets import from the project's root, as from its cwd
    if not targets and not cases:
        print(CONFIGURE, file=sys.stderr)
        return NOTHING_TO_CHECK
    jobs = [Job("check", t, t.label) for spec in targets for t in _resolve(spec)]
    jobs += [Job("case", p, p.stem) for p in cases]
    print(
        f"gradcheck run: {len(targets)} targets and {len(cases)} reference cases from {where}, "
        f"seed {settings.seed or 0}, oracles {settings.describe_oracles()}"
    )
    return _finish(
        args,
        jobs,
        settings,
        start,
        {
            "command": "run",
            "paths": args.paths,
            "targets": targets,
            "config": str(config.path.name) if config.path else None,
        },
    )


def _resolve(spec: str):
    from .target import resolve

    return resolve(spec)


# ---- gradcheck selftest: gradcheck's own cases and sweep --------------------------------------------------


def selftest_cases() -> tuple[list[Path], str]:
    """gradcheck's shipped textbook cases (the one place the self-test finds them) and where they came from."""
    from ..golden import discover

    directory = runner.default_case_dir()
    return (discover(directory), str(directory.name)) if directory else ([], "no reference_cases/ found")


def selftest(args, settings: Settings) -> int:
    from . import sweep

    start = time.perf_counter()
    paths, where = selftest_cases()
    n_sweep = args.sweep if args.sweep is not None else len(sweep.grid())
    seed = settings.seed or 0
    jobs = [Job("case", p, p.stem) for p in paths] + [Job("sweep", c, c.case_id) for c in sweep.cases(seed, n_sweep)]
    print(
        f"gradcheck selftest: {len(paths)} reference cases ({where}), {n_sweep} sweep checks (seed {seed}), "
        f"oracles {settings.describe_oracles()}"
    )
    return _finish(args, jobs, settings, start, {"command": "selftest", "sweep": n_sweep})


# ---- shared: run the jobs, print, write -------------------------------------------------------------------


def _run_job(job: Job, settings: Settings, reproduce: str) -> runner.Outcome:
    if job.kind == "case":
        return runner.run_case(job.item)
    if job.kind == "sweep":
        outcome = runner.run_sweep_case(job.item, settings.oracles, settings.seed or 0)
        outcome.report.reproduce = f"{reproduce} -k '{job.label}'"
        return outcome
    return runner.run_target(job.item, settings, reproduce)


def _finish(args, jobs: list[Job], settings: Settings, start: float, meta: dict) -> int:
    if args.select:
        jobs = [j for j in jobs if args.select in j.label]
    reproduce = f"gradcheck {args.command} --seed {settings.seed or 0}"
    progress, outcomes = Progress(args.progress, len(jobs)), []
    for i, job in enumerate(jobs, 1):
        progress.step(i, job.label)
        outcomes.append(_run_job(job, settings, reproduce))
    progress.done()
    seconds = time.perf_counter() - start
    print("\n".join(render.run_table(outcomes, only_failures=args.quiet)))
    print("\n".join(render.run_failures(outcomes)))
    _totals(args, outcomes, settings, seconds, meta)
    if args.plot:
        _plot_failures(outcomes, jobs, args, settings.seed or 0)
    return runner.exit_code(outcomes)


def _totals(args, outcomes: list, settings: Settings, seconds: float, meta: dict) -> None:
    """Print the totals line, and write the JSON report when --json asks for one."""
    print(render.run_totals(outcomes, seconds))
    if args.json:
        settings_meta = {"seed": settings.seed or 0, "oracles": list(settings.oracles or ()) or "auto"}
        runner.write_json(args.json, outcomes, {**meta, **settings_meta}, seconds)
        print(f"report: {args.json}")


def _plot_failures(outcomes, jobs: list[Job], args, seed: int) -> None:
    by_label = {j.label: j for j in jobs}
    for o in outcomes:
        job = by_label.get(o.case_id)
        if o.ok or job is None or o.report is None:
            continue
        for path in _figures(job, o.report, args.plot, seed):
            print(f"figure: {path}")


def _figures(job: Job, report, outdir, seed: int):
    from .plot import figures

    if job.kind == "sweep":
        from ..nets import make_loss_and_grad

        c = job.item
        return figures(report, make_loss_and_grad(c.spec)[0], c.params, (c.x, c.y), outdir, job.label, seed)
    loss, params, call_args = job.item.as_loss(report)
    return figures(report, loss, params, call_args, outdir, job.label, seed)


# ---- gradcheck check / plot -------------------------------------------------------------------------------


def check(args, settings: Settings) -> int:
    from .target import resolve

    start = time.perf_counter()
    outcomes = []
    reproduce = f"gradcheck {args.command} {args.target} --seed {settings.seed or 0}"
    for t in resolve(args.target):
        o = runner.run_target(t, settings, reproduce)
        outcomes.append(o)
        print(f"{t.label}: {o.report}\n" if o.report is not None else f"{t.label}: ERROR {o.problems[0]}\n")
        if args.plot and o.report is not None:
            for path in _figures(Job("check", t, t.label), o.report, args.plot, settings.seed or 0):
                print(f"figure: {path}")
    seconds = time.perf_counter() - start
    if len(outcomes) > 1:
        print("\n".join(render.run_table(outcomes)))
    _totals(args, outcomes, settings, seconds, {"command": args.command, "target": args.target})
    return runner.exit_code(outcomes)
