"""Recompute every case file in reference_cases/ from code: `python -m gradcheck.golden.generate`.

Each case's inputs, printed values and errata come from gradcheck.golden.cases; every expected number is
computed by gradcheck (recipes.compute), verified, and cross-checked against fd, torch and jax before writing.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

import numpy as np

from gradcheck.golden.cases import CASES
from gradcheck.golden.recipes import compute
from gradcheck.golden.schema import FORMAT_VERSION, parse
from gradcheck.golden.store import describe_changes, to_jsonable, write_atomic
from gradcheck.golden.verify import verify

TOLERANCE = {"rtol": 1e-12, "atol": 1e-14}


def build(definition: dict, directory: Path, crosscheck_oracles: bool = True) -> dict:
    """The full case dict for one definition from cases.py; raises SystemExit if it does not verify."""
    data = {"format": FORMAT_VERSION, **to_jsonable(definition)}
    data = {k: data[k] for k in ("format", "id", "title", "source", "conventions", "model", "inputs", "recipes",
                                 "stated", "claims", "errata")}
    data["expected"], data["tolerance"] = {}, dict(TOLERANCE)
    data["generated_by"] = _provenance()
    path = directory / f"{data['id']}.json"
    bare = parse({**data, "stated": [], "claims": [], "errata": []}, path)
    data["expected"] = to_jsonable(compute(bare))
    case = parse(data, path)
    result = verify(case)
    if not result.ok:
        raise SystemExit(f"{path}: does not verify:\n{result}")
    if crosscheck_oracles:
        data["generated_by"]["crosscheck"] = _crosscheck(case)
    return data


def _crosscheck(case) -> dict:
    from gradcheck.golden.crosscheck import ORACLES, crosscheck

    cc = crosscheck(case)
    uncovered = cc.uncovered(case)
    if cc.problems or uncovered:
        raise SystemExit(f"{case.path}: cross-check failed:\n" + "\n".join(cc.problems)
                         + (f"\nnot confirmed by any oracle: {uncovered}" if uncovered else ""))
    return {"oracles": list(ORACLES), "fields": dict(sorted(cc.covered.items())),
            "not_cross_checked": "doc.* fields reproduce the document's own (possibly wrong) steps"}


def _provenance() -> dict:
    import gradcheck

    return {"command": "python -m gradcheck.golden.generate", "gradcheck": gradcheck.__version__,
            "numpy": np.__version__, "python": platform.python_version(), **_framework_versions()}


def _framework_versions() -> dict:
    out = {}
    for name in ("torch", "jax"):
        try:
            out[name] = __import__(name).__version__
        except ImportError:
            out[name] = "not installed"
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gradcheck.golden.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="reference_cases", help="where the case files go (default: reference_cases)")
    parser.add_argument("--no-crosscheck", action="store_true", help="skip the fd/torch/jax cross-check (default: run it)")
    parser.add_argument("--only", action="append", default=[], help="case id to generate (repeatable; default: all)")
    args = parser.parse_args(argv)
    directory = Path(args.dir)
    directory.mkdir(parents=True, exist_ok=True)
    for make in CASES:
        definition = make()
        if args.only and definition["id"] not in args.only:
            continue
        data = build(definition, directory, not args.no_crosscheck)
        path = directory / f"{data['id']}.json"
        old = _old_expected(path)
        write_atomic(path, data)
        changes = describe_changes(old, data["expected"]) if old is not None else ["new case"]
        print(f"{path}: {len(data['expected'])} expected fields, {len(data['stated'])} stated, "
              f"{len(data['claims'])} claims, {len(data['errata'])} errata; "
              f"{'; '.join(changes) if changes else 'expected values unchanged'}")
    return 0


def _old_expected(path: Path):
    import json

    try:
        return json.loads(path.read_text())["expected"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


if __name__ == "__main__":
    sys.exit(main())
