"""Cross-check a case's expected values against all three oracles (fd, torch, jax).

Gradients (dW, db), updated weights, dE/doutput and every delta are checked with `grad_report` (each oracle
must run and agree); forward values are recomputed on torch tensors and jax arrays. A field equal to a
cross-checked field by a claim (`equal`/`ratio`, no erratum) counts as covered; "doc.*" fields reproduce the
document's own steps and are not cross-checked. torch and jax are imported here, lazily.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gradcheck._engine.check import grad_report
from gradcheck.nets import activations as act
from gradcheck.nets import forward_trace, layers, losses, make_loss_and_grad

ORACLES = ("fd", "torch", "jax")
FORWARD_RTOL, FORWARD_ATOL = 1e-10, 1e-13


@dataclass
class CrossCheck:
    """Which expected fields the oracles confirmed, which they could not, and the problems found."""

    case_id: str
    covered: dict[str, str] = field(default_factory=dict)  # field -> how it was checked
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def uncovered(self, case) -> list[str]:
        """Expected fields (not "doc.*") that no oracle and no claim confirmed."""
        return sorted(k for k in case.expected if not k.startswith("doc.") and k not in self.covered)


def crosscheck(case) -> CrossCheck:
    """Run every cross-check for `case`; see the module docstring."""
    cc = CrossCheck(case.id)
    _forward(case, cc)
    _grads(case, cc)
    _updates(case, cc)
    _output_and_deltas(case, cc, _case_loss(case), suffix="")
    if "half_and_no_half" in case.data["recipes"]:
        _no_half(case, cc)
    if "softmax_jacobian" in case.data["recipes"]:
        _jacobian(case, cc)
    _claims(case, cc)
    return cc


def _gradient_check(cc, what, loss, grad, params, args=()) -> bool:
    """grad_report with all three oracles; a problem unless every oracle ran and agreed."""
    report = grad_report(loss, grad, params, args=args, oracles=ORACLES)
    if report.ran != list(ORACLES):
        skipped = {o.name: o.reason for o in report.oracles if o.status != "ran"}
        cc.problems.append(f"{cc.case_id}: {what}: not every oracle ran: {skipped}")
        return False
    if not report.ok:
        cc.problems.append(f"{cc.case_id}: {what} disagrees with the oracles:\n{report}")
        return False
    return True


def _grads(case, cc):
    lg = make_loss_and_grad(case.spec)
    stored = {name: case.expected[f"d{name}"] for name in case.params}
    if _gradient_check(cc, "gradients " + ", ".join(f"d{n}" for n in stored), lg.loss,
                       lambda p, x, y: dict(stored), case.params, (case.x, case.y)):
        for name in stored:
            cc.covered[f"d{name}"] = "grad_report vs fd, torch, jax"


def _updates(case, cc):
    """W_new = W - lr dE/dW: (W - W_new) / lr must be the gradient."""
    if case.lr is None or not case.lr:
        return
    lg = make_loss_and_grad(case.spec)
    implied = {n: (case.params[n] - case.expected[f"{n}_new"]) / case.lr for n in case.params}
    if _gradient_check(cc, "updated weights (W - W_new) / lr", lg.loss, lambda p, x, y: dict(implied),
                       case.params, (case.x, case.y)):
        for n in case.params:
            cc.covered[f"{n}_new"] = "(W - W_new) / lr vs fd, torch, jax"
    steps = {n: -case.expected[f"{n}_step"] / case.lr for n in case.params if f"{n}_step" in case.expected}
    if steps and _gradient_check(cc, "steps -W_step / lr", lg.loss,
                                 lambda p, x, y: {n: steps.get(n, case.expected[f"d{n}"]) for n in p},
                                 case.params, (case.x, case.y)):
        cc.covered.update({f"{n}_step": "-W_step / lr vs fd, torch, jax" for n in steps})


def _case_loss(case):
    """final(output, y): the case's loss as a function of the network output (or logits if fused)."""
    spec = case.spec
    fn = {"squared_error": losses.squared_error, "cross_entropy": losses.cross_entropy,
          "softmax_cross_entropy": losses.softmax_cross_entropy}[spec.loss]
    return lambda out, y: fn(out, y, batch_axis=spec.batch_axis, reduction=spec.reduction)


def _no_half_loss(out, y):
    """E = ||x_L - t||^2 (seed 004's forward-pass summary, no 1/2)."""
    import array_api_compat

    xp = array_api_compat.array_namespace(out, y)
    return xp.sum((out - y) ** 2)


def _tail(case, i, final):
    """loss as a function of z_i: a_i = f_i(z_i), then layers i+1..L (weights held fixed), then final(output, y)."""
    import array_api_compat

    spec = case.spec

    def tail_loss(p, y):
        xp = array_api_compat.array_namespace(p["z"])
        params = {k: xp.asarray(v) for k, v in case.params.items()}
        a = _activate(spec, i, p["z"])
        for j in range(i + 1, spec.n_layers + 1):
            a = _activate(spec, j, _dense(case, j, a, params))
        return final(a, y)

    return tail_loss


def _activate(spec, i, z):
    name = spec.activations[i - 1]
    if name == "softmax":
        return act.softmax(z, axis=1 - spec.batch_axis)
    return act.ELEMENTWISE[name][0](z)


