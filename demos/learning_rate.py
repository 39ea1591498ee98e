"""Gradient descent converges iff the step size is below 2/L (L = the largest curvature).

The function is the core's 2-D quadratic f = 0.5 (x^2 + L y^2): curvatures mu = 1 and L. GD
multiplies each coordinate by (1 - eta * curvature) per step, so it converges iff
|1 - eta L| < 1, i.e. eta < 2/L. Everything here is deterministic (a fixed start, no data): each
check is exact or within a stated numerical bound, so no false FAIL is expected at any setting.
  Four runs (too small, good 2/(L+mu), just under and just over 2/L): each outcome (converges /
  diverges) compared exactly with "eta < 2/L". A budget too short for the just-over run to end
  above its start is refused up front, naming the smallest --steps that can show it.
  The threshold: eta doubles from 1e-3 until a K-step trial (K = --bisect-steps) ends above its
  starting loss, then bisection until the bracket is --bisect-rel wide. A K-step trial finds not
  2/L but the exact K-step threshold eta_K (where x0^2 (1-eta)^2K + L y0^2 (eta L-1)^2K equals
  the start; about ln(R)/(4K) above 2/L: 0.025 % at K = 200, 0.93 % at K = 5), computed in
  float64; the check is |midpoint - eta_K| <= bracket width + 16 eps x eta_K (eta's cast to the
  dtype and the loss's rounding near the crossing).
  Too small is slow, by exactly the predicted amount: the steps to loss <= tol x start of the
  too-small and the good run equal the exact first passage of the closed form (None: not within
  the budget), within a round-off bound of a few steps (computed per run).
Negative controls (FAIL at the default and at 10x): --theory 1/L (the common wrong answer),
--theory 2/(L+mu) (the best step taken for the threshold), --trial blow-up (a trial counts as
diverged only once the loss passes 1e6 x the start, the bug of testing for overflow: the
threshold comes out 1.8 % high).

    python demos/learning_rate.py --help
    python demos/learning_rate.py --curvature 50
    gdstudy demo learning-rate --theory 1/L
"""

import math
import sys
from pathlib import Path

try:
    import gdstudy.demo  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gdstudy.demo import DemoResult, Param, Plot, Series, Table, Verdict, run_standalone
from gdstudy.errors import DemoError

NAME = "learning-rate"
TITLE = "Step size: converges iff eta < 2/L; the bisected threshold; too small is slow by the predicted amount"
CLAIM = ("GD on a quadratic with largest curvature L converges iff eta < 2/L; the divergence "
         "threshold found by bisection equals 2/L (moved by the exact offset of a finite trial) within "
         "the bisection's resolution; a too-small step needs the predicted, many more steps.")

PARAMS = [
    Param("curvature", 10.0, "largest curvature L (the other curvature is mu = 1)", min=1.5, max=1e4),
    Param("small", 0.05, "the too-small step as a fraction of 2/L", min=1e-4, max=0.5),
    Param("under", 0.97, "the just-under step as a fraction of 2/L", min=0.5, max=0.9999),
    Param("over", 1.03, "the just-over step as a fraction of 2/L", min=1.0001, max=2.0),
    Param("tol", 1e-6, "converged: loss <= tol * starting loss", min=1e-12, max=0.1),
    Param("steps", 3000, "step budget of each of the four runs", min=10, max=1_000_000),
    Param("bisect_steps", 200, "steps of each bisection trial", min=5, max=20_000),
    Param("bisect_rel", 2e-3, "stop bisecting when the bracket is this narrow (relative); the "
          "threshold check's tolerance is the final bracket width", min=1e-9, max=0.5),
    Param("theory", "2/L", "threshold the runs are checked against (1/L and 2/(L+mu) are wrong "
          "answers: negative controls)", choices=("2/L", "1/L", "2/(L+mu)")),
    Param("trial", "above-start", "when a bisection trial counts as diverged: its loss ends above the "
          "start, or 'blow-up': only once the loss passes 1e6 x the start (a negative control: the "
          "common bug of testing only for overflow)", choices=("above-start", "blow-up")),
]

START = (-1.5, 1.0)   # (flat x, steep y)


