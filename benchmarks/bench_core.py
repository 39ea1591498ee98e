"""Benchmark of the optimizer core against hand-written and library peers (run by hand).

    .venv/bin/python benchmarks/bench_core.py            # full table, about a minute
    .venv/bin/python benchmarks/bench_core.py --quick    # fewer repeats
    .venv/bin/python benchmarks/bench_core.py --gather   # only the S=4096 cost breakdown

Linear regression, N = 200,000, D = 64, float32, one epoch of mini-batch SGD, S in
{1, 64, 1024, 4096}. All numbers come from this one run; ratios compare runs measured here.
Peers: core (numpy: gathers with np.take(mode="clip") into reused buffers), core (torch CPU:
index_select into reused buffers), a bare NumPy loop doing the same work written the naive
idiomatic way (fancy-index gather X[idx], residual, loss, gradient, update), the canonical torch loop (DataLoader(TensorDataset, shuffle=True) +
nn.Linear + torch.optim.SGD), scikit-learn SGDRegressor for one epoch (per-sample, float64
inside), and the memory floor: one full-batch gradient = two passes over X (X @ w, X.T @ r).
Slow peers (marked *) run a fixed number of steps and are extrapolated to the whole epoch.
The floor is timed interleaved with the peers at every S and the minimum over all is used (the
smallest floor gives the largest, most conservative core/floor ratio).
The --gather section breaks one epoch at S=4096 into its parts (permutation, gathers by method,
gradient maths on contiguous slices) and times the previous core gather (X[idx]) side by side.
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


class FancyIndexBatcher(Batcher):
    """The core's Batcher with the previous gather, X[idx] and y[idx] (fresh arrays each step)."""

    def gather(self, X, y, idx):
        return X[idx], y[idx]


