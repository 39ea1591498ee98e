"""Convergence rates of GD and SGD, measured against the textbook bounds.

Three runs on diagonal quadratics f(x) = 0.5 sum_i lam_i x_i^2 (f* = 0 at x* = 0, L = max lam,
mu = min lam), each checked against the bound an interviewer expects you to state:
  GD, L-smooth convex, eta = 1/L:   f(x_k) - f* <= L ||x_0 - x*||^2 / (2k)  for every k >= 1
      (Beck & Teboulle 2009, Thm 3.1, ISTA with no regulariser); the spectrum is log-spaced over 6 decades below
      L, so GD's gap really falls like 1/k over the run (nothing is strongly convex at this scale).
  GD, mu-strongly convex, eta = 1/L:  f(x_k) - f* <= (1 - mu/L)^k (f(x_0) - f*)  for every k
      (Karimi, Nutini & Schmidt 2016, Thm 1: the PL inequality); lam from mu = 1 to L = kappa.
  SGD, strongly convex, alpha_k = beta/(gamma + k) (k = 1, 2, ...), beta = 2/mu, gamma = beta L - 1
      (so alpha_1 = 1/L), gradient + N(0, sigma^2 I) noise:  E[f(w_k)] - f* <= nu/(gamma + k),
      nu = max(beta^2 L M / (2 (beta mu - 1)), (gamma + 1)(f(w_1) - f*)), M = d sigma^2
      (Bottou, Curtis & Nocedal 2018, Thm 4.7).
The GD checks are deterministic: PASS iff the ratio gap / bound stays <= 1 + a stated rounding
allowance ((3k + 2d + 8) eps of the run's dtype) at every step. The SGD check is statistical:
at each checkpoint k = 2, 4, 8, ..., K the mean gap over --runs independent runs is tested
against the bound, one-sided (H0: E gap <= bound), with the exact null moments of one run's gap
(w_k is exactly Gaussian here: a weighted sum of noncentral chi^2, Pearson III upper tail), Holm
over the checkpoints: false-FAIL rate <= --alpha.
Negative controls: --bound fast states the accelerated rates for plain GD/SGD (L||x_0-x*||^2/(2k^2),
(1 - sqrt(mu/L))^k, nu/(gamma + k)^2): all three FAIL. --schedule constant keeps alpha = 1/L
(no decay): SGD stalls at its noise floor ~ d sigma^2 / (3L) and the O(1/k) check FAILs.

    python demos/rates.py --help
    python demos/rates.py --kappa 1000
    gdstudy demo rates --bound fast
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

NAME = "rates"
TITLE = "Convergence rates: GD O(1/k) convex, (1-mu/L)^k strongly convex; SGD O(1/k) with decaying steps"
CLAIM = ("With eta = 1/L, GD on an L-smooth convex f has f(x_k)-f* <= L||x_0-x*||^2/(2k), on a "
         "mu-strongly convex f f(x_k)-f* <= (1-mu/L)^k (f(x_0)-f*); SGD with steps beta/(gamma+k) "
         "on a strongly convex f has E f(w_k)-f* <= nu/(gamma+k) (Bottou et al. 2018, Thm 4.7).")

PARAMS = [
    Param("kappa", 100.0, "condition number L/mu of the strongly convex GD problem (mu = 1)", min=2.0, max=1e5),
    Param("dim", 10, "dimension d of each quadratic", min=2, max=1000),
    Param("steps", 2000, "steps K of every run", min=16, max=200_000),
    Param("sgd_kappa", 10.0, "L/mu of the SGD problem (mu = 1)", min=2.0, max=1e3),
    Param("runs", 200, "independent SGD runs averaged at each checkpoint", min=20, max=100_000),
    Param("sigma", 1.0, "standard deviation of the SGD gradient noise per coordinate", min=1e-3, max=1e3),
    Param("schedule", "decay", "SGD steps: beta/(gamma+k) (decay) or 1/L throughout (constant: a control)",
          choices=("decay", "constant")),
    Param("bound", "correct", "which rate formula is checked (fast: the accelerated rates, wrong for GD/SGD)",
          choices=("correct", "fast")),
    Param("alpha", 1e-3, "false-FAIL rate of the SGD check (Holm over checkpoints)", min=1e-12, max=0.5),
]


def check(p):
    if p.runs * p.dim > 20_000_000:
        raise DemoError(f"--runs x --dim = {p.runs * p.dim} is over 20,000,000 numbers per step; lower --runs")


def peak_bytes(p) -> int:
    """SGD state (runs, d) and a 256-step noise block, host + backend, plus the GD paths."""
    return int(8 * (4 * p.runs * p.dim + 2 * 256 * p.runs * p.dim + 8 * p.steps) + 16e6)


def checkpoints(K: int) -> list[int]:
    return sorted({2 ** j for j in range(1, int(math.log2(K)) + 1)} | {K})


def run(p, ctx) -> DemoResult:
    d = p.dim
    convex = 10.0 ** (-6 * np.arange(d) / (d - 1))           # L = 1, log-spaced to 1e-6
    strong = np.linspace(1.0, p.kappa, d)                    # mu = 1, L = kappa
    gaps_c = _gd(ctx, convex, p.steps, ctx.phase(0, 3, "GD, convex"))
    gaps_s = _gd(ctx, strong, p.steps, ctx.phase(1, 3, "GD, strongly convex"))
    sgd = _sgd(p, ctx, ctx.phase(2, 3, "SGD, decaying steps"))
    return _result(p, convex, strong, gaps_c, gaps_s, sgd, eps=float(np.finfo(ctx.dtype).eps))


def _gd(ctx, lam, K, progress) -> np.ndarray:
    """f(x_k) - f* for k = 0..K of GD with eta = 1/L from x_0 = 1 (float64 on the host)."""
    be = ctx.be
    lam_b, x = be.asarray(lam), be.asarray(np.ones(len(lam)))
    eta = 1.0 / float(lam.max())
    out = np.empty(K + 1)
    for k in range(K + 1):
        out[k] = float(be.to_numpy(0.5 * (lam_b * x * x).sum()))
        x = x - eta * (lam_b * x)
        if k % 256 == 0:
            ctx.check_cancel()
            progress(k, K)
    progress(K, K)
    return out


def sgd_steps(p, K: int) -> np.ndarray:
    """alpha_1..alpha_K of the SGD run: beta/(gamma + k), beta = 2/mu, gamma = beta L - 1."""
    L, beta = p.sgd_kappa, 2.0
    if p.schedule == "constant":
        return np.full(K, 1.0 / L)
    return beta / (beta * L - 1 + np.arange(1, K + 1))


def _sgd(p, ctx, progress):
    """Mean gap over the runs at each checkpoint, and the exact moments of one run's gap there."""
    be, host = ctx.be, ctx.rng(1)
    lam = np.linspace(1.0, p.sgd_kappa, p.dim)
    lam_b = be.asarray(lam)
    w = be.asarray(np.ones((p.runs, p.dim)))
    steps = sgd_steps(p, p.steps)
    cps, means = checkpoints(p.steps), {}
    m, v = np.ones(p.dim), np.zeros(p.dim)                  # exact mean and variance of w_k
    moments = {}
    block = None
    for k in range(1, p.steps + 1):                         # w_k -> w_k+1 with alpha_k
        if k in cps:
            gap = 0.5 * (lam_b * w * w).sum(1)
            means[k] = float(be.to_numpy(gap).astype(np.float64).mean())
            moments[k] = _gap_moments(lam, m, v)
        j = (k - 1) % 256
        if j == 0:
            ctx.check_cancel()
            progress(k, p.steps)
            block = be.asarray(host.standard_normal((min(256, p.steps - k + 1), p.runs, p.dim)) * p.sigma)
        a = float(steps[k - 1])
        w = w - a * (lam_b * w + block[j])
        m, v = (1 - a * lam) * m, (1 - a * lam) ** 2 * v + a * a * p.sigma ** 2
    progress(p.steps, p.steps)
    return lam, steps, cps, means, moments


