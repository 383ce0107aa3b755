"""cli/target: MODULE:NAME is imported and read as checks; what cannot be read is an error naming it."""

import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import GradcheckError
from gradcheck.cli.target import Target, _one_line, as_targets, import_module, resolve
from gradcheck.settings import Settings

W = np.array([1.0, -2.0])


def loss(p):
    return float(np.sum(p["w"] ** 2))


def grad(p):
    return {"w": 2 * p["w"]}


GOOD = {"loss": loss, "grad": grad, "params": {"w": W}}


def test_a_grad_case_with_overrides_and_a_name():
    (t,) = as_targets(dict(GOOD, name="square", oracles="fd", seed=4), "cases")
    assert (t.label, t.kind, sorted(t.fields), t.overrides) == (
        "square",
        "grad",
        ["grad", "loss", "params"],
        {"oracles": "fd", "seed": 4},
    )


def test_an_object_with_vjp_attributes_is_a_vjp_case():
    class Layer:
        fn = staticmethod(lambda x: 2 * x)
        vjp = staticmethod(lambda g, x: (2 * g,))
        inputs = (np.ones(2),)

    (t,) = as_targets(Layer, "Layer")
    assert (t.label, t.kind, sorted(t.fields)) == ("Layer", "vjp", ["fn", "inputs", "vjp"])


def test_lists_are_labelled_by_index_and_a_factory_is_called_once():
    calls = []

    def factory():
        calls.append(1)
        return [GOOD, dict(GOOD, name="named")]

    assert [t.label for t in as_targets(factory, "make")] == ["make[0]", "named"]
    assert calls == [1]


def test_a_factory_returning_a_factory_is_refused():
    with pytest.raises(
        GradcheckError,
        match=r"^Expected outer to be a dict or object with loss, grad, params.*"
        r"; got function$",
    ):
        as_targets(lambda: lambda: GOOD, "outer")


def test_a_factory_that_raises_is_named():
    def broken():
        raise RuntimeError("no data")

    with pytest.raises(GradcheckError) as e:
        as_targets(broken, "broken")
    assert str(e.value) == "broken() raised RuntimeError: no data"


@pytest.mark.parametrize("obj", [3, [], {"loss": loss, "grad": grad}, "text"])
def test_what_is_not_a_case_is_refused_naming_its_type(obj):
    with pytest.raises(GradcheckError, match=rf"^Expected x to be .*; got {type(obj).__name__}$"):
        as_targets(obj, "x")


def test_run_gives_a_report_and_the_targets_settings_win():
    (t,) = as_targets(dict(GOOD, seed=7), "case")
    report = t.run(Settings(oracles=("fd",), seed=1))
    assert report.ok and report.ran == ["fd"] and report.seed == 7


def test_a_bad_override_is_named_with_the_target():
    t = Target("case", "grad", dict(GOOD), {"rtol": -1.0})
    with pytest.raises(GradcheckError, match=r"but got case\.rtol=-1\.0"):
        t.run(Settings(oracles=("fd",)))


@pytest.mark.parametrize("spec", ["mod", ":x", "mod:"])
def test_resolve_needs_module_and_name(spec):
    with pytest.raises(GradcheckError, match=r"^Expected MODULE:NAME \(e\.g\. "):
        resolve(spec)


def test_resolve_a_python_file_and_a_dotted_attribute(tmp_path):
    path = tmp_path / "mirror_cases_a.py"
    path.write_text(
        "import numpy as np\nclass NS:\n    case = dict(loss=lambda p: float((p['w']**2).sum()), "
        "grad=lambda p: {'w': 2 * p['w']}, params={'w': np.ones(2)})\n"
    )
    try:
        (t,) = resolve(f"{path}:NS.case")
        assert (t.label, t.kind) == ("NS.case", "grad")
        with pytest.raises(GradcheckError) as e:
            resolve(f"{path}:NS.nothing")
        assert str(e.value) == f"{str(path)!r} has no attribute 'NS.nothing'"
    finally:
        sys.modules.pop("mirror_cases_a", None)


def test_a_missing_file_and_a_module_that_raises_on_import(tmp_path):
    with pytest.raises(GradcheckError) as e:
        import_module(str(tmp_path / "nope.py"))
    assert str(e.value) == f"No such file: {str(tmp_path / 'nope.py')!r}"
    bad = tmp_path / "mirror_cases_b.py"
    bad.write_text("x = 1\nraise ValueError('bad   data')\n")
    with pytest.raises(GradcheckError) as e:
        import_module(str(bad))
    assert str(e.value) == f"Cannot import {str(bad)!r}: ValueError: bad data (mirror_cases_b.py, line 2)"
    assert "mirror_cases_b" not in sys.modules


def test_a_missing_dotted_module():
    with pytest.raises(GradcheckError, match=r"^Cannot import module 'no_such_module_xyz': No module named"):
        import_module("no_such_module_xyz")


