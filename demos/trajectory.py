"""The careful man and the drunk man: 2-D paths of full-batch GD and mini-batch SGD.

Two-parameter regression y = w x + b + noise with x ~ 1 + N(0, 1) (so w and b are coupled and
the loss contours are tilted ellipses). Both methods start at the same point (w0, b0). GD uses
the full batch with its best constant step 1/L; SGD uses batches of S examples (reshuffled every
epoch). The neighbourhood of the minimum theta* is the disc of radius r = radius * |theta0 -
theta*|. Up to the first step inside it we measure, for each method:

    samples touched   steps * batch size (GD: steps * N)
    path length       sum_t |theta_{t+1} - theta_t|
    uphill share      fraction of steps that increase the full loss (GD on a quadratic: 0)

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
         "touching fewer samples.")

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
    Param("min_longer", 1.1, "SGD path must be at least this many times the GD path", min=1.0, max=100.0),
    Param("min_uphill", 0.05, "SGD uphill share minus GD uphill share must reach this", min=0.0, max=1.0),
]


def check(p):
    if p.batch_size > p.n:
        raise DemoError(f"--batch-size must be <= --n ({p.n})")


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
    p0 = {"w": theta0[:1], "b": np.array(theta0[1])}
    runs = {}
    for k, (label, S, lr, steps) in enumerate([("GD", p.n, 1.0 / L, p.gd_steps),
                                               (f"SGD (S={p.batch_size})", p.batch_size, p.lr_sgd, p.sgd_steps)]):
        params = to_backend(be, p0)
        batcher = Batcher(be, p.n, S, shuffle=S < p.n)   # full batch: one contiguous slice
        path = _path(be, prob, params, SGD(params, lr=lr), X, y, batcher, steps,
                     ctx, ctx.phase(k, 2, label))
        runs[label] = (S, lr, path)
    return _result(p, runs, theta_star, H, theta0)


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


def _result(p, runs, theta_star, H, theta0) -> DemoResult:
    r = p.radius * float(np.linalg.norm(theta0 - theta_star))
    (gd_label, sgd_label) = runs
    m = {label: _metrics(path, S, theta_star, H, r) for label, (S, _, path) in runs.items()}
    gd, sgd = m[gd_label], m[sgd_label]
    ratio = sgd["length"] / gd["length"] if gd["length"] > 0 else float("inf")
    reached = f"GD {'yes' if gd['reached'] else 'no'}, SGD {'yes' if sgd['reached'] else 'no'}"
    verdicts = [
        Verdict.exact(f"both reach the disc of radius {r:.3g} around the minimum", reached,
                      "GD yes, SGD yes", detail=f"budgets {p.gd_steps} GD / {p.sgd_steps} SGD steps"),
        Verdict.at_least("SGD path length / GD path length (up to entering the disc)", ratio,
                         p.min_longer, detail=f"GD {gd['length']:.3g}, SGD {sgd['length']:.3g}"),
        Verdict.at_least("uphill-step share, SGD minus GD (noisier)", sgd["uphill"] - gd["uphill"],
                         p.min_uphill, detail=f"GD {gd['uphill']:.3f}, SGD {sgd['uphill']:.3f}"),
        Verdict("SGD touches fewer samples to enter the disc", bool(
                    sgd["reached"] and (sgd["samples"] < gd["samples"] or not gd["reached"])),
                sgd["samples"] if sgd["reached"] else "not reached",
                f"< {gd['samples']}" if gd["reached"] else "< GD (GD did not reach)", None,
                f"GD {gd['step']} steps x {p.n}, SGD {sgd['step']} steps x {p.batch_size}"),
    ]
    rows = [[label, S, lr, mm["step"] if mm["reached"] else "not reached", mm["samples"],
             mm["length"], float(np.linalg.norm(path[mm["step"]] - path[0])), mm["uphill"]]
            for (label, (S, lr, path)), mm in zip(runs.items(), m.values())]
    table = Table(["method", "S", "lr", "steps to disc", "samples touched", "path length",
                   "straight distance", "uphill share"], rows)
    plots = [Plot("Paths over the loss contours", "w", "b", _contours(theta_star, H, theta0, r)
                  + [_path_series(label, runs[label][2], m[label]) for label in runs]),
             Plot("Distance to the minimum vs samples touched", "samples touched", "|theta - theta*|",
                  [Series(label, (np.arange(1, len(mm["dist"])) * runs[label][0]).tolist(),
                          mm["dist"][1:].tolist()) for label, mm in m.items()]
                  + [Series(f"radius {r:.3g}", [1, p.gd_steps * p.n], [r, r])], logx=True, logy=True)]
    notes = [f"minimum theta* = (w {theta_star[0]:.4g}, b {theta_star[1]:.4g}); start (w {theta0[0]:g}, "
             f"b {theta0[1]:g}); Hessian eigenvalues {np.linalg.eigvalsh(H).round(3).tolist()}; "
             f"GD step 1/L = {runs[gd_label][1]:.3g}. Paths are drawn up to twice the entry step."]
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
