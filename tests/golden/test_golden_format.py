"""The format's features on small cases written here: rules, claims, variants and errata, training schedules,
loss variants, RNG and data-file inputs, and the MLP spec against gradcheck.nets."""

import hashlib
import json

import numpy as np
import pytest

from gradcheck.golden import CaseError, load, update, verify
from gradcheck.golden.compute import compute
from gradcheck.golden.printed import half_unit
from gradcheck.golden.verify import allowed, mismatches


def make(tmp_path, name="toy", **fields):
    """A scalar-neuron case f = sigmoid(w x + b) with loss 1/2 (f - t)^2, plus `fields`; computed filled in."""
    data = {
        "gradcheck_case": 1,
        "id": name,
        "title": "toy",
        "conventions": "",
        "source": {"title": "toy", "address": "here", "kind": "tutorial"},
        "model": {
            "kind": "graph",
            "output": "f",
            "nodes": [
                {"name": "wx", "op": "mul", "args": ["w", "x"]},
                {"name": "net", "op": "add", "args": ["wx", "b"]},
                {"name": "f", "op": "sigmoid", "args": ["net"]},
            ],
        },
        "inputs": {"values": {"w": 0.5, "x": 2.0, "b": -0.25, "t": 1.0}, "params": ["w", "b"]},
        "loss": {"kind": "squared_error", "output": "f", "target": "t"},
        "stated": [],
        **fields,
    }
    path = tmp_path / f"{name}.gradcheck.json"
    path.write_text(json.dumps(data))
    load(path)  # raises CaseError for a case the tests expect to be refused
    summary = update([path])
    assert not summary.broken, summary.broken
    return path


def problems(path):
    return verify(load(path)).problems


# --- printed values and rules -------------------------------------------------------------------------


def test_half_unit_follows_the_printed_digits():
    assert half_unit("0.689") == pytest.approx(5e-4) and half_unit("3") == 0.5
    assert half_unit("3.5e-05") == pytest.approx(5e-7) and half_unit("0.0000351085") == pytest.approx(5e-11)


def test_rules_widen_only_as_far_as_they_say():
    assert mismatches("0.067", 0.06652) == [] and mismatches("0.066", 0.06652) != []
    assert mismatches("0.066", 0.06652, {"kind": "last-digit", "why": "truncated"}) == []
    assert mismatches("0.064", 0.06652, {"kind": "last-digit", "why": "truncated"}) != []
    assert mismatches("0.07", 0.0749, {"kind": "abs_tol", "abs_tol": "0.005", "why": "w"}) == []
    assert allowed("1.234567", 1.2345678, {"kind": "float32", "why": "w"}) > allowed("1.234567", 1.2345678, None)
    assert mismatches([["1", "2"]], np.array([[1.0, 2.0, 3.0]])) != []  # shape mismatch is a mismatch


def test_a_stated_value_checks_one_entry_by_index(tmp_path):
    path = make(tmp_path, stated=[{"field": "dw", "printed": "-0.0527", "where": "x"}])
    assert problems(path) == [] or "printed -0.0527" in problems(path)[0]
    value = compute(load(path))["dw"]
    ok = make(tmp_path, name="toy2", stated=[{"field": "dw", "printed": f"{float(value):.4f}", "where": "x"}])
    assert problems(ok) == []


