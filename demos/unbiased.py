"""The mini-batch gradient is an unbiased estimate of the full gradient.

At a fixed random point w, draw M = reps * trials independent mini-batches (S indices each) and
test two things. Every per-example gradient is known, so both null distributions are computed
from the data, not from the run's own spread (gdstudy.demo.stats):
  unbiased:  the pooled mean of the M batch gradients minus the full gradient, whitened by the
             exact covariance C of one batch gradient under the sampler (from all N per-example
             gradients: C = sum_i p_i (c_i g_i - mu)(c_i g_i - mu)^T / S): X = M d^T C^-1 d, of
             mean P (the rank of C) when the estimate is unbiased. Its exact variance and third
             moment (it is ||mean of M S iid whitened draws||^2) give a one-sided Pearson III
             p-value: chi^2_P in the large-M limit, right at M = 16 batches of one example too.
  1/sqrt(T): the batches of each repetition are cut into non-overlapping blocks of T; the mean
             over all blocks of ||block mean - grad f||^2 is compared with its exact value v/(S T)
             (v = the per-draw gradient variance of the sampler, sigma^2 for uniform draws), one
             two-sided test per T with the exact null variance and skewness of one block's
             squared error (Pearson III above, Maurer's bound for nonnegative variables below).
All 1 + (number of T's) p-values go through Holm: the family false-FAIL rate is --alpha.
Negative controls: --sampling biased draws example i with probability proportional to ||g_i||
and does not reweight (importance sampling done wrong): its mean is off by a fixed amount at
every N and both checks FAIL. --reduce sum adds the S gradients of a batch instead of averaging
them (a batch gradient S times too large): both checks FAIL. --sampling importance draws like
biased but weights each gradient by 1/(N p_i): unbiased again, and it PASSes.

    python demos/unbiased.py --help
    python demos/unbiased.py --batch-size 4 --problem logistic
    gdstudy demo unbiased --sampling biased
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
    Param("reps", 64, "independent repetitions (blocks of the largest T)", min=8, max=10_000),
    Param("problem", "linear", "model whose gradient is sampled", choices=("linear", "logistic")),
    Param("sampling", "uniform", "how batch indices are drawn (biased: P(i) ~ ||g_i||, not reweighted)",
          choices=("uniform", "biased", "importance")),
    Param("reduce", "mean", "batch gradient: mean of the S gradients (right) or sum (the bug: FAILs)",
          choices=("mean", "sum")),
    Param("alpha", 1e-3, "false-FAIL rate of both checks together (Holm) when the claim holds",
          min=1e-12, max=0.5),
]


def check(p):
    if p.batch_size > p.n:
        raise DemoError(f"--batch-size ({p.batch_size}) must be <= --n ({p.n})")


def peak_bytes(p) -> int:
    """Host data (float64) + backend copies + per-example gradients + one rep's (T, S, P) gather."""
    P = p.dim + 1
    return int(8 * (6 * p.n * P + 2 * p.n + 3 * p.trials * p.batch_size * P + 4 * p.trials * P
                    + 2 * p.trials * p.batch_size) + 16e6)


def sampler(p, Gh):
    """-> (probabilities p_i or None for uniform, weights c_i or None) for the chosen sampling."""
    if p.sampling == "uniform":
        return None, None
    norms = np.linalg.norm(Gh, axis=1) + 1e-12 * np.abs(Gh).max()
    prob = norms / norms.sum()
    return prob, (1.0 / (p.n * prob) if p.sampling == "importance" else None)


def draw(p, be, host, shape, cdf):
    """Batch indices of the given shape: uniform on the backend's RNG, else from the cdf (host)."""
    if cdf is None:
        return be.randint(p.n, shape)
    return be.asarray(np.minimum(np.searchsorted(cdf, host.random(shape), side="right"), p.n - 1))


