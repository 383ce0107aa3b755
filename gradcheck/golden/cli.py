"""`gradcheck golden ...`: update the computed fields of case files, or run them.

    gradcheck golden update [PATH...]    recompute `computed` in place (atomic); "N updated, M unchanged"
                                         (default PATH: ./reference_cases; installed cases are never rewritten)
    gradcheck golden update --check      exit 1 if any file would change (for CI), writing nothing
    gradcheck golden run [PATH...]       verify cases (default: the shipped ones)

Exit status: 0 done, 1 a case failed or would change, 2 a file could not be loaded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(prog="gradcheck golden", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="golden_command", required=True)
    up = sub.add_parser("update", help="recompute the computed fields of case files (default: ./reference_cases)")
    up.add_argument("paths", nargs="*", metavar="PATH", help="case files or directories searched for *.gradcheck.json")
    up.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change (default: off)")
    run = sub.add_parser("run", help="verify case files (default: the shipped cases)")
    run.add_argument("paths", nargs="*", metavar="PATH", help="case files or directories searched for *.gradcheck.json")
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return run_command(args)


def run_command(args) -> int:
    """Dispatch parsed arguments (also called by gradcheck's main CLI)."""
    from gradcheck.golden import CaseError, run_cases, update

    try:
        if args.golden_command == "update":
            summary = update(args.paths or [_default_update_dir()], check_only=args.check)
            print(summary)
            return 2 if summary.broken else (1 if args.check and summary.updated else 0)
        results = run_cases(*args.paths)
    except CaseError as exc:
        print(exc, file=sys.stderr)
        return 2
    for r in results:
        print(r)
    failed = [r for r in results if not r.ok]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def _default_update_dir() -> Path:
    """./reference_cases, the conventional place of a project's cases (never the installed ones)."""
    from gradcheck.golden import CaseError

    here = Path("reference_cases")
    if not here.is_dir():
        raise CaseError(here, "", "does not exist: name the case files or directories to update")
    return here


if __name__ == "__main__":
    sys.exit(main())
