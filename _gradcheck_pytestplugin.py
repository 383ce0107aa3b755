"""gradcheck's pytest plugin: options, marker, the `gradcheck` fixture and the run summary.

Loaded through the `pytest11` entry point, it imports nothing heavy at load time (not numpy, torch, jax
nor gradcheck itself): the logic lives in `gradcheck.plugin`, imported inside a hook or fixture only when a
test actually uses gradcheck, so a project that merely has gradcheck installed pays next to nothing.
Disable with `pytest -p no:gradcheck`.
"""

from __future__ import annotations

import os
import sys

import pytest

# option dest -> (ini key, ini type, default, help); the command line wins over the ini file.
OPTIONS = {
    "gradcheck_oracles": (
        "--gradcheck-oracles",
        "string",
        "",
        "oracles for the gradcheck fixture, comma-separated from fd,torch,jax, or all "
        "(default: fd and one framework, the other consulted on any disagreement)",
    ),
    "gradcheck_seed": (
        "--gradcheck-seed",
        "string",
        "0",
        "seed of the finite-difference probes and random cotangents (default: 0)",
    ),
    "gradcheck_rtol": (
        "--gradcheck-rtol",
        "string",
        "",
        "relative tolerance of the gradcheck fixture's checks, a non-negative number (default: from the dtype)",
    ),
    "gradcheck_atol": (
        "--gradcheck-atol",
        "string",
        "",
        "absolute tolerance of the gradcheck fixture's checks, a non-negative number (default: from the dtype)",
    ),
    "gradcheck_report": (
        "--gradcheck-report",
        "string",
        "",
        "write a JSON report of every gradient check in the run to PATH (default: none)",
    ),
}
UPDATE_HELP = "rewrite the computed (expected) values of golden cases instead of failing (default: off)"
RECORD_KEY = "gradcheck"
JAX_CACHE_VARIABLE = "GRADCHECK_JAX_CACHE_DIR"  # read by gradcheck/_engine/oracles/jax_disk.py
CURRENT_TEST = pytest.StashKey()  # config.stash: the test item running now (the fixture records on it)
SESSION_DEFAULTS = {"gradcheck_oracles": "", "gradcheck_seed": "0", "gradcheck_rtol": "", "gradcheck_atol": ""}


def pytest_addoption(parser):
    group = parser.getgroup("gradcheck", "gradcheck: gradient checks")
    for dest, (flag, kind, default, text) in OPTIONS.items():
        group.addoption(flag, dest=dest, default=None, metavar="PATH" if "report" in dest else "VALUE", help=text)
        parser.addini(dest, help=text, type=kind, default=default)
    group.addoption(
        "--gradcheck-update-golden", dest="gradcheck_update_golden", action="store_true", default=None, help=UPDATE_HELP
    )
    parser.addini("gradcheck_update_golden", help=UPDATE_HELP, type="bool", default=False)


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "gradcheck(oracles=None, rtol=None, atol=None, seed=None): settings for the gradcheck fixture in this "
        "test (oracles: 'fd,torch' or a tuple of names; rtol/atol: numbers; seed: int)",
    )
    for dest in (*OPTIONS, "gradcheck_update_golden"):  # ini values fill in options not given on the command line
        if getattr(config.option, dest, None) is None:
            setattr(config.option, dest, config.getini(dest))
    if any(getattr(config.option, dest) not in ("", default) for dest, default in SESSION_DEFAULTS.items()):
        from gradcheck.plugin import validate_session_options

        validate_session_options(config)
    config.pluginmanager.register(_Recorder(config), "gradcheck-recorder")


def _jax_cache(config) -> None:
    """Point the jax oracle at pytest's cache (a rerun of the suite skips compiling), creating the folder only
    once a test module has imported gradcheck: a project that never uses it gets no .pytest_cache/d/gradcheck-jax."""
    cache = getattr(config, "cache", None)
    if cache is not None and "gradcheck" in sys.modules and JAX_CACHE_VARIABLE not in os.environ:
        os.environ[JAX_CACHE_VARIABLE] = str(cache.mkdir("gradcheck-jax"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Keep the running test where the session-scoped `gradcheck` fixture finds it (its checks are recorded on it)."""
    previous = item.config.stash.get(CURRENT_TEST, None)
    item.config.stash[CURRENT_TEST] = item
    try:
        return (yield)
    finally:
        item.config.stash[CURRENT_TEST] = previous


def pytest_collect_file(file_path, parent):
    """`*.gradcheck.json` files become test items (one per textbook case); no other file is touched."""
    if not file_path.name.endswith(".gradcheck.json"):
        return None
    try:
        from gradcheck.golden.pytest_items import collect_file
    except ModuleNotFoundError as exc:  # golden cases not installed in this version of gradcheck
        if exc.name and exc.name.startswith("gradcheck.golden"):
            return None
        raise
    return collect_file(file_path, parent)


def pytest_runtest_setup(item):
    """A malformed @pytest.mark.gradcheck fails the test up front, naming the keyword."""
    _jax_cache(item.config)
    if item.get_closest_marker("gradcheck") is not None:
        from gradcheck.plugin import marker_settings

        marker_settings(item)


@pytest.fixture(scope="session")
def gradcheck(request):
    """Check gradients with the session's gradcheck options; every check is recorded for the summary.

    Example::

        def test_backprop(gradcheck):
            gradcheck.check_grad(loss, grad, params, args=(x, y))

    `@pytest.mark.gradcheck(oracles="fd,torch", rtol=1e-5)` overrides the session options for one test.
    Session-scoped and stateless: each call reads the running test's marker and records on that test, so it is
    safe inside `@given` (no function_scoped_fixture health check; every example's checks are recorded).
    """
    from gradcheck.plugin import GradcheckFixture

    return GradcheckFixture(request.config, lambda: request.config.stash.get(CURRENT_TEST, None))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """A failed gradient check shows its report table and the test line, not a deep traceback."""
    report = yield
    if report.failed and call.excinfo is not None and "gradcheck.errors" in sys.modules:
        from gradcheck.plugin import compact_failure

        text = compact_failure(item, call.excinfo)
        if text is not None:
            report.longrepr = text
    return report


class _Recorder:
    """Collects the checks carried on test reports (from this process or xdist workers); the controller sums."""

    def __init__(self, config):
        self.config = config
        self.records: list[dict] = []
        self.failed: set[str] = set()
        self.worker = hasattr(config, "workerinput")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report):
        """At teardown (on the controller): keep each check's record, and leave JUnit XML one line per check."""
        if report.failed:
            self.failed.add(report.nodeid)
        if report.when != "teardown" or self.worker or not any(k == RECORD_KEY for k, _ in report.user_properties):
            return
        from gradcheck.plugin import counted, junit_line

        failed = report.nodeid in self.failed
        checks = counted([v for k, v in report.user_properties if k == RECORD_KEY], failed)
        self.records += [{**c, "test_failed": failed} for c in checks]
        others = [(k, v) for k, v in report.user_properties if k != RECORD_KEY]
        report.user_properties[:] = others + [(RECORD_KEY, junit_line(c)) for c in checks]

    def pytest_sessionfinish(self, session):
        path = self.config.option.gradcheck_report
        if path and not self.worker:
            from gradcheck.plugin import write_json_report

            write_json_report(path, self.records, self.config)

    def pytest_terminal_summary(self, terminalreporter):
        if self.records and not self.worker:
            from gradcheck.plugin import summary_lines

            terminalreporter.section("gradcheck")
            for line in summary_lines(self.records, self.config):
                terminalreporter.write_line(line)
