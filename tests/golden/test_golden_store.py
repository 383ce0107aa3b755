"""Writing and updating cases: exact float round trip, atomic replace, update touches `expected` only."""

import json
import os

import numpy as np
import pytest

import gradcheck.golden.store as store
from gradcheck.golden import discover, load, update, write_atomic

from .conftest import CASES, edit


def test_discover_lists_the_cases_and_skips_obtained_files(tmp_path):
    for name in ("b.json", "a.json", "a.obtained.json", "notes.txt"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in discover(tmp_path)] == ["a.json", "b.json"]
    assert {p.stem for p in discover(CASES)} >= {"seed002_w1_update", "seed000_ones_column_softmax_ce"}


def test_floats_round_trip_exactly(tmp_path):
    values = np.random.default_rng(0).standard_normal((3, 4)) * 10.0 ** np.arange(-6, 6).reshape(3, 4)
    path = tmp_path / "x.json"
    write_atomic(path, {"values": values, "scalar": np.float64(1 / 3)})
    back = json.loads(path.read_text())
    assert np.array_equal(np.array(back["values"]), values) and back["scalar"] == 1 / 3


def test_rows_stay_on_one_line(tmp_path):
    path = tmp_path / "x.json"
    write_atomic(path, {"W": [[0.1, 0.8], [0.4, 0.6]]})
    assert "[0.1, 0.8]," in path.read_text()


@pytest.mark.parametrize("crash_in", ["os.replace", "os.fsync"])
def test_crash_mid_write_leaves_the_old_case_whole(case_copy, monkeypatch, crash_in):
    path = case_copy()
    before = path.read_bytes()
    data = json.loads(before)
    data["expected"]["W1_new"] = [[9.0, 9.0], [9.0, 9.0]]

    def crash(*args, **kwargs):
        raise OSError("simulated crash")

    monkeypatch.setattr(store.os, crash_in.split(".")[1], crash)
    with pytest.raises(OSError, match="simulated crash"):
        write_atomic(path, data)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no temp file left behind
    load(path)


def test_crash_while_serialising_leaves_the_old_case_whole(case_copy, monkeypatch):
    path = case_copy()
    before = path.read_bytes()
    monkeypatch.setattr(store.json, "dumps", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    with pytest.raises(RuntimeError, match="boom"):
        write_atomic(path, json.loads(before))
    assert path.read_bytes() == before and len(list(path.parent.iterdir())) == 1


def test_update_of_an_unchanged_case_does_not_rewrite_it(case_copy):
    path = case_copy()
    before, mtime = path.read_bytes(), os.stat(path).st_mtime_ns
    assert update(path) == []
    assert path.read_bytes() == before and os.stat(path).st_mtime_ns == mtime


def test_update_rewrites_only_expected_and_says_what_changed(case_copy):
    path = case_copy()
    original = json.loads(path.read_text())

    def tamper(d):
        d["expected"]["W1_new"][0][1] = 0.8041
        d["expected"].pop("dW2")
        d["expected"]["stale"] = 1.0
        d["stated"][8]["printed"][0][1] = "0.805"  # a stated value changes only by hand: update keeps it
        d["errata"][0]["explanation"] = "edited by hand"

    edit(path, tamper)
    tampered = json.loads(path.read_text())
    changes = update(path)
    assert changes == [
        "seed002_w1_update.json: expected.W1_new: 1 of 4 entries changed, largest at [0, 1]: 0.8041 -> 0.803913730016008",
        "seed002_w1_update.json: expected.dW2: added",
        "seed002_w1_update.json: expected.stale: removed",
    ]
    after = json.loads(path.read_text())
    assert after["expected"] == original["expected"]
    assert {k: v for k, v in after.items() if k != "expected"} == {k: v for k, v in tampered.items() if k != "expected"}


def test_update_refuses_an_old_format(case_copy):
    path = edit(case_copy(), lambda d: d.update(format=0))
    with pytest.raises(ValueError, match="regenerate"):
        update(path)
