"""M1: peak memory of a check of a 1e7-entry parameter, in copies of that parameter beyond the user's arrays.

Each measurement runs in a fresh process: imports, a small warm-up check (so the frameworks' own set-up is
not counted), the user's arrays, then the check; the peak resident set (getrusage) minus the resident set
just before the check, divided by the parameter's size, is the number of copies the check held at once.
The peer is the user's own loss and grad called once each: their temporaries are part of any check's peak.
Where the peak is: the default check is run once more with each phase's peak measured on its own (Linux's
peak resident set, reset through /proc/self/clear_refs before each phase).
"""

import json
import resource
import subprocess
import sys

N = 10_000_000
TARGET = 3.0  # copies beyond your own loss and grad's peak: 2, and torch's own copy of params (performance.md)
PHASES = {  # what is held in each phase beyond the user's arrays (the printed figures are measured)
    "your loss and grad, on copies": "the copy of params each runs on, beside its own temporaries",
    "torch oracle": "your gradient's copy and torch's own copy of params, beside torch's forward and backward of "
    "your loss",
    "fd oracle": "your and torch's gradients, a probe direction and the shifted point x + t v, beside your "
    "loss's temporaries",
    "judge": "the gradients and the probe direction, beside the comparisons' cache-sized chunks",
}


def loss(p, a):
    """sum(a * tanh(w)^2) (array-API generic)."""
    from array_api_compat import array_namespace

    xp = array_namespace(p["w"])
    return xp.sum(a * xp.tanh(p["w"]) ** 2)


def grad(p, a):
    import numpy as np

    t = np.tanh(p["w"])
    return {"w": 2 * a * t * (1 - t * t)}  # d/dw tanh(w)^2 = 2 tanh(w) (1 - tanh(w)^2)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(float(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


def measure(oracles: str) -> dict:
    import numpy as np

    import gradcheck as gc

    chosen = None if oracles in ("default", "own") else oracles
    gc.check_grad(loss, grad, {"w": np.linspace(-1, 1, 1000)}, args=(2.0,), oracles=chosen)  # warm-up
    rng = np.random.default_rng(0)
    p = {"w": rng.normal(size=N)}
    before = rss_mb()
    if oracles == "own":  # the peer: the user's own loss and grad, called once each
        loss(p, 2.0), grad(p, 2.0)
        ran = ["(your loss and grad)"]
    else:
        report = gc.check_grad(loss, grad, p, args=(2.0,), oracles=chosen)
        assert report.ok, report
        ran = report.ran
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"oracles": oracles, "ran": ran, "param_mb": p["w"].nbytes / 2**20, "extra_mb": peak - before}


def phases() -> dict:
    """{phase: peak copies beyond the user's arrays} of a default check (Linux: the peak resident set is reset
    before each phase)."""
    import numpy as np

    import gradcheck as gc
    from gradcheck._engine.oracles import fd, torch
    from gradcheck._engine.run import check

    gc.check_grad(loss, grad, {"w": np.linspace(-1, 1, 1000)}, args=(2.0,))  # warm-up
    p = {"w": np.random.default_rng(0).normal(size=N)}
    before, found = rss_mb(), {}
    for name, (module, attr) in zip(PHASES, ((check, "record_calls"), (torch, "run"), (fd, "run"), (check, "judge"))):
        setattr(module, attr, _peak_of(getattr(module, attr), name, before, found))
    gc.check_grad(loss, grad, p, args=(2.0,))
    return {name: mb / (p["w"].nbytes / 2**20) for name, mb in found.items()}


def _peak_of(fn, name, before, found):
    def timed(*args, **kwargs):
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the peak resident set (VmHWM) to the current one
        out = fn(*args, **kwargs)
        found[name] = max(found.get(name, 0.0), _status("VmHWM") - before)
        return out

    return timed


def _status(key: str) -> float:
    with open("/proc/self/status") as f:
        return next(float(line.split()[1]) / 1024 for line in f if line.startswith(key + ":"))


def main():
    runs = {}
    for oracles in ("own", "default", "fd", "all", "phases"):
        out = subprocess.run([sys.executable, __file__, oracles], capture_output=True, text=True)
        if out.returncode and oracles == "phases":  # no /proc/self/clear_refs (not Linux, or not allowed)
            runs[oracles] = {}
            continue
        out.check_returncode()
        runs[oracles] = json.loads(out.stdout.strip().splitlines()[-1])
    own = runs.pop("own")["extra_mb"]
    where = runs.pop("phases")
    print(
        "| oracles | ran | entries | parameter (MB) | peak beyond the user's arrays (MB) | copies "
        "| copies beyond your own loss + grad's peak | target |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for oracles, r in runs.items():
        size = r["param_mb"]
        print(
            f"| {oracles} | {', '.join(r['ran'])} | {N:,} | {size:.0f} | {r['extra_mb']:.0f} "
            f"| {r['extra_mb'] / size:.1f} | {(r['extra_mb'] - own) / size:.1f} | <= {TARGET:.0f} beyond your own |"
        )
    print(
        f"\nPeer: the user's own loss and grad, called once each on the same arrays, peak at {own:.0f} MB "
        f"({own / size:.1f} copies) beyond them: their temporaries are part of every check's peak too."
    )
    if not where:
        print("\n(Peak by phase not measured: it needs Linux's /proc/self/clear_refs.)")
        return
    print("\n| default check, phase | peak copies beyond your arrays | what is held |\n|---|---:|---|")
    for name, copies in where.items():
        print(f"| {name} | {copies:.1f} | {PHASES[name]} |")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(phases() if sys.argv[1] == "phases" else measure(sys.argv[1])))
    else:
        main()
