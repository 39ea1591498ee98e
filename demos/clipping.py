"""Exploding gradients in a deep linear chain, and what clipping does to the update.

R independent chains h_l = W_l h_(l-1), l = 1..L, width n, with W_l's entries iid N(0, s^2/n)
(s = --gain). The loss is linear in the output (L = u^T h_L, u ~ N(0, I): a fixed output
gradient), so backprop gives delta_L = u and delta_(l-1) = W_l^T delta_l, and d loss / d h_0 =
W_1^T ... W_L^T u. Given delta_l, ||W_l^T delta_l||^2 / ||delta_l||^2 = (s^2/n) chi^2_n exactly
(W_l is rotation invariant and independent of delta_l), independently at every layer, so the
per-layer growth of log ||delta||^2 has mean 2 log s + log(2/n) + psi(n/2), variance psi'(n/2)
and third cumulant psi''(n/2): the gradient norm grows like s^L (times (1 - 1/(2n) + ...)^L for
the typical chain; E ||delta_0||^2 = s^(2L) ||u||^2 exactly). Check 1 (alpha --alpha): the mean
of the R L increments against that mean, two-sided, with its exact variance and skewness
(Pearson III). The submultiplicative bound ||delta_0|| <= prod_l ||W_l||_2 ||u|| is shown as
bookkeeping for the first 8 chains (fewer when n > 64; it holds by construction; for square
Gaussian W, ||W||_2 ~ 2s, so it overstates the growth by ~2^L).
Clipping the exploding gradients g = delta_0 at c = --clip-frac * (their median norm), so at
least half the chains are clipped: by norm, g * min(1, c/||g||), keeps the direction; by value,
each coordinate clamped to [-c/sqrt(n), c/sqrt(n)], does not. Check 2: the largest angle between
a clipped and a raw gradient is at most 4 unit roundoffs of the dtype (one rounding per
coordinate of the rescale). Negative controls: --clip value (clip-by-value claimed to keep the
direction) FAILs check 2; --theory jensen (the typical growth claimed to be exactly s per layer,
from E||W^T v||^2 = s^2 ||v||^2) FAILs check 1.

    python demos/clipping.py --help
    python demos/clipping.py --gain 0.8 --depth 50
    gdstudy demo clipping --clip value
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

NAME = "clipping"
TITLE = "Exploding gradients grow like gain^depth; clip by norm keeps the direction, by value does not"
CLAIM = ("In a deep linear chain with N(0, s^2/n) weights the backpropagated gradient norm grows "
         "like s^L (per-layer log growth 2 log s + log(2/n) + psi(n/2) for log||g||^2); clipping "
         "by norm rescales the gradient and keeps its direction, clipping by value changes it.")

PARAMS = [
    Param("depth", 30, "layers L", min=1, max=1000),
    Param("width", 32, "units per layer n", min=2, max=512),
    Param("gain", 1.2, "weight scale s: entries N(0, s^2/n) (> 1 explodes, < 1 vanishes)", min=0.1, max=4.0),
    Param("chains", 200, "independent chains R", min=10, max=100_000),
    Param("clip", "norm", "how gradients are clipped: norm (keeps direction) or value (the "
          "control: FAILs the direction check)", choices=("norm", "value")),
    Param("clip_frac", 0.1, "threshold c as a fraction of the median gradient norm", min=1e-6, max=0.99),
    Param("theory", "exact", "per-layer growth tested: exact, or jensen (exactly s per layer, "
          "the control: FAILs)", choices=("exact", "jensen")),
    Param("alpha", 1e-3, "false-FAIL rate of the growth check", min=1e-12, max=0.5),
]


BOUND_CHAINS = 8      # chains whose prod ||W_l||_2 is computed (one SVD per layer each; fewer when wide)


def check(p):
    if p.chains * p.depth < 100:
        raise DemoError(f"--chains {p.chains} x --depth {p.depth}: the growth test needs at least 100 "
                        f"layer increments (e.g. --chains {math.ceil(100 / p.depth)})")


def peak_bytes(p) -> int:
    """One layer's weights (R, n, n) on host and backend, plus (L+1, R) norms."""
    return int(8 * (4 * p.chains * p.width ** 2 + 4 * (p.depth + 1) * p.chains + 4 * p.chains * p.width) + 16e6)


