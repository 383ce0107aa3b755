"""B5: finite-difference accuracy over smooth functions with known derivatives, and evaluations, vs numdifftools."""

import numpy as np

from gradcheck._engine.oracles.finite_diff import CentralRichardson

BANK = [
    ("sin", np.sin, np.cos),
    ("exp", np.exp, np.exp),
    ("tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    ("log1p(x^2)", lambda x: np.log1p(x * x), lambda x: 2 * x / (1 + x * x)),
    ("1/(1+x^2)", lambda x: 1 / (1 + x * x), lambda x: -2 * x / (1 + x * x) ** 2),
    ("sqrt(1+x^2)", lambda x: np.sqrt(1 + x * x), lambda x: x / np.sqrt(1 + x * x)),
    ("x^5-3x^3", lambda x: x**5 - 3 * x**3, lambda x: 5 * x**4 - 9 * x**2),
    ("cos(x)exp(x/2)", lambda x: np.cos(x) * np.exp(x / 2), lambda x: np.exp(x / 2) * (0.5 * np.cos(x) - np.sin(x))),
    ("atan", np.arctan, lambda x: 1 / (1 + x * x)),
]
POINTS = np.linspace(-2.0, 2.0, 21) + 0.0123


class Counted:
    def __init__(self, f):
        self.f, self.n = f, 0

    def __call__(self, x):
        self.n += np.size(x)
        return self.f(x)


def rel(est, true):
    return abs(est - true) / max(abs(true), 1e-300) if true != 0 else abs(est)


def run_ours():
    errs, evals, m = [], [], CentralRichardson()
    for _, f, df in BANK:
        for x in POINTS:
            c = Counted(f)
            est = m.derivative(lambda t, c=c, x=x: c(x + t), scale=abs(x), f0=f(x))
            errs.append(rel(est.value, df(x))), evals.append(c.n)
    return errs, evals


def run_numdifftools():
    import numdifftools as nd

    errs, evals = [], []
    for _, f, df in BANK:
        for x in POINTS:
            c = Counted(f)
            errs.append(rel(float(nd.Derivative(c)(x)), df(x))), evals.append(c.n)
    return errs, evals


def main():
    print("| method | median rel error | max rel error | evaluations per derivative |")
    print("|---|---:|---:|---:|")
    rows = [("gradcheck central_richardson(levels=3)", run_ours())]
    try:
        rows.append(("numdifftools.Derivative (defaults)", run_numdifftools()))
    except ImportError:
        print("| numdifftools | not installed | | |")
    for name, (e, n) in rows:
        print(
            f"| {name} | {np.median(e):.1e} | {np.max(e):.1e} | {np.mean(n):.0f} (+1 for f(x), shared) |"
            if "gradcheck" in name
            else f"| {name} | {np.median(e):.1e} | {np.max(e):.1e} | {np.mean(n):.0f} |"
        )
    print(
        f"\n{len(BANK)} functions x {len(POINTS)} points in [-2, 2]; target: median <= 1e-10 with no more evaluations."
    )


if __name__ == "__main__":
    main()
