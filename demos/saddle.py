"""Saddle points: GD started exactly on the saddle's stable manifold stays there; any
perturbation along the unstable direction grows geometrically and GD escapes.

f(x, y) = x^2 - y^2 (the core's "saddle"). One GD step is x <- (1 - 2 eta) x, y <- (1 + 2 eta) y,
so from y0 = 0 exactly, y stays 0 and x -> 0: GD converges to the saddle (gradient -> 0). From
|y0| > 0, |y_t| = |y0| (1 + 2 eta)^t first reaches R at step ln(R/|y0|) / ln(1 + 2 eta): the
first integer step at or past it (tolerance 1 step), and log|y| interpolated between steps
crosses log R within 0.01 steps of it.
Mini-batch noise does the same from y0 = 0: with per-example terms f_i = x^2 - y^2 + a_i x + b_i y
(a, b of mean zero, std --noise) a batch of S examples (with replacement) kicks y by
eta * mean(b) per step; the kicks add up to an effective start Y ~ N(0, eta^2 s^2 / (S ((1 + 2 eta)^2
- 1))), and the median escape step matches the formula with |y0| = median |Y| = 0.674 sd(Y).
--theory "ln(1+eta)" (forgetting that the gradient of -y^2 is -2y) FAILs, so does --steps 30.

    python demos/saddle.py --help
    python demos/saddle.py --lr 0.05 --y0 1e-3,1e-9
    gdstudy demo saddle --theory "ln(1+eta)"
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

NAME = "saddle"
TITLE = "Saddle f = x^2 - y^2: exact GD from y0 = 0 stays, a tiny |y0| or mini-batch noise escapes"
CLAIM = ("On f = x^2 - y^2, GD started exactly at y0 = 0 converges to the saddle (gradient -> 0); "
         "from a tiny |y0| it escapes, first reaching |y| >= R at step ln(R/|y0|)/ln(1+2 eta) "
         "within tolerance.")

PARAMS = [
    Param("lr", 0.1, "step size eta (stable along x for eta < 1)", min=1e-4, max=0.99),
    Param("x0", 1.0, "starting x", min=-1e3, max=1e3),
    Param("y0", "1e-2,1e-4,1e-6,1e-8", "perturbations |y0| of the exact-GD runs (comma separated)"),
    Param("radius", 1.0, "escaped once |y| >= R", min=1e-3, max=1e3),
    Param("steps", 400, "step budget of every run", min=1, max=1_000_000),
    Param("step_tol", 1.0, "allowed |measured - theory| escape step (steps)", min=0.0, max=1e6),
    Param("cross_tol", 0.01, "allowed |interpolated escape time - theory| (steps)", min=0.0, max=1e6),
    Param("noise", 0.01, "std of the per-example terms a_i, b_i (mini-batch noise)", min=0.0, max=10.0),
    Param("batch_size", 8, "mini-batch size S of the noisy runs", min=1, max=10_000),
    Param("n", 1000, "examples N behind the noisy runs", min=2, max=1_000_000),
    Param("runs", 400, "noisy runs, all started exactly at y = 0", min=1, max=100_000),
    Param("noise_tol", 0.05, "allowed relative gap of the noisy runs' median escape step",
          min=0.0, max=10.0),
    Param("theory", "ln(1+2eta)", "denominator of the formula (ln(1+eta) is a wrong answer)",
          choices=("ln(1+2eta)", "ln(1+eta)")),
]


def _y0s(p) -> list:
    try:
        vals = [float(v) for v in str(p.y0).split(",") if v.strip()]
    except ValueError:
        raise DemoError(f"--y0: expected comma-separated numbers, got {p.y0!r}") from None
    if not vals or any(not 0 < abs(v) < p.radius for v in vals):
        raise DemoError(f"--y0: each value must satisfy 0 < |y0| < R = {p.radius}")
    return vals


def check(p):
    _y0s(p)
    if p.batch_size > p.n:
        raise DemoError("--batch-size must be <= --n")


def run(p, ctx) -> DemoResult:
    y0s = _y0s(p)
    n_phase = len(y0s) + 2
    exact = _gd_path(ctx, p, 0.0, ctx.phase(0, n_phase, "GD from y0 = 0"))
    paths = []
    for k, y0 in enumerate(y0s, 1):
        ctx.check_cancel()
        paths.append((y0, _gd_path(ctx, p, y0, ctx.phase(k, n_phase, f"GD from y0 = {y0:g}"))))
    ctx.check_cancel()
    noisy = _noisy_escapes(ctx, p, ctx.phase(n_phase - 1, n_phase, "mini-batch SGD from y0 = 0"))
    ctx.check_cancel()
    return _result(p, exact, paths, noisy)


def _gd_path(ctx, p, y0, progress) -> np.ndarray:
    """Exact GD from (x0, y0) on the core's saddle: iterates (T+1, 2) on the host."""
    from gdstudy.core import SGD, make_function, to_backend, train
    f = make_function(ctx.be, "saddle")
    params = to_backend(ctx.be, f.init_params(start=(p.x0, y0)))
    res = train(f, params, SGD(params, lr=p.lr), max_steps=p.steps, check_every=64,
                record_path=True, progress=progress, cancel=ctx.cancelled)
    return np.asarray(res.path, dtype=np.float64)   # stops early once the loss blows up


def _escape_step(path: np.ndarray, R: float):
    hit = np.flatnonzero(np.abs(path[:, 1]) >= R)
    return int(hit[0]) if len(hit) else None


def _crossing(path: np.ndarray, R: float, step):
    """The escape time between steps: log|y| interpolated linearly between step-1 and step."""
    if not step:
        return math.nan
    a, b = np.log(np.abs(path[step - 1: step + 1, 1]))
    return step - 1 + (math.log(R) - a) / (b - a)