def test_an_erratum_needs_its_variant_to_reproduce_the_print_and_the_correct_value_to_differ(tmp_path):
    path = make(
        tmp_path,
        variants={"no-half": {"says": "E without 1/2", "loss": {"half": False}}},
        errata=[
            {
                "id": "dropped-half",
                "where": "w",
                "printed": "p",
                "correct": "c",
                "explanation": "e",
                "variant": "no-half",
            }
        ],
    )
    dw = float(compute(load(path))["dw"])
    good = make(
        tmp_path,
        name="ok-case",
        variants=json.loads(path.read_text())["variants"],
        errata=json.loads(path.read_text())["errata"],
        stated=[{"field": "dw", "printed": f"{2 * dw:.6f}", "where": "w", "erratum": "dropped-half"}],
    )
    assert problems(good) == []
    wrong = make(
        tmp_path,
        name="wrong",
        variants=json.loads(path.read_text())["variants"],
        errata=json.loads(path.read_text())["errata"],
        stated=[{"field": "dw", "printed": f"{3 * dw:.6f}", "where": "w", "erratum": "dropped-half"}],
    )
    assert "variant 'no-half' does not reproduce the printed values" in " ".join(problems(wrong))
    stale = make(
        tmp_path,
        name="stale",
        variants=json.loads(path.read_text())["variants"],
        errata=json.loads(path.read_text())["errata"],
        stated=[{"field": "dw", "printed": f"{dw:.6f}", "where": "w", "erratum": "dropped-half"}],
    )
    assert "the printed values now match, so erratum 'dropped-half' no longer holds" in " ".join(problems(stale))
    assert "explains nothing" in " ".join(problems(path))


def test_rounded_intermediates_as_a_variant(tmp_path):
    path = make(tmp_path, variants={"hand": {"says": "net rounded to 1 decimal", "round": {"net": 1}}})
    c = compute(load(path))
    assert float(c["hand/net"]) == 0.8 and float(c["net"]) == 0.75
    assert float(c["hand/f"]) == pytest.approx(1 / (1 + np.exp(-0.8)))


def test_claims_equal_ratio_close_le_and_in_a_variant(tmp_path):
    claims = [
        {"relation": "ratio", "left": "no-half/dw", "right": "dw", "factor": 2, "says": "factor 2"},
        {"relation": "le", "left": "loss", "right": 1, "says": "small"},
        {"relation": "close", "left": "f", "right": 0.68, "rtol": 0.01, "says": "about 0.68"},
        {"relation": "equal", "left": "dw", "right": "db", "says": "dw = x db", "in": "no-half", "erratum": "e1"},
    ]
    path = make(
        tmp_path,
        claims=claims,
        variants={"no-half": {"says": "s", "loss": {"half": False}}},
        errata=[{"id": "e1", "where": "w", "printed": "p", "correct": "c", "explanation": "e"}],
    )
    assert problems(path) == []
    data = json.loads(path.read_text())
    data["claims"][0]["factor"] = 3
    path.write_text(json.dumps(data))
    assert problems(path)[0].startswith("field 'claims[0]' (factor 2): no-half/dw ratio dw does not hold")


# --- training -----------------------------------------------------------------------------------------


def test_frozen_parameters_are_not_updated_and_checkpoints_are_kept(tmp_path):
    path = make(tmp_path, train={"lr": 0.5, "steps": 3, "frozen": ["b"], "checkpoints": [1, 3]})
    c = compute(load(path))
    assert float(c["b@1"]) == float(c["b@3"]) == -0.25
    assert float(c["w@1"]) == pytest.approx(0.5 - 0.5 * float(c["dw"]))
    assert float(c["loss@3"]) < float(c["loss@1"]) < float(c["loss"])


def test_sequential_and_before_update_variants(tmp_path):
    path = make(
        tmp_path,
        train={"lr": 0.5, "steps": 2},
        variants={
            "seq": {"says": "s", "train": {"update": "sequential"}},
            "early": {"says": "s", "train": {"report": "before_update"}},
        },
    )
    c = compute(load(path))
    assert float(c["seq/w@2"]) != float(c["w@2"])  # b's gradient is taken at the updated w
    one = make(tmp_path, name="one", train={"lr": 0.5, "steps": 1})
    assert float(c["early/loss@2"]) == float(compute(load(one))["loss@1"])


def test_gradients_override_is_for_variants_only(tmp_path):
    with pytest.raises(CaseError, match="field 'train.gradients' may appear in a variant only"):
        make(tmp_path, train={"lr": 0.5, "steps": 1, "gradients": {"w": "dw"}})


# --- losses ---------------------------------------------------------------------------------------------


