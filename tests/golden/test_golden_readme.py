"""README's "Adding a textbook case" is true: its file is a shipped case minus what gradcheck writes, and the
command prints what README shows and makes the case pass."""

import json
import re
from pathlib import Path

from gradcheck.cli import main
from gradcheck.golden import SUFFIX, run_cases, shipped_cases_dir

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
SECTION = README[README.index("### Adding a textbook case") :]


def test_readme_case_is_the_shipped_one_without_computed_fields():
    case = json.loads(re.search(r"```json\n(.*?)```", SECTION, flags=re.S).group(1))
    shipped = json.loads((shipped_cases_dir() / f"{case['id']}{SUFFIX}").read_text())
    assert case == {k: v for k, v in shipped.items() if k not in ("computed", "generated_by")}


def test_readme_command_prints_what_readme_shows_and_the_case_passes(tmp_path, capsys, monkeypatch):
    text = re.search(r"```json\n(.*?)```", SECTION, flags=re.S).group(1)
    case_id = json.loads(text)["id"]
    (tmp_path / "reference_cases").mkdir()
    (tmp_path / "reference_cases" / f"{case_id}{SUFFIX}").write_text(text)
    monkeypatch.chdir(tmp_path)
    shown = re.search(r"\$ gradcheck golden update reference_cases/\n(.*?)\n\$", SECTION, flags=re.S).group(1)
    assert main(["golden", "update", "reference_cases/"]) == 0
    assert capsys.readouterr().out.strip() == shown.strip()
    assert [r.ok for r in run_cases(tmp_path / "reference_cases")] == [True]
