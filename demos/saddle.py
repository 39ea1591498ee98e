"""Saddle points: GD started exactly on the saddle's stable manifold stays there; any
perturbation along the unstable direction grows geometrically and GD escapes.

f(x, y) = x^2 - y^2 (the core's "saddle"). One GD step is x <- (1 - 2 eta) x, y <- (1 + 2 eta) y,
so from y0 = 0 exactly, y stays 0 and x -> 0: GD converges to the saddle (gradient -> 0). From
|y0| > 0, |y_t| = |y0| (1 + 2 eta)^t first reaches R at step ln(R/|y0|) / ln(1 + 2 eta). For exact
GD these are identities of the update (shown as bookkeeping, not counted as checks): the first
integer step at or past the formula, and log|y| interpolated between steps crosses log R at the
formula up to float rounding.

The check is the noisy case. Mini-batch noise escapes from y0 = 0 exactly: with per-example
terms f_i = x^2 - y^2 + a_i x + b_i y (a, b of mean zero, std --noise) a batch of S examples
(with replacement) kicks y by -eta mean(b_B), variance s^2 = noise^2 / S, so with q = 1 + 2 eta

    y_k = -eta sum_{s<k} q^(k-1-s) xi_s,   sd(y_k)^2 = eta^2 s^2 (q^(2k) - 1) / (q^2 - 1)

and (|y| grows geometrically once it matters) P(escape step <= k) = P(|y_k| >= R) =
erfc(R / (sqrt(2) sd(y_k))). The check: the mean escape step of --runs independent runs against
this law, two-sided at --alpha, with the law's own distribution (no estimated SE): the exact
distribution of the sum of `runs` iid escape steps (the law's pmf convolved with itself by FFT)
while runs x support is small, else the gamma with the law's exact mean, variance and skewness.
A step budget in which some run may not escape (P(step > --steps) x runs > alpha / 10) cannot
support the test and is refused with the smallest --steps that can. --runs is capped at 20,000:
the law is an approximation (Gaussian kicks, no return once |y| >= R) checked up to there.
Negative controls: --theory "ln(1+eta)" (forgetting that the gradient of -y^2 is -2y: q = 1 +
eta) and --kick per-example (the law's kicks of variance noise^2, not noise^2 / S: forgetting
that a batch averages S examples) FAIL at any number of runs; so does --noise 0 (no escape).

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
         "from a tiny |y0| it escapes, first reaching |y| >= R at step ln(R/|y0|)/ln(1+2 eta); "
         "mini-batch noise alone escapes from y0 = 0, with the mean escape step the growth rate "
         "ln(1+2 eta) predicts (tested against the law's exact distribution of the mean).")

PARAMS = [
    Param("lr", 0.1, "step size eta (stable along x for eta < 1)", min=1e-4, max=0.99),
    Param("x0", 1.0, "starting x", min=-1e3, max=1e3),
    Param("y0", "1e-2,1e-4,1e-6,1e-8", "perturbations |y0| of the exact-GD runs (comma separated)"),
    Param("radius", 1.0, "escaped once |y| >= R", min=1e-3, max=1e3),
    Param("steps", 400, "step budget of every run", min=1, max=1_000_000),
    Param("cross_tol", 0.01, "float rounding allowed in the interpolated escape time (steps)",
          min=0.0, max=1e6),
    Param("noise", 0.01, "std of the per-example terms a_i, b_i (mini-batch noise)", min=0.0, max=10.0),
    Param("batch_size", 8, "mini-batch size S of the noisy runs", min=1, max=10_000),
    Param("n", 1000, "examples N behind the noisy runs", min=2, max=1_000_000),
    Param("runs", 1000, "noisy runs, all started exactly at y = 0 (the sample size)", min=2,
          max=20_000),
    Param("alpha", 1e-3, "false-FAIL rate of the test (two-sided)", min=1e-12, max=0.5),
    Param("kick", "batch", "kick variance in the law: batch (noise^2 / S, right) or per-example "
          "(noise^2: a wrong formula, FAILs)", choices=("batch", "per-example")),
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
    if p.noise > 0:
        cdf, _, _ = escape_law(p)
        tail = 1 - cdf
        ok = np.flatnonzero(tail * p.runs <= p.alpha / 10)
        need = int(ok[0]) if len(ok) else len(cdf)
        if need > p.steps:
            raise DemoError(f"--steps {p.steps}: some of the {p.runs} noisy runs may not escape in time "
                            f"(P(step > {p.steps}) = {tail[min(p.steps, len(tail) - 1)]:.2g}); the smallest "
                            f"budget that can is --steps {need}")


def peak_bytes(p) -> int:
    """Exact-GD paths (steps x 2 per start) and the noisy runs: ~10 arrays of R plus a batch
    index array R x S (int64) and its gathered values."""
    return int(8 * (2 * (p.steps + 1) * (len(_y0s(p)) + 1) + 2 * p.n + 10 * p.runs
                    + 3 * p.runs * p.batch_size)) + (1 << 20)


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


def _rate(p) -> float:
    return 1 + 2 * p.lr if p.theory == "ln(1+2eta)" else 1 + p.lr


def escape_law(p, kmax: int | None = None) -> tuple[np.ndarray, float, float]:
    """Theory for the noisy runs: P(step <= k) for k = 0..kmax, the mean and the sd of the
    escape step (steps past kmax have probability < 1e-15 at the default kmax)."""
    q = _rate(p)
    s2 = (p.lr * p.noise) ** 2 / (p.batch_size if p.kick == "batch" else 1)
    if s2 == 0:
        return np.zeros(1), math.inf, math.nan
    kmax = kmax or int(math.log(p.radius * 1e9 / math.sqrt(s2)) / math.log(q)) + 50
    k = np.arange(kmax + 1, dtype=np.float64)
    sd = np.sqrt(s2 * np.expm1(2 * k * math.log(q)) / (q * q - 1))   # sd(y_k), 0 at k = 0
    cdf = np.array([math.erfc(p.radius / (math.sqrt(2) * v)) if v > 0 else 0.0 for v in sd])
    surv = 1 - cdf                                                  # P(step > k)
    mean = float(surv.sum())
    second = float(((2 * k + 1) * surv).sum())                      # E[step^2] = sum (2k+1) P(step > k)
    return cdf, mean, math.sqrt(max(second - mean * mean, 0.0))


def mean_test(p, cdf, total: int) -> tuple[float, float]:
    """-> (two-sided p, z) of the sum of the runs' escape steps under the law (pmf from cdf)."""
    from gdstudy.demo.stats import pearson3_pvalue
    pmf = np.diff(np.concatenate([[0.0], cdf]))
    pmf = np.maximum(pmf, 0.0) / pmf.sum()
    k = np.arange(len(pmf), dtype=np.float64)
    m = float(pmf @ k)
    v = float(pmf @ (k - m) ** 2)
    t3 = float(pmf @ (k - m) ** 3)
    z = (total - p.runs * m) / math.sqrt(p.runs * v) if v > 0 else math.inf
    if len(pmf) * p.runs > 4_000_000:
        return pearson3_pvalue(float(total), p.runs * m, p.runs * v, p.runs * t3)[0], z
    dist, base, r = np.ones(1), pmf, p.runs                 # pmf convolved `runs` times
    while r:
        if r & 1:
            dist = _conv(dist, base)
        r >>= 1
        if r:
            base = _conv(base, base)
    dist = np.maximum(dist, 0.0)
    if not 0 <= total < len(dist):
        return 0.0, z
    low, up = float(dist[: total + 1].sum()), float(dist[total:].sum())
    return min(1.0, 2 * min(low, up)), z


