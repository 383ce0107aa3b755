"""Figures for a check (matplotlib, the optional `plot` extra, imported only when drawing).

1. FD error versus step size along one direction v: the central difference D(h) = (f(x+hv) - f(x-hv)) / 2h
   is off by truncation ~ |f'''| h^2 / 6 (falls with h) plus round-off ~ eps |f| / h (grows as h falls),
   so log error against log h is a V; the hand-written gradient's own error along v is drawn across it.
2. A heatmap of yours - reference for each mismatching parameter, wrong entries outlined.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import GradcheckError
from .._engine.finite_diff import EPS, CentralRichardson
from .._engine.probes import global_direction
from .._engine.problem import Problem
from .._engine.taylor import directional
from .._engine.tree import flatten

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
    dot = (lambda g: directional(g, v))
    ref = dot(reference) if reference is not None else rich.value
    central = np.array([(phi(h) - phi(-h)) / (2 * h) for h in steps])
    return {"steps": np.asarray(steps), "errors": np.abs(central - ref), "reference": ref,
            "reference_is_fd": reference is None, "f0": f0, "first_step": method.step(scale),
            "richardson_error": abs(rich.value - ref), "richardson_estimate": rich.error,
            "yours_error": abs(dot(yours) - ref) if yours is not None else None}


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
    ax.scatter([data["first_step"]], [_floor(data["richardson_error"])], marker="*", s=120, color="#2ca02c",
               zorder=5, label=f"Richardson-extrapolated FD error {data['richardson_error']:.1e}")
    if data["yours_error"] is not None:
        ax.axhline(_floor(data["yours_error"]), color="#d62728", lw=1.5,
                   label=f"your gradient's error along v: {data['yours_error']:.1e}")
    top = max(1.0, float(err.max()), data["yours_error"] or 0.0) * 3
    ax.set_ylim(1e-17, top)
    ax.set_xlabel("step size h")
    ax.set_ylabel("absolute error of d/dt f(x + t v)")
    ref = "extrapolated FD" if data["reference_is_fd"] else "AD"
    ax.set_title(f"{title}\nfinite-difference error vs step (reference: {ref} {data['reference']:.6g})", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=7.5, loc="upper center")
    return _save(fig, plt, path)


def draw_entry_errors(param, path, title: str) -> Path:
    """Heatmap of yours - reference for one parameter (wrong entries outlined); returns the PNG path."""
    plt = require_matplotlib()
    if param.yours is None or not param.refs:
        raise GradcheckError(f"no per-entry reference for {param.name} (only directional probes ran)")
    trusted = sorted((o for o in param.trusted if o in param.refs), key=lambda o: o == "fd")  # AD first
    oracle = trusted[0] if trusted else next(iter(param.refs))
    diff = np.asarray(param.yours, dtype=np.float64) - param.refs[oracle]
    grid = diff.reshape(1, -1) if diff.ndim < 2 else diff.reshape(diff.shape[0], -1)
    bad = param.wrong_entries().reshape(grid.shape)
    lim = float(np.nanmax(np.abs(grid))) or 1.0
    fig, ax = plt.subplots(figsize=(max(5.5, 0.9 * grid.shape[1] + 2.5), max(3.5, 0.5 * grid.shape[0] + 2.4)), dpi=110)
    im = ax.imshow(grid, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto")
    fig.colorbar(im, ax=ax, label=f"yours - {oracle}")
    if grid.size <= 144:
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, f"{value:.1e}", ha="center", va="center", fontsize=7,
                    color="white" if abs(value) > 0.6 * lim else "black")
    for i, j in zip(*np.nonzero(bad)):
        ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", lw=1.5))
    ax.set_xticks(range(grid.shape[1]))
    ax.set_yticks(range(grid.shape[0]))
    ax.set_xlabel("column" if diff.ndim == 2 else "entry (flattened)")
    ax.set_ylabel("row")
    ax.set_title(f"{_wrap(title, grid.shape[1])}\n{param.name} {tuple(param.shape)}: wrong entries outlined "
                 f"({int(bad.sum())}/{bad.size})", fontsize=10)
    return _save(fig, plt, path)


def _headline(diagnosis) -> str:
    """The diagnosis up to its first parenthesis or colon: "yours = 0.5 x reference", "no simple pattern"."""
    words = str(getattr(diagnosis, "words", diagnosis) or "mismatch")
    return words.split(" (")[0].split(": ")[0]


def _wrap(text: str, columns: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width=max(40, 9 * columns + 20)))


def _save(fig, plt, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
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
            out.append(draw_entry_errors(p, Path(outdir) / f"{slug(label)}.{slug(p.name)}.errors.png",
                                         f"{label}: {_headline(p.diagnosis)}"))
    return out
