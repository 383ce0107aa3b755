"""gradcheck.cli.plot's heatmap rules: wrong cells outlined by patches, the worst marks only on wrong entries, a
title that keeps the diagnosis' headline whole, marks clear of the printed values."""

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from gradcheck.cli.plot import _headline, _mark, draw_entry_errors, outline_patches, require_matplotlib, worst_wrong


def test_each_wrong_cell_gets_a_square_patch_on_it():
    bad = np.zeros((3, 4), bool)
    bad[1, 2] = bad[0, 0] = True
    boxes = outline_patches(bad).get_paths()
    corners = sorted(tuple(np.round(p.vertices.min(axis=0), 6)) for p in boxes)
    assert corners == [(-0.5, -0.5), (1.5, 0.5)]  # (column - 1/2, row - 1/2): the cells (0, 0) and (1, 2)
    assert all(np.allclose(np.ptp(p.vertices, axis=0), 1.0) for p in boxes)


def test_the_worst_marks_are_on_wrong_entries_only():
    d = np.array([[5.0, 1e-3, np.nan], [-2.0, 3.0, 0.0]])  # the largest |d| (5.0) is within tolerance
    bad = np.array([[False, True, True], [True, False, False]])
    assert worst_wrong(d, bad) == [(0, 2), (1, 0), (0, 1)]  # NaN first, then by |d|; (0, 0) and (1, 1) never
    assert worst_wrong(d, np.zeros_like(bad)) == []


def test_a_mark_sits_in_its_cells_corner_where_values_are_printed():
    plt = require_matplotlib()
    fig, ax = plt.subplots()
    _mark(ax, np.ones((2, 2)), [(1, 0)], 1, 1, labelled=False)
    (line,) = ax.lines
    assert (line.get_xdata()[0], line.get_ydata()[0]) == (-0.35, 0.7) and not ax.texts  # no label over a value
    _mark(ax, np.ones((2, 2)), [(1, 0)], 1, 1, labelled=True)
    assert [t.get_text() for t in ax.texts] == ["(1, 0)"]
    plt.close(fig)


@pytest.mark.parametrize(
    "diagnosis, headline",
    [
        (
            "only 1 of 30 entries wrong, at (1, 2); the rest agree (there yours = 1.5 x reference)",
            "only 1 of 30 entries wrong, at (1, 2)",
        ),
        ("yours = 0.5 x reference (scale 1/2): look for the factor 2", "yours = 0.5 x reference (scale 1/2)"),
        ("no simple pattern (2 of 2 entries wrong; spread)", "no simple pattern (2 of 2 entries wrong; spread)"),
    ],
)
def test_the_headline_stops_at_the_first_clause_outside_parentheses(diagnosis, headline):
    assert _headline(diagnosis) == headline


def test_the_title_says_how_many_wrong_entries_are_marked(tmp_path, monkeypatch):
    import gradcheck as gc

    X = np.random.default_rng(0).standard_normal((4, 3))

    def grad(q):
        g = X.T @ (X @ q["W"])
        g[1, 0] *= 1.5
        return {"W": g}

    report = gc.check_grad(
        lambda q: 0.5 * np.sum((X @ q["W"]) ** 2), grad, {"W": np.ones((3, 2))}, oracles="fd", raise_on_failure=False
    )
    plt = require_matplotlib()
    titles = []
    monkeypatch.setattr(plt.Figure, "savefig", lambda fig, path: titles.append(fig.get_suptitle()))
    draw_entry_errors(report.param("W"), tmp_path / "w.png", "planted: only 1 of 6 entries wrong, at (1, 0)")
    assert titles == [
        "planted: only 1 of 6 entries wrong, at (1, 0)\nW (3, 2): wrong entries 1/6 (outlined); x = worst 1 wrong"
    ]
