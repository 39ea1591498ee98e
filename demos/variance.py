"""The variance of the mini-batch gradient falls as 1/S.

At a fixed point w with per-example gradients g_i (mean g, variance sigma^2 = mean ||g_i - g||^2)
the mini-batch gradient g_S of S examples has
    with replacement:     E||g_S - g||^2 = sigma^2 / S                    (slope -1 in log-log)
    without replacement:  E||g_S - g||^2 = sigma^2 / S * (N - S) / (N - 1)  (exactly 0 at S = N)
Each trial draws N indices (a uniform sequence, or a random permutation); its first S entries
are a batch of size S, so one draw serves every batch size in --batch-sizes (default: the powers
of 2 up to N, and N).

The test. For each S and scheme the statistic is the mean over the T trials of ||g_S - g||^2.
Its null distribution needs no estimated SE: every per-example gradient is known, so the exact
variance and third central moment of one squared error are computed from the data
(gdstudy.demo.stats.sqnorm_moments, with or without replacement), and the mean of T of them is
referred to the gamma with the same three moments (Pearson III: the squared error is a skewed,
positive variable, so a normal z with the trials' own SE FAILs too often on the low side at
small T). One p-value per S and scheme; Holm over all of them: family false-FAIL rate --alpha.
Without replacement at S = N the batch is the whole data set: zero variance is an identity
(bookkeeping), not evidence.

Negative controls: --no-fpc drops the finite population correction (N - S)/(N - 1) from the
theory; --sampler randint draws the "without replacement" batches with randint (indices with
replacement, a common bug). Both make the without-replacement check FAIL.

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
    Param("trials", 2000, "random batches per batch size (the sample size)", min=30, max=1_000_000),
    Param("chunk", 250, "trials processed at once (memory: about 3 * chunk * N * (D+1) floats)",
          min=1, max=100_000),
    Param("problem", "linear", "model whose gradient is sampled", choices=("linear", "logistic")),
    Param("alpha", 1e-3, "false-FAIL rate of all the tests together (Holm) when the claim holds",
          min=1e-12, max=0.5),
    Param("fpc", True, "include the finite-population correction (N-S)/(N-1) in the theory "
          "(--no-fpc: a wrong formula, FAILs)"),
    Param("sampler", "permutation", "how the without-replacement batches are drawn: permutation "
          "(right) or randint (indices with replacement: the bug, FAILs)",
          choices=("permutation", "randint")),
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
                 "without": (be.randint(p.n, (m, top)) if p.sampler == "randint"      # the bug
                             else be.argsort_rows(be.uniform((m, p.n)))[:, :top])}     # permutations
        for kind, idx in draws.items():
            prefix = be.cumsum(G[idx], 1)[:, at] / sizes   # (m, top, P) -> (m, len(Ss), P) batch means
            d = prefix - full[None, None, :]
            e2 = be.to_numpy((d * d).sum(2)).astype(np.float64)   # (m, len(Ss)) squared errors
            sums[kind] += e2.sum(0)
            sq[kind] += (e2 * e2).sum(0)
        done += m
        ctx.report(done, p.trials, "sampling mini-batches")
    from gdstudy.demo.stats import sqnorm_moments
    Gh = be.to_numpy(G).astype(np.float64)
    D = Gh - Gh.mean(0)
    sigma2 = float((D ** 2).sum(1).mean())
    w = np.full(p.n, 1.0 / p.n)
    exact = {"with": sqnorm_moments(D, w, Ss, replace=True),          # null (mean, var, 3rd) per S
             "without": sqnorm_moments(D, w, Ss, replace=False)}
    stats = {kind: sums[kind] / p.trials for kind in sums}
    return _result(p, Ss, stats, exact, sigma2)


def _tests(p, means, theory, moments):
    """-> (two-sided p, z) per S: the mean of T squared errors vs the theory's mean, with the
    exact spread and skewness of the sampler (Pearson III)."""
    from gdstudy.demo.stats import positive_mean_pvalue
    return [positive_mean_pvalue(float(x), mom, p.trials, mean=float(th))
            for x, th, mom in zip(means, theory, moments)]


def _result(p, Ss, stats, exact, sigma2) -> DemoResult:
    from gdstudy.demo.stats import holm
    S = np.array(Ss, dtype=np.float64)
    m_with, m_without = stats["with"], stats["without"]
    th_with = sigma2 / S
    th_without = sigma2 / S * ((p.n - S) / (p.n - 1) if p.fpc else 1.0)
    inner = S < p.n                                        # S = N (theory 0) is bookkeeping
    t_with = _tests(p, m_with, th_with, exact["with"])
    t_without = _tests(p, m_without[inner], th_without[inner],
                       [m for m, i in zip(exact["without"], inner) if i])
    pv = [t[0] for t in t_with + t_without]
    rej = holm(pv, p.alpha)
    rej_with, rej_without = rej[:len(t_with)], rej[len(t_with):]
    k = len(pv)
    z_with = [t[1] for t in t_with]
    z_without = [None] * len(Ss)
    for j, t in zip(np.flatnonzero(inner), t_without):
        z_without[j] = t[1]
    how = f"Holm over {k} tests, family alpha {p.alpha:g}"

    def _verdict(name, rejected, tests, detail):
        worst = max(abs(t[1]) for t in tests)
        pmin = min(t[0] for t in tests)
        return Verdict(name, not any(rejected), round(worst, 3), 0.0,
                       f"each p > its Holm level ({how})",
                       f"worst |z| {worst:.2f}, smallest p {pmin:.3g}; {detail}")

    verdicts = [_verdict("with replacement: E||g_S - g||^2 vs sigma^2/S (each S)", rej_with, t_with,
                         f"S = {', '.join(map(str, Ss))}; {p.trials} trials each; worst ratio "
                         f"{float(np.max(np.abs(m_with / th_with - 1))):.3g} off; exact null spread "
                         "and skewness (Pearson III)")]
    if inner.any():
        verdicts.append(_verdict(
            "without replacement: E||g_S - g||^2 vs " + ("sigma^2/S*(N-S)/(N-1)" if p.fpc else "sigma^2/S (no fpc)")
            + " (each S < N)", rej_without, t_without,
            f"worst ratio {float(np.max(np.abs(m_without[inner] / th_without[inner] - 1))):.3g} off; "
            f"batches drawn by {p.sampler}"))
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
    rows = [[int(s), float(a_), float(b), float(e), float(c), float(d), None if f is None else float(f)]
            for s, a_, b, e, c, d, f in zip(Ss, m_with, th_with, z_with, m_without, th_without, z_without)]
    table = Table(["S", "with repl.", "sigma^2/S", "z", "without repl.", "theory without", "z"], rows)
    return DemoResult(plots=plots, table=table, verdicts=verdicts, takeaway=_takeaway(p, Ss, m_with, m_without, th_with),
                      notes=[f"sigma^2 = {sigma2:.5g} (variance of the per-example gradients), N = {p.n}"
                             + slope_note, "z = (mean - theory) / exact null SD of the mean; p from the "
                             "gamma with the exact null mean, variance and skewness"])


def _takeaway(p, Ss, m_with, m_without, th_with) -> str:
    """One sentence from this run: how much smaller the squared error got from the smallest to
    the largest S, against the S ratio the 1/S law predicts."""
    lo, hi = 0, len(Ss) - 1
    if hi == lo:
        return (f"With replacement, batches of {Ss[0]} had mean squared gradient error "
                f"{m_with[0]:.3g} against sigma^2/S = {th_with[0]:.3g}.")
    ratio = float(m_with[lo] / m_with[hi])
    text = (f"Batches of {Ss[hi]} made the squared gradient error {ratio:.1f}x smaller than batches of "
            f"{Ss[lo]} (with replacement; 1/S predicts {Ss[hi] / Ss[lo]:g}x)")
    inner = [j for j, s_ in enumerate(Ss) if s_ < p.n]
    if inner:
        j = inner[-1]
        text += (f"; without replacement at S = {Ss[j]} it was {float(m_without[j] / m_with[j]):.2f} of the "
                 f"with-replacement value (the fpc (N-S)/(N-1) predicts {(p.n - Ss[j]) / (p.n - 1):.2f})")
    return text + "."


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