def polygamma012(x: float) -> tuple[float, float, float]:
    """(psi(x), psi'(x), psi''(x)) for x > 0: recurrence up to x >= 10, then the asymptotic series."""
    a = b = c = 0.0
    while x < 10:
        a -= 1 / x
        b += 1 / x ** 2
        c -= 2 / x ** 3
        x += 1
    i2 = 1 / (x * x)
    psi = math.log(x) - 0.5 / x - i2 * (1 / 12 - i2 * (1 / 120 - i2 * (1 / 252 - i2 / 240)))
    tri = 1 / x + 0.5 * i2 + (1 / x) * i2 * (1 / 6 - i2 * (1 / 30 - i2 * (1 / 42 - i2 / 30)))
    tet = -i2 - i2 / x - i2 * i2 * (0.5 - i2 * (1 / 6 - i2 * (1 / 6 - i2 * 3 / 10)))
    return psi + a, tri + b, tet + c


def growth_theory(p) -> tuple[float, float, float]:
    """(mean, variance, third cumulant) of one layer's increment of log ||delta||^2."""
    psi, tri, tet = polygamma012(p.width / 2)
    return 2 * math.log(p.gain) + math.log(2 / p.width) + psi, tri, tet


def backprop(p, ctx):
    """-> (log ||delta_l||^2 - log ||u||^2, (L+1, R), from l = L down to 0; the unit directions of
    delta_0 on the backend; log prod_l ||W_l||_2, (R,)). delta is renormalised after every layer
    (the increments are ratios), so no depth or gain overflows or underflows."""
    be, host = ctx.be, ctx.rng(1)
    R, n = p.chains, p.width
    d = be.asarray(host.standard_normal((R, n)))
    logs = [np.zeros(R)]
    d = d / be.asarray(np.sqrt(be.to_numpy((d * d).sum(1)).astype(np.float64)))[:, None]
    nb = max(1, min(R, BOUND_CHAINS, 2 ** 15 // n ** 2))      # 8 up to n = 64, 1 from n = 182
    logbound = np.zeros(nb)
    for layer in range(p.depth):
        ctx.check_cancel()
        W = host.standard_normal((R, n, n)) * (p.gain / math.sqrt(n))
        logbound += np.log(np.linalg.norm(W[:nb], 2, axis=(1, 2)))   # SVDs: a few chains
        d = (d[:, None, :] @ be.asarray(W))[:, 0, :]          # (R, 1, n) @ (R, n, n): delta^T W = (W^T delta)^T
        sq = be.to_numpy((d * d).sum(1)).astype(np.float64)
        logs.append(logs[-1] + np.log(sq))
        d = d / be.asarray(np.sqrt(sq))[:, None]
        ctx.report(layer + 1, p.depth + 1, "backpropagating through the chain")
    return np.array(logs), d, logbound


def clip(p, be, g, c):
    """-> clipped gradients (backend) and their norms: by norm (rescale) or by value (clamp)."""
    norms = np.sqrt(be.to_numpy((g * g).sum(1)).astype(np.float64))
    if p.clip == "norm":
        return g * be.asarray(np.minimum(1.0, c / norms))[:, None]
    v = c / math.sqrt(p.width)
    return g - be.relu(g - v) + be.relu(-g - v)                # clamp(g, -v, v)


def angles(a, b) -> np.ndarray:
    """Angle between the rows of a and b (float64), accurate near 0: 2 asin(|a/|a| - b/|b||| / 2)."""
    ua = a / np.linalg.norm(a, axis=1, keepdims=True)
    ub = b / np.linalg.norm(b, axis=1, keepdims=True)
    return 2 * np.arcsin(np.minimum(1.0, np.linalg.norm(ua - ub, axis=1) / 2))


def run(p, ctx) -> DemoResult:
    from gdstudy.demo.stats import pearson3_pvalue
    be = ctx.be
    logs, g, logbound = backprop(p, ctx)
    inc = np.diff(logs, axis=0)                                # (L, R) per-layer increments
    mean, var, k3 = growth_theory(p)
    claimed = 2 * math.log(p.gain) if p.theory == "jensen" else mean
    m = inc.size
    xbar = float(inc.mean())
    pval, z = pearson3_pvalue(xbar, claimed, var / m, k3 / m ** 2)
    rel = 0.5 * (logs[-1] - np.median(logs[-1]))               # log(||g|| / median ||g||)
    g = g * be.asarray(np.exp(np.clip(rel, -30, 30)))[:, None]  # gradients in units of the median norm
    gh = be.to_numpy(g).astype(np.float64)
    norms = np.linalg.norm(gh, axis=1)
    c = p.clip_frac
    clipped = be.to_numpy(clip(p, be, g, c)).astype(np.float64)
    hit = norms > c
    ang = angles(clipped[hit], gh[hit])
    u = float(np.finfo(np.dtype(ctx.dtype)).eps) / 2
    tol = 4 * u
    cnorm = np.linalg.norm(clipped, axis=1)
    nb = len(logbound)
    # rounding slack in log ||g||^2: each layer's product and squared norm in the dtype, (n + 4) u
    # relative at most, twice (a square), plus float64 SVD and logs
    slack = 2 * p.depth * (p.width + 4) * u + 1e-12 * (1 + float(np.abs(2 * logbound).max()))
    bound_ok = bool(np.all(logs[-1][:nb] <= 2 * logbound + slack))
    verdicts = [
        Verdict(f"growth of log||g||^2 per layer vs {'2 log s (jensen)' if p.theory == 'jensen' else '2 log s + log(2/n) + psi(n/2)'}",
                bool(pval > p.alpha), round(xbar, 5), round(claimed, 5), f"two-sided p > alpha = {p.alpha:g}",
                f"p = {pval:.3g}, z = {z:.2f} (exact variance {var:.4g}, skewness from psi''; {m} increments, "
                f"R = {p.chains} chains x L = {p.depth})"),
        Verdict(f"clip by {p.clip} keeps the gradient's direction: largest angle (rad)", bool(ang.max() <= tol),
                float(ang.max()), 0.0, f"<= 4 unit roundoffs = {tol:.3g}",
                f"{int(hit.sum())} of {p.chains} gradients clipped at c = {c:.4g}; median angle {float(np.median(ang)):.3g}"),
        Verdict("update norm after clipping <= c (every chain)", bool(np.all(cnorm <= c * (1 + 8 * u))),
                float(cnorm.max()), c, "c (1 + 8u)", kind="bookkeeping"),
        Verdict(f"||g|| <= prod ||W_l||_2 ||u|| (first {nb} chains)", bound_ok,
                float(np.median(0.5 * logs[-1][:nb] / p.depth)),
                float(np.median(logbound / p.depth)), f"submultiplicative, + rounding {slack:.2g} in log||g||^2",
                "medians of the per-layer log growth of ||g|| and of log ||W_l||_2", kind="bookkeeping"),
    ]
    depths = list(range(p.depth + 1))
    meas = (0.5 * (logs - logs[0]).mean(1) / math.log(10)).tolist()
    theory = [0.5 * mean * k / math.log(10) for k in depths]
    plots = [Plot("Backpropagated gradient norm vs depth", "layers back from the output",
                  "mean log10 ||delta|| / ||u||",
                  [Series("measured", depths, meas), Series("theory", depths, theory),
                   Series("s^k", depths, [k * math.log10(p.gain) for k in depths])])]
    step = max(1, p.depth // 10)
    rows = [[k, meas[k], theory[k], float(np.median(0.5 * (logs[k] - logs[0]) / math.log(10)))]
            for k in range(0, p.depth + 1, step)]
    table = Table(["layers back", "mean log10 ratio", "theory", "median"], rows)
    notes = [f"gain s = {p.gain:g}, width n = {p.width}, depth L = {p.depth}; typical growth of ||g|| per "
             f"layer exp(mean/2) = {math.exp(mean / 2):.4f} vs s = {p.gain:g}; median ||g|| / ||u|| = "
             f"10^{float(np.median(logs[-1])) / 2 / math.log(10):.3f}",
             f"clip at c = {c:.4g}: by norm the step keeps its direction and has length min(||g||, c); "
             f"by value (|g_i| <= c/sqrt(n)) the median angle to g would be "
             f"{float(np.median(angles(np.clip(gh[hit], -c / math.sqrt(p.width), c / math.sqrt(p.width)), gh[hit]))):.3g} rad"]
    takeaway = (f"Through {p.depth} layers of gain {p.gain:g} the gradient norm grew by a factor "
                f"10^{float(np.median(logs[-1])) / 2 / math.log(10):.2f} (s^L = 10^{p.depth * math.log10(p.gain):.2f}); "
                f"clipping by {p.clip} " + ("kept every direction (largest angle "
                                           if ang.max() <= tol else "turned the gradient (largest angle ")
                + f"{float(ang.max()):.2g} rad).")
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
