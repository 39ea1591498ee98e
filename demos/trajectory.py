"""The careful man and the drunk man: 2-D paths of full-batch GD and mini-batch SGD.

Two-parameter regression y = w x + b + noise with x ~ 1 + N(0, 1) (so w and b are coupled and
the loss contours are tilted ellipses). Both methods start at the same point (w0, b0). GD uses
the full batch with its best constant step 1/L; SGD uses batches of S examples (reshuffled every
epoch), --runs independent SGD runs as one array. The neighbourhood of the minimum theta* is the
disc of radius r = radius * |theta0 - theta*|. Up to the first step inside it we measure, for GD
and for every SGD run:

    samples touched   steps * batch size (GD: steps * N)
    path length       sum_t |theta_{t+1} - theta_t|
    uphill share      fraction of steps that increase the full loss (GD on a quadratic: 0)

GD is deterministic (its numbers are exact). Each SGD claim is a one-sided z-test of the mean
over the runs against GD's value with the runs' own SE (sd / sqrt(runs)), null = "not longer",
"not noisier", "not fewer samples"; PASS iff the null is rejected at --alpha. The negative
control S = N (every batch is the whole data set: SGD is slow GD, no noise) FAILs at any number
of runs: no uphill steps, more samples.

    python demos/trajectory.py --help
    python demos/trajectory.py --batch-size 4 --lr-sgd 0.1
    gdstudy demo trajectory --batch-size 500    # S = N: SGD is just slow GD -> FAIL
"""

import sys
from pathlib import Path

import numpy as np

try:
    import gdstudy.demo  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gdstudy.demo import DemoResult, Param, Plot, Series, Table, Verdict, run_standalone
from gdstudy.errors import DemoError

NAME = "trajectory"
TITLE = "Parameter paths of full-batch GD and mini-batch SGD over the loss contours"
CLAIM = ("On a two-parameter regression the SGD path is longer and noisier (it sometimes steps "
         "uphill) than the GD path, yet it reaches the same neighbourhood of the minimum after "
         "touching fewer samples (one-sided z-tests over independent SGD runs).")

PARAMS = [
    Param("n", 500, "number of examples N", min=10, max=1_000_000),
    Param("noise", 0.5, "label noise std", min=0.0, max=100.0),
    Param("batch_size", 1, "SGD batch size S", min=1, max=1_000_000),
    Param("lr_sgd", 0.05, "SGD step size (GD uses 1/L)", min=1e-6, max=10.0),
    Param("gd_steps", 100, "GD step budget", min=1, max=100_000),
    Param("sgd_steps", 2000, "SGD step budget", min=1, max=1_000_000),
    Param("start_w", -1.0, "start w0", min=-100.0, max=100.0),
    Param("start_b", 2.0, "start b0", min=-100.0, max=100.0),
    Param("radius", 0.1, "neighbourhood radius as a fraction of |theta0 - theta*|", min=1e-4, max=0.9),
    Param("runs", 100, "independent SGD runs (the sample size)", min=2, max=1_000_000),
    Param("alpha", 1e-3, "false-PASS rate of each one-sided z-test", min=1e-12, max=0.5),
]


def check(p):
    if p.batch_size > p.n:
        raise DemoError(f"--batch-size must be <= --n ({p.n})")


def peak_bytes(p) -> int:
    """GD path (steps x 2), the epoch orders of R runs (R x N int64 plus their random keys),
    a batch of R x S gathered values, ~12 arrays of R."""
    return int(8 * (2 * (p.gd_steps + 1) + 3 * p.runs * p.n + 4 * p.runs * p.batch_size
                    + 12 * p.runs + 4 * p.n)) + (1 << 20)


def run(p, ctx) -> DemoResult:
    from gdstudy.core import SGD, Batcher, LinearRegression, least_squares, to_backend

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
    gd = _metrics(gd_path, p.n, theta_star, H, r)
    sgd = _sgd_runs(be, p, xh, yh, theta0, theta_star, H, r, ctx, ctx.phase(1, 2, f"SGD x {p.runs}"))
    return _result(p, gd_path, gd, sgd, theta_star, H, theta0, r, 1.0 / L)


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


def _metrics(path, S, theta_star, H, r):
    """Up to the first point inside the disc: entry step, samples, path length, uphill share."""
    d = path - theta_star                                 # (T+1, 2)
    dist = np.sqrt((d * d).sum(1))
    gap = 0.5 * np.einsum("ti,ij,tj->t", d, H, d)         # full loss - loss*, exact for a quadratic
    inside = np.flatnonzero(dist <= r)
    k = int(inside[0]) if inside.size else len(path) - 1
    steps = np.diff(path[: k + 1], axis=0)                # (k, 2)
    return {"reached": bool(inside.size), "step": k, "samples": k * S,
            "length": float(np.sqrt((steps * steps).sum(1)).sum()),
            "uphill": float((np.diff(gap[: k + 1]) > 0).mean()) if k else 0.0, "dist": dist}