def run(p, ctx) -> DemoResult:
    host = ctx.rng(3)
    from gdstudy.core import gradient_samples
    be = ctx.be
    full, G = gradient_samples(be, p.problem, p.n, p.dim, ctx.seed, ctx.rng(1))   # (P,), (N, P)
    Gh = be.to_numpy(G).astype(np.float64)
    prob, weights = sampler(p, Gh)
    cdf = None if prob is None else np.cumsum(prob)
    Gs = G if weights is None else G * be.asarray(weights)[:, None]   # what one draw contributes
    Ts = sorted({min(2 ** k, p.trials) for k in range(int(math.log2(p.trials)) + 1)} | {p.trials})
    sums, sqs, cnt = np.zeros(len(Ts)), np.zeros(len(Ts)), np.zeros(len(Ts))
    P = Gh.shape[1]
    total, outer = np.zeros(P), np.zeros((P, P))             # sum g, sum g g^T over all batches
    for r in range(p.reps):
        ctx.check_cancel()
        idx = draw(p, be, host, (p.trials, p.batch_size), cdf)   # (T, S) independent batches
        g = Gs[idx].sum(1) if p.reduce == "sum" else Gs[idx].mean(1)   # (T, S, P) -> (T, P) batch gradients
        for j, T in enumerate(Ts):                           # non-overlapping blocks of T batches
            nb = p.trials // T
            diff = g[: nb * T].reshape(nb, T, P).mean(1) - full[None, :]    # (nb, P)
            e2 = be.to_numpy((diff * diff).sum(1)).astype(np.float64)      # (nb,)
            sums[j] += e2.sum()
            sqs[j] += (e2 * e2).sum()
            cnt[j] += nb
        gh = be.to_numpy(g).astype(np.float64)
        total += gh.sum(0)
        outer += gh.T @ gh                                   # (P, T) @ (T, P)
        ctx.report(r + 1, p.reps, "sampling mini-batch gradients")
    ms = sums / cnt
    return _result(p, Gh, prob, weights, total, outer, Ts, ms, cnt)


