"""Figures that scale: a fixed size whatever the shape, large matrices aggregated with the worst entries kept."""

import struct

import numpy as np
import pytest

from gradcheck.cli.plot import FIGSIZE, MAX_CELLS, aggregate


def test_a_small_matrix_is_drawn_as_it_is():
    d = np.arange(12.0).reshape(3, 4)
    cells, bad, block = aggregate(d, d > 5)
    assert block == (1, 1) and cells is d and bad.sum() == 6


def test_a_large_matrix_keeps_each_blocks_worst_entry_with_its_sign():
    rng = np.random.default_rng(0)
    d = rng.uniform(-1, 1, (784, 100))
    d[500, 37] = -50.0  # the worst entry
    bad = np.zeros(d.shape, bool)
    bad[10, 90] = True
    cells, bad_cells, (br, bc) = aggregate(d, bad)
    assert cells.shape[0] <= MAX_CELLS and cells.shape[1] <= MAX_CELLS and (br, bc) == (17, 3)
    assert cells[500 // br, 37 // bc] == -50.0 and cells.min() == -50.0
    assert bad_cells.sum() == 1 and bad_cells[10 // br, 90 // bc]
    r, c = 3, 5  # any other block: its entry of largest |d|
    block = d[r * br : (r + 1) * br, c * bc : (c + 1) * bc]
    assert cells[r, c] == block.reshape(-1)[np.argmax(np.abs(block))]


def _png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("shape", [(3, 2), (100, 19)])  # 100 rows: drawn as blocks
def test_the_heatmap_has_the_same_size_whatever_the_shape(tmp_path, shape):
    pytest.importorskip("matplotlib")
    import gradcheck as gc
    from gradcheck.cli.plot import draw_entry_errors

    rng = np.random.default_rng(1)
    X = rng.standard_normal((5, shape[0]))
    p = {"W": rng.standard_normal(shape)}
    report = gc.check_grad(
        lambda q: 0.5 * np.sum((X @ q["W"]) ** 2),
        lambda q: {"W": 0.5 * X.T @ (X @ q["W"])},
        p,
        oracles="fd",
        raise_on_failure=False,
    )
    path = draw_entry_errors(report.param("W"), tmp_path / "w.png", "half " * 40)  # a long title is cut, not spilled
    assert _png_size(path) == (int(FIGSIZE[0] * 100), int(FIGSIZE[1] * 100))
