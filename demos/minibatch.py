"""Full-batch GD vs SGD (S=1) vs mini-batch SGD on one least-squares problem.

Each method starts from the same weights and runs until the full loss reaches the target
(loss* + target_gap * (loss_0 - loss*), loss* from a least-squares solve) or its budget ends.
Wall-clock is the training clock of these runs (full-loss evaluations excluded, the same for all);
each method is timed `repeats` times from the same start and its fastest run counts.

    python demos/minibatch.py --help
    python demos/minibatch.py --batch-size 8
    gdstudy demo minibatch --n 20000 --backend torch
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

NAME = "minibatch"
TITLE = "Full-batch GD vs SGD vs mini-batch: updates per epoch and time to a target loss"
CLAIM = ("SGD makes N updates per epoch and full-batch GD makes 1; mini-batch SGD reaches the "
         "target loss in the least wall-clock time at the default batch size on CPU.")

PARAMS = [
    Param("n", 50_000, "number of examples N", min=1_000, max=2_000_000),
    Param("dim", 32, "number of features D", min=1, max=1_000),
    Param("batch_size", 64, "mini-batch size S", min=2, max=100_000),
    Param("cond", 100.0, "condition number of the feature covariance", min=1.0, max=1e4),
    Param("lr", 0.5, "learning rate of the mini-batch run", min=1e-6, max=10.0),
    Param("lr_sgd", 0.02, "learning rate of the S=1 run", min=1e-6, max=10.0),
    Param("target_gap", 0.005, "target = loss* + target_gap * (loss_0 - loss*)", min=1e-6, max=0.9),
    Param("max_epochs", 1000, "epoch budget per method", min=1, max=100_000),
    Param("max_seconds", 0.5, "training-time budget per method (s)", min=0.01, max=600.0),
    Param("repeats", 3, "timed runs per method, the fastest counts (robust to a busy machine)", min=1, max=20),
]


def check(p):
    if p.batch_size >= p.n:
        raise DemoError(f"--batch-size must be < --n ({p.n}) so mini-batch differs from full batch")


def run(p, ctx) -> DemoResult:
    from gdstudy.core import SGD, Batcher, LinearRegression, least_squares, make_regression, to_backend, train

    be = ctx.be
    Xh, yh, _ = make_regression(p.n, p.dim, noise=0.5, seed=ctx.seed, cond=p.cond)
    ref = least_squares(Xh, yh)                          # exact optimum and largest curvature L
    loss_opt, L = ref.loss, ref.L                        # GD is stable below 2/L
    X, y = be.asarray(Xh), be.asarray(yh)
    prob = LinearRegression(be, p.dim)
    p0 = prob.init_params(ctx.rng(1), scale=1.0)
    loss0 = float(prob.loss(to_backend(be, p0), X, y))
    target = loss_opt + p.target_gap * (loss0 - loss_opt)

    methods = [("full batch", p.n, 1.0 / L), ("SGD (S=1)", 1, p.lr_sgd),
               (f"mini-batch (S={p.batch_size})", p.batch_size, p.lr)]
    runs = []
    for k, (label, S, lr) in enumerate(methods):
        ctx.check_cancel()
        batcher = Batcher(be, p.n, S, shuffle=S < p.n)   # full batch: one contiguous slice
        updates = sum(1 for _ in batcher.epoch())        # what one epoch of this run iterates
        best = None
        for r in range(p.repeats):  # same start, same seed: only the clock differs between repeats
            params = to_backend(be, p0)
            res = train(prob, params, SGD(params, lr=lr), X, y, batcher, epochs=p.max_epochs,
                        eval_every=max(1, 256 // S), check_every=4096, target_loss=target,
                        stop_at_target=True, max_seconds=p.max_seconds,
                        progress=ctx.phase(k * p.repeats + r, 3 * p.repeats, f"{label}"), cancel=ctx.cancelled)
            if best is None or _time(res) < _time(best):
                best = res
        runs.append((label, S, lr, updates, best))
    ctx.check_cancel()
    return _result(p, runs, target, loss_opt, loss0)


def _result(p, runs, target, loss_opt, loss0) -> DemoResult:
    by_epoch, by_time, rows = [], [], []
    for label, S, lr, updates, r in runs:
        ep = [s / p.n for s in r.eval_samples]
        by_epoch.append(Series(label, ep[1:], r.eval_losses[1:]))
        by_time.append(Series(label, r.eval_times[1:], r.eval_losses[1:]))
        t = r.target_time if r.target_step is not None else math.inf
        rows.append([label, S, f"{lr:.3g}", updates, r.steps, round(r.samples_seen / p.n, 3),
                     r.final_loss, "yes" if r.target_step is not None else f"no ({r.message})",
                     t * 1e3 if math.isfinite(t) else None])
    (_, _, _, up_full, full), (_, _, _, up_sgd, sgd), (mb_label, _, _, up_mb, mb) = runs
    times = {label: _time(r) for label, _, _, _, r in runs}
    t_mb = times[mb_label]
    t_other = min(v for k, v in times.items() if k != mb_label)
    verdicts = [
        Verdict.exact("SGD (S=1) updates per epoch", up_sgd, p.n),
        Verdict.exact("full-batch updates per epoch", up_full, 1),
        Verdict.exact(f"mini-batch updates per epoch = ceil(N/S)", up_mb, math.ceil(p.n / p.batch_size)),
        Verdict(f"mini-batch reaches the target first (ms)", bool(t_mb < t_other),
                _ms(t_mb), f"< {_ms(t_other)}", None,
                "training clock of these runs; " + ", ".join(f"{k}: {_ms(v)} ms" for k, v in times.items())),
    ]
    plots = [Plot("Full loss vs epochs", "epochs (examples seen / N)", "loss", by_epoch, logx=True, logy=True),
             Plot("Full loss vs wall-clock", "training time (s)", "loss", by_time, logx=True, logy=True)]
    table = Table(["method", "S", "lr", "updates/epoch", "steps", "epochs", "final loss",
                   "reached target", "time to target (ms)"], rows)
    notes = [f"target loss {target:.5g} (optimum {loss_opt:.5g}, start {loss0:.5g}); full batch uses "
             f"lr = 1/L, the largest curvature."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


def _time(r) -> float:
    return r.target_time if r.target_step is not None else math.inf


def _ms(t: float):
    return round(t * 1e3, 3) if math.isfinite(t) else "not reached"


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
