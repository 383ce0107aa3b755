"""Figures for a check (matplotlib, the optional `plot` extra, imported only when drawing).

1. FD error versus step size along one direction v: the central difference D(h) = (f(x+hv) - f(x-hv)) / 2h
   is off by truncation ~ |f'''| h^2 / 6 (falls with h) plus round-off ~ eps |f| / h (grows as h falls),
   so log error against log h is a V; the hand-written gradient's own error along v is drawn across it.
2. A heatmap of yours - reference for each mismatching parameter, wrong entries outlined.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._engine.oracles.finite_diff import EPS, CentralRichardson
from .._engine.oracles.probes import global_direction
from .._engine.oracles.taylor import directional
from .._engine.problem.problem import Problem
from .._engine.tree import flatten
from ..errors import GradcheckError

STEPS = np.logspace(-15, 0, 61)


def require_matplotlib():
    """matplotlib with the file-only Agg backend, or a GradcheckError saying how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise GradcheckError("figures need matplotlib: pip install 'gradcheck[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def step_errors(loss, params, args=(), *, reference=None, yours=None, seed=0, steps=STEPS) -> dict:
    """|D(h) - reference| along a seeded unit sign direction v over all parameters, for each step h.

    reference / yours: full gradients (lists of arrays in flatten order) or None; without a reference the
    extrapolated finite difference stands in for it.
    """
    problem = Problem.at(loss, params, args, seed=seed)
    v = global_direction(seed, 0, [x.shape for x in problem.leaves])  # the check's first global probe (unit norm)
    phi, f0, scale = problem.along(v), problem.f0, problem.scale(v)  # the check's phi(t) and step scale
    method = CentralRichardson()
    rich = method.derivative(phi, scale=scale, f0=f0)

    def dot(g):
        return directional(g, v)

    ref = dot(reference) if reference is not None else rich.value
    central = np.array([(phi(h) - phi(-h)) / (2 * h) for h in steps])
    return {
        "steps": np.asarray(steps),
        "errors": np.abs(central - ref),
        "reference": ref,
        "reference_is_fd": reference is None,
        "f0": f0,
        "first_step": method.step(scale),
        "richardson_error": abs(rich.value - ref),
        "richardson_estimate": rich.error,
        "yours_error": abs(dot(yours) - ref) if yours is not None else None,
    }


def _floor(x: float) -> float:
    return max(x, 1e-17)


def draw_step_errors(data: dict, path, title: str) -> Path:
    """The V of truncation against round-off as a PNG; returns its path."""
    plt = require_matplotlib()
    h, err = data["steps"], np.maximum(data["errors"], 1e-17)
    fig, ax = plt.subplots(figsize=(7, 4.6), dpi=110)
    ax.loglog(h, err, "o-", ms=3, color="#1f77b4", label="central difference |D(h) - reference|")
    ax.loglog(h, EPS * max(abs(data["f0"]), 1e-300) / h, "--", color="#7f7f7f", label="round-off ~ eps |f| / h")
    big = h > 1e-3
    c = float(np.median(err[big] / h[big] ** 2)) if big.any() else 0.0
    if c > 0:
        ax.loglog(h, c * h**2, ":", color="#7f7f7f", label="truncation ~ C h^2")
    ax.axvline(data["first_step"], color="#2ca02c", lw=1, label=f"gradcheck's first step h = {data['first_step']:.1e}")
    ax.scatter(
        [data["first_step"]],
        [_floor(data["richardson_error"])],
        marker="*",
        s=120,
        color="#2ca02c",
        zorder=5,
        label=f"Richardson-extrapolated FD error {data['richardson_error']:.1e}",
    )
    if data["yours_error"] is not None:
        ax.axhline(
            _floor(data["yours_error"]),
            color="#d62728",
            lw=1.5,
            label=f"your gradient's error along v: {data['yours_error']:.1e}",
        )
    top = max(1.0, float(err.max()), data["yours_error"] or 0.0) * 3
    ax.set_ylim(1e-17, top)
    ax.set_xlabel("step size h")
    ax.set_ylabel("absolute error of d/dt f(x + t v)")
    ref = "extrapolated FD" if data["reference_is_fd"] else "AD"
    ax.set_title(
        f"{_wrap(title)}\nfinite-difference error vs step (reference: {ref} {data['reference']:.6g})", fontsize=10
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7.5, loc="upper center")
    return _save(fig, plt, path)


FIGSIZE = (7.5, 5.5)  # inches, whatever the parameter's shape: a figure stays readable and small
MAX_CELLS = 48  # rows and columns drawn; a larger matrix is aggregated into blocks of entries
WORST_MARKED = 5


def aggregate(diff: np.ndarray, bad: np.ndarray, max_cells: int = MAX_CELLS):
    """(cells, bad cells, block shape): each cell is the block's entry of largest |d| (its sign kept), and a
    cell is bad when any entry of its block is. A matrix that fits is returned as it is (block (1, 1))."""
    rows, cols = diff.shape
    br, bc = -(-rows // max_cells), -(-cols // max_cells)
    if br == 1 and bc == 1:
        return diff, bad, (1, 1)
    R, C = -(-rows // br), -(-cols // bc)
    pad = np.zeros((R * br, C * bc))
    pad[:rows, :cols] = np.nan_to_num(diff, nan=np.inf)
    mask = np.zeros((R * br, C * bc), bool)
    mask[:rows, :cols] = bad
    blocks = pad.reshape(R, br, C, bc).transpose(0, 2, 1, 3).reshape(R, C, br * bc)
    pick = np.argmax(np.abs(blocks), axis=2)
    cells = np.take_along_axis(blocks, pick[..., None], axis=2)[..., 0]
    return cells, mask.reshape(R, br, C, bc).any(axis=(1, 3)), (br, bc)


def draw_entry_errors(param, path, title: str) -> Path:
    """Heatmap of yours - reference for one parameter at a fixed size (wrong entries outlined; a large matrix
    aggregated into blocks, its worst wrong entries marked); returns the PNG path."""
    plt = require_matplotlib()
    if param.yours is None or not param.refs:
        raise GradcheckError(f"no per-entry reference for {param.name} (only directional probes ran)")
    trusted = sorted((o for o in param.trusted if o in param.refs), key=lambda o: o == "fd")  # AD first
    oracle = trusted[0] if trusted else next(iter(param.refs))
    diff = np.asarray(param.yours, dtype=np.float64) - param.refs[oracle]
    full = diff.reshape(1, -1) if diff.ndim < 2 else diff.reshape(diff.shape[0], -1)
    bad_full = param.wrong_entries().reshape(full.shape)
    grid, bad, (br, bc) = aggregate(full, bad_full)
    finite = np.abs(grid[np.isfinite(grid)])
    lim = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
    fig, ax = plt.subplots(figsize=FIGSIZE, dpi=100, layout="constrained")
    im = ax.imshow(np.clip(grid, -lim, lim), cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    fig.colorbar(im, ax=ax, label=f"yours - {oracle}" + (" (worst of each block)" if br * bc > 1 else ""))
    values = grid.size <= 64
    if values:
        for (i, j), value in np.ndenumerate(grid):
            color = "white" if abs(value) > 0.6 * lim else "black"
            ax.text(j, i, f"{value:.1e}", ha="center", va="center", fontsize=7, color=color)
    if 0 < bad.sum() < bad.size:
        ax.add_collection(outline_patches(bad))
    marked = worst_wrong(full, bad_full)
    _mark(ax, full, marked, br, bc, labelled=not values)
    _ticks(ax, full.shape, grid.shape, br, bc)
    ax.set_xlabel("column" if diff.ndim == 2 else "entry (flattened)")
    ax.set_ylabel("row")
    how = f"; cells are {br}x{bc} blocks" if br * bc > 1 else ""
    n_bad = int(bad_full.sum())
    outlined = "all" if n_bad == bad_full.size else "outlined"
    worst = f"; x = worst {len(marked)} wrong" if marked else ""
    fig.suptitle(
        f"{_wrap(title, 100)}\n{param.name} {tuple(param.shape)}: wrong entries {n_bad}/{bad_full.size} "
        f"({outlined}){how}{worst}",
        fontsize=9,
    )
    return _save(fig, plt, path)


def outline_patches(bad: np.ndarray):
    """One unfilled square patch around each wrong cell (a PatchCollection): patches stay on the cells they
    outline, where a contour's strokes cut the corners of a lone cell into a diamond."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    boxes = [Rectangle((j - 0.5, i - 0.5), 1, 1) for i, j in zip(*np.nonzero(bad))]
    return PatchCollection(boxes, facecolor="none", edgecolor="black", linewidth=1.6, zorder=3)


def worst_wrong(full: np.ndarray, bad: np.ndarray, k: int = WORST_MARKED) -> list[tuple[int, int]]:
    """(row, column) of the k wrong entries of largest |d| (NaN first), worst first; right entries never."""
    score = np.where(np.isnan(full), np.inf, np.abs(full))
    where = np.argwhere(bad)
    order = np.argsort(-score[bad], kind="stable")[:k]
    return [(int(r), int(c)) for r, c in where[order]]


def _mark(ax, full: np.ndarray, marked, br: int, bc: int, labelled: bool) -> None:
    """An x on the cell of each marked entry: in the cell's corner, clear of a printed value; labelled with the
    entry's index where cells are blocks of entries (the ticks name a cell that is one entry)."""
    for r, c in marked:
        x, y = c // bc, r // br
        if labelled:
            ax.plot(x, y, marker="x", color="black", ms=7, mew=1.5, zorder=4)
            ax.annotate(f"({r}, {c})", (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=4)
        else:
            ax.plot(x - 0.35, y - 0.3, marker="x", color="black", ms=6, mew=1.5, zorder=4)


def _ticks(ax, shape, cells, br: int, bc: int) -> None:
    """At most ~8 ticks per axis, labelled with the original row and column indices."""
    for axis, n, b, total in ((ax.xaxis, cells[1], bc, shape[1]), (ax.yaxis, cells[0], br, shape[0])):
        step = max(1, -(-n // 8))
        at = list(range(0, n, step))
        axis.set_ticks(at)
        axis.set_ticklabels([str(min(i * b, total - 1)) for i in at])


def _headline(diagnosis) -> str:
    """The diagnosis up to its first ": " or "; " outside parentheses: "yours = 0.5 x reference (scale 1/2)",
    "only 1 of 30 entries wrong, at (1, 2)", "no simple pattern (2 of 2 entries wrong; ...)"."""
    words = str(getattr(diagnosis, "words", diagnosis) or "mismatch")
    depth = 0
    for i, ch in enumerate(words):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and words[i : i + 2] in (": ", "; "):
            return words[:i]
    return words


def _wrap(text: str, width: int = 80) -> str:
    """At most two lines of `width` characters (a longer text ends in "...")."""
    import textwrap

    lines = textwrap.wrap(text, width=width)
    return "\n".join(lines[:2]) + (" ..." if len(lines) > 2 else "")


def _save(fig, plt, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fig.get_layout_engine() is None:
        fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("_")[:80]


def figures(report, loss, params, args, outdir, label: str, seed: int = 0) -> list[Path]:
    """The step-error V for a check plus one heatmap per mismatching parameter; returns the PNG paths."""
    require_matplotlib()
    names = flatten(params)[0]
    by_name = {p.name: p for p in report.params}
    have = [by_name.get(n) for n in names]
    ad = next((o for o in ("torch", "jax") if all(p is not None and o in p.refs for p in have)), None)
    reference = [p.refs[ad] for p in have] if ad else None
    yours = [p.yours for p in have] if all(p is not None and p.yours is not None for p in have) else None
    data = step_errors(loss, params, args, reference=reference, yours=yours, seed=seed)
    out = [draw_step_errors(data, Path(outdir) / f"{slug(label)}.fd_steps.png", label)]
    for p in report.params:
        if p.status == "mismatch" and p.refs:
            out.append(
                draw_entry_errors(
                    p, Path(outdir) / f"{slug(label)}.{slug(p.name)}.errors.png", f"{label}: {_headline(p.diagnosis)}"
                )
            )
    return out
