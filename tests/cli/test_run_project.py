"""`gradcheck run` gates the user's project: [tool.gradcheck] or PATHs, exit 0/1/2, and 5 with nothing to check."""

import json
import subprocess
import sys
import textwrap

import pytest

from gradcheck.cli import main
from gradcheck.cli.commands import NOTHING_TO_CHECK

GRADIENTS = """
import numpy as np
from typing import NamedTuple

class Params(NamedTuple):
    W: np.ndarray
    b: np.ndarray

X = np.array([[1.0, 2.0], [-0.5, 0.3], [0.2, -1.0]])

def loss(p):
    r = X @ p.W + p.b
    return 0.5 * float((r * r).sum())

def grad(p):
    r = X @ p.W + p.b
    return Params(X.T @ r, r.sum(axis=0))

def grad_wrong(p):
    g = grad(p)
    return g._replace(W=g.W * 1.01)  # planted: 1% too large

P = Params(np.array([[0.3, -0.2], [0.1, 0.4]]), np.array([0.05, -0.1]))
good = {"name": "dense", "loss": loss, "grad": grad, "params": P}
wrong = {"name": "dense_wrong", "loss": loss, "grad": grad_wrong, "params": P}
"""


def _project(tmp_path, monkeypatch, table: str, module: str = GRADIENTS):
    (tmp_path / "mypkg").mkdir()
    (tmp_path / "mypkg" / "__init__.py").write_text("")
    (tmp_path / "mypkg" / "gradients.py").write_text(module)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'mypkg'\n\n[tool.gradcheck]\n" + textwrap.dedent(table))
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("mypkg", "mypkg.gradients"):
        sys.modules.pop(name, None)
    return tmp_path


def test_run_checks_the_configured_targets(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'targets = ["mypkg.gradients:good"]\noracles = "fd"\nseed = 3\n')
    assert main(["run", "--json", "out.json"]) == 0
    out = capsys.readouterr().out
    assert (
        out.splitlines()[0] == "gradcheck run: 1 targets and 0 reference cases from pyproject.toml, seed 3, oracles fd"
    )
    assert "ok     dense" in out and "all passed: 1/1 (1 checks)" in out
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["settings"]["seed"] == 3 and report["results"][0]["report"]["params"][0]["name"] == "W"


def test_run_exits_1_when_a_target_is_wrong_and_says_how_to_rerun_it(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'targets = ["mypkg.gradients:good", "mypkg.gradients:wrong"]\noracles = "fd"\n')
    assert main(["run"]) == 1
    out = capsys.readouterr().out
    assert "FAIL   dense_wrong" in out and "1 FAILED: 1/2 (2 checks)" in out
    assert "gradient mismatch in W: hand-written grad disagrees with fd" in out
    assert "reproduce: gradcheck run --seed 0 -k 'dense_wrong'" in out


def test_command_line_wins_over_the_config(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'targets = ["mypkg.gradients:wrong"]\noracles = "fd"\nseed = 3\n')
    assert main(["run", "mypkg.gradients:good", "--seed", "5"]) == 0
    assert "1 targets and 0 reference cases from command line, seed 5, oracles fd\n" in capsys.readouterr().out
    assert main(["run", "--seed", "5", "--rtol", "0.5"]) == 0  # the 1% error passes a 50% tolerance


def test_nothing_to_check_exits_5_and_says_how_to_configure(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["run"]) == NOTHING_TO_CHECK == 5
    err = capsys.readouterr().err
    assert err.startswith("gradcheck run: nothing to check. Name what to check in your pyproject.toml:")
    assert "[tool.gradcheck]" in err and 'targets = ["mypkg.gradients:cases"]' in err
    (tmp_path / "pyproject.toml").write_text("[tool.gradcheck]\ntargets = []\n")
    assert main(["run"]) == 5