def _conv(a, b):
    n = len(a) + len(b) - 1
    size = 1 << (n - 1).bit_length()
    out = np.fft.irfft(np.fft.rfft(a, size) * np.fft.rfft(b, size), size)[:n]
    return np.where(out > 1e-300, out, 0.0)


def _result(p, exact, paths, noisy) -> DemoResult:
    g = math.log(_rate(p))
    theory = lambda y0: math.log(p.radius / abs(y0)) / g  # noqa: E731
    rows, gaps, cross, series = [], [], [], []
    final = exact[-1]
    grad = float(np.hypot(2 * final[0], 2 * final[1]))
    grad_th = 2 * abs(p.x0) * abs(1 - 2 * p.lr) ** (len(exact) - 1)
    rows.append(["GD, y0 = 0", 0.0, _escape_step(exact, p.radius), None, None, grad])
    for y0, path in paths:
        step = _escape_step(path, p.radius)
        gap = (step - theory(y0)) if step is not None else math.inf
        gaps.append(gap)
        cross.append(abs(_crossing(path, p.radius, step) - theory(y0)))
        rows.append([f"GD, y0 = {y0:g}", y0, step, theory(y0), abs(gap), None])
        shown = path[: (step or len(path)) + 10, 1]          # up to 10 steps past the escape
        series.append(Series(f"y0 = {y0:g}", list(range(len(shown))), np.log10(np.abs(shown)).tolist()))
    ok = noisy[noisy > 0]
    cdf, mean_th, sd_th = escape_law(p)
    all_out = len(ok) == len(noisy)
    mean = float(noisy.mean()) if all_out else math.inf
    se = float(noisy.std(ddof=1) / math.sqrt(len(noisy))) if all_out else math.nan
    med = float(np.median(noisy)) if all_out else math.inf
    med_th = int(np.searchsorted(cdf, 0.5)) if len(cdf) > 1 else math.inf
    pval, z = mean_test(p, cdf, int(noisy.sum())) if all_out and len(cdf) > 1 else (0.0, math.inf)
    rows.append([f"mini-batch S={p.batch_size}, y0 = 0 (mean of {p.runs})", None,
                 mean, mean_th, abs(mean - mean_th), None])
    worst_cross = max(cross)
    verdicts = [
        Verdict.bookkeeping("GD from y0 = 0: y stays exactly 0", float(np.abs(exact[:, 1]).max()), 0.0,
                            "0 * (1 + 2 eta) = 0 at every step"),
        Verdict(f"GD from y0 = 0: final gradient norm after {len(exact) - 1} steps (ends at the saddle)",
                bool(abs(grad - grad_th) <= 1e-3 * grad_th + 1e-6), grad, grad_th, "1e-3 rel + 1e-6",
                f"|grad| = 2 |x0| |1 - 2 eta|^T (-> 0); final (x, y) = ({final[0]:.3g}, {final[1]:.3g})",
                kind="bookkeeping"),
        Verdict(f"exact GD: first step with |y| >= R is the first integer at or past ln(R/|y0|)/{p.theory}",
                bool(all(-1e-3 < d < 1 + 1e-3 for d in gaps)), [r[2] for r in rows[1:len(paths) + 1]],
                [math.ceil(r[3] - 1e-3) for r in rows[1:len(paths) + 1]], None,
                ", ".join(f"y0={y0:g}: {r[2]} vs {r[3]:.2f}" for (y0, _), r in zip(paths, rows[1:])),
                kind="bookkeeping"),
        Verdict("exact GD: escape time interpolated in log|y| vs the formula (worst gap, steps)",
                bool(worst_cross <= p.cross_tol), worst_cross, 0.0, f"{p.cross_tol:g} (float rounding)",
                "the continuous time at which |y| = R", kind="bookkeeping"),
        Verdict(f"mini-batch from y0 = 0: mean escape step vs the law with growth {p.theory}"
                + (" (kicks noise^2, not / S)" if p.kick != "batch" else ""),
                bool(pval > p.alpha), mean, mean_th, f"two-sided p > alpha {p.alpha:g} (the law's exact "
                "distribution of the mean)",
                f"z = {z:.2f}, p = {pval:.3g}; {len(ok)} of {p.runs} runs escaped within {p.steps} steps; "
                f"theory sd {sd_th:.3g} vs measured "
                f"{float(noisy.std(ddof=1)) if all_out else math.nan:.3g}; "
                f"median {med:g} vs {med_th}"),
    ]
    cdf_x = np.sort(ok).tolist()
    plots = [Plot("log10 |y| vs step: exact GD from tiny |y0|", "step", "log10 |y|",
                  series + [Series(f"R = {p.radius:g}", [0, max(len(x.x) for x in series)],
                                     [math.log10(p.radius)] * 2)]),
             Plot(f"Mini-batch SGD (S={p.batch_size}) from y0 = 0: fraction escaped", "step",
                  "fraction with |y| >= R",
                  [Series("escaped", cdf_x, (np.arange(1, len(ok) + 1) / len(noisy)).tolist()),
                   Series("theory P(|y_k| >= R)", list(range(len(cdf)))[: p.steps + 1],
                          cdf[: p.steps + 1].tolist())])]
    table = Table(["run", "|y0|", "escape step", "theory", "|gap|", "final |grad|"], rows)
    notes = [f"f = x^2 - y^2, eta = {p.lr:g}, x0 = {p.x0:g}, R = {p.radius:g}; per step y x "
             f"(1 + 2 eta) = {1 + 2 * p.lr:g}, x x (1 - 2 eta) = {1 - 2 * p.lr:g}.",
             f"noisy runs: N = {p.n}, S = {p.batch_size}, noise std {p.noise:g}; kicks of sd "
             f"eta noise / sqrt(S) = {p.lr * p.noise / math.sqrt(p.batch_size):.3g} per step.",
             "exact-GD rows are identities of the update (bookkeeping); the check is the "
             "mini-batch mean escape step."]
    y_last, path_last = paths[-1]
    step_last = _escape_step(path_last, p.radius)
    takeaway = (f"Exact GD from y0 = 0 stayed on the saddle (final gradient {grad:.1g}); from |y0| = {y_last:g} it "
                f"escaped at step {step_last} (ln(R/|y0|)/{p.theory} = {theory(y_last):.1f}); mini-batch noise "
                f"alone pushed {len(ok)} of {p.runs} runs out, after {mean:.1f} steps on average "
                f"(the law says {mean_th:.1f}).")
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
