"""The variance of the mini-batch gradient falls as 1/S.

At a fixed point w with per-example gradients g_i (mean g, variance sigma^2 = mean ||g_i - g||^2)
the mini-batch gradient g_S of S examples has
    with replacement:     E||g_S - g||^2 = sigma^2 / S                    (slope -1 in log-log)
    without replacement:  E||g_S - g||^2 = sigma^2 / S * (N - S) / (N - 1)  (exactly 0 at S = N)
Each trial draws N indices (a uniform sequence, or a random permutation); its first S entries
are a batch of size S, so one draw serves every S = 1, 2, 4, ..., N. --no-fpc drops the finite
population correction (N - S)/(N - 1) from the theory, and the without-replacement checks FAIL.

    python demos/variance.py --help
    python demos/variance.py --n 256 --trials 4000
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

NAME = "variance"
TITLE = "Mini-batch gradient variance: sigma^2/S with replacement, times (N-S)/(N-1) without"
CLAIM = ("E||g_S - grad f||^2 = sigma^2/S when sampling with replacement (log-log slope -1) and "
         "sigma^2/S * (N-S)/(N-1) without replacement, which is zero at S = N.")

PARAMS = [
    Param("n", 512, "number of examples N (S runs over powers of 2 up to N)", min=4, max=100_000),
    Param("dim", 8, "number of features D", min=1, max=1000),
    Param("trials", 2000, "random batches per batch size", min=2, max=1_000_000),
    Param("chunk", 250, "trials processed at once (memory: chunk * N * (D+1) floats)", min=1, max=100_000),
    Param("problem", "linear", "model whose gradient is sampled", choices=("linear", "logistic")),
    Param("tol", 0.15, "allowed relative deviation of each point from theory", min=0.0, max=10.0),
    Param("slope_tol", 0.05, "allowed deviation of the with-replacement slope from -1", min=0.0, max=10.0),
    Param("fpc", True, "include the finite-population correction (N-S)/(N-1) in the theory"),
]


def run(p, ctx) -> DemoResult:
    from gdstudy.core import gradient_samples
    be = ctx.be
    full, G = gradient_samples(be, p.problem, p.n, p.dim, ctx.seed, ctx.rng(1))  # (P,), (N, P)
    Ss = sorted({2 ** k for k in range(int(math.log2(p.n)) + 1)} | {p.n})
    at = be.asarray(np.array(Ss) - 1)
    sizes = be.asarray(np.array(Ss, dtype=np.float64))[None, :, None]  # (1, len(Ss), 1)
    sums = {"with": np.zeros(len(Ss)), "without": np.zeros(len(Ss))}
    done = 0
    while done < p.trials:
        ctx.check_cancel()
        m = min(p.chunk, p.trials - done)
        draws = {"with": be.randint(p.n, (m, p.n)),                     # iid uniform indices
                 "without": be.argsort_rows(be.uniform((m, p.n)))}      # random permutations
        for kind, idx in draws.items():
            prefix = be.cumsum(G[idx], 1)[:, at] / sizes   # (m, N, P) -> (m, len(Ss), P) batch means
            d = prefix - full[None, None, :]
            sums[kind] += be.to_numpy((d * d).sum(2).sum(0)).astype(np.float64)
        done += m
        ctx.report(done, p.trials, "sampling mini-batches")
    Gh = be.to_numpy(G).astype(np.float64)
    sigma2 = float(((Gh - be.to_numpy(full).astype(np.float64)) ** 2).sum(1).mean())
    return _result(p, Ss, sums["with"] / p.trials, sums["without"] / p.trials, sigma2)


def _result(p, Ss, m_with, m_without, sigma2) -> DemoResult:
    S = np.array(Ss, dtype=np.float64)
    th_with = sigma2 / S
    th_without = sigma2 / S * ((p.n - S) / (p.n - 1) if p.fpc else 1.0)
    slope = float(np.polyfit(np.log(S), np.log(m_with), 1)[0])
    inner = S < p.n                                        # S = N (theory 0) is checked separately
    dev_with = float(np.max(np.abs(m_with / th_with - 1)))
    dev_without = float(np.max(np.abs(m_without[inner] / th_without[inner] - 1)))
    verdicts = [
        Verdict.close("with replacement: worst relative gap to sigma^2/S", dev_with, 0.0, p.tol,
                      detail=f"{len(Ss)} batch sizes, {p.trials} trials each"),
        Verdict.close("with replacement: log-log slope", slope, -1.0, p.slope_tol),
        Verdict.close("without replacement: worst relative gap to theory (S < N)", dev_without, 0.0,
                      p.tol, detail="theory sigma^2/S*(N-S)/(N-1)" if p.fpc else "theory sigma^2/S (no fpc)"),
        Verdict.close("without replacement at S = N, as a fraction of sigma^2",
                      float(m_without[-1] / sigma2), float(th_without[-1] / sigma2), 1e-5,
                      detail="the batch is the whole data set"),
    ]
    plots = [Plot("E||g_S - grad f||^2 vs batch size", "batch size S", "mean squared error",
                  [Series("with replacement", Ss, m_with.tolist()),
                   Series("theory sigma^2/S", Ss, th_with.tolist()),
                   Series("without replacement", Ss, m_without.tolist()),
                   Series("theory with (N-S)/(N-1)" if p.fpc else "theory sigma^2/S (no fpc)",
                          Ss, th_without.tolist())], logx=True, logy=True)]
    rows = [[int(s), float(a), float(b), float(c), float(d)]
            for s, a, b, c, d in zip(Ss, m_with, th_with, m_without, th_without)]
    table = Table(["S", "with repl.", "sigma^2/S", "without repl.", "theory without"], rows)
    return DemoResult(plots=plots, table=table, verdicts=verdicts,
                      notes=[f"sigma^2 = {sigma2:.5g} (variance of the per-example gradients), N = {p.n}"])


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
