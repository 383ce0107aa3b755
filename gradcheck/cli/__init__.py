"""The `gradcheck` command (also `python -m gradcheck`): run, check, plot.

Exit status: 0 every check passed, 1 a check failed, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import sys
import time

from ..errors import GradcheckError

EXIT_CODES = """exit status:
  0  every check passed
  1  a check failed
  2  usage or input error (bad path, bad MODULE:NAME, malformed case, unknown oracle)"""


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--oracles", metavar="LIST", help="comma-separated from fd,torch,jax "
                   "(default: fd plus every installed framework; one asked for but not installed is an error)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="seed of FD probes, cotangents and the sweep (default: 0)")
    p.add_argument("--json", metavar="PATH", help="write the full report as JSON to PATH (default: none)")
    p.add_argument("--plot", metavar="DIR", help="write PNG figures for the checks to DIR (needs matplotlib)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gradcheck", description="Check hand-written gradients against finite "
                                     "differences, PyTorch autograd and JAX.", epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"gradcheck {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = sub.add_parser("run", help="reference cases and the built-in network sweep (the CI gate)",
                         description="Run reference cases (JSON files; with no PATH, every case in reference_cases/) "
                         "and, with no PATH, a property sweep of the built-in networks; print a table.",
                         epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("paths", nargs="*", metavar="PATH", help="case files or directories of them")
    run.add_argument("--sweep", type=int, metavar="N", help="run the first N sweep entries "
                     "(default: all 72 with no PATH, none with a PATH)")
    run.add_argument("--no-sweep", dest="sweep", action="store_const", const=0, help="skip the sweep")
    run.add_argument("-k", dest="select", metavar="TEXT", help="only rows whose id contains TEXT")
    run.add_argument("-q", "--quiet", action="store_true", help="table rows for failures only")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress on stderr (default: only when stderr is a terminal)")
    _common(run)
    for name, text in (("check", "check a function pair or case object named MODULE:NAME"),
                       ("plot", "check MODULE:NAME and write its figures (same as check --plot DIR)")):
        p = sub.add_parser(name, help=text, description=text + ". MODULE is a dotted module or a .py file; "
                           "NAME is a dict/object with loss, grad, params (optional args) or fn, vjp, inputs "
                           "(optional cotangent), a list of those, or a function of no arguments returning one.",
                           epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("target", metavar="MODULE:NAME")
        p.add_argument("--rtol", type=float, help="relative tolerance (default: by dtype, 1e-6 for float64)")
        p.add_argument("--atol", type=float, help="absolute tolerance (default: by dtype, relative to the largest "
                       "reference entry)")
        _common(p)
        if name == "plot":
            p.set_defaults(plot="gradcheck-figures")
            p.add_argument("--out", dest="plot", metavar="DIR", help="directory for the PNGs (default: gradcheck-figures)")
    from ..golden.cli import build_parser as golden_parser

    golden_parser(sub.add_parser("golden", help="textbook case files: update their computed fields, or run them"))
    return parser


def _version() -> str:
    from .. import __version__

    return __version__


def main(argv=None) -> int:
    """Entry point of the `gradcheck` console script; returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    if args.command == "golden":
        from ..golden.cli import run_command

        return run_command(args)
    try:
        if args.plot:
            from .plot import require_matplotlib

            require_matplotlib()
        oracles = _oracles(args.oracles)
        if args.command == "run":
            return cmd_run(args, oracles)
        return cmd_check(args, oracles)
    except GradcheckError as exc:
        print(f"gradcheck: error: {exc}", file=sys.stderr)
        return 2


def _oracles(text):
    if text is None:
        return None
    from ..plugin import parse_oracles

    return parse_oracles(text, "--oracles")


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


