"""pytest items for golden cases: one test per `reference_cases/*.json`, named by the case id.

The plugin calls `collect_file` from its `pytest_collect_file` hook. On a mismatch the item writes
`<case>.obtained.json` beside the case and fails naming the case and the field; with
`--gradcheck-update-golden` it rewrites the expected values instead and reports what changed.
Only pytest is imported here; gradcheck.golden (and numpy) load when a case file is collected.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CASE_DIRECTORY = "reference_cases"
UPDATE_OPTION = "gradcheck_update_golden"


def collect_file(file_path: Path, parent):
    """A GoldenFile for a `*.json` case inside a directory named reference_cases, else None."""
    file_path = Path(file_path)
    if (file_path.suffix == ".json" and file_path.parent.name == CASE_DIRECTORY
            and not file_path.name.endswith(".obtained.json")):
        return GoldenFile.from_parent(parent, path=file_path)
    return None


class GoldenMismatch(AssertionError):
    """A golden case that no longer reproduces; the message names the case, the fields and the numbers."""


class GoldenFile(pytest.File):
    """One case file; its single item is the case."""

    def collect(self):
        from gradcheck.errors import GradcheckError
        from gradcheck.golden import load

        try:
            case = load(self.path)
        except GradcheckError as exc:
            raise self.CollectError(str(exc)) from None
        yield GoldenItem.from_parent(self, name=case.id, case=case)


class GoldenItem(pytest.Item):
    """Verify one case (or update it under --gradcheck-update-golden)."""

    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self):
        from gradcheck.golden import load, update, verify
        from gradcheck.golden.store import obtained_path, write_obtained

        if self.config.getoption(UPDATE_OPTION, default=False):
            changes = update(self.path)
            self.user_properties.append(("gradcheck_golden_changes", changes))
            text = "\n".join(changes) if changes else f"{self.path.name}: expected values unchanged"
            self.add_report_section("call", "gradcheck golden update", text)
            self.case = load(self.path)
        result = verify(self.case)
        stale = obtained_path(self.path)
        if result.ok:
            stale.unlink(missing_ok=True)
            return
        written = write_obtained(self.case, result.obtained)
        raise GoldenMismatch(
            f"{result}\nobtained values written to {written}; if gradcheck's change is intended, rerun with "
            f"--gradcheck-update-golden (printed values and errata change only by hand)"
        )

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GoldenMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"golden case {self.name}"
