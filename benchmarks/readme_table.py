"""Copy the tables of benchmarks/results.md into README.md's Performance section (run after run_all.py)."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = (
    "Targets (issues 7 and 15): S1 <= 1x torch.autograd.gradcheck's slow mode per check over distinct "
    "small shapes; S1' (all three oracles, warm caches) <= 2x; cold start <= 2.5 s; B1 >= 100x faster than "
    "torch's slow mode at 1e4 parameters; B2/S2 <= 10x one hand-written gradient at 1e6; B3 >= 100 "
    "examples/s; B4 <= 50 ms; B5 median relative error <= 1e-10 with no more evaluations than "
    "numdifftools; memory: the default check's peak <= your own loss and grad's peak + 3 copies of a 1e7-entry "
    "parameter (your own loss and grad need 4 there; one of the 3 is torch's own copy of the params, so nothing "
    "a loss does under torch reaches your arrays). Issue 27 sets S2 <= 6x one hand-written gradient at ~1e6 for "
    "both mixes on one and two threads, B1 <= 2x torch's fast_mode at 1e6 and memory <= 2 copies beyond your own; "
    "the tables above say where they stand. How a check spends its time: "
    "[docs/performance.md](docs/performance.md)."
)


def section(results: str) -> str:
    """README's Performance section body, made from the results file's machine line and tables."""
    machine = re.search(r"^Machine: .*$", results, re.M).group(0)
    body = [f"Latest run of `python benchmarks/run_all.py` (all of it: `benchmarks/results.md`). {machine}", ""]
    for title, table in re.findall(r"^## (.*?)\n\n(\|.*?)(?=\n\n|\Z)", results, flags=re.S | re.M):
        body += [f"**{title}**", "", table.strip(), ""]
    return "\n".join(body + [TARGETS]) + "\n\n"


def splice(readme: str, body: str) -> str:
    start = readme.index("## Performance\n\n") + len("## Performance\n\n")
    return readme[:start] + body + readme[readme.index("## Development") :]


def main() -> int:
    readme = (ROOT / "README.md").read_text()
    new = splice(readme, section((ROOT / "benchmarks" / "results.md").read_text()))
    (ROOT / "README.md").write_text(new)
    print("README.md Performance section", "updated" if new != readme else "already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
