"""Local minima: mini-batch noise lets SGD hop out of a shallow minimum; full-batch GD stays.

The core's TiltedDoubleWell: per example f_i(w) = (w^2 - 1)^2 + t_i w, tilts t_i with mean
--tilt (> 0) and standard deviation --spread. The full loss has a shallow minimum at w > 0 and a
deep one at w < 0. Every run starts at the shallow minimum and takes --steps steps; a mini-batch
of S examples (sampled with replacement) sees the tilt mean(t_B), whose noise has variance
spread^2 / S, so smaller batches kick harder. A run "escaped" once it reached the deep minimum
(w <= w_deep). All runs of one batch size are one array of walkers (runs,), one step for all.
Full batch uses the mean tilt of all N examples: deterministic GD, which stays where it started
(the shallow minimum is a fixed point of GD: shown as bookkeeping, not counted as a check).

The check: escape fractions p_S fall with S. Two parts, both on the escape counts:
  trend:  a one-sided Cochran-Armitage trend test (scores log2 S, pooled binomial variance) of
          "the fractions do not fall": it must reject at --alpha for a PASS, so a PASS when the
          fractions are equal has probability <= alpha (a false PASS);
  pairs:  for each neighbouring pair S < S', a one-sided two-proportion z-test of "p_S' > p_S"
          (a rise), Holm over the pairs at --alpha: a significant rise FAILs (false FAIL <= alpha
          when the fractions do fall).
Settings with nothing to compare are refused: no run escaped at any S, or every run escaped at
every S (raise --steps / --lr, or lower --spread); --runs below 200 is too few to resolve the
escape fractions at alpha 1e-3 for this landscape; --spread 0 has no mini-batch noise at all.
Negative control: --noise-model fixed (every step gets tilt noise of the smallest batch's size
whatever S: the belief that batch size does not change the noise; equal fractions) FAILs at any
number of runs.

    python demos/local_minima.py --help
    python demos/local_minima.py --sizes 1,2,3,4,6,8
    gdstudy demo local-minima --spread 0
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

NAME = "local-minima"
TITLE = "Shallow vs deep minimum: noisy mini-batch SGD escapes, less often as S grows; GD stays"
CLAIM = ("In a 1-D double well, full-batch GD started in the shallow minimum stays there, while "
         "mini-batch SGD escapes to the deep minimum in a fraction of seeded runs that decreases "
         "as the batch size S grows (a significant downward trend over the tested sizes, and no "
         "significant rise between neighbouring sizes) and is zero for full batch.")

PARAMS = [
    Param("tilt", 0.5, "mean tilt t (the deep minimum is at w < 0)", min=0.01, max=1.5),
    Param("spread", 8.0, "std of the per-example tilts t_i (the mini-batch noise)", min=0.01, max=100.0),
    Param("n", 1000, "examples N", min=2, max=1_000_000),
    Param("lr", 0.05, "step size", min=1e-4, max=0.2),
    Param("steps", 100, "steps of every run", min=1, max=1_000_000),
    Param("runs", 2000, "seeded runs per batch size (walkers in one array)", min=200, max=1_000_000),
    Param("sizes", "1,2,4,8,16", "mini-batch sizes S (comma separated; full batch is added)"),
    Param("alpha", 1e-3, "false-PASS rate of the trend test and false-FAIL rate of the pair tests (Holm)",
          min=1e-12, max=0.5),
    Param("noise_model", "batch", "batch: the tilt of S sampled examples; fixed: the full tilt plus "
          "noise of sd spread/sqrt(smallest S) for every S (a broken control: FAILs)",
          choices=("batch", "fixed")),
]


def _sizes(p) -> list:
    try:
        sizes = sorted({int(s) for s in str(p.sizes).split(",") if s.strip()})
    except ValueError:
        raise DemoError(f"--sizes: expected comma-separated integers, got {p.sizes!r}") from None
    if len(sizes) < 2 or sizes[0] < 1 or sizes[-1] >= p.n:
        raise DemoError(f"--sizes: need at least two sizes, each between 1 and N-1 = {p.n - 1}")
    return sizes


def check(p):
    _sizes(p)


def peak_bytes(p) -> int:
    """~8 arrays of R walkers, the R x S batch indices (int64) and gathered tilts, N tilts."""
    return int(8 * (2 * p.n + 8 * p.runs + 2 * p.runs * max(_sizes(p)) + 4 * p.steps)) + (1 << 20)


def run(p, ctx) -> DemoResult:
    from gdstudy.core.problems import TiltedDoubleWell
    be = ctx.be
    well = TiltedDoubleWell(be, p.tilt)
    deep, barrier, shallow = well.stationary_points()
    tilts = be.asarray(well.make_data(p.n, p.tilt, p.spread, ctx.rng(1))[:, 0])   # (N,)
    sizes = _sizes(p)
    out = []
    for k, S in enumerate(sizes + [p.n]):
        ctx.check_cancel()
        out.append((S, _walk(ctx, p, well, tilts, S, shallow, deep,
                             ctx.phase(k, len(sizes) + 1, f"S = {S}"), sizes[0])))
    ctx.check_cancel()
    return _result(p, out, (deep, barrier, shallow))


def _walk(ctx, p, well, tilts, S, start, deep, progress, s_min) -> dict:
    """`runs` walkers from `start`, `steps` SGD steps with batches of S (S = N: full batch).
    -> escaped (runs,) bool, final w (runs,), escaped so far per step (steps,), one path."""
    be = ctx.be
    w = be.asarray(np.full(p.runs, start))                  # (R,) one walker per run
    escaped = w < -1e30                                     # (R,) bool, all False
    full_tilt = tilts.mean()                                # the full batch's tilt
    counts, path = [], [float(start)]
    fixed_sd = p.spread / np.sqrt(s_min)                    # --noise-model fixed
    host = ctx.rng(100 + S)
    for t in range(1, p.steps + 1):
        if S >= p.n:
            tb = full_tilt                                  # every example: no noise
        elif p.noise_model == "fixed":                      # the same noise for every S
            tb = full_tilt + be.asarray(fixed_sd * host.standard_normal(p.runs))
        else:
            idx = be.randint(p.n, (p.runs, S))             # (R, S) batch indices
            tb = tilts.take(idx).mean(1)                    # (R, S) -> (R,) batch tilts
        w = w - p.lr * well.grad(w, tb)
        escaped = escaped | (w <= deep)
        counts.append(escaped.sum())
        path.append(w[0])
        if t % 64 == 0:
            progress(t, p.steps)
            if ctx.cancelled():
                break
    progress(p.steps, p.steps)
    return {"escaped": be.to_numpy(escaped).astype(bool), "final": be.to_numpy(w).astype(float),
            "counts": [int(c) for c in counts], "path": [float(v) for v in path]}


def _trend_z(counts, sizes, runs) -> float:
    """Cochran-Armitage z for a trend in the escape fractions over scores log2 S (negative: falls)."""
    x = np.log2(np.asarray(sizes, dtype=np.float64))
    c = np.asarray(counts, dtype=np.float64)
    pool = c.sum() / (runs * len(c))
    var = pool * (1 - pool) * runs * float(((x - x.mean()) ** 2).sum())
    return float(((x - x.mean()) * c).sum() / math.sqrt(var)) if var > 0 else 0.0


def _result(p, out, points) -> DemoResult:
    from gdstudy.demo.stats import holm, norm_sf
    deep, barrier, shallow = points
    mini, (_, full) = out[:-1], out[-1]
    counts = [int(r["escaped"].sum()) for _, r in mini]
    sizes = [S for S, _ in mini]
    if sum(counts) == 0 or sum(counts) == p.runs * len(counts):
        what = "no run escaped at any S" if sum(counts) == 0 else "every run escaped at every S"
        raise DemoError(f"{what} within --steps {p.steps} (lr {p.lr:g}, spread {p.spread:g}): "
                        "nothing to compare; " + ("raise --steps or --lr" if sum(counts) == 0
                                                  else "lower --spread or --lr, or test larger sizes"))
    zs = [_pair_z(a, b, p.runs) for a, b in zip(counts, counts[1:])]
    rises = holm([norm_sf(-z) for z in zs], p.alpha)     # p of "p_S' > p_S": small when z << 0
    trend = _trend_z(counts, sizes, p.runs)
    zc = _z_one_sided(p.alpha)
    full_final = float(np.max(np.abs(full["final"] - shallow)))
    res = 64 * float(np.finfo(np.float32).eps) * max(1.0, abs(shallow))
    verdicts = [
        Verdict(f"escape fraction falls with S: one-sided trend test over the {len(sizes)} sizes",
                bool(trend <= -zc), trend, f"<= {-zc:.2f}", f"z_(alpha), alpha {p.alpha:g} (false PASS)",
                f"Cochran-Armitage on log2 S; counts {counts} of {p.runs} at S = {sizes}"),
        Verdict(f"escape fraction never rises between neighbouring sizes ({len(zs)} one-sided pair tests)",
                not any(rises), min(zs), "no significant rise", f"Holm over the pairs, alpha {p.alpha:g}",
                "pair z (positive: falls) = " + ", ".join(f"{z:.1f}" for z in zs)),
        Verdict.bookkeeping("full batch: runs that escaped", int(full["escaped"].sum()), 0,
                            "deterministic GD from a fixed point"),
        Verdict("full batch: final |w - shallow minimum| (stays)", bool(full_final <= res), full_final,
                0.0, f"{res:.2g} (float rounding)", f"shallow minimum w = {shallow:.4f}",
                kind="bookkeeping"),
    ]
    frac = [c / p.runs for c in counts]
    takeaway = (f"{frac[0]:.0%} of the runs with batches of {sizes[0]} escaped the shallow minimum, "
                f"{frac[-1]:.0%} with batches of {sizes[-1]}, and full-batch GD "
                f"{int(full['escaped'].sum())} of {p.runs}: "
                + ("smaller batches, more noise, more escapes." if verdicts[0].passed and verdicts[1].passed
                   else "no clear fall with S in this run."))
    rows = []
    for S, r in out:
        fin = r["final"]
        rows.append(["full batch" if S == p.n else S, p.runs, int(r["escaped"].sum()),
                     float(r["escaped"].mean()), int((fin < barrier).sum()),
                     int((~np.isfinite(fin)).sum())])
    label = lambda S: "full batch" if S == p.n else f"S = {S}"  # noqa: E731
    steps = list(range(1, p.steps + 1))
    plots = [
        Plot("Fraction of runs that reached the deep minimum vs step", "step", "fraction escaped",
             [Series(label(S), steps, [c / p.runs for c in r["counts"]]) for S, r in out]),
        Plot("Escape fraction vs batch size", "batch size S", "fraction escaped",
             [Series("mini-batch", sizes, [c / p.runs for c in counts])], logx=True),
        Plot("One run each (smallest S, largest S, full batch): w vs step", "step", "w",
             [Series(label(S), [0] + steps, r["path"]) for S, r in (out[0], out[-2], out[-1])]
             + [Series("deep minimum", [0, p.steps], [deep, deep]),
                Series("barrier", [0, p.steps], [barrier, barrier])]),
    ]
    for row, z in zip(rows, zs + [None] * len(rows)):
        row.append(z)
    table = Table(["S", "runs", "escaped", "fraction", "end in deep basin", "non-finite",
                   "z vs next S"], rows)
    notes = [f"full loss (w^2 - 1)^2 + {p.tilt:g} w: deep minimum {deep:.4f}, barrier {barrier:.4f}, "
             f"shallow minimum {shallow:.4f}; tilt spread {p.spread:g}, N = {p.n}, lr {p.lr:g}; "
             f"noise model {p.noise_model}.",
             "escaped = reached w <= deep minimum at some step (batches sampled with replacement); "
             "with the smallest batches the noise is strong enough to carry runs back over the "
             "barrier too (compare 'end in deep basin')."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


def _pair_z(a: int, b: int, runs: int) -> float:
    """z of the one-sided two-proportion test of p_a > p_b (pooled SE; 0 when both are 0 or 1)."""
    pa, pb, pool = a / runs, b / runs, (a + b) / (2 * runs)
    se = math.sqrt(pool * (1 - pool) * 2 / runs)
    return (pa - pb) / se if se > 0 else 0.0


def _z_one_sided(alpha: float) -> float:
    from gdstudy.demo.result import _z_crit
    return _z_crit(2 * alpha)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