def core(backend, X, y, S, max_steps=None, shuffle=True, batcher=Batcher):
    be = get_backend(backend, "cpu", seed=0)
    Xb, yb = be.asarray(X), be.asarray(y)
    prob = LinearRegression(be, D)
    params = to_backend(be, prob.init_params(np.random.default_rng(0)))
    spe = -(-N // S)
    steps = min(spe, max_steps or spe)

    def fn():
        p = {k: be.copy(v) for k, v in params.items()}
        r = train(prob, p, SGD(p, lr=LR), Xb, yb, batcher(be, N, S, shuffle=shuffle), max_steps=steps,
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


def _timed(body):
    def fn():
        t = time.perf_counter()
        body()
        return time.perf_counter() - t, False
    return fn


def memory_floor_1thread(X, y):
    """The floor with NumPy's BLAS limited to one thread (threadpoolctl, from scikit-learn)."""
    from threadpoolctl import threadpool_limits
    fn = memory_floor(X, y)

    def one():
        with threadpool_limits(1, user_api="blas"):
            return fn()
    return one


def gather_parts(X, y, S, repeats):
    """One epoch at batch size S taken apart: each part timed on its own, all interleaved."""
    import torch

    rng = np.random.default_rng(1)
    steps, w = -(-N // S), np.zeros(D, np.float32)
    perm = rng.permutation(N)
    tperm, Xt, wt = torch.from_numpy(perm), torch.from_numpy(X), torch.zeros(D)
    buf, tbuf = np.empty((S, D), np.float32), torch.empty(S, D)

    def per_batch(f, order):
        return lambda: [f(order[k * S:(k + 1) * S]) for k in range(steps)]

    def grad_slices():
        for k in range(steps):
            xb = X[k * S:(k + 1) * S]
            r = xb @ w - y[k * S:(k + 1) * S]
            _ = xb.T @ r

    parts = [
        ("memory floor: X @ w, X.T @ r (two streaming passes)", memory_floor(X, y)),
        ("  same, BLAS limited to 1 thread", memory_floor_1thread(X, y)),
        ("permutation: rng.permutation(N) [core numpy]", _timed(lambda: rng.permutation(N))),
        ("permutation: torch.randperm(N) [core torch]", _timed(lambda: torch.randperm(N))),
        ("gathers X[idx], fancy indexing [bare loop, previous core]", _timed(per_batch(lambda i: X[i], perm))),
        ("gathers np.take(X, idx, axis=0)", _timed(per_batch(lambda i: np.take(X, i, axis=0), perm))),
        ("gathers np.take(..., mode='clip', out=buffer) [core numpy]",
         _timed(per_batch(lambda i: np.take(X, i, axis=0, mode="clip", out=buf[:len(i)]), perm))),
        ("  same, indices sorted within each batch (sort included)",
         _timed(per_batch(lambda i: np.take(X, np.sort(i), axis=0, mode="clip", out=buf[:len(i)]), perm))),
        ("gathers torch X[idx]", _timed(per_batch(lambda i: Xt[i], tperm))),
        ("gathers torch.index_select(out=buffer) [core torch]",
         _timed(per_batch(lambda i: torch.index_select(Xt, 0, i, out=tbuf[:len(i)]), tperm))),
        ("  same, indices sorted within each batch (sort included)",
         _timed(per_batch(lambda i: torch.index_select(Xt, 0, torch.sort(i).values, out=tbuf[:len(i)]),
                          tperm))),
        ("gradient maths only, contiguous slices (no gather)", _timed(grad_slices)),
        ("core numpy, one epoch", core("numpy", X, y, S)),
        ("core numpy with X[idx] gathers (previous version)", core("numpy", X, y, S, batcher=FancyIndexBatcher)),
        ("core numpy without shuffling (slices, no gather)", core("numpy", X, y, S, shuffle=False)),
        ("core torch, one epoch", core("torch", X, y, S)),
        ("core torch with X[idx] gathers (previous version)", core("torch", X, y, S, batcher=FancyIndexBatcher)),
    ]
    times = interleaved([fn for _, fn in parts], repeats)
    return [(name, t) for (name, _), (t, _) in zip(parts, times)]


def print_gather_parts(X, y, S, repeats):
    """Print the breakdown; return (floor, core numpy, core torch) measured in this group."""
    rows = gather_parts(X, y, S, repeats)
    floor = min(rows[0][1], rows[1][1])  # the faster of the two ways to make the two passes
    print(f"\none epoch at S={S} taken apart (ms, min of {repeats}, interleaved; ratio to the floor "
          "measured in this group = the faster of its two timings):")
    if rows[0][1] > rows[1][1]:
        print("  (the 2-thread floor is slower than the 1-thread one: the machine is busy, ratios "
              "to a 2-thread floor would flatter the core)")
    for name, t in rows:
        print(f"  {name:<60} {t * 1e3:7.2f} ms  {t / floor:5.2f}x")
    named = dict(rows)
    return floor, named["core numpy, one epoch"], named["core torch, one epoch"]


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
    ap.add_argument("--gather", action="store_true", help="only the S=4096 breakdown (about 20 s)")
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
    print(f"load average at start: {os.getloadavg()[0]:.2f} (the floor uses both CPUs' BLAS threads "
          "and is the first to suffer from other work on the machine)")
    if args.gather:
        print_gather_parts(X, y, 4096, 9)
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
        return
    sk = best(sklearn_sgd(X, y), reps)[0]
    results, floors, rows = {}, [best(memory_floor(X, y), 5)[0]], []
    for S in SIZES:
        t_core, t_bare, t_torch, t_floor = interleaved(
            [core("numpy", X, y, S), bare_numpy(X, y, S), core("torch", X, y, S, max_steps=20_000),
             memory_floor(X, y)], 1 if S == 1 else reps if S == 64 else 3 * reps)
        floors.append(t_floor[0])
        t_dl = best(torch_dataloader(X, y, S, max_steps=2_000 if S == 1 else 500), 1)
        results[S] = (t_core[0], t_bare[0], t_dl[0])
        rows.append((S, t_core, t_torch, t_bare, t_dl))
        print(f"  S={S} done", flush=True)
    g_floor, g_core, g_torch = print_gather_parts(X, y, 4096, 3 * reps)
    print(f"  => S=4096 core/floor within this group: numpy {g_core / g_floor:.2f}x, "
          f"torch {g_torch / g_floor:.2f}x")
    floor = min(floors + [g_floor])  # the smallest floor seen anywhere in the run (conservative)
    print(f"\nN={N}, D={D}, float32, one epoch; seconds (min of {reps}); * = extrapolated from a "
          f"fixed number of steps\nmemory floor (two passes over X, min over all groups and the breakdown): "
          f"{floor * 1e3:.1f} ms; SGDRegressor one epoch (per-sample): {sk * 1e3:.1f} ms\n")
    head = ["S", "core numpy", "core torch", "bare numpy", "DataLoader", "core/bare",
            "DataLoader/core", "SGDReg/core", "core/floor", "core torch/floor"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for S, t_core, t_torch, t_bare, t_dl in rows:
        cells = [str(S)] + [f"{t * 1e3:.1f} ms{'*' if ex else ''}" for t, ex in (t_core, t_torch, t_bare, t_dl)]
        cells += [f"{t_core[0] / t_bare[0]:.2f}", f"{t_dl[0] / t_core[0]:.1f}", f"{sk / t_core[0]:.2f}",
                  f"{t_core[0] / floor:.2f}", f"{t_torch[0] / floor:.2f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    c64, b64, d64 = results[64]
    targets = [
        ("core-numpy <= 1.3x bare loop at S=64", c64 / b64 <= 1.3, f"{c64 / b64:.2f}x"),
        (">= 20x faster than DataLoader loop at S=64", d64 / c64 >= 20, f"{d64 / c64:.1f}x"),
        (">= 2x faster than SGDRegressor at S=1024", sk / results[1024][0] >= 2, f"{sk / results[1024][0]:.2f}x"),
        ("<= 3x memory floor at S=4096 (table)", results[4096][0] / floor <= 3, f"{results[4096][0] / floor:.2f}x"),
        ("<= 3x memory floor at S=4096 (breakdown group)", g_core / g_floor <= 3, f"{g_core / g_floor:.2f}x"),
    ]
    print("\ntargets:")
    for text, ok, val in targets:
        print(f"  {'MET ' if ok else 'MISS'} {text}: {val}")
    print(f"load average after the peers: {os.getloadavg()[0]:.2f}")
    print("\ndemo default runs (numpy, seconds, min/max of "
          f"{reps}; target <= 2 s):")
    for name, lo, hi, passed in demo_times(reps):
        print(f"  {name:<10} {lo:.2f} / {hi:.2f}  {'PASS' if passed else 'FAIL'}")


if __name__ == "__main__":
    main()