def test_penalty_mean_and_scale(tmp_path):
    base = compute(load(make(tmp_path)))
    pen = load(
        make(
            tmp_path,
            name="pen",
            loss={
                "kind": "squared_error",
                "output": "f",
                "target": "t",
                "penalties": [{"kind": "l2", "params": ["w"], "coefficient": 0.1, "half": True}],
            },
        )
    ).computed
    assert float(pen["dw"]) == pytest.approx(float(base["dw"]) + 0.1 * 0.5)  # d/dw 0.1/2 w^2 = 0.1 w
    neg = load(
        make(tmp_path, name="neg", loss={"kind": "squared_error", "output": "f", "target": "t", "scale": -1})
    ).computed
    assert float(neg["dw"]) == -float(base["dw"])


def test_upstream_gradient_of_one_needs_a_scalar(tmp_path):
    with pytest.raises(CaseError, match="field 'loss.output' must be a scalar"):
        make(
            tmp_path,
            inputs={"values": {"w": [0.5, 1.0], "x": 2.0, "b": -0.25, "t": 1.0}},
            loss={"kind": "none", "output": "f"},
        )


# --- inputs ---------------------------------------------------------------------------------------------


def test_rng_recipe_is_reproducible(tmp_path):
    rng = {
        "generator": "numpy.random.default_rng",
        "seed": 7,
        "draws": [{"name": "w", "dist": "uniform", "shape": [1], "low": -1, "high": 1}],
    }
    path = make(tmp_path, inputs={"values": {"x": 2.0, "b": -0.25, "t": 1.0}, "rng": rng, "params": ["w", "b"]})
    assert float(load(path).inputs["w"][0]) == np.random.default_rng(7).uniform(-1, 1, size=(1,))[0]


