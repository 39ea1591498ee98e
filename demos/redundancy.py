"""Redundant data: duplicating the data set k times makes every full-batch step k times more
expensive, but changes nothing for mini-batch SGD.

Least squares on N examples, and the same examples repeated k times (kN rows). The full loss
(a mean) and hence every full-batch GD step are identical on both, so GD needs the same number
of steps, each touching kN instead of N examples: the ratio k is an identity (bookkeeping, not
counted as a check). A mini-batch of S examples drawn with replacement from the duplicated set
has exactly the distribution of one drawn from the original, so SGD's samples to target have the
same distribution on both. Each method runs from the same start until the full loss reaches
loss* + target_gap * (loss_0 - loss*) (loss* from a least-squares solve). Samples touched =
steps x batch size.

The check: the mean samples to target over --runs runs per data set, duplicated vs original.
With replacement the runs on both sets are iid draws of the same law when the claim holds, so a
permutation test of the difference of the means is exact at any number of runs, ties included
(samples to target are multiples of S): over every split of the 2R runs when there are at most
20,000 (R <= 8), else 20,000 random splits, up to R = 200; above that a two-sample t-test (2R - 2
degrees of freedom). Two-sided, --alpha; the ratio duplicated / original is what is shown. (A
t-test alone false-FAILs at R = 2-3: two runs that tie give an SE of 0.) Fewer runs than the
permutation test needs to reach --alpha at all (2 / C(2R, R) > alpha: R < 7 at 1e-3) are refused. A budget that the runs on the ORIGINAL data cannot meet
(--lr too large, --max-epochs too small) cannot support the test: refused with one line.
Negative controls: --scale-batch (the batch grows with the data, S x k on the duplicated set, as
if an epoch had to keep its number of steps) and --lr-rule per-n (the step divided by the data
set's size, as with a summed loss normalised by N: lr / k on the duplicated set) FAIL.
With --sampling reshuffle (epochs without replacement) the original never repeats an example
within an epoch while a batch of the duplicated set can hold copies: a small real difference,
which enough runs detect.

    python demos/redundancy.py --help
    python demos/redundancy.py --k 50
    gdstudy demo redundancy --batch-size 64 --backend torch
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

NAME = "redundancy"
TITLE = "Duplicated data: full-batch GD pays k times more per step, mini-batch SGD pays nothing"
CLAIM = ("With the data set duplicated k times, full-batch GD touches k times more samples "
         "to reach the target loss than on the original, while mini-batch SGD's count stays the "
         "same (a permutation test of the mean counts, duplicated vs original).")

PARAMS = [
    Param("k", 10, "copies of the data set", min=2, max=1000),
    Param("n", 1000, "original examples N", min=10, max=1_000_000),
    Param("dim", 16, "features D", min=1, max=1000),
    Param("cond", 100.0, "condition number of the feature covariance", min=1.0, max=1e4),
    Param("batch_size", 16, "mini-batch size S", min=1, max=100_000),
    Param("lr", 0.1, "mini-batch learning rate (full batch uses 1/L)", min=1e-5, max=10.0),
    Param("target_gap", 0.01, "target = loss* + target_gap * (loss_0 - loss*)", min=1e-6, max=0.9),
    Param("runs", 12, "mini-batch runs per data set (the sample size)", min=2, max=10_000),
    Param("max_epochs", 200, "epoch budget of each mini-batch run (on the original size)",
          min=1, max=100_000),
    Param("sampling", "replacement", "mini-batch sampling: replacement (identical batch laws on "
          "both sets) or reshuffle (epochs without replacement)", choices=("replacement", "reshuffle")),
    Param("scale_batch", False, "use batch S x k on the duplicated set (a broken control: FAILs)"),
    Param("lr_rule", "fixed", "mini-batch step on the duplicated set: fixed (right) or per-n (lr "
          "divided by the size ratio k, as for a summed loss over N: a broken control, FAILs)",
          choices=("fixed", "per-n")),
    Param("alpha", 1e-3, "false-FAIL rate of the t-test (two-sided)", min=1e-12, max=0.5),
]


def check(p):
    if p.batch_size >= p.n:
        raise DemoError(f"--batch-size must be < --n ({p.n})")
    if 2 / math.comb(2 * p.runs, p.runs) > p.alpha:
        need = next(r for r in range(2, 10_000) if 2 / math.comb(2 * r, r) <= p.alpha)
        raise DemoError(f"--runs {p.runs}: the permutation test of 2 x {p.runs} runs cannot reach alpha "
                        f"{p.alpha:g} (its smallest p is 2/C({2 * p.runs},{p.runs})); the smallest that can "
                        f"is --runs {need}")


def peak_bytes(p) -> int:
    """The original and the k-fold tiled data (X and y, float64 on the host and the backend's
    copy), the epoch order (int64), the batch buffers, the training records."""
    rows = p.n * (1 + p.k)
    return int(8 * (2 * rows * (p.dim + 1) + p.n * p.k + 2 * p.batch_size * p.k * (p.dim + 1))
               + 64 * p.max_epochs * math.ceil(p.n / p.batch_size)) + (1 << 20)


def run(p, ctx) -> DemoResult:
    from gdstudy.core import LinearRegression, least_squares, make_regression, to_backend
    be = ctx.be
    Xh, yh, _ = make_regression(p.n, p.dim, noise=0.5, seed=ctx.seed, cond=p.cond)
    ref = least_squares(Xh, yh)
    loss_opt, L = ref.loss, ref.L                            # full batch uses lr 1/L
    prob = LinearRegression(be, p.dim)
    p0 = prob.init_params(ctx.rng(1), scale=1.0)
    data = {"original": (be.asarray(Xh), be.asarray(yh)),
            f"duplicated x{p.k}": (be.asarray(np.tile(Xh, (p.k, 1))), be.asarray(np.tile(yh, p.k)))}
    loss0 = float(prob.loss(to_backend(be, p0), *data["original"]))
    target = loss_opt + p.target_gap * (loss0 - loss_opt)
    n_phase, k, out = 2 * (1 + p.runs), 0, {}
    for j, (name, (X, y)) in enumerate(data.items()):
        full = _to_target(ctx, prob, p0, X, y, None, 1.0 / L, target, 100_000,
                          ctx.phase(k, n_phase, f"{name}: full batch"), data["original"], p)
        k += 1
        mini = []
        S = p.batch_size * (p.k if p.scale_batch and j == 1 else 1)
        lr = p.lr / (p.k if p.lr_rule == "per-n" and j == 1 else 1)
        for _ in range(p.runs):
            ctx.check_cancel()
            mini.append(_to_target(ctx, prob, p0, X, y, S, lr, target,
                                   p.max_epochs * math.ceil(p.n / p.batch_size),
                                   ctx.phase(k, n_phase, f"{name}: mini-batch"), data["original"], p))
            k += 1
        out[name] = (full, mini)
    ctx.check_cancel()
    return _result(p, out, target, loss_opt, loss0, L)


class _FullLossOn:
    """The problem, with its full-loss evaluations done on the original rows: the mean over k
    copies equals the mean over the original, so only the cost of the checks changes (the
    training steps still see the data set they are given)."""

    def __init__(self, prob, X, y) -> None:
        self.prob, self.be, self.X, self.y = prob, prob.be, X, y
        self.loss_and_grad = prob.loss_and_grad

    def loss(self, params, X=None, y=None):
        return self.prob.loss(params, self.X, self.y)


def _to_target(ctx, prob, p0, X, y, S, lr, target, max_steps, progress, orig, p):
    """Train from p0 until the full loss <= target. -> (samples touched or None, TrainResult)."""
    from gdstudy.core import SGD, Batcher, to_backend, train
    be, n = ctx.be, X.shape[0]
    params = to_backend(be, p0)
    # with replacement every batch is S iid draws: drop the short last batch of each "epoch" of n
    # draws, which the original (n not a multiple of S) would have and the copies (kn) might not
    rep = p.sampling == "replacement"
    batcher = None if S is None else Batcher(be, n, S, replacement=rep, drop_last=rep)
    res = train(_FullLossOn(prob, *orig), params, SGD(params, lr=lr), X, y, batcher, epochs=max_steps,
                max_steps=max_steps, eval_every=1, check_every=64, target_loss=target,
                stop_at_target=True, progress=progress, cancel=ctx.cancelled)
    if res.target_step is None:
        return None, res
    return res.eval_samples[res.eval_steps.index(res.target_step)], res


def _permutation_p(a, b, rng, draws: int = 20_000):
    """Two-sided permutation p-value of mean(b) - mean(a): exact over every split when there are
    at most 20,000, else from `draws` random splits, p = (1 + #{|diff| >= observed}) / (1 + draws)
    (valid at any number of draws). Exact under the null that all 2R runs are iid (ties too)."""
    from itertools import combinations
    x = np.concatenate([a, b])
    n, r = len(x), len(b)
    obs = abs(b.mean() - a.mean())
    tol = 1e-9 * max(1.0, float(np.abs(x).max()))
    total = x.sum()
    if math.comb(n, r) <= draws:
        picks = np.array(list(combinations(range(n), r)))
        sb = x[picks].sum(1)
        diffs = np.abs(sb / r - (total - sb) / (n - r))
        return float(np.mean(diffs >= obs - tol)), f"exact permutation test over {len(picks)} splits"
    idx = np.argsort(rng.random((draws, n)), axis=1)[:, :r]
    sb = x[idx].sum(1)
    diffs = np.abs(sb / r - (total - sb) / (n - r))
    return float((1 + np.sum(diffs >= obs - tol)) / (1 + draws)), f"permutation test, {draws} random splits"


def _mean(xs):
    return float(np.mean(xs)) if xs and all(x is not None for x in xs) else math.inf


def _mean_se(xs):
    """Mean and its SE over runs; inf if any run missed the target."""
    if not xs or any(x is None for x in xs):
        return math.inf, math.nan
    a = np.asarray(xs, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1) / math.sqrt(len(a))) if len(a) > 1 else math.nan


def _result(p, out, target, loss_opt, loss0, L) -> DemoResult:
    from gdstudy.demo.stats import t_sf
    (orig, (f_o, m_o)), (dup, (f_d, m_d)) = out.items()
    missed = sum(s is None for s, _ in m_o)
    if missed:
        raise DemoError(f"{missed} of {p.runs} mini-batch runs on the original data did not reach the "
                        f"target within --max-epochs {p.max_epochs} (lr {p.lr:g}): the budget cannot "
                        "support the test; lower --lr or raise --max-epochs / --target-gap")
    full_ratio = (f_d[0] / f_o[0]) if f_o[0] and f_d[0] else math.nan
    (mo, so), (md, sd) = _mean_se([s for s, _ in m_o]), _mean_se([s for s, _ in m_d])
    ok = math.isfinite(mo) and math.isfinite(md)
    sgd_ratio = md / mo if ok else math.inf
    se_diff = math.hypot(so, sd) if ok else math.nan       # pooled: equal runs, (s_o^2 + s_d^2) / R
    df = 2 * p.runs - 2
    a_o = np.array([s for s, _ in m_o], dtype=np.float64)
    a_d = np.array([s for s, _ in m_d if s is not None], dtype=np.float64)
    t = (md - mo) / se_diff if ok and se_diff > 0 else (0.0 if ok and md == mo else math.inf)
    if ok and p.runs <= 200:
        pval, how = _permutation_p(a_o, a_d, np.random.default_rng([p.k, p.runs, int(a_o.sum())]))
    else:
        pval = min(1.0, 2 * t_sf(abs(t), df)) if math.isfinite(t) else 0.0
        how = f"t-test (t_{df})"
    S_dup = p.batch_size * (p.k if p.scale_batch else 1)
    broken = (" vs " + str(S_dup) if p.scale_batch else "") + (", lr / k on the copies" if p.lr_rule == "per-n" else "")
    verdicts = [
        Verdict(f"mini-batch (S={p.batch_size}{broken}, {p.sampling}): mean samples to target, "
                "duplicated / original", bool(pval > p.alpha), sgd_ratio, 1.0,
                f"two-sided p > alpha {p.alpha:g} ({how if ok else 'a run missed the target'})",
                f"{p.runs} runs each: {md:.0f} +- {sd:.0f} vs {mo:.0f} +- {so:.0f} samples (mean +- SE); "
                + (f"t = {t:.2f}, p = {pval:.3g}" if ok else
                   f"{sum(s is None for s, _ in m_d)} runs on the duplicated data missed the target")),
        Verdict.bookkeeping("full batch: samples to target, duplicated / original",
                            full_ratio, float(p.k),
                            f"{f_d[0]} vs {f_o[0]} samples; {f_d[1].steps} vs {f_o[1].steps} steps "
                            "(the same mean loss, the same steps, k times the rows)"),
    ]
    takeaway = (f"On the data copied {p.k}x, full-batch GD touched {full_ratio:.3g}x the samples to reach the "
                f"target, while mini-batch SGD touched {sgd_ratio:.3g}x ({md:.0f} vs {mo:.0f} on average over "
                f"{p.runs} runs)" + (": copies cost SGD nothing." if pval > p.alpha else
                                      ": SGD's cost changed, so this setting is not the plain SGD of the claim."))
    rows = []
    for j, (name, (full, mini)) in enumerate(out.items()):
        rows.append([name, "full batch", full[0], full[1].steps, full[1].steps and full[0] / full[1].steps])
        steps = [r.steps for _, r in mini]
        m, se = _mean_se([s for s, _ in mini])
        rows.append([name, f"mini-batch S={S_dup if j else p.batch_size}", m, float(np.mean(steps)), se])
    plots = [Plot("Full loss vs samples touched (first run of each)", "samples touched",
                  "loss - loss*", [_curve(f"{name}: {m}", r, loss_opt)
                                   for name, (full, mini) in out.items()
                                   for m, r in (("full batch", full[1]), ("mini-batch", mini[0][1]))],
                  logx=True, logy=True)]
    table = Table(["data", "method", "samples to target (mean)", "steps (mean)",
                   "SE / samples per step"], rows)
    notes = [f"N = {p.n}, k = {p.k} (kN = {p.k * p.n}), D = {p.dim}, cond {p.cond:g}; target loss "
             f"{target:.5g} (optimum {loss_opt:.5g}, start {loss0:.5g}); full batch lr 1/L = {1 / L:.4g}, "
             f"mini-batch lr {p.lr:g}, sampling {p.sampling}.",
             "Full batch: samples per step column; mini-batch: SE of the mean samples to target."]
    if p.sampling == "reshuffle":
        notes.append("Reshuffled epochs of the original never repeat an example within an epoch; "
                     "batches of the duplicated set can, so SGD there behaves slightly more like "
                     "sampling with replacement (a few % more samples; enough runs detect it).")
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


def _curve(name, r, loss_opt) -> Series:
    pts = [(s, l - loss_opt) for s, l in zip(r.eval_samples, r.eval_losses)
           if s > 0 and math.isfinite(l) and l > loss_opt]
    return Series(name, [s for s, _ in pts], [v for _, v in pts])


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
