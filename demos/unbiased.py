"""The mini-batch gradient is an unbiased estimate of the full gradient.

At a fixed random point w, draw M = reps * trials independent mini-batches (S indices each) and
test two things against the run's own statistics:
  unbiased:  the pooled mean of the M batch gradients minus the full gradient, whitened by the
             exact covariance C of one batch gradient under the sampler (from all N per-example
             gradients: C = sum_i p_i (c_i g_i - mu)(c_i g_i - mu)^T / S): chi^2 = M d^T C^-1 d ~
             chi^2_P (P parameters) when the estimate is unbiased (CLT over the M batches); FAIL
             above its 1 - alpha quantile.
  1/sqrt(T): the batches of each repetition are cut into non-overlapping blocks of T; the mean
             over all blocks of ||block mean - grad f||^2 is compared with its exact value v/(S T)
             (v = the per-draw gradient variance of the sampler, sigma^2 for uniform draws), one
             z-test per T with the block-to-block standard error (Bonferroni over the T's). Small T
             have many blocks, so the skewed squared errors are averaged over thousands of values.
--sampling biased draws example i with probability proportional to ||g_i|| and does not
reweight (importance sampling done wrong): its mean is off by a fixed amount at every N and both
checks FAIL. --sampling importance draws the same way but weights each gradient by 1/(N p_i):
unbiased again, and it PASSes.

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
    Param("alpha", 1e-3, "false-alarm rate of each check when the claim holds", min=1e-12, max=0.5),
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
        g = Gs[idx].mean(1)                                   # (T, S, P) -> (T, P) batch gradients
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
    se = np.sqrt(np.maximum(sqs / cnt - ms ** 2, 0.0) * cnt / (cnt - 1) / cnt)
    return _result(p, Gh, prob, weights, total, outer, Ts, ms, se, cnt)


def _result(p, Gh, prob, weights, total, outer, Ts, ms, se, cnt) -> DemoResult:
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
    # exact per-draw variance v of the sampler (sigma^2 for uniform draws), and sigma^2 itself
    sigma2 = float(((Gh - full) ** 2).sum(1).mean())
    v = float(np.trace(cov)) * p.batch_size
    Tarr = np.array(Ts, dtype=np.float64)
    theory = v / p.batch_size / Tarr                         # E||mean of T batches - grad||^2 if unbiased
    zs = (ms - theory) / se
    rms = np.sqrt(ms)
    slope = float(np.polyfit(np.log(Tarr), np.log(rms), 1)[0]) if len(Ts) > 1 else math.nan
    rel = float(np.linalg.norm(d)) / norm
    verdicts = [
        Verdict.chi2_test("unbiased: pooled mean of all batch gradients vs the full gradient "
                          "(chi^2 = M d^T C^-1 d)", chi2, dof, p.alpha,
                          detail=f"M = {M} batches; relative error {rel:.3g}, noise level "
                                 f"{math.sqrt(np.trace(cov) / M) / norm:.3g}; sample covariance "
                                 f"trace / exact {np.trace(sample_cov) / np.trace(cov):.4f}"),
        Verdict.z_tests("mean squared error of the mean of T batches vs v/(S T) (each T)",
                        ms.tolist(), theory.tolist(), se.tolist(), p.alpha,
                        detail=f"T = {Ts[0]}..{Ts[-1]}, {int(cnt[0])}..{int(cnt[-1])} blocks; worst ratio "
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
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