def check(p):
    if p.small * 2 / p.curvature >= 2 / (p.curvature + 1):
        raise DemoError("--small must give a step below the good step 2/(L+1)")
    need = steps_to_show_divergence(p.curvature, p.over * 2 / p.curvature)
    if p.steps < need:
        raise DemoError(f"--steps {p.steps} is too few for the just-over run at --over {p.over:g} to end "
                        f"above its starting loss: the smallest --steps that can show it is {need}")


def loss_ratio(L: float, eta: float, t: int) -> float:
    """loss_t / loss_0 of GD from START on 0.5 (x^2 + L y^2), closed form in float64 (logs, no overflow)."""
    x2, ly2 = START[0] ** 2, L * START[1] ** 2
    def term(c, r):
        return -math.inf if r == 0 else math.log(c) + 2 * t * math.log(abs(r))
    a, b = term(x2, 1 - eta), term(ly2, 1 - eta * L)
    top = max(a, b)
    lr = top + math.log(math.exp(a - top) + math.exp(b - top)) - math.log(x2 + ly2)
    return math.exp(min(lr, 700.0))


def steps_to_show_divergence(L: float, eta: float, margin: float = 1e-3) -> int:
    """The fewest steps after which the loss of GD at eta > 2/L is above (1 + margin) x its
    start (the margin covers float32 round-off of the loss): a smaller budget cannot show it."""
    lo, hi = 1, 1
    while loss_ratio(L, eta, hi) <= 1 + margin:
        lo, hi = hi, 2 * hi
        if hi > 1 << 40:
            return hi
    while lo < hi:                      # the ratio grows with t once it is above 1
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if loss_ratio(L, eta, mid) <= 1 + margin else (lo, mid)
    return lo


def first_passage(L: float, eta: float, tol: float, budget: int):
    """The first step t <= budget at which the exact loss is <= tol x start (None: not within the
    budget); the loss of a converging run falls monotonically, so bisection on t."""
    if loss_ratio(L, eta, budget) > tol:
        return None
    lo, hi = 0, budget
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if loss_ratio(L, eta, mid) > tol else (lo, mid)
    return lo


def passage_slack(L: float, eta: float, t: int, eps: float) -> int:
    """Steps by which round-off can move the first passage at step ~t: each GD step rounds the
    product, the step and the difference (and eta is cast to the dtype), so a coordinate is off
    by at most t u (1 + 3 eta lam / |1 - eta lam|) relative, the loss by twice that plus 3 u
    (u = eps/2); the loss falls by q = max|1 - eta lam|^2 a step, so a relative error d moves
    the crossing by at most ceil(d / -ln q) + 1 steps (an axis faster than the slowest is
    measured against the slowest axis' factor)."""
    u = eps / 2
    r = max(abs(1 - eta), abs(1 - eta * L))           # the slowest axis' factor
    # an axis that contracts faster than the slowest one (e.g. 1 - eta lam = 0 at eta = 1/lam)
    # carries its rounding into the loss only relative to the slowest axis' size: r, not |1 - eta lam|
    c = max(1 + 3 * eta * lam / max(abs(1 - eta * lam), r) for lam in (1.0, L))
    d = 2 * t * c * u + 3 * u
    return math.ceil(d / -math.log(r * r)) + 1


def peak_bytes(p) -> int:
    """Loss histories of the four runs (Python floats, ~40 bytes a step) and one bisection trial."""
    return int(4 * 40 * (p.steps + 1) + 40 * (p.bisect_steps + 1) + 16e6)


def horizon_threshold(L: float, K: int) -> float:
    """The exact eta at which K steps from START end at the starting loss (float64 bisection on
    x0^2 (1-eta)^2K + L y0^2 (eta L - 1)^2K = x0^2 + L y0^2, in logs): the threshold a K-step
    trial can find; it lies above 2/L and tends to it as K grows."""
    x2, ly2 = START[0] ** 2, L * START[1] ** 2
    def above(eta):
        flat = x2 * abs(1 - eta) ** (2 * K)
        need = x2 + ly2 - flat
        return need <= 0 or 2 * K * math.log(eta * L - 1) + math.log(ly2) > math.log(need)
    lo, hi = 2 / L, 2 / L * 1.5
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if above(mid) else (mid, hi)
    return 0.5 * (lo + hi)