def _dense(case, j, a, params):
    """z_j from a_{j-1}, reusing gradcheck.nets.layers in the case's convention and bias style."""
    spec, W = case.spec, params[f"W{j}"]
    b = params.get(f"b{j}")
    if spec.convention == "column":
        return layers.dense_col_ones(W, a) if spec.bias == "ones_column" else layers.dense_col(W, a, b)
    return layers.dense_row_ones(a, W) if spec.bias == "ones_column" else layers.dense_row(a, W, b)


def _output_and_deltas(case, cc, final, suffix):
    """delta_i = dE/dz_i against the oracles (params held fixed), and dE/doutput when stored."""
    L = case.spec.n_layers
    for i in range(1, L + 1):
        name = f"delta{i}{suffix}"
        if name not in case.expected:
            continue
        stored = case.expected[name]
        loss = _tail(case, i, final)
        ok = _gradient_check(cc, f"{name} = dE/dz{i}", loss, lambda p, y, g=stored: {"z": g},
                             {"z": case.expected[f"z{i}"]}, (case.y,))
        if ok:
            cc.covered[name] = "dE/dz vs fd, torch, jax"
    if not suffix and "d_output" in case.expected:
        stored = case.expected["d_output"]
        if _gradient_check(cc, "d_output = dE/doutput", lambda p, y: final(p["out"], y), lambda p, y: {"out": stored},
                           {"out": case.expected[f"a{L}"]}, (case.y,)):
            cc.covered["d_output"] = "dE/doutput vs fd, torch, jax"


def _forward(case, cc):
    """z_i, a_i, y_hat and the loss recomputed on torch tensors and jax arrays (float64)."""
    names = [k for k in case.expected if k.split("_")[0] in ("y", "loss") or (k[:1] in "za" and k[1:].isdigit())]
    names = sorted(set(names) | {k for k in ("X1", "X2", "loss_no_half") if k in case.expected})
    for backend, results in (("torch", _run_torch(case)), ("jax", _run_jax(case))):
        for name in names:
            got = results.get(name)
            if got is None:
                continue
            want = case.expected[name]
            if got.shape != want.shape or not np.allclose(got, want, rtol=FORWARD_RTOL, atol=FORWARD_ATOL):
                cc.problems.append(f"{cc.case_id}: expected.{name} disagrees with {backend}: {want.ravel()[:4]} vs "
                                   f"{got.ravel()[:4]}")
            else:
                cc.covered[name] = cc.covered.get(name, "forward recomputed on") + f" {backend}"


def _forward_fields(case, xp_params, x, y) -> dict:
    fwd = forward_trace(xp_params, x, case.spec)
    out = {k: v for k, v in fwd.items() if k not in ("a0", "output")}
    out["loss"] = _case_loss(case)(fwd["output"], y)
    out["loss_no_half"] = _no_half_loss(fwd["output"], y)
    if case.spec.bias == "ones_column" and case.spec.convention == "row":
        out["X1"], out["X2"] = layers.add_ones_column(x), layers.add_ones_column(fwd["a1"])
    return out


def _run_torch(case) -> dict:
    import torch

    t = lambda a: torch.tensor(np.asarray(a), dtype=torch.float64)  # noqa: E731
    out = _forward_fields(case, {k: t(v) for k, v in case.params.items()}, t(case.x), t(case.y))
    return {k: v.detach().numpy().astype(np.float64) for k, v in out.items()}


def _run_jax(case) -> dict:
    import jax

    with jax.enable_x64(True):
        import jax.numpy as jnp

        j = lambda a: jnp.asarray(np.asarray(a), dtype=jnp.float64)  # noqa: E731
        out = _forward_fields(case, {k: j(v) for k, v in case.params.items()}, j(case.x), j(case.y))
        return {k: np.asarray(v, dtype=np.float64) for k, v in out.items()}


def _no_half(case, cc):
    """Seed 004's loss without 1/2: its gradients and deltas against the oracles."""
    spec = case.spec
    stored = {n: case.expected[f"d{n}_no_half"] for n in case.params}

    def loss(p, x, y):
        return _no_half_loss(forward_trace(p, x, spec)["output"], y)

    if _gradient_check(cc, "gradients of E = ||x_L - t||^2", loss, lambda p, x, y: dict(stored), case.params,
                       (case.x, case.y)):
        cc.covered.update({f"d{n}_no_half": "grad_report vs fd, torch, jax" for n in case.params})
    _output_and_deltas(case, cc, _no_half_loss, suffix="_no_half")


def _jacobian(case, cc):
    """Seed 001: row k of J is the gradient of softmax(z)_k; one check with a copy of z per row."""
    J = case.expected["J"]
    z = case.expected["z1"][:, 0]
    K = J.shape[0]

    def rows_loss(p):
        return sum(act.softmax(p[f"z{k}"], axis=0)[k] for k in range(K))  # d/dz_k of the sum = J[k]

    if _gradient_check(cc, "J rows = d softmax(z)_k / dz", rows_loss, lambda p: {f"z{k}": J[k] for k in range(K)},
                       {f"z{k}": z for k in range(K)}):
        cc.covered["J"] = "rows vs fd, torch, jax"


def _claims(case, cc):
    """Fields tied to a covered field by a claim that holds (no erratum) are covered too."""
    claims = [c for c in case.data["claims"] if c.get("erratum") is None]
    changed = True
    while changed:
        changed = False
        for c in claims:
            for a, b in ((c["left"], c["right"]), (c["right"], c["left"])):
                if b in cc.covered and a not in cc.covered and not a.startswith(("doc.", "inputs.")):
                    cc.covered[a] = f"claim '{c['says']}' with {b}"
                    changed = True
