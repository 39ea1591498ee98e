"""Gradient accumulation: weight each micro-batch by its share of the examples, not equally.

A batch of K examples is drawn uniformly (with replacement) from N and split into micro-batches
of unequal sizes k_1..k_m (sum K); each micro-batch gives the mean gradient of its examples.
  correct:        g_acc = sum_j (k_j / K) * mean_j  -- exactly the mean over the K examples, so
                  an unbiased estimate of the full gradient.
  mean-of-means:  g_bug = (1/m) sum_j mean_j  -- the common bug (divide each micro-batch's loss by
                  its own size, then average the m accumulation steps). Each example weighs
                  1/(m k_j) instead of 1/K: examples in small micro-batches count more.
Whether the bug biases the gradient depends on the split. --split tokens (default) packs the
batch, sorted by length (length bucketing), into micro-batches of at most --token-budget tokens:
each example has a length 1..max_len set by its first feature, so long examples sit in small
micro-batches and the examples the bug overweights are not a random subset: a fixed bias, at
every N. --split random cuts the shuffled batch at m-1 random points, independent of content:
then every mean_j is itself unbiased and so is g_bug (only noisier) -- the bias needs sizes that
depend on the content.
Verdict: over M = --trials random batches (each with its own split), the mean of the estimates
minus the full gradient is tested for zero with Hotelling's T^2 on the trials' own covariance
(F(P, M-P) p-value, alpha --alpha; P = dim + 1 parameters). It tests bias only: a noisier
unbiased estimator does not FAIL it. Negative control: --weighting mean-of-means with --split
tokens FAILs at the default and at 10x N (the bias does not shrink with N).

    python demos/accumulation.py --help
    python demos/accumulation.py --weighting mean-of-means
    gdstudy demo accumulation --split random --weighting mean-of-means
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

NAME = "accumulation"
TITLE = "Gradient accumulation: weight micro-batches by size, or the gradient is biased"
CLAIM = ("Accumulating micro-batch mean gradients with weights k_j/K gives the whole batch's mean "
         "gradient, an unbiased estimate of the full gradient; the equal-weight mean of micro-batch "
         "means is biased when the micro-batch sizes depend on the content (token budgets).")

PARAMS = [
    Param("n", 4000, "number of examples N", min=20, max=1_000_000),
    Param("dim", 4, "number of features D (P = D + 1 parameters)", min=1, max=50),
    Param("batch_size", 32, "examples per accumulated batch K", min=2, max=4096),
    Param("max_len", 16, "longest example, in tokens (lengths 1..max_len from the first feature)",
          min=2, max=1024),
    Param("token_budget", 64, "--split tokens: at most this many tokens per micro-batch (>= max_len)",
          min=2, max=1_000_000),
    Param("micro_batches", 4, "--split random: micro-batches per batch m (<= K)", min=2, max=4096),
    Param("split", "tokens", "how a batch is cut: tokens (length-bucketed token budget) or random "
          "cut points", choices=("tokens", "random")),
    Param("weighting", "correct", "how micro-batch means are combined: correct (k_j/K) or "
          "mean-of-means (1/m, the bug: FAILs with --split tokens)", choices=("correct", "mean-of-means")),
    Param("problem", "linear", "model whose gradient is accumulated", choices=("linear", "logistic")),
    Param("trials", 2000, "random batches M (each with its own split)", min=100, max=1_000_000),
    Param("alpha", 1e-3, "false-FAIL rate of the bias test when the estimate is unbiased",
          min=1e-12, max=0.5),
]


def check(p):
    P = p.dim + 1
    if p.trials < 20 * P:
        raise DemoError(f"--trials {p.trials}: Hotelling's T^2 on {P} parameters needs at least {20 * P} trials")
    if p.split == "tokens" and p.token_budget < p.max_len:
        raise DemoError(f"--token-budget ({p.token_budget}) must be >= --max-len ({p.max_len})")
    if p.split == "random" and p.micro_batches > p.batch_size:
        raise DemoError(f"--micro-batches ({p.micro_batches}) must be <= --batch-size ({p.batch_size})")


def peak_bytes(p) -> int:
    """Per-example gradients (N, P) + the gathered (M K, P) rows and segment sums, float64."""
    P = p.dim + 1
    return int(8 * (6 * p.n * (P + 2) + 5 * p.trials * p.batch_size * (P + 2)) + 16e6)


def lengths(p, seed: int) -> np.ndarray:
    """Example lengths 1..max_len, increasing with the first feature (a length feature)."""
    from gdstudy.core.data import make_classification, make_regression
    X = (make_regression(p.n, p.dim, seed=seed) if p.problem == "linear"
         else make_classification(p.n, p.dim, seed=seed))[0]
    u = 0.5 * (1.0 + np.vectorize(math.erf)(X[:, 0] / math.sqrt(2)))      # Phi(x0) in (0, 1)
    return np.minimum(1 + (u * p.max_len).astype(np.int64), p.max_len)


def split_ids(p, lens, host) -> np.ndarray:
    """(M, K) micro-batch id of every example of every batch (non-decreasing along a row)."""
    M, K = lens.shape
    if p.split == "tokens":
        ends = np.cumsum(lens, axis=1)                        # each example's last token
        return (ends - 1) // p.token_budget
    cuts = np.argsort(host.random((M, K - 1)), axis=1)[:, : p.micro_batches - 1] + 1   # m-1 distinct cuts
    pos = np.arange(K)
    return (pos[None, None, :] >= cuts[:, :, None]).sum(1)      # (M, K): number of cuts at or before


def estimates(G, idx, mb):
    """-> (correct (M, P), mean-of-means (M, P), micro-batches per batch (M,), sizes (S,))."""
    M, K = idx.shape
    P = G.shape[1]
    key = (np.arange(M)[:, None] * K + mb).ravel()            # ids are < K (budget >= max_len, m <= K)
    seg, inv = np.unique(key, return_inverse=True)
    trial = seg // K                                          # the batch of each micro-batch
    rows = G[idx.ravel()]                                     # (M K, P)
    sums = np.zeros((len(seg), P))
    np.add.at(sums, inv, rows)
    sizes = np.bincount(inv, minlength=len(seg)).astype(np.float64)
    means = sums / sizes[:, None]                             # (segments, P) micro-batch means
    m = np.bincount(trial, minlength=M).astype(np.float64)
    correct = np.zeros((M, P))
    np.add.at(correct, trial, means * (sizes / K)[:, None])   # sum_j (k_j / K) mean_j
    bug = np.zeros((M, P))
    np.add.at(bug, trial, means / m[trial][:, None])          # (1/m) sum_j mean_j
    return correct, bug, m, sizes


def hotelling(D):
    """-> (T^2, F, p) for H0: E[D] = 0, from the rows' own mean and covariance."""
    from gdstudy.demo.stats import betainc
    M, P = D.shape
    dbar = D.mean(0)
    S = np.cov(D, rowvar=False).reshape(P, P)
    t2 = float(M * dbar @ np.linalg.solve(S, dbar))
    F = (M - P) / (P * (M - 1)) * t2
    d1, d2 = P, M - P
    return t2, F, float(betainc(d2 / 2, d1 / 2, d2 / (d2 + d1 * F))) if F > 0 else 1.0


