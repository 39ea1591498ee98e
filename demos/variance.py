"""The variance of the mini-batch gradient falls as 1/S.

At a fixed point w with per-example gradients g_i (mean g, variance sigma^2 = mean ||g_i - g||^2)
the mini-batch gradient g_S of S examples has
    with replacement:     E||g_S - g||^2 = sigma^2 / S                    (slope -1 in log-log)
    without replacement:  E||g_S - g||^2 = sigma^2 / S * (N - S) / (N - 1)  (exactly 0 at S = N)
Each trial draws N indices (a uniform sequence, or a random permutation); its first S entries
are a batch of size S, so one draw serves every batch size in --batch-sizes (default: the powers
of 2 up to N, and N). For each S the mean of ||g_S - g||^2 over the trials is compared with the
theory by a z-test with the trial-to-trial standard error (Bonferroni over all sizes and both
schemes, family false-alarm rate --alpha). Without replacement at S = N the batch is the whole
data set: zero variance is an identity (bookkeeping), not evidence. --no-fpc drops the finite
population correction (N - S)/(N - 1) from the theory and the without-replacement check FAILs.

    python demos/variance.py --help
    python demos/variance.py --n 256 --trials 4000
    gdstudy demo variance --batch-sizes 1,5,36
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

NAME = "variance"
TITLE = "Mini-batch gradient variance: sigma^2/S with replacement, times (N-S)/(N-1) without"
CLAIM = ("E||g_S - grad f||^2 = sigma^2/S when sampling with replacement and "
         "sigma^2/S * (N-S)/(N-1) without replacement, at every batch size S tested (at S = N "
         "without replacement it is zero by construction).")

PARAMS = [
    Param("n", 512, "number of examples N", min=4, max=100_000),
    Param("dim", 8, "number of features D", min=1, max=1000),
    Param("batch_sizes", "", "comma-separated batch sizes S, each 1..N (empty: powers of 2 up to N, and N)"),
    Param("trials", 2000, "random batches per batch size (>= 30 for the normal approximation)",
          min=30, max=1_000_000),
    Param("chunk", 250, "trials processed at once (memory: about 3 * chunk * N * (D+1) floats)",
          min=1, max=100_000),
    Param("problem", "linear", "model whose gradient is sampled", choices=("linear", "logistic")),
    Param("alpha", 1e-3, "false-alarm rate of all the z-tests together when the claim holds",
          min=1e-12, max=0.5),
    Param("fpc", True, "include the finite-population correction (N-S)/(N-1) in the theory"),
]


def batch_sizes(p) -> list[int]:
    """The sorted distinct batch sizes of --batch-sizes, checked against 1..N."""
    if not p.batch_sizes.strip():
        return sorted({2 ** k for k in range(int(math.log2(p.n)) + 1)} | {p.n})
    try:
        sizes = sorted({int(t) for t in p.batch_sizes.replace(" ", "").split(",") if t})
    except ValueError:
        raise DemoError(f"--batch-sizes: expected comma-separated integers, got {p.batch_sizes!r}") from None
    if not sizes or sizes[0] < 1 or sizes[-1] > p.n:
        raise DemoError(f"--batch-sizes: every size must be between 1 and N = {p.n}, got {p.batch_sizes!r}")
    return sizes


def check(p):
    batch_sizes(p)


def peak_bytes(p) -> int:
    """The gathered (m, N_max, P) batch rows, their cumsum and the differences, per scheme, in
    float64 at worst; plus the data (host float64 and the backend copy)."""
    P = p.dim + 1
    m = min(p.chunk, p.trials)
    top = max(batch_sizes(p))
    return int(8 * (3 * m * top * P + 2 * m * p.n + 4 * p.n * P) + 16e6)


def run(p, ctx) -> DemoResult:
    from gdstudy.core import gradient_samples
    be = ctx.be
    full, G = gradient_samples(be, p.problem, p.n, p.dim, ctx.seed, ctx.rng(1))  # (P,), (N, P)
    Ss = batch_sizes(p)
    top = Ss[-1]                                          # only the first max(S) draws are used
    at = be.asarray(np.array(Ss) - 1)
    sizes = be.asarray(np.array(Ss, dtype=np.float64))[None, :, None]  # (1, len(Ss), 1)
    sums = {k: np.zeros(len(Ss)) for k in ("with", "without")}
    sq = {k: np.zeros(len(Ss)) for k in ("with", "without")}
    done = 0
    while done < p.trials:
        ctx.check_cancel()
        m = min(p.chunk, p.trials - done)
        draws = {"with": be.randint(p.n, (m, top)),                            # iid uniform indices
                 "without": be.argsort_rows(be.uniform((m, p.n)))[:, :top]}    # random permutations
        for kind, idx in draws.items():
            prefix = be.cumsum(G[idx], 1)[:, at] / sizes   # (m, top, P) -> (m, len(Ss), P) batch means
            d = prefix - full[None, None, :]
            e2 = be.to_numpy((d * d).sum(2)).astype(np.float64)   # (m, len(Ss)) squared errors
            sums[kind] += e2.sum(0)
            sq[kind] += (e2 * e2).sum(0)
        done += m
        ctx.report(done, p.trials, "sampling mini-batches")
    Gh = be.to_numpy(G).astype(np.float64)
    sigma2 = float(((Gh - Gh.mean(0)) ** 2).sum(1).mean())
    stats = {}
    for kind in sums:
        mean = sums[kind] / p.trials
        var = np.maximum(sq[kind] / p.trials - mean ** 2, 0.0) * p.trials / (p.trials - 1)
        stats[kind] = (mean, np.sqrt(var / p.trials))
    return _result(p, Ss, stats, sigma2)


def _result(p, Ss, stats, sigma2) -> DemoResult:
    S = np.array(Ss, dtype=np.float64)
    (m_with, se_with), (m_without, se_without) = stats["with"], stats["without"]
    th_with = sigma2 / S
    th_without = sigma2 / S * ((p.n - S) / (p.n - 1) if p.fpc else 1.0)
    inner = S < p.n                                        # S = N (theory 0) is bookkeeping
    k = len(Ss) + int(inner.sum())                         # z-tests in the family
    a = p.alpha * len(Ss) / k                              # split alpha over both verdicts
    verdicts = [
        Verdict.z_tests("with replacement: E||g_S - g||^2 vs sigma^2/S (each S)", m_with.tolist(),
                        th_with.tolist(), se_with.tolist(), a,
                        detail=f"S = {', '.join(map(str, Ss))}; {p.trials} trials each; worst ratio "
                               f"{float(np.max(np.abs(m_with / th_with - 1))):.3g} off"),
    ]
    if inner.any():
        verdicts.append(Verdict.z_tests(
            "without replacement: E||g_S - g||^2 vs " + ("sigma^2/S*(N-S)/(N-1)" if p.fpc else "sigma^2/S (no fpc)")
            + " (each S < N)", m_without[inner].tolist(), th_without[inner].tolist(),
            se_without[inner].tolist(), p.alpha - a,
            detail=f"worst ratio {float(np.max(np.abs(m_without[inner] / th_without[inner] - 1))):.3g} off"))
    if not inner.all():
        verdicts.append(Verdict.bookkeeping(
            "without replacement at S = N: the batch is the whole data set, ||g_N - g||^2 / sigma^2",
            float(m_without[-1] / sigma2), 0.0, "an identity: zero sampling variance by construction "
            "(only float round-off remains)", tol=1e-5))
    if len(Ss) > 1:
        slope = float(np.polyfit(np.log(S), np.log(m_with), 1)[0])
        slope_note = f"; with-replacement log-log slope {slope:.3f} (theory -1)"
    else:
        slope_note = ""
    plots = [Plot("E||g_S - grad f||^2 vs batch size", "batch size S", "mean squared error",
                  [Series("with replacement", Ss, m_with.tolist()),
                   Series("theory sigma^2/S", Ss, th_with.tolist()),
                   Series("without replacement", Ss, m_without.tolist()),
                   Series("theory with (N-S)/(N-1)" if p.fpc else "theory sigma^2/S (no fpc)",
                          Ss, th_without.tolist())], logx=True, logy=True)]
    rows = [[int(s), float(a_), float(b), float((a_ - b) / e) if e > 0 else None, float(c), float(d),
             float((c - d) / f) if f > 0 and s < p.n else None]
            for s, a_, b, e, c, d, f in zip(Ss, m_with, th_with, se_with, m_without, th_without, se_without)]
    table = Table(["S", "with repl.", "sigma^2/S", "z", "without repl.", "theory without", "z"], rows)
    return DemoResult(plots=plots, table=table, verdicts=verdicts,
                      notes=[f"sigma^2 = {sigma2:.5g} (variance of the per-example gradients), N = {p.n}"
                             + slope_note])


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
