"""The `gradcheck` command (also `python -m gradcheck`): run (your project), selftest, check, plot.

Exit status: 0 every check passed, 1 a check failed, 2 usage or input error, 5 nothing to check.
The command line never imports pytest: settings come from gradcheck.settings, not from the plugin.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import GradcheckError
from ..settings import DEFAULT_ORACLES, Settings

EXIT_CODES = """exit status:
  0  every check passed
  1  a check failed
  2  usage or input error (bad path, bad MODULE:NAME, a module that fails to import, malformed case or config,
     unknown oracle)
  5  nothing to check (no PATH and no [tool.gradcheck] targets or cases in pyproject.toml)"""


def _common(p: argparse.ArgumentParser, tolerances: bool = True) -> None:
    p.add_argument(
        "--oracles",
        metavar="LIST",
        help=f"comma-separated from fd,torch,jax, or all (every installed oracle on every check); default: "
        f"{DEFAULT_ORACLES}; one asked for but not installed is an error",
    )
    p.add_argument("--seed", metavar="N", help="seed of FD probes, cotangents and the sweep (default: 0)")
    if tolerances:
        p.add_argument("--rtol", metavar="X", help="relative tolerance (default: by dtype, 1e-6 for float64)")
        p.add_argument(
            "--atol",
            metavar="X",
            help="absolute tolerance (default: by dtype, relative to the largest reference entry)",
        )
    p.add_argument("--json", metavar="PATH", help="write the full report as JSON to PATH (default: none)")
    p.add_argument("--plot", metavar="DIR", help="write PNG figures for the checks to DIR (needs matplotlib)")


def _table_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", dest="select", metavar="TEXT", help="only rows whose id contains TEXT")
    p.add_argument("-q", "--quiet", action="store_true", help="table rows for failures only")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress on stderr (default: only when stderr is a terminal)",
    )


def _sub(sub, name: str, text: str, description: str) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=text,
        description=description,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradcheck",
        description="Check hand-written gradients against finite differences, PyTorch autograd and JAX.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gradcheck {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = _sub(
        sub,
        "run",
        "check your project: [tool.gradcheck] in pyproject.toml, or PATHs (the CI gate)",
        "Check the targets (MODULE:NAME) and golden case directories named in [tool.gradcheck] of the "
        "nearest pyproject.toml, or those given as PATHs; print a table. Command-line options win over "
        "the config; a target's own settings win over both.",
    )
    run.add_argument("paths", nargs="*", metavar="PATH", help="MODULE:NAME targets, case files or directories of them")
    run.add_argument(
        "--config",
        metavar="FILE",
        help="pyproject.toml to read (default: the nearest one with a "
        "[tool.gradcheck] table, from the current directory up)",
    )
    _table_options(run)
    _common(run)
    selftest = _sub(
        sub,
        "selftest",
        "gradcheck's own self-test: its textbook cases and a sweep of 72 networks",
        "Verify gradcheck's shipped textbook reference cases and run a property sweep of the built-in "
        "networks against the oracles (--oracles; default: fd plus one framework, the third consulted on any "
        "disagreement); print a table.",
    )
    selftest.add_argument("--sweep", type=int, metavar="N", help="run the first N sweep entries (default: all 72)")
    selftest.add_argument("--no-sweep", dest="sweep", action="store_const", const=0, help="skip the sweep")
    _table_options(selftest)
    _common(selftest, tolerances=False)
    for name, text in (
        ("check", "check a function pair or case object named MODULE:NAME"),
        ("plot", "check MODULE:NAME and write its figures (same as check --plot DIR)"),
    ):
        p = _sub(
            sub,
            name,
            text,
            text + ". MODULE is a dotted module or a .py file; NAME is a dict/object with "
            "loss, grad, params (optional args) or fn, vjp, inputs (optional cotangent), a list of those, or a "
            "function of no arguments returning one.",
        )
        p.add_argument("target", metavar="MODULE:NAME")
        _common(p)
        if name == "plot":
            p.set_defaults(plot="gradcheck-figures")
            p.add_argument(
                "--out", dest="plot", metavar="DIR", help="directory for the PNGs (default: gradcheck-figures)"
            )
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
        settings = Settings.parse(
            "--",
            oracles=args.oracles,
            seed=args.seed,
            rtol=getattr(args, "rtol", None),
            atol=getattr(args, "atol", None),
        )
        from . import commands

        command = {"run": commands.run, "selftest": commands.selftest}.get(args.command, commands.check)
        return command(args, settings)
    except GradcheckError as exc:
        print(f"gradcheck: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `gradcheck run | head`: the reader left; say nothing more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