def _sgd_runs(be, p, xh, yh, theta0, theta_star, H, r, ctx, progress) -> dict:
    """R independent SGD runs at once, each with its own reshuffled epochs, until every run is
    inside the disc or the budget ends. Per run (host arrays (R,)): entry step (0: never),
    path length and uphill steps up to the entry; and run 0's path for the plot."""
    R, n, S = p.runs, p.n, p.batch_size
    xv, yv = be.asarray(xh), be.asarray(yh)               # (N,)
    ts = [float(v) for v in theta_star]
    h = [[float(v) for v in row] for row in H]
    w = be.asarray(np.full(R, theta0[0]))                 # (R,) one parameter pair per run
    b = be.asarray(np.full(R, theta0[1]))

    def gap(w, b):                                         # (R,) full loss - loss*
        dw, db = w - ts[0], b - ts[1]
        return 0.5 * (h[0][0] * dw * dw + 2 * h[0][1] * dw * db + h[1][1] * db * db)

    g_old = gap(w, b)
    length, uphill = be.zeros(R), be.zeros(R)
    entry = be.zeros(R)                                    # step at which the run entered, 0 = not yet
    active = be.asarray(np.ones(R))                        # 1.0 until the run enters the disc
    path, t = [(float(theta0[0]), float(theta0[1]))], 0
    while t < p.sgd_steps:
        order = be.argsort_rows(be.uniform((R, n)))        # (R, N) a fresh permutation per run
        for lo in range(0, n, S):
            idx = order[:, lo:lo + S]                      # (R, s) this step's batch of each run
            xb, yb = xv.take(idx), yv.take(idx)
            res = w[:, None] * xb + b[:, None] - yb        # (R, s) residuals
            w_new = w - p.lr_sgd * (res * xb).mean(1)
            b_new = b - p.lr_sgd * res.mean(1)
            t += 1
            dw, db = w_new - w, b_new - b
            g_new = gap(w_new, b_new)
            length = length + active * be.sqrt(dw * dw + db * db)
            uphill = uphill + active * (g_new > g_old)
            dist2 = (w_new - ts[0]) ** 2 + (b_new - ts[1]) ** 2
            now_in = active * (dist2 <= r * r)
            entry = entry + now_in * t
            active = active - now_in
            w, b, g_old = w_new, b_new, g_new
            path.append((float(w[0]), float(b[0])))
            if t % 64 == 0:
                ctx.check_cancel()
                progress(t, p.sgd_steps)
                if not float(active.sum()):
                    break
            if t >= p.sgd_steps:
                break
        if t % 64 == 0 and not float(active.sum()):
            break
    progress(p.sgd_steps, p.sgd_steps)
    host = lambda v: be.to_numpy(v).astype(np.float64)  # noqa: E731
    entry, length, uphill = host(entry), host(length), host(uphill)
    steps = np.where(entry > 0, entry, t)
    return {"entry": entry, "reached": entry > 0, "length": length, "uphill": uphill / np.maximum(steps, 1),
            "samples": np.where(entry > 0, entry * S, np.inf), "path": np.asarray(path), "steps_run": t}


def _greater(name, values, ref, alpha, what, detail="") -> Verdict:
    """One-sided z-test: PASS iff mean(values) - ref >= z_(1-alpha) SE (SE from the runs)."""
    from gdstudy.demo.result import _z_crit
    v = np.asarray(values, dtype=np.float64)
    m = float(v.mean())
    se = float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 and np.isfinite(v).all() else np.nan
    zc = _z_crit(2 * alpha)
    diff = m - ref
    z = diff / se if se > 0 else (np.inf if diff > 0 else 0.0)
    ok = bool(np.isfinite(m) and np.isfinite(z) and z >= zc) or bool(np.isfinite(m) and se == 0 and diff > 0)
    return Verdict(name, ok, m, f"{what} {ref:.4g}",
                   f"{zc:.2f} SE = {zc * se:.3g} (alpha {alpha:g}, one-sided)",
                   f"z = {z:.2f}, SE {se:.3g}" + (f"; {detail}" if detail else ""))


def _result(p, gd_path, gd, sgd, theta_star, H, theta0, r, gd_lr) -> DemoResult:
    R = p.runs
    reached = int(sgd["reached"].sum())
    neg_samples = -sgd["samples"]
    verdicts = [
        Verdict.bookkeeping(f"GD enters the disc of radius {r:.3g} within {p.gd_steps} steps",
                            "yes" if gd["reached"] else "no", "yes", "deterministic full-batch GD"),
        _greater("SGD path length up to entering the disc (mean over runs) > GD's", sgd["length"],
                 gd["length"], p.alpha, ">", f"ratio {sgd['length'].mean() / gd['length']:.2f}"),
        _greater("uphill-step share, SGD (mean over runs) > GD's (noisier)", sgd["uphill"],
                 gd["uphill"], p.alpha, ">", f"GD {gd['uphill']:.3f}"),
        _greater("samples touched to enter the disc: GD's minus SGD's (mean over runs) > 0",
                 gd["samples"] + neg_samples, 0.0, p.alpha, ">",
                 f"{reached} of {R} SGD runs entered within {p.sgd_steps} steps; GD {gd['samples']} "
                 f"= {gd['step']} x {p.n}; SGD mean {np.mean(sgd['samples']):.4g}"),
    ]
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
             f"{R} SGD runs with their own reshuffled epochs; one-sided z-tests at alpha {p.alpha:g}."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


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
