"""The careful man and the drunk man: 2-D paths of full-batch GD and mini-batch SGD.

Two-parameter regression y = w x + b + noise with x ~ 1 + N(0, 1) (so w and b are coupled and
the loss contours are tilted ellipses). Both methods start at the same point (w0, b0). GD uses
the full batch with its best constant step 1/L; SGD uses a fresh batch of S distinct examples
every step (S = N: the full batch), --runs independent SGD runs as one array. The neighbourhood
of the minimum theta* is the disc of radius r = radius * |theta0 - theta*|. Per run:

    samples touched   steps * batch size up to the first point in the disc (GD: steps * N)
    path length       sum_t |theta_{t+1} - theta_t| up to that point
    uphill share      fraction of all steps that increase the full loss (GD on a quadratic: 0)
    spread            mean of |theta_t - theta*|^2 over the second half of the budget

GD is deterministic. The three 'SGD is worse on the way, better in samples' claims are exact
one-sided sign tests (k of R runs beat GD's value; PASS iff P(Bin(R, 1/2) >= k) <= alpha): robust
to the heavy upper tails of path lengths and entry times. 'Reaches the same neighbourhood' also
needs SGD to stay there: its stationary RMS distance sqrt(tr Sigma_inf), from the exact second-
moment recursion of SGD on least squares (gdstudy.core.spread: this data, eta, S), must be <= r;
and the runs' spread must match that theory (two-sided t-test at alpha, R - 1 dof, plus a float
rounding floor): the one test that can reject a true claim (false-FAIL alpha = --alpha).
Refused up front: GD not reaching the disc within --gd-steps, a disc GD enters in < 4 steps,
--lr-sgd where SGD's iterates are heavy-tailed (4th moment not contracting: no valid SE), and
an SGD budget too short to decide (some runs never arrive within fewer samples than GD's).

Negative controls (FAIL): --batch-size 500 (S = N: SGD is slow GD, no noise); --radius 0.005
--lr-sgd 0.15 (the disc inside SGD's noise ball: it arrives by chance but cannot stay).

    python demos/trajectory.py --help
    python demos/trajectory.py --batch-size 4 --lr-sgd 0.1
    gdstudy demo trajectory --radius 0.005 --lr-sgd 0.2   # disc smaller than the noise ball: FAIL
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
from gdstudy.demo.stats import sign_test_p, t_crit
from gdstudy.errors import DemoError

NAME = "trajectory"
TITLE = "Parameter paths of full-batch GD and mini-batch SGD over the loss contours"
CLAIM = ("On a two-parameter regression the SGD path is longer and noisier (it sometimes steps "
         "uphill) than the GD path, yet it reaches the same neighbourhood of the minimum after "
         "touching fewer samples, and its noise ball (exact SGD theory, checked against the runs) "
         "fits in that neighbourhood (sign tests over independent SGD runs).")

PARAMS = [
    Param("n", 500, "number of examples N (>= 100: with fewer, a GD step costs so few samples "
          "that SGD's ~100 steps no longer need fewer)", min=100, max=1_000_000),
    Param("noise", 0.5, "label noise std", min=0.0, max=100.0),
    Param("batch_size", 1, "SGD batch size S", min=1, max=1_000_000),
    Param("lr_sgd", 0.05, "SGD step size (GD uses 1/L)", min=1e-6, max=10.0),
    Param("gd_steps", 100, "GD step budget", min=1, max=100_000),
    Param("sgd_steps", 2000, "SGD step budget", min=1, max=1_000_000),
    Param("start_w", -1.0, "start w0 (|w0|, |b0| <= 10: from farther away SGD's noise is too small "
          "against the distance for its path to be measurably longer)", min=-10.0, max=10.0),
    Param("start_b", 2.0, "start b0", min=-10.0, max=10.0),
    Param("radius", 0.1, "neighbourhood radius as a fraction of |theta0 - theta*|", min=1e-4, max=0.5),
    Param("runs", 100, "independent SGD runs (the sample size; >= 20 for the t-tests' power and "
          "their normal-theory tails)", min=20, max=1_000_000),
    Param("alpha", 1e-3, "error rate of each test (one-sided: false PASS; spread: false FAIL)",
          min=1e-6, max=0.05),
]


GD_MIN_STEPS = 4   # a GD path of 1-3 steps is (nearly) straight: 'longer' is then not the claim


def check(p):
    if p.batch_size > p.n:
        raise DemoError(f"--batch-size must be <= --n ({p.n})")


def peak_bytes(p) -> int:
    """GD path (steps x 2), a chunk of batch indices (up to 4e6 int64 or random keys, at least
    one step's R x S or R x N), a batch of R x S gathered values, ~14 arrays of R, the data."""
    per_step = p.runs * (p.batch_size if p.batch_size ** 2 <= 4 * p.n else p.n)
    return int(8 * (2 * (p.gd_steps + 1) + 3 * max(4_000_000, per_step) + 4 * p.runs * p.batch_size
                    + 14 * p.runs + 6 * p.n + 13 * (p.sgd_steps + 1))) + (1 << 20)


def run(p, ctx) -> DemoResult:
    from gdstudy.core import SGD, Batcher, LinearRegression, least_squares, to_backend
    from gdstudy.core.spread import SgdSpread, fourth_moment_radius, largest_lr

    rng = ctx.rng(1)
    xh = 1.0 + rng.standard_normal(p.n)                   # (N,) mean 1: w and b are coupled
    yh = 2.0 * xh - 1.0 + p.noise * rng.standard_normal(p.n)
    ref = least_squares(xh, yh)
    theta_star, H, L = ref.theta, ref.hessian, ref.L      # (2,) for (w, b); (2, 2) Hessian
    be = ctx.be
    X, y = be.asarray(xh[:, None]), be.asarray(yh)        # (N, 1), (N,)
    prob = LinearRegression(be, 1)
    theta0 = np.array([p.start_w, p.start_b])
    r = p.radius * float(np.linalg.norm(theta0 - theta_star))
    params = to_backend(be, {"w": theta0[:1], "b": np.array(theta0[1])})
    gd_path = _path(be, prob, params, SGD(params, lr=1.0 / L), X, y, Batcher(be, p.n, p.n, shuffle=False),
                    p.gd_steps, ctx, ctx.phase(0, 2, "GD"))
    thr = uphill_threshold(theta0, theta_star, H, ctx.dtype)
    gd = _metrics(gd_path, p.n, theta_star, H, r, thr)
    if not gd["reached"]:
        raise DemoError(f"--gd-steps {p.gd_steps}: GD does not reach the disc (radius {r:.3g}) within its "
                        f"budget, so there is nothing to compare; use --gd-steps >= {_gd_needs(theta0 - theta_star, H, L, r)}")
    A = np.c_[xh, np.ones(p.n)]
    spread = SgdSpread(A, A @ theta_star - yh, H, p.lr_sgd, p.batch_size)
    inside = spread.stationary <= r * r                       # else the noise ball FAILs: decided
    if gd["step"] < GD_MIN_STEPS and inside:
        raise DemoError(f"--radius {p.radius:g}: GD enters the disc in {gd['step']} step(s), too few for its path "
                        f"to compare with SGD's; use a smaller --radius (GD needs >= {GD_MIN_STEPS} steps)")
    if p.batch_size < p.n and fourth_moment_radius(A, p.lr_sgd) >= 1:
        raise DemoError(f"--lr-sgd {p.lr_sgd:g}: at this step SGD's squared distance is heavy-tailed (its "
                        f"4th moment grows), so a mean over runs has no valid standard error; use --lr-sgd "
                        f"<= {0.98 * largest_lr(A):.3g} (valid for any batch size on this data)")
    sgd = _sgd_runs(be, p, xh, yh, theta0, theta_star, H, r, thr, ctx, ctx.phase(1, 2, f"SGD x {p.runs}"))
    missed = int((~sgd["reached"]).sum())
    if missed and inside and p.sgd_steps * p.batch_size < gd["samples"]:
        need = -(-gd["samples"] // p.batch_size)
        raise DemoError(f"--sgd-steps {p.sgd_steps}: {missed} of {p.runs} SGD runs did not reach the disc within "
                        f"{p.sgd_steps * p.batch_size} samples, fewer than GD's {gd['samples']}: undecided; "
                        f"use --sgd-steps >= {need}")
    return _result(p, gd_path, gd, sgd, theta_star, H, theta0, r, 1.0 / L, spread, ctx)


def _gd_needs(d0, H, L, r, limit: int = 10_000_000) -> int:
    """Steps GD with step 1/L needs from theta* + d0 to enter the disc of radius r."""
    G = np.eye(2) - H / L
    d, t = np.asarray(d0, dtype=np.float64), 0
    while float(d @ d) > r * r and t < limit:
        d, t = G @ d, t + 1
    return t


def _path(be, prob, params, opt, X, y, batcher, steps, ctx, progress):
    """Run `steps` updates; return the visited points (steps + 1, 2) as float64 on the host."""
    path = np.empty((steps + 1, 2))
    path[0] = _point(be, params)
    t = 0
    while t < steps:
        for idx in batcher.epoch():
            _, grads = prob.loss_and_grad(params, X[idx], y[idx])
            opt.step(grads)
            t += 1
            path[t] = _point(be, params)
            if t % 256 == 0:
                ctx.check_cancel()
                progress(t, steps)
            if t == steps:
                break
    progress(steps, steps)
    return path


def _point(be, params):
    return (float(be.to_numpy(params["w"]).reshape(-1)[0]), float(be.to_numpy(params["b"]).reshape(-1)[0]))


def uphill_threshold(theta0, theta_star, H, dtype) -> float:
    """A loss increase counts as an uphill step only above 64 ulps of the starting loss gap:
    rounding of a converged float32 iterate is not noise."""
    d0 = np.asarray(theta0) - theta_star
    eps = float(np.finfo(np.float32 if dtype == "float32" else np.float64).eps)
    return 64 * eps * 0.5 * float(d0 @ H @ d0)


def _metrics(path, S, theta_star, H, r, thr=0.0):
    """Up to the first point inside the disc: entry step, samples, path length, uphill share;
    and the uphill share over the whole path (increases above thr)."""
    d = path - theta_star                                 # (T+1, 2)
    dist = np.sqrt((d * d).sum(1))
    gap = 0.5 * np.einsum("ti,ij,tj->t", d, H, d)         # full loss - loss*, exact for a quadratic
    inside = np.flatnonzero(dist <= r)
    k = int(inside[0]) if inside.size else len(path) - 1
    steps = np.diff(path[: k + 1], axis=0)                # (k, 2)
    return {"reached": bool(inside.size), "step": k, "samples": k * S,
            "length": float(np.sqrt((steps * steps).sum(1)).sum()),
            "uphill": float((np.diff(gap[: k + 1]) > 0).mean()) if k else 0.0, "dist": dist,
            "uphill_all": float((np.diff(gap) > thr).mean()) if len(gap) > 1 else 0.0}


def _sgd_runs(be, p, xh, yh, theta0, theta_star, H, r, thr, ctx, progress) -> dict:
    """R independent SGD runs at once for the whole budget; each step draws a fresh batch of S
    distinct examples per run (S = N: the full batch). Per run (host arrays (R,)): entry step
    (0: never), path length up to the entry, the share of uphill steps over the whole run (GD on
    a quadratic never steps uphill), the mean of |theta_t - theta*|^2
    over the second half of the budget (t = W..T); and run 0's path for the plot."""
    from gdstudy.core.batching import distinct_batches
    R, n, S, T = p.runs, p.n, p.batch_size, p.sgd_steps
    rng = ctx.rng(2)
    xv, yv = be.asarray(xh), be.asarray(yh)               # (N,)
    ts = [float(v) for v in theta_star]
    h = [[float(v) for v in row] for row in H]
    w = be.asarray(np.full(R, theta0[0]))                 # (R,) one parameter pair per run
    b = be.asarray(np.full(R, theta0[1]))

    def gap(w, b):                                         # (R,) full loss - loss*
        dw, db = w - ts[0], b - ts[1]
        return 0.5 * (h[0][0] * dw * dw + 2 * h[0][1] * dw * db + h[1][1] * db * db)

    g_old = gap(w, b)
    length, uphill, late = be.zeros(R), be.zeros(R), be.zeros(R)
    entry = be.zeros(R)                                    # step at which the run entered, 0 = not yet
    active = be.asarray(np.ones(R))                        # 1.0 until the run enters the disc
    W = window_start(T)
    path = [(float(theta0[0]), float(theta0[1]))]
    full = S == n
    with np.errstate(over="ignore", invalid="ignore"):
        for t, idx in enumerate(distinct_batches(rng, R, n, S, T), 1):
            if full:
                xb, yb = xv[None, :], yv[None, :]
            else:
                idx = be.asarray(idx)
                xb, yb = xv.take(idx), yv.take(idx)        # (R, s) this step's batch of each run
            res = w[:, None] * xb + b[:, None] - yb        # (R, s) residuals
            w_new = w - p.lr_sgd * (res * xb).mean(1)
            b_new = b - p.lr_sgd * res.mean(1)
            dw, db = w_new - w, b_new - b
            g_new = gap(w_new, b_new)
            length = length + active * be.sqrt(dw * dw + db * db)
            uphill = uphill + (g_new > g_old + thr)           # over the whole run
            dist2 = (w_new - ts[0]) ** 2 + (b_new - ts[1]) ** 2
            if t >= W:
                late = late + dist2
            now_in = active * (dist2 <= r * r)
            entry = entry + now_in * t
            active = active - now_in
            w, b, g_old = w_new, b_new, g_new
            path.append((float(w[0]), float(b[0])))
            if t % 64 == 0:
                ctx.check_cancel()
                progress(t, T)
    progress(T, T)
    host = lambda v: be.to_numpy(v).astype(np.float64)  # noqa: E731
    entry, length, uphill, late = host(entry), host(length), host(uphill), host(late)
    return {"entry": entry, "reached": entry > 0, "length": length, "uphill": uphill / max(T, 1),
            "samples": np.where(entry > 0, entry * S, np.inf), "path": np.asarray(path), "steps_run": T,
            "late": late / (T - W + 1), "window": (W, T)}


def window_start(T: int) -> int:
    """First step of the second half of a budget of T steps (the spread window W..T)."""
    return T - T // 2


def _greater(name, values, ref, alpha, what, detail="") -> Verdict:
    """One-sided sign test: k of R runs have a value > ref (ties do not count); under the null
    'not greater' (P(value > ref) <= 1/2) k is at most Binomial(R, 1/2), so PASS iff
    P(Bin(R, 1/2) >= k) <= alpha. Exact at any R and robust to the heavy upper tails of path
    lengths, where a t-test's SE (inflated by a few long runs) would lose its power."""
    v = np.asarray(values, dtype=np.float64)
    k, R = int(np.sum(v > ref)), len(v)
    pval = sign_test_p(k, R)
    need = _smallest_count(R, alpha)
    finite = v[np.isfinite(v)]
    m = float(finite.mean()) if finite.size == R else (float(np.mean(v)) if R else math.nan)
    return Verdict(name, bool(pval <= alpha), m, f"{what} {ref:.4g}",
                   f">= {need} of {R} runs {what} (sign test, alpha {alpha:g})" if need is not None
                   else f"no count of {R} runs reaches alpha {alpha:g}",
                   f"{k} of {R} runs {what} GD's {ref:.4g}, p = {pval:.3g}" + (f"; {detail}" if detail else ""))


def _smallest_count(R: int, alpha: float):
    """The smallest k with P(Bin(R, 1/2) >= k) <= alpha (bisection; the tail falls with k)."""
    if sign_test_p(R, R) > alpha:
        return None
    lo, hi = 0, R                        # p(lo) > alpha >= p(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if sign_test_p(mid, R) <= alpha else (mid, hi)
    return hi


def _spread_verdicts(p, sgd, spread, theta0, theta_star, r, dtype):
    """The noise ball. Theory: E|theta_t - theta*|^2 exactly (gdstudy.core.spread) for this data,
    eta, S and start. (1) the runs' mean over t = W..T against the theory's mean over the same
    steps, two-sided t-test at alpha, tolerance + a rounding floor; (2) the claim 'reaches the
    same neighbourhood' needs the stationary RMS distance sqrt(tr Sigma_inf) <= r."""
    W, T = sgd["window"]
    late = sgd["late"]
    R = len(late)
    expect = spread.window_mean(theta0 - theta_star, W, T)
    m = float(np.mean(late))
    se = float(np.std(late, ddof=1) / np.sqrt(R)) if np.isfinite(late).all() else math.nan
    tc = t_crit(p.alpha / 2, R - 1)
    eps = float(np.finfo(np.float32 if dtype == "float32" else np.float64).eps)
    # float rounding: an update below half an ulp of theta is lost, so SGD can stall within
    # |delta| ~ eps |theta| / (2 eta lambda_min) of theta* (x 2 margin, squared)
    lam = float(spread.lam_min)
    floor = (eps * (float(np.abs(theta_star).max()) + 1.0) / (p.lr_sgd * lam)) ** 2
    ok = bool(np.isfinite(m) and np.isfinite(expect) and abs(m - expect) <= tc * se + floor)
    tz = abs(m - expect) / se if se > 0 else (0.0 if m == expect else math.inf)
    rho = math.sqrt(spread.stationary) if math.isfinite(spread.stationary) else math.inf
    fit = Verdict(f"mean |theta_t - theta*|^2 over steps {W}..{T} (mean over runs) = exact SGD theory",
                  ok, m, round(expect, 6) if math.isfinite(expect) else expect,
                  f"{tc:.2f} SE + rounding {floor:.2g} = {tc * se + floor:.3g} (alpha {p.alpha:g}, two-sided t, "
                  f"{R - 1} dof)", f"t = {tz:.2f}, SE {se:.3g}; theory: second moment of SGD with "
                  f"eta {p.lr_sgd:g}, S={p.batch_size}, this data's residuals and curvature")
    stay = Verdict(f"SGD's noise ball fits the disc: stationary RMS distance <= radius {r:.3g}",
                   bool(rho <= r), round(rho, 6) if math.isfinite(rho) else rho, f"<= {r:.4g}", None,
                   f"theory sqrt(tr Sigma_inf) = {rho:.4g}; measured RMS over steps {W}..{T}: "
                   f"{math.sqrt(max(m, 0.0)):.4g}" + ("" if rho <= r else
                   "; the disc is smaller than where SGD keeps wandering: raise --radius or lower --lr-sgd"))
    return [fit, stay], rho, m


def _result(p, gd_path, gd, sgd, theta_star, H, theta0, r, gd_lr, spread, ctx) -> DemoResult:
    R = p.runs
    reached = int(sgd["reached"].sum())
    neg_samples = -sgd["samples"]
    verdicts = [
        Verdict.bookkeeping(f"GD enters the disc of radius {r:.3g} within {p.gd_steps} steps",
                            "yes" if gd["reached"] else "no", "yes", "deterministic full-batch GD"),
        _greater("SGD path length up to entering the disc > GD's (runs, sign test)", sgd["length"],
                 gd["length"], p.alpha, ">", f"ratio {sgd['length'].mean() / gd['length']:.2f}"),
        _greater(f"uphill-step share over {p.sgd_steps} steps, SGD > GD's (noisier; runs, sign test)", sgd["uphill"],
                 gd["uphill_all"], p.alpha, ">", f"GD {gd['uphill_all']:.3f} over its {p.gd_steps} steps"),
        _greater("samples touched to enter the disc: GD's minus SGD's > 0 (runs, sign test)",
                 gd["samples"] + neg_samples, 0.0, p.alpha, ">",
                 f"{reached} of {R} SGD runs entered within {p.sgd_steps} steps; GD {gd['samples']} "
                 f"= {gd['step']} x {p.n}; SGD mean {np.mean(sgd['samples']):.4g}"),
    ]
    ball, rho, late = _spread_verdicts(p, sgd, spread, theta0, theta_star, r, ctx.dtype)
    verdicts += ball
    m_sgd = {"step": float(np.mean(sgd["entry"])), "samples": float(np.mean(sgd["samples"])),
             "length": float(np.mean(sgd["length"])), "uphill": float(np.mean(sgd["uphill"]))}
    rows = [["GD", p.n, gd_lr, gd["step"] if gd["reached"] else "not reached", gd["samples"],
             gd["length"], gd["uphill"]],
            [f"SGD (S={p.batch_size}), mean of {R}", p.batch_size, p.lr_sgd,
             m_sgd["step"] if reached == R else f"{reached} of {R} reached", m_sgd["samples"],
             m_sgd["length"], m_sgd["uphill"]]]
    table = Table(["method", "S", "lr", "steps to disc", "samples touched", "path length",
                   "uphill share"], rows)
    one = sgd["path"]
    k1 = int(sgd["entry"][0]) if sgd["reached"][0] else len(one) - 1
    d1 = np.sqrt(((one - theta_star) ** 2).sum(1))
    plots = [Plot("Paths over the loss contours (GD, SGD run 0)", "w", "b",
                  _contours(theta_star, H, theta0, r)
                  + [_path_series("GD", gd_path, gd),
                     _path_series(f"SGD (S={p.batch_size})", one,
                                  {"reached": bool(sgd["reached"][0]), "step": k1})]),
             Plot("Distance to the minimum vs samples touched", "samples touched", "|theta - theta*|",
                  [Series("GD", (np.arange(1, len(gd["dist"])) * p.n).tolist(), gd["dist"][1:].tolist()),
                   Series(f"SGD run 0 (S={p.batch_size})", (np.arange(1, len(d1)) * p.batch_size).tolist(),
                          d1[1:].tolist()),
                   Series(f"radius {r:.3g}", [1, p.gd_steps * p.n], [r, r])], logx=True, logy=True)]
    notes = [f"minimum theta* = (w {theta_star[0]:.4g}, b {theta_star[1]:.4g}); start (w {theta0[0]:g}, "
             f"b {theta0[1]:g}); Hessian eigenvalues {np.linalg.eigvalsh(H).round(3).tolist()}; "
             f"GD step 1/L = {gd_lr:.3g}. Paths are drawn up to twice the entry step.",
             f"{R} independent SGD runs, a fresh batch of {p.batch_size} distinct examples every step; "
             f"one-sided t-tests at alpha {p.alpha:g} (their false-PASS rate); the spread test is the one "
             f"that can reject a true claim (false-FAIL alpha {p.alpha:g})."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes,
                      takeaway=_takeaway(p, gd, sgd, verdicts, rho, late, r))


def _takeaway(p, gd, sgd, verdicts, rho, late, r) -> str:
    """One plain sentence from this run's numbers."""
    ratio = float(np.mean(sgd["length"])) / gd["length"] if gd["length"] > 0 else math.inf
    up = float(np.mean(sgd["uphill"]))
    samples = float(np.mean(sgd["samples"]))
    reached = int(sgd["reached"].sum())
    if reached < p.runs:
        return (f"Only {reached} of {p.runs} SGD runs reached the disc within {p.sgd_steps} steps, so SGD did "
                f"not get there with fewer samples than GD's {gd['samples']}.")
    if not verdicts[-1].passed:
        return (f"SGD reached the disc of radius {r:.3g} but cannot stay in it: its noise ball has RMS radius "
                f"{rho:.3g} (measured {math.sqrt(max(late, 0.0)):.3g}) at step size {p.lr_sgd:g}.")
    if all(v.passed for v in verdicts):
        return (f"SGD's path was {ratio:.1f}x longer than GD's and went uphill on {up:.0%} of its steps, yet it "
                f"reached the disc after {samples:.0f} samples on average against GD's {gd['samples']}, and it "
                f"keeps wandering within RMS {rho:.3g} of the minimum (disc radius {r:.3g}).")
    failed = next(v for v in verdicts if not v.passed)
    return (f"SGD's path was {ratio:.2f}x GD's length with {up:.0%} uphill steps and {samples:.0f} samples to "
            f"the disc against GD's {gd['samples']}: the check '{failed.name}' failed.")


def _contours(theta_star, H, theta0, r, levels: int = 5, points: int = 80):
    """Level sets 0.5 (theta - theta*)^T H (theta - theta*) = c as closed curves, c from the
    start's level down by factors of 4; and the neighbourhood circle."""
    vals, vecs = np.linalg.eigh(H)
    t = np.linspace(0, 2 * np.pi, points)
    circle = np.stack([np.cos(t), np.sin(t)])             # (2, points)
    d0 = theta0 - theta_star
    c0 = 0.5 * d0 @ H @ d0
    out = []
    for k in range(levels):
        # theta = theta* + V diag(sqrt(2c / lambda)) [cos t, sin t] has loss gap exactly c
        pts = theta_star[:, None] + vecs @ (np.sqrt(2 * c0 / 4 ** k / vals)[:, None] * circle)
        out.append(Series("", pts[0].tolist(), pts[1].tolist()))
    disc = theta_star[:, None] + r * circle
    out.append(Series(f"disc r={r:.2g}", disc[0].tolist(), disc[1].tolist()))
    return out


def _path_series(label, path, mm) -> Series:
    end = min(len(path), 2 * mm["step"] + 1) if mm["reached"] else len(path)
    return Series(label, path[:end, 0].tolist(), path[:end, 1].tolist())


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
