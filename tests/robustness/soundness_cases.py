"""Cases for the soundness campaign: small networks with hand-written gradients, right or with planted errors.

Logits are scaled at most x10 in the Hypothesis-drawn right gradients. Beyond that (and at x10 in about 5 draws
in 10,000) the cross-entropy of a confident right prediction is a few quanta deep, or underflows to exactly 0.0:
the right gradient's own round-off (p - y for p ~ 1) is then as large as its entries, no oracle can tell it from a
wrong one, and the verdict is withheld with the reason (docs/trust.md, "A loss fd cannot resolve"). Those points
have a campaign of their own, `saturated_case`: logits x10 to x50, right and planted gradients, where no planted
error may pass and no right gradient fail.

Shared by tests/robustness/test_soundness_campaign.py (the fast part, in the suite) and
benchmarks/soundness.py (the large run). A case is plain data plus its loss and grad; `planted` returns a grad
with chosen entries wrong by a known relative amount, so a report can be scored against the truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from array_api_compat import array_namespace
from hypothesis import strategies as st

SMOOTH = ("tanh", "sigmoid", "softplus")
ACTIVATIONS = SMOOTH + ("relu",)


@dataclass(frozen=True)
class Net:
    """A 2-layer network: z1 = W1 x + b1, a1 = act(z1), z2 = W2 a1 + b2, loss = scale * L(z2, y).

    `head`: "squared" (1/2 sum (z2 - y)^2) or "softmax" (sum of cross-entropies, logits times `logit_scale`).
    `relu_at_zero`: the mask a hand-written ReLU backward uses at z == 0 (0: z > 0, 1: z >= 0).
    `shuffled`: loss and grad sum the examples in a new random order on every call.
    """

    act: str = "tanh"
    head: str = "squared"
    scale: float = 1.0
    logit_scale: float = 1.0
    relu_at_zero: float = 0.0
    shuffled: bool = False
    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0), compare=False)

    def loss(self, p, x, y):
        xp = array_namespace(p["W1"])
        a1 = _act(xp, self.act, p["W1"] @ x + p["b1"])
        z2 = (p["W2"] @ a1 + p["b2"]) * self.logit_scale
        if self.head == "squared":
            per = 0.5 * xp.sum((z2 - y) ** 2, axis=0)
        else:
            m = xp.max(z2, axis=0)
            lse = m + xp.log(xp.sum(xp.exp(z2 - m), axis=0))
            per = lse - xp.sum(z2 * y, axis=0)
        if self.shuffled and isinstance(per, np.ndarray):
            order = self.rng.permutation(per.shape[0])
            total = per[order[0]]
            for i in order[1:]:
                total = total + per[i]
            return self.scale * total
        return self.scale * xp.sum(per)

    def grad(self, p, x, y):
        z1 = p["W1"] @ x + p["b1"]
        a1 = _act(np, self.act, z1)
        z2 = (p["W2"] @ a1 + p["b2"]) * self.logit_scale
        if self.head == "squared":
            d2 = z2 - y
        else:
            e = np.exp(z2 - z2.max(0))
            d2 = e / e.sum(0) - y
        d2 = self.scale * self.logit_scale * d2  # dL/dz2 before the logit scale
        d1 = (p["W2"].T @ d2) * _dact(self.act, z1, self.relu_at_zero)
        cols = self.rng.permutation(x.shape[1]) if self.shuffled else np.arange(x.shape[1])
        gW1, gW2 = np.zeros_like(p["W1"]), np.zeros_like(p["W2"])
        for i in cols:  # per-example outer products, summed in the order drawn
            gW1 = gW1 + np.outer(d1[:, i], x[:, i])
            gW2 = gW2 + np.outer(d2[:, i], a1[:, i])
        dtype = p["W1"].dtype
        return {
            "W1": gW1.astype(dtype),
            "b1": d1[:, cols].sum(1, keepdims=True).astype(dtype),
            "W2": gW2.astype(dtype),
            "b2": d2[:, cols].sum(1, keepdims=True).astype(dtype),
        }


def _act(xp, name, z):
    if name == "tanh":
        return xp.tanh(z)
    if name == "sigmoid":
        return 1 / (1 + xp.exp(-z))
    if name == "softplus":
        return xp.log(1 + xp.exp(z))
    return xp.maximum(z, 0 * z)


def _dact(name, z, at_zero):
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name in ("sigmoid", "softplus"):
        s = 1 / (1 + np.exp(-z))  # softplus' = sigmoid
        return s * (1 - s) if name == "sigmoid" else s
    return np.where(z > 0, 1.0, np.where(z == 0, at_zero, 0.0)).astype(z.dtype)


@dataclass(frozen=True)
class Case:
    """A network, its params and data, and how it was drawn (for a failure message)."""

    net: Net
    params: dict
    args: tuple
    about: str

    @property
    def entries(self) -> int:
        return sum(v.size for v in self.params.values())


def draw_case(
    rng: np.random.Generator,
    *,
    act=None,
    head=None,
    d=None,
    h=None,
    c=None,
    n=None,
    dtype="float64",
    scale=1.0,
    logit_scale=1.0,
    kink=None,
    shuffled=False,
) -> Case:
    """A case from numpy's generator; `kink`: None, "exact" (one pre-activation exactly 0) or "near" (within 1e-3)."""
    act = act or ACTIVATIONS[rng.integers(len(ACTIVATIONS))]
    head = head or ("squared", "softmax")[rng.integers(2)]
    d, h, c, n = (v if v is not None else int(rng.integers(1, 6)) for v in (d, h, c, n))
    c = max(c, 2) if head == "softmax" else c
    p = {
        "W1": rng.normal(size=(h, d)) / np.sqrt(d),
        "b1": 0.3 * rng.normal(size=(h, 1)),
        "W2": rng.normal(size=(c, h)) / np.sqrt(h),
        "b2": 0.3 * rng.normal(size=(c, 1)),
    }
    x = rng.normal(size=(d, n))
    y = np.eye(c)[:, rng.integers(c, size=n)] if head == "softmax" else rng.normal(size=(c, n))
    p, x, y = _cast(p, dtype), x.astype(dtype), y.astype(dtype)
    about = f"{act}/{head} d={d} h={h} c={c} n={n} {dtype} scale={scale:.0e} logits x{logit_scale:g}"
    if kink is not None and act == "relu":
        j, k = int(rng.integers(h)), int(rng.integers(n))
        offset = 0.0 if kink == "exact" else float(10 ** rng.uniform(-9, -3)) * (1 if rng.random() < 0.5 else -1)
        p["b1"][j, 0] = (offset - (p["W1"] @ x)[j, k]).astype(dtype)
        about += f" {kink} kink at unit {j}"
    net = Net(
        act, head, scale, logit_scale, float(rng.integers(2)), shuffled, np.random.default_rng(rng.integers(1 << 30))
    )
    return Case(net, p, (x, y), about + (" shuffled" if shuffled else "") + f" relu'(0)={net.relu_at_zero:g}")