def run(p, ctx) -> DemoResult:
    import numpy as np
    L, mu = p.curvature, 1.0
    eps = float(np.finfo(ctx.dtype).eps)
    if p.small * 2 / L <= 8 * eps:      # x - eta x rounds back to x: the flat coordinate cannot move
        raise DemoError(f"--small {p.small:g} gives a step {p.small * 2 / L:.3g} below {ctx.dtype}'s "
                        f"resolution (8 eps = {8 * eps:.3g}): the smallest --small at --curvature {L:g} "
                        f"is {8 * eps * L / 2 * 1.01:.3g}")
    steps = [("too small", p.small * 2 / L), ("good: 2/(L+mu)", 2 / (L + mu)),
             ("just under 2/L", p.under * 2 / L), ("just over 2/L", p.over * 2 / L)]
    runs = []
    for k, (label, eta) in enumerate(steps):
        ctx.check_cancel()
        runs.append((label, eta, _gd(ctx, L, eta, p.steps, p.tol, ctx.phase(k, 5, label))))
    thr, bracket, trace = _bisect(ctx, p)
    ctx.check_cancel()
    return _result(p, runs, thr, bracket, trace, eps)


def _gd(ctx, L, eta, steps, tol=None, progress=None):
    """GD from START for up to `steps` steps; stops at loss <= tol * loss_0 (if tol)."""
    from gdstudy.core import SGD, make_function, to_backend, train
    f = make_function(ctx.be, "quadratic", kappa=L)
    params = to_backend(ctx.be, f.init_params(start=START))
    loss0 = 0.5 * (START[0] ** 2 + L * START[1] ** 2)
    return train(f, params, SGD(params, lr=eta), max_steps=steps,
                 eval_every=1 if tol else 0, check_every=64,
                 target_loss=tol * loss0 if tol else None, stop_at_target=tol is not None,
                 progress=progress, cancel=ctx.cancelled)


def _diverges(ctx, p, eta) -> bool:
    """The bisection's test: is the loss after bisect_steps steps above the starting loss?
    (--trial blow-up: only once it passed 1e6 x the start, the core's blow-up limit.)"""
    r = _gd(ctx, p.curvature, eta, p.bisect_steps)
    if p.trial == "blow-up":
        return r.diverged
    return r.diverged or not r.final_loss <= r.eval_losses[0]


def _bisect(ctx, p):
    """Double eta from 1e-3 until a trial diverges, then bisect.
    -> (threshold = bracket midpoint, (lo, hi), [(eta, diverged)])."""
    lo, hi, trace = 0.0, 1e-3, []
    while True:
        ctx.check_cancel()
        d = _diverges(ctx, p, hi)
        trace.append((hi, d))
        if d:
            break
        lo, hi = hi, 2 * hi
    while (hi - lo) / hi > p.bisect_rel:
        ctx.check_cancel()
        mid = 0.5 * (lo + hi)
        d = _diverges(ctx, p, mid)
        trace.append((mid, d))
        lo, hi = (lo, mid) if d else (mid, hi)
        ctx.report(4000 + min(999, 40 * len(trace)), 5000, "bisection")
    return 0.5 * (lo + hi), (lo, hi), trace


