"""The mini-batch gradient is an unbiased estimate of the full gradient.

At a fixed random point w, draw many independent mini-batches (S indices each, uniform),
average their gradients, and compare with the full gradient computed on all N examples. The
average converges to it, and its error falls like 1/sqrt(T) with the number T of batches:
E||mean_T - grad f||^2 = sigma_S^2 / T, with sigma_S^2 = sigma^2 / S for uniform draws.
The RMS error is measured over `reps` independent repetitions. --sampling biased draws index i
with probability proportional to i + 1 (not uniform), and the checks FAIL.

    python demos/unbiased.py --help
    python demos/unbiased.py --batch-size 4 --problem logistic
"""

import math
import sys
from pathlib import Path

import numpy as np

try:
    import gdstudy.demo  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gdstudy.demo import DemoResult, Param, Plot, Series, Table, Verdict, run_standalone
from gdstudy.errors import DemoError

NAME = "unbiased"
TITLE = "The average of random mini-batch gradients converges to the full gradient"
CLAIM = ("The mini-batch gradient is an unbiased estimate of the full gradient: the mean of T "
         "random mini-batch gradients converges to it, with error falling as 1/sqrt(T).")

PARAMS = [
    Param("n", 2000, "number of examples N", min=10, max=1_000_000),
    Param("dim", 10, "number of features D", min=1, max=1000),
    Param("batch_size", 16, "mini-batch size S", min=1, max=1_000_000),
    Param("trials", 1024, "mini-batches averaged per repetition (T max)", min=2, max=1_000_000),
    Param("reps", 64, "independent repetitions for the RMS error", min=2, max=10_000),
    Param("problem", "linear", "model whose gradient is sampled", choices=("linear", "logistic")),
    Param("sampling", "uniform", "how batch indices are drawn", choices=("uniform", "biased")),
    Param("tol", 0.02, "max relative error of the pooled mean of all reps*trials gradients",
          min=0.0, max=10.0),
    Param("slope_tol", 0.1, "allowed deviation of the log-log slope from -1/2", min=0.0, max=10.0),
    Param("level_tol", 0.25, "allowed relative deviation of the RMS error from sigma_S/sqrt(T)",
          min=0.0, max=10.0),
]


def check(p):
    if p.batch_size > p.n:
        raise DemoError(f"--batch-size ({p.batch_size}) must be <= --n ({p.n})")


def draw(p, be, host, shape):
    """Batch indices of the given shape: uniform on the backend's RNG, or biased (host RNG)."""
    if p.sampling == "uniform":
        return be.randint(p.n, shape)
    u = host.random(shape)                                   # P(i) grows linearly with i
    return be.asarray(np.minimum((p.n * np.sqrt(u)).astype(np.int64), p.n - 1))


def run(p, ctx) -> DemoResult:
    host = ctx.rng(3)
    from gdstudy.core import gradient_samples
    be = ctx.be
    full, G = gradient_samples(be, p.problem, p.n, p.dim, ctx.seed, ctx.rng(1))
    Ts = sorted({min(2 ** k, p.trials) for k in range(int(math.log2(p.trials)) + 1)} | {p.trials})
    at = be.asarray(np.array(Ts) - 1)                         # rows of the running means to keep
    counts = be.asarray(np.arange(1, p.trials + 1, dtype=np.float64))[:, None]  # (T, 1)
    err2 = np.zeros((p.reps, len(Ts)))
    pooled = None
    for r in range(p.reps):
        ctx.check_cancel()
        idx = draw(p, be, host, (p.trials, p.batch_size))     # (T, S) independent batches
        g = G[idx].mean(1)                                   # (T, S, P) -> (T, P) batch gradients
        running = be.cumsum(g, 0)[at] / counts[at]           # (len(Ts), P) mean of the first T
        diff = running - full[None, :]
        err2[r] = be.to_numpy((diff * diff).sum(1))
        total = g.sum(0)
        pooled = total if pooled is None else pooled + total
        ctx.report(r + 1, p.reps, "sampling mini-batch gradients")
    pooled = pooled / (p.reps * p.trials)
    return _result(p, be, full, G, pooled, Ts, err2)


def _result(p, be, full, G, pooled, Ts, err2) -> DemoResult:
    full_h = be.to_numpy(full).astype(np.float64)
    Gh = be.to_numpy(G).astype(np.float64)
    norm = float(np.linalg.norm(full_h))
    sigma2 = float(((Gh - Gh.mean(0)) ** 2).sum(1).mean())  # per-example gradient variance
    theory = np.sqrt(sigma2 / p.batch_size / np.array(Ts))   # RMS of the mean of T batches
    rms = np.sqrt(err2.mean(0))
    slope = float(np.polyfit(np.log(Ts), np.log(rms), 1)[0]) if len(Ts) > 1 else math.nan
    pooled_err = float(np.linalg.norm(be.to_numpy(pooled) - full_h)) / norm
    level = float(np.max(np.abs(rms / theory - 1)))
    verdicts = [
        Verdict.close("relative error of the mean of all sampled gradients", pooled_err, 0.0, p.tol,
                      detail=f"{p.reps * p.trials} batches; noise level alone "
                             f"{math.sqrt(sigma2 / p.batch_size / (p.reps * p.trials)) / norm:.2g}"),
        Verdict.close("log-log slope of RMS error vs T", slope, -0.5, p.slope_tol,
                      detail=f"T = {Ts[0]}..{Ts[-1]}, {p.reps} repetitions"),
        Verdict.close("worst relative gap between RMS error and sigma/sqrt(S T)", level, 0.0, p.level_tol,
                      detail=f"sigma^2 = {sigma2:.4g} from the per-example gradients"),
    ]
    plots = [Plot("Error of the mean of T mini-batch gradients", "T (batches averaged)",
                  "relative RMS error", [Series("measured", Ts, (rms / norm).tolist()),
                                         Series("theory sigma/sqrt(S T)", Ts, (theory / norm).tolist())],
                  logx=True, logy=True)]
    rows = [[T, float(m / norm), float(t / norm), float(m / t)] for T, m, t in zip(Ts, rms, theory)]
    table = Table(["T", "relative RMS error", "theory", "ratio"], rows)
    return DemoResult(plots=plots, table=table, verdicts=verdicts,
                      notes=[f"|full gradient| = {norm:.4g}; batches of S={p.batch_size} drawn "
                             f"{'uniformly' if p.sampling == 'uniform' else 'with P(i) ~ i (biased)'}"])


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