def test_one_line_of_a_syntax_error_names_file_and_line():
    try:
        compile("def f(:\n", "cases.py", "exec")
    except SyntaxError as exc:
        assert _one_line(exc) == f"SyntaxError: {exc.msg} (cases.py, line 1)"


ENTRY_CASES = (Path(__file__).parent / "entry_cases.py").read_text()


@pytest.fixture
def entry_cases(tmp_path):
    path = tmp_path / "entry_cases.py"
    path.write_text(ENTRY_CASES)
    yield str(path)
    sys.modules.pop("entry_cases", None)


def test_a_course_style_backward_case_is_read_with_its_options(entry_cases):
    (t,) = resolve(f"{entry_cases}:backward_case")
    assert (t.label, t.kind, sorted(t.fields)) == ("relu", "backward", ["backward", "forward", "inputs", "names"])
    report = t.run(Settings.parse(oracles="fd"))
    assert report.ok and [p.name for p in report.params] == ["x"]


def _loss_and_dx(x):
    """A forward returning (loss, dx), the check_backward form with backward=None."""
    return float(np.sum(x**3)), 3 * x**2


@pytest.mark.parametrize("dx_scale, ok", [(1.0, True), (2.0, False)])
def test_a_backward_case_with_backward_none_checks_the_forward_loss_and_dx(dx_scale, ok):
    forward = (lambda x: (_loss_and_dx(x)[0], dx_scale * _loss_and_dx(x)[1])) if dx_scale != 1 else _loss_and_dx
    (t,) = as_targets({"forward": forward, "backward": None, "inputs": (np.linspace(-1, 1, 4),)}, "cube")
    assert (t.kind, sorted(t.fields)) == ("backward", ["backward", "forward", "inputs"])
    report = t.run(Settings.parse(oracles="fd"))
    assert report.ok is ok and [p.name for p in report.params] == ["x"]


def test_a_backward_case_without_the_backward_field_is_still_refused():
    with pytest.raises(GradcheckError, match=r"Expected case to be a dict or object with loss, grad, params"):
        as_targets({"forward": _loss_and_dx, "inputs": (np.ones(2),)}, "case")


def test_layer_cases_name_the_wrong_parameter(entry_cases):
    good, bad = resolve(f"{entry_cases}:layers")
    assert (good.kind, good.label, bad.label) == ("layer", "scale", "scale x3")
    assert good.run(Settings.parse(oracles="fd")).ok
    report = bad.run(Settings.parse(oracles="fd"))
    assert [(p.name, p.ok) for p in report.params] == [("X", True), ("w", False)]
    assert report.params[1].diagnosis_kind == "scaled"


def test_a_function_case_from_a_factory_keeps_its_own_oracles(entry_cases):
    pytest.importorskip("torch")
    (t,) = resolve(f"{entry_cases}:function_case")
    assert (t.kind, sorted(t.fields), t.overrides) == ("function", ["F", "inputs"], {"oracles": "fd,torch"})
    report = t.run(Settings.parse(oracles="fd"))
    assert report.ok and sorted(o.name for o in report.oracles if o.status == "ran") == ["fd", "torch"]


def test_a_layer_case_has_no_figures():
    (t,) = as_targets({"layer": object(), "X": W}, "layer_case")
    with pytest.raises(GradcheckError, match="layer_case: figures are drawn for gradient and VJP cases"):
        t.as_loss(None)


def test_a_vjp_case_as_a_loss_for_figures_is_the_pairing_with_the_reports_cotangent():
    x, w = np.array([1.0, 2.0, 3.0]), np.array([0.5, -1.0, 2.0])
    (t,) = as_targets(
        {"fn": lambda x, w: x * w, "vjp": lambda g, x, w: (g * w, 2 * g * x), "inputs": (x, w), "names": ("a", "b")},
        "vjp_case",
    )
    report = t.run(Settings.parse(oracles="fd", seed=3))
    assert [(p.name, p.ok) for p in report.params] == [("a", True), ("b", False)]
    loss, params, (cot,) = t.as_loss(report)
    assert sorted(params) == ["a", "b"] and cot.shape == (3,)
    assert np.isclose(loss(params, cot), np.sum(x * w * cot))
    from gradcheck._engine.entry.outputs import COTANGENT_STREAM

    assert np.array_equal(cot, np.random.default_rng([3, COTANGENT_STREAM]).standard_normal(3))  # the check's own


def test_hvp_and_jvp_cases_are_read_and_run():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    hvp_case = {"loss": lambda p: 0.5 * p["x"] @ A @ p["x"], "hvp": lambda p, v: {"x": A @ v["x"]}, "params": {"x": W}}
    jvp_case = {"fn": np.sin, "jvp": lambda t, x: np.cos(x) * t[0], "inputs": (W,), "names": ("x",)}
    targets = as_targets([hvp_case, jvp_case], "cases")
    assert [t.kind for t in targets] == ["hvp", "jvp"]
    reports = [t.run(Settings.parse(oracles="fd")) for t in targets]
    assert [r.kind for r in reports] == ["hvp", "jvp"] and all(r.ok for r in reports)