def _cast(p, dtype):
    return {k: v.astype(dtype) for k, v in p.items()}


def sized_case(rng: np.random.Generator, entries: int, act=None, **kw) -> Case:
    """A smooth case with about `entries` parameter entries (50 to 2,000 in the campaign)."""
    act = act or SMOOTH[rng.integers(len(SMOOTH))]
    d = int(rng.integers(2, 9))
    c = int(rng.integers(1, 5))
    h = max(1, (entries - c) // (d + 1 + c))  # at most `entries`: fd alone stays per entry up to 2,000
    return draw_case(rng, act=act, d=d, h=h, c=c, n=int(rng.integers(1, 9)), **kw)


@dataclass(frozen=True)
class Planted:
    """A grad with `where` (param, index) entries multiplied by (1 + rel); `whole`: every entry of one param."""

    grad: Callable
    where: tuple
    rel: float


def plant_entry(case: Case, rng: np.random.Generator, rel: float) -> Planted:
    """One entry, among those at least 1e-2 of the parameter's largest |gradient|, made wrong by rel of itself."""
    g = case.net.grad(case.params, *case.args)
    name = list(g)[rng.integers(len(g))]
    mags = np.abs(g[name])
    candidates = np.argwhere(mags >= 1e-2 * mags.max()) if mags.max() > 0 else np.argwhere(mags >= 0)
    index = tuple(int(i) for i in candidates[rng.integers(len(candidates))])
    return Planted(_planted(case.net.grad, name, index, rel), ((name, index),), rel)


def plant_whole(case: Case, rng: np.random.Generator, rel: float) -> Planted:
    """Every entry of one parameter wrong by rel (a factor 1 + rel)."""
    g = case.net.grad(case.params, *case.args)
    name = list(g)[rng.integers(len(g))]
    return Planted(_planted(case.net.grad, name, None, rel), ((name, None),), rel)


def _planted(grad, name, index, rel):
    def wrong(p, *args):
        out = grad(p, *args)
        out[name] = out[name].copy()
        if index is None:
            out[name] *= 1 + rel
        else:
            out[name][index] *= 1 + rel
        return out

    return wrong


SATURATED_PLANTS = ("entry", "whole", "x10", "sign", "zeros")


def saturated_case(rng: np.random.Generator) -> Case:
    """A softmax head at confident logits (x10 to x50), batch 1 or 2, loss scales 1e-12 to 1e12, float32/float64:
    the cross-entropy is a few quanta deep or exactly 0.0 in many draws."""
    return draw_case(
        rng,
        head="softmax",
        n=int(rng.integers(1, 3)),
        dtype=("float64", "float32")[rng.integers(2)],
        scale=float(rng.choice([1.0, 1e-12, 1e6, 1e12])),
        logit_scale=float(rng.choice([10.0, 30.0, 50.0])),
    )


def plant_saturated(case: Case, rng: np.random.Generator, kind: str) -> Planted | None:
    """A planted error of one SATURATED_PLANTS kind, or None where it leaves the gradient unchanged (a whole
    parameter scaled or zeroed whose gradient is exactly 0, as a dead ReLU's is: no error at all)."""
    rel = float(rng.uniform(0.01, 0.2)) * (1 if rng.random() < 0.5 else -1)
    whole = {"whole": rel, "x10": 9.0, "sign": -2.0, "zeros": -1.0}
    planted = plant_entry(case, rng, rel) if kind == "entry" else plant_whole(case, rng, whole[kind])
    name = planted.where[0][0]
    right, wrong = case.net.grad(case.params, *case.args)[name], planted.grad(case.params, *case.args)[name]
    return None if np.array_equal(right, wrong) else planted


def below_stated_resolution(case: Case, planted: Planted, report) -> bool:
    """A planted error that passed is no larger than the detection bound the report states for its parameter ("no
    entry is off by more than ..."): a disclosed limit of the check at that point, not a false pass."""
    name = planted.where[0][0]
    p = report.param(name)
    wrong, right = planted.grad(case.params, *case.args)[name], case.net.grad(case.params, *case.args)[name]
    return p.bound is not None and float(np.max(np.abs(wrong - right))) <= p.bound


@dataclass
class Score:
    """Counts over a campaign: every miss is kept with its case description."""

    checks: int = 0
    false_passes: int = 0
    missed_entries: int = 0
    false_failures: int = 0
    withheld: int = 0
    entries: int = 0
    kink_entries: int = 0
    followed: int = 0  # checks in which an AD oracle ran the loss as numpy code followed
    problems: list = field(default_factory=list)

    def _count(self, report) -> None:
        self.checks += 1
        self.followed += any(o.ran_as == "numpy code followed" for o in report.oracles)

    def add_planted(self, report, planted: Planted, about: str) -> None:
        self._count(report)
        if report.ok:
            self.false_passes += 1
            self.problems.append(f"false pass: {about}; {planted.where} x{1 + planted.rel:.3f}")
            return
        for name, index in planted.where:
            wrong = report.param(name).wrong_entries()
            fd = report.param(name).comparisons.get("fd")
            located = {tuple(r["index"]) for r in fd.detail.get("located", [])} if fd is not None else set()
            hit = bool(wrong.all() if index is None else wrong[index] or index in located)
            if index is None and not hit and report.param(name).status == "mismatch" and located:
                hit = True  # fd alone by probes: a wrong parameter, its first wrong entries located
            if not hit:
                self.missed_entries += 1
                self.problems.append(f"missed entry: {about}; {name}{index} x{1 + planted.rel:.3f}")

    def add_right(self, report, about: str) -> None:
        self._count(report)
        self.entries += sum(int(np.prod(p.shape)) for p in report.params)
        self.kink_entries += kink_count(report)
        if report.verdict.startswith("no verdict"):
            self.withheld += 1
            self.problems.append(f"withheld: {about}: {report.verdict}")
        elif not report.ok:
            self.false_failures += 1
            self.problems.append(f"false failure: {about}: {report.verdict}")


def kink_count(report) -> int:
    """Entries declared kinks in a report (per-entry kinks and kink probes)."""
    return sum(c.kinks for p in report.params for o, c in p.comparisons.items() if o == "fd")


@st.composite
def right_cases(draw) -> Case:
    """Right gradients over float32/float64, exact and near kinks, large logits, tiny and huge loss scales,
    batch size 1 and shuffled sums (arrays from a drawn seed: the draw is the configuration)."""
    return right_case(
        draw(st.integers(0, 2**32 - 1)),
        act=draw(st.sampled_from(ACTIVATIONS)),
        head=draw(st.sampled_from(("squared", "softmax"))),
        n=draw(st.sampled_from((1, 1, 2, 3, 5, 8))),
        dtype=draw(st.sampled_from(("float64", "float32"))),
        scale=draw(st.sampled_from((1.0, 1.0, 1e-12, 1e-6, 1e6, 1e12))),
        logit_scale=draw(st.sampled_from((1.0, 1.0, 10.0))),
        kink=draw(st.sampled_from((None, "exact", "near"))),
        shuffled=draw(st.booleans()),
    )


def right_case(seed: int, **config) -> Case:
    """The case right_cases draws for an arrays' seed and a configuration (act, head, n, dtype, scale,
    logit_scale, kink, shuffled): a campaign's failure line names both, so the case can be frozen as a test."""
    case = draw_case(np.random.default_rng(seed), **config)
    return Case(case.net, case.params, case.args, f"{case.about} (seed {seed})")


# a ReLU net whose hand-written backward chooses relu'(0), for the kink tests (test_soundness, test_compare)
def relu_net(p, x, y):
    xp = array_namespace(p["W1"])
    h = xp.maximum(p["W1"] @ x + p["b1"], 0.0 * p["b1"])
    return 0.5 * xp.sum((p["W2"] @ h - y) ** 2)


def relu_grad(at_zero):
    """Hand-written backward with relu'(0) = at_zero (1: the mask z >= 0)."""

    def grad(p, x, y):
        z = p["W1"] @ x + p["b1"]
        h = np.maximum(z, 0.0)
        d2 = p["W2"] @ h - y
        d1 = (p["W2"].T @ d2) * np.where(z > 0, 1.0, np.where(z == 0, at_zero, 0.0))
        return {"W1": d1 @ x.T, "b1": d1.sum(1, keepdims=True), "W2": d2 @ h.T}

    return grad
