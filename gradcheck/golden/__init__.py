"""Golden textbook cases: worked examples frozen as JSON in reference_cases/, with their errata.

load(path) -> GoldenCase, verify(case) -> GoldenResult, discover(directory) -> [Path], update(path) -> [str].
Regenerate every case from code with `python -m gradcheck.golden.generate`; the format is in docs/golden.md.
"""

from gradcheck.golden.schema import FORMAT_VERSION, GoldenCase, load
from gradcheck.golden.store import discover, update, write_atomic
from gradcheck.golden.verify import GoldenResult, verify

__all__ = ["FORMAT_VERSION", "GoldenCase", "GoldenResult", "discover", "load", "update", "verify", "write_atomic"]
