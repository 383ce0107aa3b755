"""gradcheck's pytest plugin end to end (pytester): fixture, marker, options, failure display, summary, xdist."""

import json

import pytest

from .conftest import XDIST

pytest.importorskip("xdist")

PLANTED = """
import numpy as np
import pytest

def loss(p, x):
    return 0.5 * np.sum((p["W"] @ x) ** 2)

def grad(p, x):
    r = p["W"] @ x
    return {"W": 0.5 * np.outer(r, x)}  # planted bug: the 1/2 of the loss applied twice

def test_bad(gradcheck):
    p = {"W": np.arange(6.0).reshape(2, 3) / 7}
    gradcheck.check_grad(loss, grad, p, args=(np.array([1.0, -2.0, 0.5]),))

def test_good(gradcheck):
    gradcheck.check_grad(lambda p: np.sum(p["a"] ** 3), lambda p: {"a": 3 * p["a"] ** 2}, {"a": np.ones(4)})
"""


def _checks(pytester, name="r.json"):
    return json.loads((pytester.path / name).read_text())


def test_downstream_example_passes_with_every_oracle(downstream):
    result = downstream.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-report=r.json")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(
        [
            "*= gradcheck =*",
            "5 gradient checks in 5 tests: 4 passed, 1 failed; tests: 5 passed",
            "agreement with oracles: fd 4/5, torch 3/4, jax 0/1",  # jax on demand only
            "worst relative error: * in tests/test_tinynet.py::test_a_planted_bug_is_caught",
            "worst among passing checks: *",
            "report: r.json",
        ]
    )
    report = _checks(downstream)
    assert report["settings"]["seed"] == "7"  # from the example's ini file
    assert report["summary"]["checks"] == 5 and report["summary"]["passed"] == 4


def test_xdist_gives_the_same_verdicts_and_merges_the_report(downstream):
    """Workers' checks travel on test reports; only the controller sums them and writes one report."""
    runs = {}
    for mode, extra in (("serial", []), ("xdist", ["-n", "2"])):
        result = downstream.runpytest_inprocess(
            "-p", "no:cacheprovider", "--gradcheck-oracles=fd", f"--gradcheck-report={mode}.json", *extra
        )
        result.assert_outcomes(passed=6)
        result.stdout.fnmatch_lines(
            ["5 gradient checks in 5 tests: 4 passed, 1 failed; tests: 5 passed", "agreement with oracles: fd 4/5"]
        )
        runs[mode] = [(c["test"], c["label"], c["ok"]) for c in _checks(downstream, f"{mode}.json")["checks"]]
    assert runs["serial"] == runs["xdist"]
    assert [ok for _, _, ok in runs["serial"]] == [False, True, True, True, True]  # the planted bug, then ok


@pytest.mark.parametrize("xdist", XDIST)
def test_a_failing_check_shows_the_report_not_a_traceback(pytester, xdist):
    pytester.makepyfile(test_bad=PLANTED)
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradcheck-oracles=fd", "--gradcheck-seed=3", *xdist
    )
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "gradient mismatch in W: hand-written grad disagrees with fd (the only oracle that ran)",
            "at test_bad.py:13 in test_bad: gradcheck.check_grad(loss, grad, p, "
            "args=(np.array([[]1.0, -2.0, 0.5[]]),))",
            "W  shape (2, 3) float64  wrong entries 6/6*",
            "*index*yours*fd*difference",
            "  diagnosis: *0.5 x reference*",
            "reproduce: pytest test_bad.py::test_bad --gradcheck-seed=3",
            "*= gradcheck =*",
            "2 gradient checks in 2 tests: 1 passed, 1 failed; tests: 1 passed, 1 failed",
            "agreement with oracles: fd 1/2",
            "worst relative error: 5.0e-01 (W vs fd) in test_bad.py::test_bad",
            "FAILED test_bad.py::test_bad - gradient mismatch in W: *",
        ]
    )
    out = result.stdout.str()
    assert "gradcheck/plugin.py" not in out and "def test_bad" not in out and "Traceback" not in out


def test_tb_long_keeps_the_full_traceback(pytester):
    pytester.makepyfile(test_bad=PLANTED)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-oracles=fd", "--tb=long")
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["*def test_bad(gradcheck):*", "E   *GradientMismatch*"])


@pytest.mark.parametrize("xdist", XDIST)
def test_marker_overrides_session_options_and_ini(pytester, xdist):
    pytester.makeini("[pytest]\ngradcheck_oracles = fd,torch\ngradcheck_seed = 5\n")
    pytester.makepyfile("""
        import pytest

        @pytest.mark.gradcheck(oracles="fd", rtol=1e-4, seed=11)
        def test_marked(gradcheck):
            assert gradcheck.settings == {"oracles": ("fd",), "seed": 11, "rtol": 1e-4}

        def test_ini(gradcheck):
            assert gradcheck.settings == {"oracles": ("fd", "torch"), "seed": 5}
    """)
    pytester.runpytest_inprocess("-p", "no:cacheprovider", *xdist).assert_outcomes(passed=2)


def test_command_line_wins_over_ini(pytester):
    pytester.makeini("[pytest]\ngradcheck_oracles = fd,torch\n")
    pytester.makepyfile("def test_a(gradcheck):\n    assert gradcheck.settings['oracles'] == ('jax',)\n")
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-oracles=jax").assert_outcomes(passed=1)