def _noisy_escapes(ctx, p, progress) -> np.ndarray:
    """All noisy runs at once: state (runs,) per coordinate, mini-batch gradient
    (2x + mean a_B, -2y + mean b_B). -> escape step per run (0 = not within the budget)."""
    be, rng = ctx.be, ctx.rng(1)
    a, b = (rng.standard_normal(p.n) for _ in range(2))
    a, b = (be.asarray(p.noise * (v - v.mean()) / v.std()) for v in (a, b))  # mean 0, std noise
    x = be.asarray(np.full(p.runs, p.x0))          # (R,)
    y = be.zeros(p.runs)                           # (R,) exactly on the saddle's stable line
    esc = be.zeros(p.runs)                         # (R,) escape step, 0 = not yet
    for t in range(1, p.steps + 1):
        idx = be.randint(p.n, (p.runs, p.batch_size))              # (R, S) batch indices
        gx, gy = 2 * x + a.take(idx).mean(1), -2 * y + b.take(idx).mean(1)  # (R,) batch gradients
        x, y = x - p.lr * gx, y - p.lr * gy
        esc = esc + t * ((be.abs(y) >= p.radius) & (esc == 0))
        if t % 16 == 0 or t == p.steps:
            progress(t, p.steps)
            done = be.to_numpy(esc)
            if done.all() or ctx.cancelled():
                break
    return be.to_numpy(esc).astype(np.int64)


def _result(p, exact, paths, noisy) -> DemoResult:
    g = math.log(1 + 2 * p.lr) if p.theory == "ln(1+2eta)" else math.log(1 + p.lr)
    theory = lambda y0: math.log(p.radius / abs(y0)) / g  # noqa: E731
    rows, gaps, cross, series = [], [], [], []
    final = exact[-1]
    grad = float(np.hypot(2 * final[0], 2 * final[1]))
    rows.append(["GD, y0 = 0", 0.0, _escape_step(exact, p.radius), None, None, grad])
    for y0, path in paths:
        step = _escape_step(path, p.radius)
        gap = abs(step - theory(y0)) if step is not None else math.inf
        gaps.append(gap)
        cross.append(abs(_crossing(path, p.radius, step) - theory(y0)))
        rows.append([f"GD, y0 = {y0:g}", y0, step, theory(y0), gap, None])
        shown = path[: (step or len(path)) + 10, 1]          # up to 10 steps past the escape
        series.append(Series(f"y0 = {y0:g}", list(range(len(shown))), np.log10(np.abs(shown)).tolist()))
    ok = noisy[noisy > 0]
    sd = p.lr * p.noise / math.sqrt(p.batch_size) / math.sqrt((1 + 2 * p.lr) ** 2 - 1)
    eff = 0.6745 * sd                                    # median |Y| of N(0, sd^2)
    med = float(np.median(noisy)) if len(ok) == len(noisy) else math.inf
    pred = theory(eff) if eff > 0 else math.inf
    rows.append([f"mini-batch S={p.batch_size}, y0 = 0 (median of {p.runs})", eff,
                 med, pred, abs(med - pred), None])
    verdicts = [
        Verdict.exact("GD from y0 = 0: y stays exactly 0", float(np.abs(exact[:, 1]).max()), 0.0),
        Verdict.at_most("GD from y0 = 0: final gradient norm (ends at the saddle)", grad, 1e-6,
                        f"{len(exact) - 1} steps, final (x, y) = ({final[0]:.3g}, {final[1]:.3g})"),
        Verdict.close(f"escape step vs ln(R/|y0|)/{p.theory}: worst gap (steps)",
                      max(gaps), 0.0, p.step_tol,
                      detail=", ".join(f"y0={y0:g}: {r[2]} vs {r[3]:.2f}" for (y0, _), r in
                                       zip(paths, rows[1:]))),
        Verdict.close("escape time interpolated in log|y|: worst gap (steps)", max(cross), 0.0,
                      p.cross_tol, detail="the continuous time at which |y| = R"),
        Verdict.exact(f"mini-batch runs from y0 = 0 that escaped within {p.steps} steps",
                      len(ok), len(noisy)),
        Verdict.close("mini-batch: median escape step vs the formula with |y0| = median |Y|",
                      med, pred, p.noise_tol, relative=True,
                      detail=f"effective |y0| = {eff:.3g}; {p.runs} runs"),
    ]
    cdf_x = np.sort(ok).tolist()
    plots = [Plot("log10 |y| vs step: exact GD from tiny |y0|", "step", "log10 |y|",
                  series + [Series(f"R = {p.radius:g}", [0, max(len(x.x) for x in series)],
                                     [math.log10(p.radius)] * 2)]),
             Plot(f"Mini-batch SGD (S={p.batch_size}) from y0 = 0: fraction escaped", "step",
                  "fraction with |y| >= R", [Series("escaped", cdf_x,
                                                    (np.arange(1, len(ok) + 1) / len(noisy)).tolist())])]
    table = Table(["run", "|y0| (effective)", "escape step", "theory", "|gap|", "final |grad|"], rows)
    notes = [f"f = x^2 - y^2, eta = {p.lr:g}, x0 = {p.x0:g}, R = {p.radius:g}; per step y x "
             f"(1 + 2 eta) = {1 + 2 * p.lr:g}, x x (1 - 2 eta) = {1 - 2 * p.lr:g}.",
             f"noisy runs: N = {p.n}, S = {p.batch_size}, noise std {p.noise:g}; sd of the "
             f"effective start {sd:.3g}."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