def run(p, ctx) -> DemoResult:
    from gdstudy.core import gradient_samples
    be = ctx.be
    host = ctx.rng(3)
    _, Gb = gradient_samples(be, p.problem, p.n, p.dim, ctx.seed, ctx.rng(1))   # (N, P) on the backend
    G = be.to_numpy(Gb).astype(np.float64)
    full = G.mean(0)                                          # the full gradient of these rows
    lens_all = lengths(p, ctx.seed)
    ctx.report(1, 3, "drawing batches")
    idx = host.integers(0, p.n, (p.trials, p.batch_size))
    if p.split == "tokens":                                   # length bucketing: sort each batch by length
        order = np.argsort(lens_all[idx], axis=1, kind="stable")
        idx = np.take_along_axis(idx, order, axis=1)
    mb = split_ids(p, lens_all[idx], host)
    ctx.check_cancel()
    ctx.report(2, 3, "accumulating micro-batches")
    correct, bug, m, sizes = estimates(G, idx, mb)
    batch_mean = G[idx].mean(1)                               # the whole batch's gradient (M, P)
    ident = float(np.max(np.abs(correct - batch_mean)) / max(np.abs(batch_mean).max(), 1e-300))
    ctx.report(3, 3, "testing for bias")
    return _result(p, G, full, correct, bug, m, sizes, ident)


def _result(p, G, full, correct, bug, m, sizes, ident) -> DemoResult:
    norm = float(np.linalg.norm(full))
    tested = correct if p.weighting == "correct" else bug
    t2, F, pval = hotelling(tested - full)
    P = G.shape[1]
    rows = []
    for name, est in (("correct k_j/K", correct), ("mean-of-means 1/m", bug)):
        d = est.mean(0) - full
        s2, _, pv = hotelling(est - full)
        se = math.sqrt(float(np.trace(np.cov(est - full, rowvar=False).reshape(P, P))) / p.trials)
        rows.append([name, float(np.linalg.norm(d)) / norm, se / norm, s2, pv])
    passed = pval > p.alpha
    how = {"tokens": f"length-bucketed, <= {p.token_budget} tokens each",
           "random": f"{p.micro_batches} at random cut points"}[p.split]
    verdicts = [Verdict(
        f"no bias: mean of {p.trials} accumulated gradients ({p.weighting}) vs the full gradient (Hotelling T^2)",
        bool(passed), round(t2, 3), f"{P} (its mean)", f"p > alpha = {p.alpha:g} (F({P}, {p.trials - P}))",
        f"p = {pval:.3g}, F = {F:.3g}; relative bias {rows[0 if p.weighting == 'correct' else 1][1]:.3g} "
        f"(noise level {rows[0 if p.weighting == 'correct' else 1][2]:.3g})")]
    counts = np.bincount(sizes.astype(np.int64))
    ks = [int(k) for k in np.nonzero(counts)[0]]
    plots = [Plot("Micro-batch sizes", "examples in a micro-batch k_j", "micro-batches",
                  [Series("count", ks, [int(counts[k]) for k in ks])])]
    table = Table(["weighting", "relative bias |mean - grad|/|grad|", "noise level (SE)", "T^2", "p"], rows)
    notes = [f"|full gradient| = {norm:.4g}; K = {p.batch_size} examples per batch, micro-batches {how}: "
             f"m = {int(m.min())}..{int(m.max())} (mean {m.mean():.2f}), sizes {ks[0]}..{ks[-1]}",
             f"correct weighting vs the whole batch's mean gradient: largest relative difference "
             f"{ident:.2g} (an identity: sum_j (k_j/K) mean_j is the batch mean)"]
    ratio = rows[1][1] / rows[1][2] if rows[1][2] > 0 else math.inf
    takeaway = (f"Weighting micro-batches by k_j/K reproduced the whole batch's gradient (relative bias "
                f"{rows[0][1]:.2g}, noise {rows[0][2]:.2g}); the mean of micro-batch means was off by "
                f"{rows[1][1]:.2g} of the gradient, {ratio:.1f}x its noise level"
                + (" -- with content-dependent (token-budget) sizes that is a bias that more data does not remove."
                   if p.split == "tokens" else " -- with random cut points that is noise, not bias."))
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