def _result(p, Gh, prob, weights, total, outer, Ts, ms, cnt) -> DemoResult:
    from gdstudy.demo.stats import holm, positive_mean_pvalue, sqnorm_moments
    M = p.reps * p.trials
    full = Gh.mean(0)                                        # (P,) in float64
    norm = float(np.linalg.norm(full))
    mean = total / M
    sample_cov = (outer - M * np.outer(mean, mean)) / (M - 1)  # for the report only
    prob_i = np.full(p.n, 1.0 / p.n) if prob is None else prob
    c = np.ones(p.n) if weights is None else weights
    draws = c[:, None] * Gh                                  # (N, P): what one draw contributes
    mu = prob_i @ draws
    centred = np.sqrt(prob_i)[:, None] * (draws - mu)
    cov = centred.T @ centred / p.batch_size                 # exact covariance of one batch gradient
    d = mean - full
    evals, evecs = np.linalg.eigh(cov)
    keep = evals > 1e-12 * evals.max()                       # rank of C (constant features drop out)
    proj = evecs[:, keep].T @ d
    chi2 = float(M * np.sum(proj ** 2 / evals[keep]))
    dof = int(keep.sum())
    # X = M d^T C^-1 d = || mean of the M S draws, whitened per draw ||^2 * (M S): exact moments
    white = (draws - mu) @ (evecs[:, keep] / np.sqrt(evals[keep] * p.batch_size))   # (N, dof)
    ns = M * p.batch_size
    m1, v1, k1 = sqnorm_moments(white, prob_i, [ns])[0]
    p_chi, _ = positive_mean_pvalue(chi2, (m1 * ns, v1 * ns ** 2, k1 * ns ** 3), 1, sides="upper")
    # exact per-draw variance v of the sampler (sigma^2 for uniform draws), and sigma^2 itself
    sigma2 = float(((Gh - full) ** 2).sum(1).mean())
    v = float(np.trace(cov)) * p.batch_size
    Tarr = np.array(Ts, dtype=np.float64)
    theory = v / p.batch_size / Tarr                         # E||mean of T batches - grad||^2 if unbiased
    moms = sqnorm_moments(draws - mu, prob_i, [T * p.batch_size for T in Ts])
    tests = [positive_mean_pvalue(float(x), mom, int(c), mean=float(t))
             for x, mom, c, t in zip(ms, moms, cnt, theory)]
    zs = np.array([t[1] for t in tests])
    rej = holm([p_chi] + [t[0] for t in tests], p.alpha)
    how = f"Holm over {1 + len(Ts)} tests, family alpha {p.alpha:g}"
    rms = np.sqrt(ms)
    slope = float(np.polyfit(np.log(Tarr), np.log(rms), 1)[0]) if len(Ts) > 1 else math.nan
    rel = float(np.linalg.norm(d)) / norm
    worst = float(np.max(np.abs(zs)))
    verdicts = [
        Verdict("unbiased: pooled mean of all batch gradients vs the full gradient "
                "(X = M d^T C^-1 d)", not rej[0], chi2, f"{dof} (its mean)",
                f"one-sided p > its Holm level ({how})",
                f"p = {p_chi:.3g} (exact null moments of X: mean {m1 * ns:.4g}, sd "
                f"{math.sqrt(v1) * ns:.3g}; chi^2_{dof} in the limit); M = {M} batches; relative error "
                f"{rel:.3g}, noise level {math.sqrt(np.trace(cov) / M) / norm:.3g}; sample covariance "
                f"trace / exact {np.trace(sample_cov) / np.trace(cov):.4f}"),
        Verdict("mean squared error of the mean of T batches vs v/(S T) (each T)", not any(rej[1:]),
                round(worst, 3), 0.0, f"each p > its Holm level ({how})",
                f"worst |z| {worst:.2f}, smallest p {min(t[0] for t in tests):.3g} (exact null spread "
                f"and skewness); T = {Ts[0]}..{Ts[-1]}, {int(cnt[0])}..{int(cnt[-1])} blocks; worst ratio "
                f"{float(np.max(ms / theory)):.3g}; log-log slope of the RMS error {slope:.3f}"),
    ]
    plots = [Plot("Error of the mean of T mini-batch gradients", "T (batches averaged)",
                  "relative RMS error", [Series("measured", Ts, (rms / norm).tolist()),
                                         Series("theory sqrt(v/(S T))", Ts, (np.sqrt(theory) / norm).tolist())],
                  logx=True, logy=True)]
    rows = [[T, int(c), float(math.sqrt(m) / norm), float(math.sqrt(t) / norm), float(m / t), float(z)]
            for T, c, m, t, z in zip(Ts, cnt, ms, theory, zs)]
    table = Table(["T", "blocks", "relative RMS error", "theory", "MSE ratio", "z"], rows)
    how = {"uniform": "uniformly", "biased": "with P(i) ~ ||g_i||, not reweighted (biased)",
           "importance": "with P(i) ~ ||g_i||, reweighted by 1/(N P(i)) (importance sampling)"}
    notes = [f"|full gradient| = {norm:.4g}; batches of S={p.batch_size} drawn {how[p.sampling]}; "
             f"v = {v:.4g} per draw (sigma^2 = {sigma2:.4g})"]
    noise = math.sqrt(np.trace(cov) / M) / norm
    takeaway = (f"The mean of {M} random batches of {p.batch_size} ({how_short(p)}) landed {rel:.2g} of "
                f"the gradient's length from the full gradient, where noise alone gives about {noise:.2g}: "
                + ("no sign of bias" if not rej[0] else f"{rel / noise:.0f}x the noise, a bias")
                + f"; the error of a mean of T batches fell with log-log slope {slope:.2f} (1/sqrt(T) is -0.5).")
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


def how_short(p) -> str:
    extra = ", summed" if p.reduce == "sum" else ""
    return {"uniform": "uniform", "biased": "drawn by gradient size, not reweighted",
            "importance": "importance-weighted"}[p.sampling] + extra


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
