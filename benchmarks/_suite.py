"""The suite workload of S1, S1' and the cold start: small sigmoid/softmax nets, every check at shapes of its own.

`python _suite.py SIDE N [JAX_CACHE_DIR]` runs, in this fresh process, one unrelated warm-up check and then N
checks of nets with distinct shapes, and prints one JSON line: the seconds per check, the warm-up and
import seconds. SIDE is "default" (gradcheck's default oracles), "all" (fd, torch and jax) or "torch"
(torch.autograd.gradcheck, slow mode: fast_mode=False).
"""

import json
import os
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402

WARM_UP = (7, 9, 5, 3)  # (d, h, c, batch) of the unrelated warm-up net, unlike every timed one


def shapes(n: int, seed: int = 0) -> list[tuple[int, int, int, int]]:
    """n distinct (inputs d, hidden h, classes c, batch) tuples, small nets of 10-100 parameters."""
    rng = np.random.default_rng(seed)
    seen = []
    while len(seen) < n:
        s = (int(rng.integers(2, 7)), int(rng.integers(2, 9)), int(rng.integers(2, 5)), int(rng.integers(2, 7)))
        if s not in seen and s != WARM_UP:
            seen.append(s)
    return seen


def net(d, h, c, batch, seed=0):
    """(loss, grad, params, x, y): a d -> h (sigmoid) -> c (softmax) net with cross-entropy, column convention."""
    from gradcheck.nets import MLPSpec, init_params, make_loss_and_grad

    spec = MLPSpec(widths=(d, h, c), activations=("sigmoid", "softmax"), loss="cross_entropy")
    rng = np.random.default_rng(seed)
    params = init_params(spec, rng)
    x = rng.normal(size=(d, batch))
    y = np.eye(c)[:, rng.integers(0, c, size=batch)]
    loss, grad = make_loss_and_grad(spec)
    return loss, grad, params, x, y


def check(side, shape) -> None:
    loss, grad, params, x, y = net(*shape)
    if side == "torch":
        import torch

        names = list(params)
        ts = tuple(torch.tensor(params[k], dtype=torch.float64, requires_grad=True) for k in names)
        xt, yt = torch.tensor(x), torch.tensor(y)
        assert torch.autograd.gradcheck(lambda *w: loss(dict(zip(names, w)), xt, yt), ts, fast_mode=False)
        return
    import gradcheck as gc

    report = gc.check_grad(loss, grad, params, args=(x, y), oracles=None if side == "default" else "all")
    assert report.ok, report
    assert "fd" in report.ran and len(report.ran) >= 2, report.ran


def main(side: str, n: int) -> None:
    if side == "torch":
        import torch  # noqa: F401 - the peer's import, counted like gradcheck's
    else:
        import gradcheck  # noqa: F401
    imported = time.perf_counter()
    check(side, WARM_UP)
    warm = time.perf_counter()
    for shape in shapes(n):
        check(side, shape)
    end = time.perf_counter()
    print(
        json.dumps(
            {
                "side": side,
                "per_check_s": (end - warm) / n,
                "first_check_s": warm - T0,
                "import_s": imported - T0,
                "n": n,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) > 3:
        os.environ["GRADCHECK_JAX_CACHE_DIR"] = sys.argv[3]
    main(sys.argv[1], int(sys.argv[2]))