def test_data_file_with_sha256(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("x,t\n2.0,1.0\n")
    digest = hashlib.sha256(csv.read_bytes()).hexdigest()
    data = {"file": "points.csv", "sha256": digest, "skip_rows": 1, "columns": {"x": [0], "t": [1]}}
    path = make(tmp_path, inputs={"values": {"w": 0.5, "b": -0.25}, "data": data, "params": ["w", "b"]})
    assert load(path).inputs["x"].shape == (1, 1)
    csv.write_text("x,t\n3.0,1.0\n")
    with pytest.raises(
        CaseError, match="field 'inputs.data.sha256' is .* but points.csv has sha256 .*the data file changed"
    ):
        load(path)


# --- the MLP spec against gradcheck.nets (an independent implementation) --------------------------------


@pytest.mark.parametrize(
    "convention,bias,acts",
    [
        ("column", "vector", ["tanh", "sigmoid"]),
        ("row", "ones_column", ["relu", "softmax"]),
        ("column", "none", ["sigmoid", "identity"]),
    ],
)
def test_mlp_spec_matches_gradcheck_nets(tmp_path, convention, bias, acts):
    from gradcheck.nets import MLPSpec, backward_trace, init_params

    loss = "cross_entropy" if acts[-1] == "softmax" else "squared_error"
    spec = MLPSpec(widths=(3, 4, 2), activations=tuple(acts), loss=loss, convention=convention, bias=bias)
    rng = np.random.default_rng(0)
    params = init_params(spec, rng)
    x = rng.uniform(0.1, 1, size=(3, 5) if convention == "column" else (5, 3))
    y = np.eye(2)[:, [0, 1, 1, 0, 1]] if convention == "column" else np.eye(2)[[0, 1, 1, 0, 1]]
    data = {
        "model": {"kind": "mlp", "widths": [3, 4, 2], "activations": acts, "convention": convention, "bias": bias},
        "inputs": {"values": {**{k: v.tolist() for k, v in params.items()}, "x": x.tolist(), "y": y.tolist()}},
        "loss": {"kind": loss, "output": "a2", "target": "y", "batch_axis": spec.batch_axis},
    }
    c = compute(load(make(tmp_path, **data)))
    want = backward_trace(params, x, y, spec=spec)
    for name in params:
        np.testing.assert_allclose(c[f"d{name}"], want[f"d{name}"], rtol=1e-12, atol=1e-14)


def test_a_non_finite_derived_value_is_reported_naming_the_field(tmp_path):
    path = tmp_path / "log-of-negative.gradcheck.json"
    good = json.loads(make(tmp_path).read_text())
    path.write_text(
        json.dumps({**good, "id": "log-of-negative", "derived": [{"name": "bad", "op": "log", "args": ["b"]}]})
    )
    summary = update([path])
    assert summary.updated == [] and len(summary.broken) == 1
    assert f"{path}: field 'computed.bad' is not finite" in summary.broken[0]


def test_a_derived_shape_error_and_a_ragged_variant_input_name_their_fields(tmp_path):
    good = json.loads(make(tmp_path).read_text())
    path = tmp_path / "shapes.gradcheck.json"
    path.write_text(
        json.dumps(
            {
                **good,
                "id": "shapes",
                "inputs": {**good["inputs"], "values": {**good["inputs"]["values"], "m": [[1.0, 2.0]]}},
                "derived": [{"name": "bad", "op": "matmul", "args": ["m", "m"]}],
            }
        )
    )
    assert "field 'derived' derived node 'bad' (matmul of [(1, 2), (1, 2)]) fails" in update([path]).broken[0]
    path.write_text(
        json.dumps(
            {**good, "id": "shapes", "variants": {"ragged": {"says": "s", "values": {"w": [[1.0], [2.0, 3.0]]}}}}
        )
    )
    with pytest.raises(
        CaseError, match="field 'variants.ragged.values.w' must be a number or a rectangular nested list"
    ):
        load(path)


def test_contradicts_needs_a_variant_and_a_contradicted_print(tmp_path):
    value = float(compute(load(make(tmp_path)))["f"])
    stated = [{"field": "f", "printed": f"{value:.4f}", "where": "w"}]
    erratum = {"id": "typo", "where": "w", "printed": "p", "correct": "c", "explanation": "e", "contradicts": [0]}
    with pytest.raises(CaseError, match=r"field 'errata\[0\].contradicts' needs the erratum's variant"):
        make(tmp_path, name="no-variant", stated=stated, errata=[erratum])
    same = make(
        tmp_path,
        name="same",
        stated=stated,
        errata=[{**erratum, "variant": "same"}],
        variants={"same": {"says": "changes nothing the print shows", "round": {"wx": 6}}},
    )
    assert "variant 'same' reproduces stated[0], so the printed formula is not contradicted" in " ".join(problems(same))


def test_a_float32_print_of_a_small_number_is_read_relative_to_the_field_it_came_from(tmp_path):
    derived = [{"name": "small", "op": "mul", "args": ["dw", 1e-4]}]  # a small number computed from w's scale
    value = float(compute(load(make(tmp_path, name="probe", derived=derived)))["small"])

    def stated(offset, rule):
        return [{"field": "small", "printed": f"{value + offset:.12f}", "where": "w", "rule": rule}]

    relative = {"kind": "float32", "why": "printed by a float32 script"}
    absolute = {**relative, "relative_to": "w"}  # float32 rounding of numbers as large as w (0.5)
    assert problems(make(tmp_path, name="rel", derived=derived, stated=stated(1e-9, relative))) != []
    assert problems(make(tmp_path, name="abs", derived=derived, stated=stated(1e-9, absolute))) == []
    (wrong,) = problems(make(tmp_path, name="wrong", derived=derived, stated=stated(1e-5, absolute)))
    assert wrong == (
        f"field 'stated[0]' (w; small): 1 printed value(s) disagree: [] printed {value + 1e-5:.12f} "
        f"but computed {value:.10g}"
    )
    with pytest.raises(CaseError, match=r"field 'stated\[0\].rule.relative_to' names 'ww', which is not a field"):
        make(tmp_path, name="typo", derived=derived, stated=stated(0, {**relative, "relative_to": "ww"}))