@pytest.mark.parametrize(
    "source, words",
    [
        (
            "def broken(:\n    pass\n",
            "Cannot import module 'mypkg.gradients': SyntaxError: invalid syntax (gradients.py, line 1)",
        ),
        (
            "import numpy\nraise RuntimeError('no data file')\n",
            "Cannot import module 'mypkg.gradients': RuntimeError: no data file (gradients.py, line 2)",
        ),
    ],
)
def test_a_module_that_fails_to_import_is_one_line_and_exit_2(tmp_path, monkeypatch, capsys, source, words):
    _project(tmp_path, monkeypatch, 'targets = ["mypkg.gradients:good"]\n', module=source)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err == f"gradcheck: error: {words}\n"


@pytest.mark.parametrize(
    "table, words",
    [
        (
            'targets = "mypkg.gradients"\n',
            "Expected MODULE:NAME (e.g. 'mypkg.gradients:cases') but got [tool.gradcheck] targets='mypkg.gradients'",
        ),
        ('targets = ["mypkg.gradients:good"]\noracles = 5\n', "but got [tool.gradcheck] oracles=5 (type=int)"),
        ('targets = ["mypkg.gradients:good"]\ncases = ["nowhere"]\n', "No such file or directory"),
    ],
)
def test_bad_config_exits_2_naming_the_key(tmp_path, monkeypatch, capsys, table, words):
    _project(tmp_path, monkeypatch, table)
    assert main(["run"]) == 2
    assert words in capsys.readouterr().err


def test_a_python_file_needs_a_name(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, "")
    assert main(["run", "mypkg/gradients.py"]) == 2
    assert "name the case object, e.g. mypkg/gradients.py:cases" in capsys.readouterr().err
    assert main(["run", "mypkg/gradients.py:good", "--oracles", "fd"]) == 0


def test_the_command_line_does_not_import_pytest(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.gradcheck]\ntargets = ['cases:good']\noracles = 'fd'\n")
    (tmp_path / "cases.py").write_text(GRADIENTS)
    code = (
        "import sys; from gradcheck.cli import main; rc = main(['run']) + main(['selftest', '--no-sweep']); "
        "print('PYTEST' if 'pytest' in sys.modules or '_pytest' in sys.modules else 'clean', rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.stdout.split()[-2:] == ["clean", "0"], out.stdout + out.stderr


def test_run_plots_the_failing_targets_only(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    _project(tmp_path, monkeypatch, 'targets = ["mypkg.gradients:good", "mypkg.gradients:wrong"]\noracles = "fd"\n')
    assert main(["run", "--plot", "figs"]) == 1
    assert sorted(p.name for p in (tmp_path / "figs").iterdir()) == [
        "dense_wrong.W.errors.png",
        "dense_wrong.fd_steps.png",
    ]
    assert "figure: figs/dense_wrong.W.errors.png" in capsys.readouterr().out


def test_run_from_a_subdirectory_imports_targets_from_the_project_root(tmp_path, monkeypatch, capsys):
    _project(tmp_path, monkeypatch, 'targets = ["mypkg.gradients:good"]\noracles = "fd"\n')
    monkeypatch.chdir(tmp_path / "mypkg")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(tmp_path)])
    assert main(["run"]) == 0
    assert "ok     dense" in capsys.readouterr().out


def test_run_checks_backward_and_layer_targets_named_in_the_config(tmp_path, monkeypatch, capsys):
    from pathlib import Path

    module = (Path(__file__).parent / "entry_cases.py").read_text()
    _project(
        tmp_path,
        monkeypatch,
        'targets = ["mypkg.gradients:backward_case", "mypkg.gradients:layers"]\noracles = "fd"\n',
        module,
    )
    assert main(["run", "--json", "out.json"]) == 1
    out = capsys.readouterr().out
    assert "ok     relu" in out and "ok     scale " in out and "FAIL   scale x3" in out
    assert "1 FAILED: 2/3 (3 checks)" in out
    results = json.loads((tmp_path / "out.json").read_text())["results"]
    assert [r["ok"] for r in results] == [True, True, False]