def cmd_run(args, oracles) -> int:
    from . import runner, sweep

    start = time.perf_counter()
    if args.paths:
        paths, where = runner.case_paths(args.paths), ", ".join(args.paths)
    else:
        directory = runner.default_case_dir()
        paths, where = (_discover(directory), str(directory)) if directory else ([], "no reference_cases/ found")
    n_sweep = args.sweep if args.sweep is not None else (0 if args.paths else len(sweep.grid()))
    jobs = [("case", p, p.stem) for p in paths] + [("sweep", c, c.case_id) for c in sweep.cases(args.seed, n_sweep)]
    if args.select:
        jobs = [j for j in jobs if args.select in j[2]]
    print(f"gradcheck run: {len(paths)} reference cases ({where}), {n_sweep} sweep checks (seed {args.seed}), "
          f"oracles {','.join(oracles) if oracles else 'fd + installed frameworks'}")
    progress, outcomes = Progress(args.progress, len(jobs)), []
    for i, (kind, job, label) in enumerate(jobs, 1):
        progress.step(i, label)
        outcomes.append(runner.run_case(job) if kind == "case" else runner.run_sweep_case(job, oracles, args.seed))
    progress.done()
    seconds = time.perf_counter() - start
    print("\n".join(runner.table(outcomes, only_failures=args.quiet)))
    print("\n".join(runner.failure_details(outcomes, f"gradcheck run --seed {args.seed}")))
    print(runner.totals(outcomes, seconds))
    if args.json:
        runner.write_json(args.json, outcomes, {"command": "run", "paths": args.paths, "seed": args.seed,
                                                "oracles": list(oracles) if oracles else "auto", "sweep": n_sweep}, seconds)
        print(f"report: {args.json}")
    if args.plot:
        _plot_sweep_failures(outcomes, jobs, args)
    return runner.exit_code(outcomes)


def _discover(directory):
    from ..golden import discover

    return discover(directory)


def _plot_sweep_failures(outcomes, jobs, args) -> None:
    from ..nets import make_loss_and_grad
    from .plot import figures

    cases = {label: job for kind, job, label in jobs if kind == "sweep"}
    for o in outcomes:
        if o.kind == "sweep" and not o.ok:
            c = cases[o.case_id]
            loss, _ = make_loss_and_grad(c.spec)
            for path in figures(o.report, loss, c.params, (c.x, c.y), args.plot, o.case_id, args.seed):
                print(f"figure: {path}")


def cmd_check(args, oracles) -> int:
    from . import runner
    from .target import resolve

    start = time.perf_counter()
    targets = resolve(args.target)
    outcomes = []
    for t in targets:
        t0 = time.perf_counter()
        report = t.run(oracles=oracles, seed=args.seed, rtol=args.rtol, atol=args.atol)
        report.reproduce = f"gradcheck check {args.target} --seed {args.seed}"
        outcomes.append(runner.Outcome("check", t.label, report.ok, time.perf_counter() - t0, report=report))
        print(f"{t.label}: {report}\n")
        if args.plot:
            for path in _target_figures(t, report, args):
                print(f"figure: {path}")
    seconds = time.perf_counter() - start
    if len(outcomes) > 1:
        print("\n".join(runner.table(outcomes)))
    print(runner.totals(outcomes, seconds))
    if args.json:
        runner.write_json(args.json, outcomes, {"command": args.command, "target": args.target, "seed": args.seed,
                                                "oracles": list(oracles) if oracles else "auto"}, seconds)
        print(f"report: {args.json}")
    return runner.exit_code(outcomes)


def _target_figures(t, report, args):
    from .plot import figures

    f = t.fields
    if t.kind == "grad":
        return figures(report, f["loss"], f["params"], f.get("args", ()), args.plot, t.label, args.seed)
    loss, params = _vjp_as_loss(f, report)
    return figures(report, loss, params, (), args.plot, t.label, args.seed)


def _vjp_as_loss(f, report):
    """A VJP case as loss(params) = <fn(inputs), cotangent> over the inputs the report checked."""
    import numpy as np

    from .._engine.vjp import _input_names

    inputs = list(f["inputs"])
    names = _input_names(f["fn"], len(inputs))
    checked = {p.name for p in report.params}
    index = {n: i for i, n in enumerate(names) if n in checked}
    out = np.asarray(f["fn"](*inputs))
    cot = f.get("cotangent")
    cot = np.random.default_rng([report.seed, 0x7C7]).standard_normal(out.shape) if cot is None else np.asarray(cot)

    def loss(params):
        full = list(inputs)
        for n, i in index.items():
            full[i] = params[n]
        return float(np.sum(np.asarray(f["fn"](*full)) * cot))

    return loss, {n: inputs[i] for n, i in index.items()}
