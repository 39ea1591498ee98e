"""Benchmark of the optimizer core against hand-written and library peers (run by hand).

    .venv/bin/python benchmarks/bench_core.py            # full table, about a minute
    .venv/bin/python benchmarks/bench_core.py --quick    # fewer repeats

Linear regression, N = 200,000, D = 64, float32, one epoch of mini-batch SGD, S in
{1, 64, 1024, 4096}. All numbers come from this one run; ratios compare runs measured here.
Peers: core (numpy), core (torch CPU), a bare NumPy loop doing the same work (gather, residual,
loss, gradient, update), the canonical torch loop (DataLoader(TensorDataset, shuffle=True) +
nn.Linear + torch.optim.SGD), scikit-learn SGDRegressor for one epoch (per-sample, float64
inside), and the memory floor: one full-batch gradient = two passes over X (X @ w, X.T @ r).
Slow peers (marked *) run a fixed number of steps and are extrapolated to the whole epoch.
Also times each demo's default run (target <= 2 s). Needs torch and scikit-learn installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np

from gdstudy.core import SGD, Batcher, LinearRegression, get_backend, make_regression, to_backend, train

N, D, LR = 200_000, 64, 0.01
SIZES = (1, 64, 1024, 4096)


def best(fn, repeats):
    """Min over repeats of fn() -> (seconds, extrapolated?)."""
    out = [fn() for _ in range(repeats)]
    return min(t for t, _ in out), out[0][1]


def interleaved(fns, repeats):
    """Run the peers round-robin (drift on a shared machine hits all alike); min per peer."""
    out = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            out[k].append(fn())
    return [(min(t for t, _ in o), o[0][1]) for o in out]


def core(backend, X, y, S, max_steps=None, shuffle=True):
    be = get_backend(backend, "cpu", seed=0)
    Xb, yb = be.asarray(X), be.asarray(y)
    prob = LinearRegression(be, D)
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    spe = -(-N // S)
    steps = min(spe, max_steps or spe)

    def fn():
        p = {k: be.copy(v) for k, v in params.items()}
        r = train(prob, p, SGD(p, lr=LR), Xb, yb, Batcher(be, N, S, shuffle=shuffle), max_steps=steps,
                  check_every=1 << 30)
        return r.time * spe / steps, steps < spe  # training clock (the 2 full evals excluded)
    return fn


def bare_numpy(X, y, S):
    X, y = X.astype(np.float32), y.astype(np.float32)
    rng = np.random.default_rng(0)

    def fn():
        w, b = np.zeros(D, np.float32), np.zeros((), np.float32)
        steps = -(-N // S)
        losses = np.zeros(steps, np.float32)
        t = time.perf_counter()
        perm = rng.permutation(N)
        for k in range(steps):
            idx = perm[k * S:(k + 1) * S]
            xb, yb = X[idx], y[idx]
            r = xb @ w + b - yb
            losses[k] = 0.5 * (r @ r) / len(r)
            w -= LR * (xb.T @ r) / len(r)
            b -= LR * r.sum() / len(r)
        return time.perf_counter() - t, False
    return fn


def torch_dataloader(X, y, S, max_steps):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(torch.from_numpy(X.astype(np.float32)), torch.from_numpy(y.astype(np.float32)))
    spe = -(-N // S)
    steps = min(spe, max_steps)

    def fn():
        torch.manual_seed(0)
        model = torch.nn.Linear(D, 1)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        loader = DataLoader(ds, batch_size=S, shuffle=True)
        t = time.perf_counter()
        for k, (xb, yb) in enumerate(loader):
            if k == steps:
                break
            opt.zero_grad()
            loss = 0.5 * torch.nn.functional.mse_loss(model(xb).squeeze(1), yb)
            loss.backward()
            opt.step()
        return (time.perf_counter() - t) * spe / steps, steps < spe
    return fn


def sklearn_sgd(X, y):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDRegressor

    def fn():
        m = SGDRegressor(max_iter=1, tol=None, learning_rate="constant", eta0=LR, penalty=None,
                         shuffle=True, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            t = time.perf_counter()
            m.fit(X, y)
            return time.perf_counter() - t, False
    return fn


def memory_floor(X, y):
    X, y = X.astype(np.float32), y.astype(np.float32)
    w = np.zeros(D, np.float32)

    def fn():
        t = time.perf_counter()
        r = X @ w - y           # pass 1 over X
        _ = X.T @ r / N         # pass 2 over X
        return time.perf_counter() - t, False
    return fn


def _gather_time(X):
    perm = np.random.default_rng(1).permutation(N)
    t = time.perf_counter()
    X[perm]
    return time.perf_counter() - t, False


def demo_times(repeats):
    from gdstudy.demo.registry import demo_names
    from gdstudy.demo.runner import run_demo
    rows = []
    for name in demo_names():
        times, passed = [], True
        for _ in range(repeats):
            r = run_demo(name)
            times.append(r.elapsed)
            passed &= r.passed
        rows.append((name, min(times), max(times), passed))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 repeat instead of 3")
    args = ap.parse_args()
    reps = 1 if args.quick else 3
    import torch
    import sklearn

    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), scikit-learn {sklearn.__version__}, "
          f"{os.cpu_count()} CPUs")
    print("env: " + ", ".join(f"{k}={v}" for k, v in sorted(os.environ.items())
                              if k.startswith(("OPENBLAS", "OMP", "MKL"))) or "env: (no BLAS variables)")
    Xh, yh, _ = make_regression(N, D, seed=0)
    X, y = Xh.astype(np.float32), yh.astype(np.float32)
    floor = best(memory_floor(X, y), 5)[0]
    sk = best(sklearn_sgd(X, y), reps)[0]
    print(f"\nN={N}, D={D}, float32, one epoch; seconds (min of {reps}); * = extrapolated from a "
          f"fixed number of steps\nmemory floor (two passes over X): {floor * 1e3:.1f} ms; "
          f"SGDRegressor one epoch (per-sample): {sk * 1e3:.1f} ms\n")
    head = ["S", "core numpy", "core torch", "bare numpy", "DataLoader", "core/bare",
            "DataLoader/core", "SGDReg/core", "core/floor"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    results = {}
    for S in SIZES:
        t_core, t_bare, t_torch = interleaved(
            [core("numpy", X, y, S), bare_numpy(X, y, S), core("torch", X, y, S, max_steps=20_000)],
            reps if S > 1 else 1)
        t_dl = best(torch_dataloader(X, y, S, max_steps=2_000 if S == 1 else 500), 1)
        results[S] = (t_core[0], t_bare[0], t_dl[0])
        cells = [str(S)] + [f"{t * 1e3:.1f} ms{'*' if ex else ''}" for t, ex in (t_core, t_torch, t_bare, t_dl)]
        cells += [f"{t_core[0] / t_bare[0]:.2f}", f"{t_dl[0] / t_core[0]:.1f}", f"{sk / t_core[0]:.2f}",
                  f"{t_core[0] / floor:.2f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    slices = best(core("numpy", X, y, 4096, shuffle=False), reps)[0]
    gather = best(lambda: _gather_time(X), reps)[0]
    print(f"\nS=4096 without shuffling (contiguous slices, no gather): {slices * 1e3:.1f} ms = "
          f"{slices / floor:.2f}x floor; one random gather X[perm] of the epoch alone: "
          f"{gather * 1e3:.1f} ms = {gather / floor:.2f}x floor")
    c64, b64, d64 = results[64]
    targets = [
        ("core-numpy <= 1.3x bare loop at S=64", c64 / b64 <= 1.3, f"{c64 / b64:.2f}x"),
        (">= 20x faster than DataLoader loop at S=64", d64 / c64 >= 20, f"{d64 / c64:.1f}x"),
        (">= 2x faster than SGDRegressor at S=1024", sk / results[1024][0] >= 2, f"{sk / results[1024][0]:.2f}x"),
        ("<= 3x memory floor at S=4096", results[4096][0] / floor <= 3, f"{results[4096][0] / floor:.2f}x"),
    ]
    print("\ntargets:")
    for text, ok, val in targets:
        print(f"  {'MET ' if ok else 'MISS'} {text}: {val}")
    print("\ndemo default runs (numpy, seconds, min/max of "
          f"{reps}; target <= 2 s):")
    for name, lo, hi, passed in demo_times(reps):
        print(f"  {name:<10} {lo:.2f} / {hi:.2f}  {'PASS' if passed else 'FAIL'}")


if __name__ == "__main__":
    main()
