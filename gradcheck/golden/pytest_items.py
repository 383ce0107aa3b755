"""pytest items for case files: one test per `*.gradcheck.json`, named by the case id.

The plugin calls `collect_file` from its `pytest_collect_file` hook; no other file is touched, so a project's
own JSON (in reference_cases/ or anywhere) is left alone. A file that cannot be loaded is one failing item
naming the file and the field (not a collection error), so the other cases still run. A mismatch fails
naming the file and the field, and says what can fix it: `gradcheck golden update` (or
--gradcheck-update-golden) for stale computed fields, a hand edit for a printed value, claim or erratum.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SUFFIX = ".gradcheck.json"
UPDATE_OPTION = "gradcheck_update_golden"


def collect_file(file_path: Path, parent):
    """A GoldenFile for a `*.gradcheck.json` file, else None."""
    if Path(file_path).name.endswith(SUFFIX):
        return GoldenFile.from_parent(parent, path=Path(file_path))
    return None


class GoldenMismatch(AssertionError):
    """A case that no longer reproduces; the message names the file, the fields and the numbers."""


class GoldenFile(pytest.File):
    """One case file; its single item is the case."""

    def collect(self):
        from gradcheck.golden import CaseError, load

        name = self.path.name[: -len(SUFFIX)]
        try:
            case = load(self.path)
        except CaseError as exc:  # one failing item, so the rest of the run still collects and runs
            yield BrokenCaseItem.from_parent(self, name=name, error=_broken(exc))
            return
        except Exception as exc:  # a loader bug must not stop the session either; said as one
            error = f"{self.path}: gradcheck failed to load this case ({type(exc).__name__}: {exc}); please report it"
            yield BrokenCaseItem.from_parent(self, name=name, error=error)
            return
        yield GoldenItem.from_parent(self, name=case.id, case=case)


def _broken(exc) -> str:
    return f"{exc}\nfix the file by hand at that field (`gradcheck golden update` cannot load it either)"


class BrokenCaseItem(pytest.Item):
    """A case file that cannot be loaded: fails with the loader's message (file and field)."""

    def __init__(self, *, error, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self):
        raise GoldenMismatch(self.error)

    def repr_failure(self, excinfo, style=None):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, f"gradcheck case file {self.path.name}"


class GoldenItem(pytest.Item):
    """Verify one case (or update its computed fields under --gradcheck-update-golden)."""

    def __init__(self, *, case, **kwargs):
        super().__init__(**kwargs)
        self.case = case

    def runtest(self):
        from gradcheck.golden import CaseError, load, update, verify

        try:
            if self.config.getoption(UPDATE_OPTION, default=False):
                summary = update([self.path])
                self.add_report_section("call", "gradcheck golden update", str(summary))
                self.case = load(self.path)
            result = verify(self.case)
        except CaseError as exc:  # found only by computing (an index outside a field, a shape in a variant)
            raise GoldenMismatch(_broken(exc)) from None
        if not result.ok:
            raise GoldenMismatch(f"{result}\n{result.next_step()}")

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, GoldenMismatch):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"gradcheck case {self.name}"