def _gap_moments(lam, m, v):
    """(mean, variance, third central moment) of 0.5 sum lam_i w_i^2, w_i ~ N(m_i, v_i) independent
    (cumulants of a noncentral chi^2: k_r(w^2) = 2^(r-1) (r-1)! (v^r + r m^2 v^(r-1)))."""
    a = 0.5 * lam
    k1 = a * (m * m + v)
    k2 = a * a * 2 * (v * v + 2 * m * m * v)
    k3 = a ** 3 * 8 * (v ** 3 + 3 * m * m * v * v)
    return float(k1.sum()), float(k2.sum()), float(k3.sum())


def sgd_bound(p, lam, k: int, fast: bool = False) -> float:
    """nu/(gamma + k) of Bottou, Curtis & Nocedal Thm 4.7 (nu/(gamma + k)^2 when fast)."""
    L, mu, beta = float(lam.max()), float(lam.min()), 2.0 / float(lam.min())
    gamma = beta * L - 1
    M = p.dim * p.sigma ** 2
    gap1 = 0.5 * float(lam.sum())                            # w_1 = 1
    nu = max(beta * beta * L * M / (2 * (beta * mu - 1)), (gamma + 1) * gap1)
    return nu / (gamma + k) ** (2 if fast else 1)


def _result(p, convex, strong, gaps_c, gaps_s, sgd, eps: float) -> DemoResult:
    from gdstudy.demo.stats import holm, positive_mean_pvalue
    fast = p.bound == "fast"
    K = p.steps
    k = np.arange(K + 1, dtype=np.float64)
    allow = 1 + (3 * k + 2 * p.dim + 8) * eps                 # rounding allowance per step
    L_c, r0 = float(convex.max()), float(p.dim)              # ||x_0 - x*||^2 = d
    bound_c = L_c * r0 / (2 * np.maximum(k, 1) ** (2 if fast else 1))
    ratio_c = (gaps_c / bound_c)[1:]
    q = math.sqrt(1 / p.kappa) if fast else 1 / p.kappa
    bound_s = (1 - q) ** k * gaps_s[0]
    ok_s = (bound_s > 1e-300) & (k >= 1)                     # k = 0 is equality; the bound underflows below
    ratio_s = gaps_s[ok_s] / bound_s[ok_s]
    worst_c, at_c = float(np.max(ratio_c / allow[1:])), int(np.argmax(ratio_c / allow[1:])) + 1
    worst_s = float(np.max(ratio_s / allow[ok_s]))
    at_s = int(np.flatnonzero(ok_s)[np.argmax(ratio_s / allow[ok_s])])
    cname = "L||x0-x*||^2/(2k^2)" if fast else "L||x0-x*||^2/(2k)"
    sname = "(1-sqrt(mu/L))^k" if fast else "(1-mu/L)^k"
    lam, steps, cps, means, moments = sgd
    tests, brows = [], []
    for c in cps:
        b = sgd_bound(p, lam, c, fast)
        pv, z = positive_mean_pvalue(means[c], moments[c], p.runs, mean=b, sides="upper")
        tests.append(pv)
        brows.append((c, means[c], moments[c][0], b, z))
    rej = holm(tests, p.alpha)
    worst_sgd = max(r[1] / r[3] for r in brows)
    half = [r for r in brows if r[0] >= max(2, K // 16)]
    slope = float(np.polyfit(np.log([r[0] for r in half]), np.log([r[1] for r in half]), 1)[0]) \
        if len(half) >= 2 else math.nan
    tail = gaps_s[ok_s & (gaps_s > 1e-30)]
    contraction = float((tail[-1] / tail[0]) ** (1 / (len(tail) - 1))) if len(tail) > 1 else math.nan
    sb = "nu/(gamma+k)^2" if fast else "nu/(gamma+k)"
    verdicts = [
        Verdict.at_most(f"GD convex, eta=1/L: max_k (f(x_k)-f*) / [{cname}] (rounding allowance divided out)",
                        worst_c, 1.0, f"worst at k = {at_c} of {K}; allowance (3k + 2d + 8) eps, eps {eps:.3g}"),
        Verdict.at_most(f"GD strongly convex, eta=1/L: max_k (f(x_k)-f*) / [{sname} (f(x0)-f*)]",
                        worst_s, 1.0, f"worst at k = {at_s}; kappa {p.kappa:g}; measured contraction of the "
                        f"gap {contraction:.6g} per step (bound {1 - q:.6g})"),
        Verdict(f"SGD {p.schedule} steps: mean gap over {p.runs} runs <= {sb} at every checkpoint",
                not any(rej), round(worst_sgd, 4), "<= 1 (mean gap / bound)",
                f"one-sided, exact null moments, Holm over {len(cps)} checkpoints (alpha {p.alpha:g})",
                f"smallest p {min(tests):.3g}; worst z {max(r[4] for r in brows):.2f}; log-log slope of the "
                f"mean gap over k >= {max(2, K // 16)}: {slope:.3f} (O(1/k) is -1)"),
    ]
    rows = [[c, mean, exact, b, mean / b, z] for c, mean, exact, b, z in brows]
    table = Table(["SGD step k", "mean gap", "exact E gap", "bound " + sb, "mean / bound", "z vs bound"], rows)
    idx = np.unique(np.round(np.geomspace(1, K, 200)).astype(int))
    plots = [
        Plot("GD on the convex quadratic: gap and bound", "k", "f(x_k) - f*",
             [Series("GD, eta = 1/L", idx.tolist(), gaps_c[idx].tolist()),
              Series(cname, idx.tolist(), bound_c[idx].tolist())], logx=True, logy=True),
        Plot("GD on the strongly convex quadratic: gap and bound (log10)", "k", "log10 gap",
             [Series("GD, eta = 1/L", np.flatnonzero(gaps_s > 0).tolist(),
                     np.log10(gaps_s[gaps_s > 0]).tolist()),
              Series(sname, np.flatnonzero(ok_s).tolist(), np.log10(bound_s[ok_s]).tolist())]),
        Plot("SGD: mean gap over the runs vs the bound", "k", "E f(w_k) - f*",
             [Series("mean of the runs", [r[0] for r in brows], [r[1] for r in brows]),
              Series(sb, [r[0] for r in brows], [r[3] for r in brows])], logx=True, logy=True),
    ]
    notes = [(f"GD convex: lam log-spaced from L = 1 to 1e-6, d = {p.dim}, x_0 = 1; strongly convex: lam "
             f"from 1 to {p.kappa:g}; SGD: lam from 1 to {p.sgd_kappa:g}, alpha_1 = {steps[0]:.4g}, "
             f"alpha_K = {steps[-1]:.4g}, noise sigma = {p.sigma:g}, {p.runs} runs")]
    ok = all(v.passed for v in verdicts)
    takeaway = (f"GD's gap stayed at most {worst_c:.2g} of {cname} and {worst_s:.2g} of {sname}; "
                f"SGD's mean gap fell with log-log slope {slope:.2f} and reached {worst_sgd:.2g} of {sb} at "
                f"worst" + (", as the card says." if ok else "; the FAIL lines below say which bound broke."))
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