def test_a_bad_marker_keyword_fails_the_test_by_name(pytester):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.gradcheck(oracle="fd")
        def test_typo(gradcheck):
            pass

        @pytest.mark.gradcheck(rtol=-1)
        def test_negative():
            pass
    """)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*@pytest.mark.gradcheck on test_a_bad_marker_keyword_fails_the_test_by_name.py::test_typo: "
            "unknown keyword 'oracle'; expected one of ('oracles', 'rtol', 'atol', 'seed')",
            "*test_negative: Expected a finite non-negative number but got rtol=-1 (type=int)",
        ]
    )
    assert "During handling" not in result.stdout.str()


def test_the_marker_is_registered(pytester):
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.gradcheck(oracles=None, rtol=None, atol=None, seed=None): *"])


@pytest.mark.parametrize(
    "option, message",
    [
        (
            "--gradcheck-oracles=fd,tensorflow",
            "*Expected oracles from ('fd', 'torch', 'jax')*--gradcheck-oracles='fd,tensorflow' (type=str)*",
        ),
        ("--gradcheck-seed=-2", "*Expected a non-negative integer but got --gradcheck-seed='-2' (type=str)"),
    ],
)
def test_bad_session_options_are_usage_errors(pytester, option, message):
    pytester.makepyfile("def test_a():\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_options_and_ini_keys_in_help(pytester):
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--help")
    result.stdout.fnmatch_lines(
        [
            "gradcheck: gradient checks:",
            "*--gradcheck-oracles=VALUE*",
            "*--gradcheck-seed=VALUE*",
            "*--gradcheck-report=PATH*",
            "*--gradcheck-update-golden*",
        ]
    )
    for key in ("gradcheck_oracles", "gradcheck_report", "gradcheck_update_golden", "gradcheck_seed"):
        assert f"  {key} (" in result.stdout.str()


def test_update_golden_reads_from_ini_and_command_line(pytester):
    pytester.makeini("[pytest]\ngradcheck_update_golden = true\n")
    pytester.makepyfile(
        "def test_a(request):\n    assert request.config.getoption('gradcheck_update_golden') is True\n"
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_plugin_disabled_leaves_other_tests_working(downstream):
    # a fresh process (in-process, gradcheck is imported already and pytest may warn that it cannot rewrite it):
    # the ini key and the marker are unknown without the plugin, each a warning, and the test runs
    result = downstream.runpytest_subprocess(
        "-p", "no:cacheprovider", "-p", "no:gradcheck", "-p", "no:xdist", "-k", "forward"
    )
    result.assert_outcomes(passed=1, deselected=5, warnings=2)
    result.stdout.fnmatch_lines(
        ["plugins: *", "*Unknown config option: gradcheck_seed*", "*Unknown pytest.mark.gradcheck*"]
    )
    assert "gradcheck" not in result.stdout.lines[3]  # the "plugins:" line


def test_check_vjp_and_grad_report_are_recorded(pytester):
    pytester.makepyfile("""
        import numpy as np

        def test_both(gradcheck):
            r = gradcheck.grad_report(lambda p: np.sum(p ** 2), lambda p: p, np.ones(3), label="half")
            assert not r.ok
            gradcheck.check_vjp(lambda x: 2 * x, lambda g, x: (2 * g,), (np.ones(2),))
            assert len(gradcheck.reports) == 2
    """)
    pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", "--gradcheck-oracles=fd", "--gradcheck-report=out/r.json"
    ).assert_outcomes(passed=1)
    checks = _checks(pytester, "out/r.json")["checks"]
    assert [(c["label"], c["ok"]) for c in checks] == [("half", False), ("<lambda>", True)]
    assert checks[0]["report"]["params"][0]["worst_entries"]


def test_loading_the_plugin_imports_no_framework(pytester):
    pytester.makepyfile("""
        import sys

        def test_nothing_heavy_loaded(request):
            assert request.config.pluginmanager.has_plugin("gradcheck")
            heavy = {"numpy", "torch", "jax", "gradcheck"} & set(sys.modules)
            assert not heavy, heavy
    """)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:hypothesispytest")
    result.assert_outcomes(passed=1)


def test_oracles_all_runs_every_oracle_and_compiles_persist_in_pytests_cache(pytester, monkeypatch):
    """--gradcheck-oracles=all runs jax even on a pass; its compile lands in .pytest_cache for the next run."""
    pytest.importorskip("torch"), pytest.importorskip("jax")
    pytester.makepyfile("""
        from array_api_compat import array_namespace

        def test_all(gradcheck):
            loss = lambda p: array_namespace(p["a"]).sum(p["a"] ** 3)
            report = gradcheck.check_grad(loss, lambda p: {"a": 3 * p["a"] ** 2}, {"a": __import__("numpy").ones(4)})
            assert gradcheck.settings["oracles"] == "all" and report.ran == ["fd", "torch", "jax"]
    """)
    monkeypatch.delenv("GRADCHECK_JAX_CACHE_DIR", raising=False)  # set by this outer run's own plugin
    pytester.runpytest_inprocess("--gradcheck-oracles=all").assert_outcomes(passed=1)
    assert list((pytester.path / ".pytest_cache" / "d" / "gradcheck-jax" / "executables").glob("*.xla"))