def _outcome(r) -> tuple:
    """-> (outcome for the verdict, text for the table). A run that has not reached the
    tolerance within the budget converges if its loss is still falling: the last loss is below
    the loss halfway through (and the start)."""
    if r.target_step is not None:
        return "converges", "converges"
    losses = r.eval_losses
    if r.diverged or not losses[-1] <= losses[0]:
        return "diverges", "diverges"
    if losses[-1] < losses[len(losses) // 2]:
        return "converges", f"converging (tol not reached in {r.steps} steps)"
    return "stalls", "stalls"


def _theory(p) -> float:
    L = p.curvature
    return {"2/L": 2 / L, "1/L": 1 / L, "2/(L+mu)": 2 / (L + 1)}[p.theory]


def _result(p, runs, thr, bracket, trace, eps: float = 2.0 ** -23) -> DemoResult:
    L, mu = p.curvature, 1.0
    theory = _theory(p)
    verdicts, rows, series = [], [], []
    for label, eta, r in runs:
        rate = max(abs(1 - eta * mu), abs(1 - eta * L))     # per-step factor of the slowest axis
        expected = "converges" if eta < theory else "diverges"
        verdicts.append(Verdict.exact(f"{label} (eta = {eta:.4g} = {eta * L / 2:.3g} x 2/L)",
                                      _outcome(r)[0], expected, f"theory: converges iff eta < {p.theory}"))
        pred = first_passage(L, eta, p.tol, p.steps) if rate < 1 else None
        rows.append([label, eta, eta * L / 2, rate, r.target_step, pred, r.final_loss, _outcome(r)[1]])
        keep = [(s, v) for s, v in zip(r.eval_steps, r.eval_losses) if math.isfinite(v)]
        series.append(Series(label, [s for s, _ in keep], [v for _, v in keep]))
    lo, hi = bracket
    eta_k = horizon_threshold(L, p.bisect_steps)              # what a K-step trial can find for 2/L
    expected_thr = theory * eta_k * L / 2                     # the theory, moved by the same K-step offset
    width = hi - lo
    num = 16 * eps * expected_thr                             # eta's cast to the dtype and the loss's rounding
    verdicts.append(Verdict("divergence threshold by bisection (eta)",
                            bool(abs(thr - expected_thr) <= width + num), thr, expected_thr,
                            f"{width + num:.3g} (bracket width, {width / expected_thr:.2g} relative, + 16 eps)",
                            f"expected = {p.theory} x (1 + {eta_k * L / 2 - 1:.3%}), the offset of a "
                            f"{p.bisect_steps}-step trial (computed exactly); {len(trace)} trials, bracket "
                            f"[{lo:.6g}, {hi:.6g}]; ratio to 2/L {thr * L / 2:.5f}"))
    checks = []
    for (label, eta, r), row in zip(runs[:2], rows[:2]):
        pred = row[5]
        slack = passage_slack(L, eta, pred if pred is not None else p.steps, eps)
        meas = r.target_step
        ok = (meas is None and (pred is None or pred + slack > p.steps)) or \
             (meas is not None and ((pred is not None and abs(meas - pred) <= slack) or
                                    (pred is None and meas + slack > p.steps)))
        checks.append((label, meas, pred, slack, ok))
    verdicts.append(Verdict(
        "steps to loss <= tol x start [too small, good] vs the exact count",
        all(c[4] for c in checks), [c[1] for c in checks], [c[2] for c in checks],
        "+-[" + ", ".join(str(c[3]) for c in checks) + "] steps (round-off bound)",
        f"None = not within the {p.steps}-step budget; exact count from 0.5 (x0^2 (1-eta)^2t + L y0^2 "
        f"(1-eta L)^2t) in float64; the too-small step contracts the flat axis only x{1 - runs[0][1]:.6g} a step"))
    plots = [Plot("Loss vs step at four step sizes", "step", "loss", series, logy=True),
             Plot("Bisection: step size of each trial (doubling, then halving the bracket)", "trial", "eta",
                  [Series("eta", list(range(1, len(trace) + 1)), [e for e, _ in trace]),
                   Series("2/L", [1, len(trace)], [2 / L, 2 / L])], logy=True)]
    table = Table(["run", "eta", "eta / (2/L)", "rate max|1-eta*lam|", "steps to tol",
                   "exact steps to tol", "final loss", "outcome"], rows)
    notes = [f"f = 0.5 (x^2 + L y^2), L = {L:g}, mu = 1, start {START}; converged = loss <= "
             f"{p.tol:g} x start within {p.steps} steps.",
             f"bisection: {len(trace)} trials; threshold {thr:.6g} vs 2/L = {2 / L:.6g} "
             f"(trial diverged = {'loss above 1e6 x the start' if p.trial == 'blow-up' else 'loss after ' + str(p.bisect_steps) + ' steps above the start'})."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes,
                      takeaway=_takeaway(p, runs, thr, checks, verdicts))


def _takeaway(p, runs, thr, checks, verdicts) -> str:
    L = p.curvature
    under, over = _outcome(runs[2][2])[0], _outcome(runs[3][2])[0]
    (_, s_small, *_), (_, s_good, *_) = checks
    def n(s):
        return f"{s} steps" if s is not None else f"more than {p.steps} steps"
    slow = f"the step {p.small:g} x 2/L needed {n(s_small)} to reach the tolerance where 2/(L+1) needed {n(s_good)}"
    head = (f"A step {p.under:g} x 2/L {under} and {p.over:g} x 2/L {over}, bisection put the threshold at "
            f"{thr * L / 2:.4f} x 2/L, and {slow}")
    return head + (", as the card says." if all(v.passed for v in verdicts) else
                   "; the FAIL lines below say what did not match.")


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
