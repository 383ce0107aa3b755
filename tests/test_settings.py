"""gradcheck.settings: one parser of oracles, seed and tolerances, with `name=value` and the rule in every error."""

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.settings import (
    CheckOptions,
    Options,
    ProjectConfig,
    Settings,
    find_config,
    parse_oracles,
    parse_seed,
    parse_tolerance,
    read_config,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, None),
        ("", None),
        ("auto", None),
        ("fd", ("fd",)),
        ("fd,torch", ("fd", "torch")),
        (" fd , jax ", ("fd", "jax")),
        (["torch", "fd"], ("torch", "fd")),
        (("fd", "fd"), ("fd",)),
    ],
)
def test_oracles_as_text_or_a_sequence(value, expected):
    assert parse_oracles(value) == expected


@pytest.mark.parametrize("value", [5, ["fd", 3], [], "fd,tf", {"fd": 1}, b"fd", "fd,,torch"])
def test_bad_oracles_name_themselves_and_the_rule(value):
    with pytest.raises(GradcheckError) as e:
        parse_oracles(value, "--oracles")
    assert str(e.value).startswith(
        f"Expected oracles from ('fd', 'torch', 'jax') but got --oracles={value!r} "
        f"(type={type(value).__name__}); write them as 'fd,torch' or a sequence of names"
    )


@pytest.mark.parametrize("value, expected", [(0, 0), (7, 7), (np.int64(3), 3), ("12", 12), (" 4 ", 4)])
def test_seed(value, expected):
    assert parse_seed(value) == expected and type(parse_seed(value)) is int


@pytest.mark.parametrize("value", [-1, 1.0, True, "x", "-3", None, [1]])
def test_bad_seed(value):
    with pytest.raises(GradcheckError, match=r"Expected a non-negative integer but got seed="):
        parse_seed(value)


@pytest.mark.parametrize(
    "value, expected", [(None, None), (0, 0.0), (1e-6, 1e-6), ("1e-3", 1e-3), (np.float32(0.5), 0.5)]
)
def test_tolerance(value, expected):
    assert parse_tolerance(value, "rtol") == expected


@pytest.mark.parametrize(
    "value, rule",
    [
        (-1, "a finite non-negative number"),
        (float("nan"), "a finite"),
        (float("inf"), "a finite"),
        ("tight", "a non-negative number"),
        (True, "a non-negative number"),
        ([1e-3], "a non-negative number"),
    ],
)
def test_bad_tolerance(value, rule):
    with pytest.raises(GradcheckError, match=rf"Expected {rule}.* but got atol="):
        parse_tolerance(value, "atol")


def test_settings_merge_given_values_over_a_base():
    base = Settings.parse(oracles="fd,torch", seed=3, rtol=1e-4)
    top = Settings.parse(seed=0, atol=1e-9)
    assert top.over(base) == Settings(("fd", "torch"), 0, 1e-4, 1e-9)  # an explicit seed 0 wins
    assert Settings().over(base) == base
    assert Settings().keywords() == {"oracles": None, "seed": 0, "rtol": None, "atol": None}
    with pytest.raises(GradcheckError, match="Unknown setting --seeed"):
        Settings.parse("--", seeed=1)


PYPROJECT = """
[project]
name = "demo"

[tool.gradcheck]
targets = ["demo.cases:all", "other:case"]
cases = ["golden"]
oracles = ["fd", "torch"]
seed = 4
rtol = 1e-5
"""


def test_read_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    config = read_config(tmp_path / "pyproject.toml")
    assert config.targets == ("demo.cases:all", "other:case")
    assert config.cases == (tmp_path / "golden",)
    assert config.settings == Settings(("fd", "torch"), 4, 1e-5, None)
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    assert find_config(sub) == config  # found from a subdirectory, as pytest finds its rootdir


def test_a_pyproject_without_the_table_is_no_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert read_config(tmp_path / "pyproject.toml") is None
    assert find_config(tmp_path).empty and find_config(tmp_path) == ProjectConfig(tmp_path / "pyproject.toml")


def test_the_nearest_pyproject_is_the_project_root_and_a_parent_table_is_not_inherited(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text("[project]\nname = 'sub'\n")
    assert find_config(sub).empty and find_config(sub).path == sub / "pyproject.toml"


@pytest.mark.parametrize(
    "body, message",
    [
        ("targets = 'a:b'\nseed = -1", "Expected a non-negative integer but got [tool.gradcheck] seed=-1"),
        (
            "targets = ['nocolon']",
            "Expected MODULE:NAME (e.g. 'mypkg.gradients:cases') but got [tool.gradcheck] targets='nocolon'",
        ),
        ("targets = [1]", "Expected a list of non-empty strings but got [tool.gradcheck] targets=[1]"),
        ("oracles = 'fd,tf'", "but got [tool.gradcheck] oracles='fd,tf'"),
        ("target = ['a:b']", "Unknown key [tool.gradcheck] target in pyproject.toml"),
        ("rtol = 'x'", "Expected a non-negative number but got [tool.gradcheck] rtol='x'"),
    ],
)
def test_bad_config_names_the_key(tmp_path, body, message):
    (tmp_path / "pyproject.toml").write_text(f"[tool.gradcheck]\n{body}\n")
    with pytest.raises(GradcheckError) as e:
        read_config(tmp_path / "pyproject.toml")
    assert message in str(e.value)


def test_malformed_toml_is_named(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.gradcheck\n")
    with pytest.raises(GradcheckError, match="pyproject.toml is not valid TOML"):
        read_config(tmp_path / "pyproject.toml")


def test_options_defaults_and_parsed_values():
    assert Options.parse({}, "check_grad") == Options(None, None, None, 0, None, True)
    opts = Options.parse({"oracles": "fd,torch", "seed": "7", "rtol": 1e-6, "raise_on_failure": False}, "check_vjp")
    assert (opts.oracles, opts.seed, opts.rtol, opts.raise_on_failure) == (("fd", "torch"), 7, 1e-6, False)
    assert set(opts.engine()) == set(CheckOptions.__annotations__) - {"raise_on_failure", "float64"}


@pytest.mark.parametrize(
    "options, words",
    [
        ({"rtoll": 1e-3}, "check_layer got an unknown keyword rtoll=0.001; its options are oracles, rtol"),
        ({"fd": 3}, "Expected fd=FiniteDifferences(...) but got fd=3"),
        ({"raise_on_failure": "no"}, "Expected True or False but got raise_on_failure='no'"),
        ({"seed": -1}, "seed=-1"),
    ],
)
def test_options_name_the_bad_keyword(options, words):
    with pytest.raises(GradcheckError, match=None) as e:
        Options.parse(options, "check_layer")
    assert words in str(e.value)


def test_check_options_lists_exactly_the_options():
    assert list(CheckOptions.__annotations__) == [f for f in Options.__dataclass_fields__]
