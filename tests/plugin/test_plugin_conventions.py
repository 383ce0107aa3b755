"""pytest's conventions, kept as Hypothesis, syrupy and pytest-regressions keep them (pytester): a GradcheckError
shows the test's line and the message, not gradcheck's frames; no cache folder for a project that never uses
gradcheck; --gradcheck-rtol / --gradcheck-atol beside the marker's keywords; a summary that never reports a
failed check's best-matching other parameter as its worst error."""

import pytest

pytest.importorskip("xdist")


def test_a_gradcheck_error_shows_the_test_line_and_the_message_only(pytester):
    pytester.makepyfile(
        test_package="""
        import gradcheck as package

        def test_fixture(gradcheck):
            gradcheck.check_grad(lambda p: p["b"].sum(), lambda p: p, {"b": [1, 2]})

        def test_package():
            package.check_backward(lambda x: (x, None), None, ([1, 2],))
    """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-oracles=fd")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            ">       gradcheck.check_grad(lambda p: p*",
            "E       gradcheck.errors.GradcheckError: params entry 'b[[]0[]]' has dtype int64; *",
            "test_package.py:4: GradcheckError",
            ">       package.check_backward(*",
            "E       gradcheck.errors.GradcheckError: forward returned no gradient for any floating-point array *",
            "test_package.py:7: GradcheckError",
        ]
    )
    assert "gradcheck/_engine" not in result.stdout.str() and "gradcheck/plugin.py" not in result.stdout.str()


def test_no_cache_folder_for_a_project_that_never_uses_gradcheck(pytester, monkeypatch):
    monkeypatch.delenv("GRADCHECK_JAX_CACHE_DIR", raising=False)  # set by this outer run's own plugin
    pytester.makepyfile("def test_a():\n    assert 1 + 1 == 2\n")
    pytester.runpytest_subprocess("-p", "no:xdist").assert_outcomes(passed=1)
    assert (pytester.path / ".pytest_cache").is_dir()
    assert not (pytester.path / ".pytest_cache" / "d" / "gradcheck-jax").exists()


def test_the_cache_folder_comes_once_a_test_module_uses_gradcheck(pytester, monkeypatch):
    monkeypatch.delenv("GRADCHECK_JAX_CACHE_DIR", raising=False)
    pytester.makepyfile("import gradcheck\n\ndef test_a():\n    pass\n")
    pytester.runpytest_subprocess("-p", "no:xdist").assert_outcomes(passed=1)
    assert (pytester.path / ".pytest_cache" / "d" / "gradcheck-jax").is_dir()
    assert (pytester.path / ".pytest_cache" / ".gitignore").is_file()  # made by pytest's own cache.mkdir


TOLERANCE = """
import numpy as np

def test_off_by_1e_4(gradcheck):
    gradcheck.check_grad(lambda p: float(np.sum(p["a"] ** 2)), lambda p: {"a": 2.0002 * p["a"]}, {"a": np.ones(3)})
"""


@pytest.mark.parametrize(
    "options, outcome",
    [
        ([], "failed"),
        (["--gradcheck-rtol=1e-3"], "passed"),
        (["--gradcheck-rtol=1e-3", "--gradcheck-atol=0"], "passed"),
    ],
)
def test_rtol_and_atol_options_set_the_tolerance(pytester, options, outcome):
    pytester.makepyfile(test_tol=TOLERANCE)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-oracles=fd", *options)
    result.assert_outcomes(**{outcome: 1})


def test_rtol_from_the_ini_file_and_the_marker_wins(pytester):
    pytester.makeini("[pytest]\ngradcheck_rtol = 1e-3\n")
    pytester.makepyfile(
        test_tol=TOLERANCE
        + """
import pytest

@pytest.mark.gradcheck(rtol=1e-6)
def test_marked(gradcheck):
    assert gradcheck.settings["rtol"] == 1e-6

def test_from_ini(gradcheck):
    assert gradcheck.settings["rtol"] == 1e-3
"""
    )
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-oracles=fd").assert_outcomes(passed=3)


@pytest.mark.parametrize(
    "option, message",
    [
        ("--gradcheck-rtol=abc", "Expected a non-negative number but got --gradcheck-rtol='abc' (type=str)"),
        ("--gradcheck-atol=-1", "Expected a finite non-negative number but got --gradcheck-atol='-1' (type=str)"),
    ],
)
def test_bad_tolerance_options_are_usage_errors(pytester, option, message):
    pytester.makepyfile("def test_a():\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: {message}"])


def test_the_summary_of_a_shape_failure_names_it_not_the_parameter_that_agreed(pytester):
    pytester.makepyfile(
        test_shape="""
        import numpy as np

        def test_shape(gradcheck):
            p = {"W": np.ones((2, 3)), "b": np.ones(2)}
            grad = lambda p: {"W": 2 * p["W"].T, "b": 2 * p["b"]}
            gradcheck.check_grad(lambda p: float(np.sum(p["W"] ** 2) + np.sum(p["b"] ** 2)), grad, p)
    """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "--gradcheck-oracles=fd")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "1 gradient check in 1 test: 0 passed, 1 failed; tests: 0 passed, 1 failed",
            "agreement with oracles: fd 0/1",
            "worst: W not compared (grad has shape (3, 2), params has (2, 3)) in test_shape.py::test_shape",
        ]
    )
    assert "worst relative error" not in result.stdout.str()
