"""README promises are kept: its quickstart runs as pasted and prints what README shows; CI runs its command."""

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def normalise(text: str) -> str:
    """Mask what varies between runs and machines: timings and round-off-level errors."""
    text = re.sub(r"\d+\.\d ms", "<t> ms", text)
    text = re.sub(r"rel (\d\.\de-(1[0-9]|[2-9]\d)|0\.0e\+00)", "rel <tiny>", text)  # an exact 0 is round-off too
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


def run(code: str, path: Path | None = None) -> str:
    """The code's output, run from a file (`example.py`, or `path`) as a user would, so its lines can be read."""
    with tempfile.TemporaryDirectory() as tmp:
        if path is None:
            path = Path(tmp) / "example.py"
            path.write_text(code)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        argv = [sys.executable, str(path)]
        out = subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_quickstart_as_pasted_prints_what_readme_shows():
    pytest.importorskip("torch"), pytest.importorskip("jax")
    code = next(b for b in blocks("python") if "check_grad" in b)
    shown = blocks("text")[1]
    assert normalise(run(code)) == normalise(shown)


def test_failure_report_at_the_top_is_what_the_example_prints():
    pytest.importorskip("torch"), pytest.importorskip("jax")
    printed = run("", ROOT / "examples" / "quickstart.py")
    failure = printed.split("\n\n", 1)[1]
    assert normalise(failure) == normalise(blocks("text")[0])


def test_ci_runs_the_readme_test_command():
    commands = [line for b in blocks("bash") for line in b.splitlines() if "pytest" in line]
    assert len(commands) == 1
    assert commands[0] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_performance_table_is_the_latest_benchmark_run():
    import importlib.util

    spec = importlib.util.spec_from_file_location("readme_table", ROOT / "benchmarks" / "readme_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = (ROOT / "benchmarks" / "results.md").read_text()
    assert module.splice(README, module.section(results)) == README, "run python benchmarks/readme_table.py"


def shown_after(marker: str) -> tuple[str, str]:
    """(the python block containing `marker`, the text block printed right after it)."""
    for code, text in re.findall(r"```python\n(.*?)```\s*\n\s*prints\s*\n\s*```text\n(.*?)```", README, flags=re.S):
        if marker in code:
            return code, text
    raise AssertionError(f"no python block with {marker!r} followed by its output")


@pytest.mark.parametrize("marker", ["gradcheck.check_backward(", "gradcheck.check_function("])
def test_entry_point_reports_are_what_the_code_prints(marker):
    pytest.importorskip("torch"), pytest.importorskip("jax")
    code, shown = shown_after(marker)
    assert normalise(run(code)) == normalise(shown)
