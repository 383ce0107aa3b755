"""The gradcheck command: exit codes, run (cases + sweep), check MODULE:NAME, JSON, figures, progress."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck.cli import main, sweep
from gradcheck.cli.target import as_targets

ROOT = Path(__file__).resolve().parents[2]
CASES = """
import numpy as np

rng = np.random.default_rng(0)
X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
params = {"W": rng.standard_normal((3, 2))}

def loss(p, X, Y):
    r = X @ p["W"] - Y
    return 0.5 * (r * r).sum()

def grad(p, X, Y):
    return {"W": X.T @ (X @ p["W"] - Y)}

good = {"loss": loss, "grad": grad, "params": params, "args": (X, Y)}

def planted():
    return dict(good, name="half", grad=lambda p, X, Y: {"W": 0.5 * grad(p, X, Y)["W"]})

both = [good, planted]

class Layer:
    fn = staticmethod(lambda x, w: x * w)
    vjp = staticmethod(lambda g, x, w: (g * w, g * x))
    inputs = (np.ones(3), np.arange(3.0))

number = 3
"""


@pytest.fixture
def cases(tmp_path, monkeypatch):
    (tmp_path / "usercases.py").write_text(CASES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("usercases", None)
    return tmp_path


@pytest.mark.parametrize(
    "argv", [["--help"], ["run", "--help"], ["selftest", "--help"], ["check", "--help"], ["plot", "--help"]]
)
def test_help_on_every_command(argv, capsys):
    assert main(argv) == 0
    assert "exit status:" in capsys.readouterr().out


def test_no_command_and_unknown_option_are_usage_errors(capsys):
    assert main([]) == 2
    assert main(["run", "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err


@pytest.mark.parametrize(
    "target, status, words",
    [
        ("usercases:good", 0, "good: gradient check passed: hand-written grad agrees with fd"),
        ("usercases.py:planted", 1, "half: gradient mismatch in W: hand-written grad disagrees with fd"),
        ("usercases:both", 1, "1 FAILED: 1/2 (2 checks)"),
        ("usercases:Layer", 0, "Layer: gradient check passed: hand-written vjp agrees with fd"),
    ],
)
def test_check_exit_status(cases, capsys, target, status, words):
    assert main(["check", target, "--oracles", "fd"]) == status
    assert words in capsys.readouterr().out


@pytest.mark.parametrize(
    "target, message",
    [
        ("usercases", "Expected MODULE:NAME"),
        ("nosuchmodule:x", "Cannot import module 'nosuchmodule'"),
        ("usercases:missing", "'usercases' has no attribute 'missing'"),
        ("usercases:number", "Expected number to be a dict or object with loss, grad, params"),
        ("usercases:good", "Expected oracles from ('fd', 'torch', 'jax')"),
    ],
)
def test_check_input_errors_exit_2(cases, capsys, target, message):
    extra = ["--oracles", "fd,tf"] if message.startswith("Expected oracles") else []
    assert main(["check", target, *extra]) == 2
    assert message in capsys.readouterr().err


def test_check_writes_json_with_the_full_report(cases, capsys):
    assert main(["check", "usercases:both", "--oracles", "fd", "--json", "out/r.json"]) == 1
    report = json.loads((cases / "out" / "r.json").read_text())
    assert (report["exit_code"], report["passed"], report["total"]) == (1, 1, 2)
    assert [r["id"] for r in report["results"]] == ["both[0]", "half"]
    assert report["results"][1]["report"]["params"][0]["status"] == "mismatch"


def test_target_overrides_and_single_args_are_read():
    (t,) = as_targets({"loss": 1, "grad": 2, "params": 3, "args": 4, "rtol": 1e-3}, "x")
    assert (t.kind, t.fields["args"], t.overrides) == ("grad", (4,), {"rtol": 1e-3})


from gradcheck.golden import discover  # noqa: E402


def test_selftest_cases_and_a_short_sweep(capsys, tmp_path):
    assert main(["selftest", "--sweep", "2", "--oracles", "fd", "--json", str(tmp_path / "run.json")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("gradcheck selftest: ") and "2 sweep checks (seed 0), oracles fd" in out
    assert "sweep/00 column vector" in out and "all passed" in out
    report = json.loads((tmp_path / "run.json").read_text())
    kinds = [r["kind"] for r in report["results"]]
    assert kinds.count("sweep") == 2 and report["ok"] and report["exit_code"] == 0
    assert kinds.count("case") == len(discover())


def test_run_with_paths_runs_only_those_cases(capsys):
    case = discover()[0]
    assert main(["run", str(case)]) == 0
    out = capsys.readouterr().out
    assert "0 targets and 1 reference cases from command line" in out and "all passed: 1/1 (1 reference cases)" in out


def test_run_bad_path_and_malformed_case_exit_2(capsys, tmp_path):
    assert main(["run", str(tmp_path / "missing.json")]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    bad = tmp_path / "broken.json"
    bad.write_text('{"format": 1, "id": "broken"')
    assert main(["run", str(bad)]) == 2
    assert "ERROR  broken" in capsys.readouterr().out


def test_selftest_select_and_quiet(capsys):
    assert main(["selftest", "--sweep", "3", "--oracles", "fd", "-k", "sweep/01", "-q"]) == 0
    out = capsys.readouterr().out
    assert "all passed: 1/1 (1 sweep checks)" in out and "sweep/01" not in out.split("\n", 2)[1]


def test_progress_goes_to_stderr_only_when_asked(capsys):
    main(["selftest", "--no-sweep", "-k", "cs231n"])
    assert capsys.readouterr().err == ""
    main(["selftest", "--no-sweep", "-k", "cs231n", "--progress"])
    assert "[  1/" in capsys.readouterr().err


def test_sweep_is_deterministic_and_covers_the_grid():
    combos = sweep.grid()
    assert len(combos) == len(set(combos)) == 72
    a, b, c = sweep.cases(0, 6), sweep.cases(0, 6), sweep.cases(1, 6)
    assert [x.case_id for x in a] == [x.case_id for x in b]
    assert all(np.array_equal(x.params["W1"], y.params["W1"]) for x, y in zip(a, b))
    assert not all(
        x.params["W1"].shape == y.params["W1"].shape and np.array_equal(x.params["W1"], y.params["W1"])
        for x, y in zip(a, c)
    )
    spec = sweep.cases(0)[40].spec
    assert (spec.convention, spec.loss, spec.activations[0], spec.bias) == combos[40]


def test_plot_writes_the_step_error_and_heatmap_pngs(cases, capsys):
    pytest.importorskip("matplotlib")
    assert main(["plot", "usercases:planted", "--oracles", "fd", "--out", "figs"]) == 1
    pngs = sorted(p.name for p in (cases / "figs").glob("*.png"))
    assert pngs == ["half.W.errors.png", "half.fd_steps.png"]
    assert all((cases / "figs" / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_plot_without_matplotlib_is_an_input_error(cases, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["plot", "usercases:good"]) == 2
    assert "figures need matplotlib: pip install 'gradcheck[plot]'" in capsys.readouterr().err


def test_step_errors_form_a_v():
    from gradcheck.cli.plot import step_errors

    data = step_errors(lambda p: np.sum(np.sin(p["x"])), {"x": np.linspace(0.1, 1, 4)})
    err, h = data["errors"], data["steps"]
    best = int(np.argmin(err))
    assert 1e-9 < h[best] < 1e-3  # the bottom of the V: truncation ~ h^2 meets round-off ~ eps / h
    assert err[0] > 100 * err[best] and err[-1] > 100 * err[best]


def test_python_dash_m_and_exit_status_through_a_subprocess(cases):
    ok = subprocess.run(
        [sys.executable, "-m", "gradcheck", "check", "usercases:good", "--oracles", "fd"],
        capture_output=True,
        text=True,
        cwd=cases,
    )
    bad = subprocess.run(
        [sys.executable, "-m", "gradcheck", "check", "usercases:planted", "--oracles", "fd"],
        capture_output=True,
        text=True,
        cwd=cases,
    )
    assert (ok.returncode, bad.returncode) == (0, 1), ok.stderr + bad.stderr


def test_check_runs_backward_and_layer_targets_from_a_file(tmp_path, capsys):
    (tmp_path / "entry_cases_cli.py").write_text((Path(__file__).parent / "entry_cases.py").read_text())
    path = str(tmp_path / "entry_cases_cli.py")
    try:
        assert main(["check", f"{path}:backward_case", "--oracles", "fd"]) == 0
        assert "relu: gradient check passed: hand-written backward agrees with fd" in capsys.readouterr().out
        assert main(["check", f"{path}:layers", "--oracles", "fd"]) == 1
        out = capsys.readouterr().out
        assert "scale x3: gradient mismatch in w" in out and "1 FAILED: 1/2 (2 checks)" in out
    finally:
        sys.modules.pop("entry_cases_cli", None)
