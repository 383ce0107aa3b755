"""Textbook cases as data: one `<id>.gradcheck.json` file per published worked example.

load(path) -> Case, verify(case) -> GoldenResult, discover(*paths) -> [Path], update(paths) -> UpdateSummary,
run_cases(*paths) -> [GoldenResult], shipped_cases_dir() -> the cases installed with gradcheck.
The format is docs/golden.md and the JSON Schema gradcheck/golden/case.schema.json.
"""

from gradcheck.golden.jsonschema import CaseError
from gradcheck.golden.schema import FORMAT_VERSION, SUFFIX, Case, load
from gradcheck.golden.store import UpdateSummary, discover, run_cases, shipped_cases_dir, update, write_atomic
from gradcheck.golden.verify import GoldenResult, verify

__all__ = [
    "FORMAT_VERSION",
    "SUFFIX",
    "Case",
    "CaseError",
    "GoldenResult",
    "UpdateSummary",
    "discover",
    "load",
    "run_cases",
    "shipped_cases_dir",
    "update",
    "verify",
    "write_atomic",
]
