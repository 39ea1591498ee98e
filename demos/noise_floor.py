"""Constant-step SGD stalls in a noise ball; a decaying step goes further.

Problem: f(x) = 1/N sum_i h/2 (x - a_i)^2, minimum x* = mean(a). The per-example gradient is
h (x - a_i); its variance over the data is sigma^2 = h^2 Var(a) (measured from the data). A
mini-batch of S indices drawn with replacement gives g = h (x - x*) + xi with E xi = 0,
Var xi = sigma^2 / S, independent between steps. With a constant step eta:

    x_{t+1} - x* = (1 - eta h)(x_t - x*) - eta xi_t
    V = (1 - eta h)^2 V + eta^2 sigma^2 / S   =>   V = eta sigma^2 / (S h (2 - eta h))

(stationary when |1 - eta h| < 1; the noise need not be Gaussian). For any schedule eta_t the
same recursion V_{t+1} = (1 - eta_t h)^2 V_t + eta_t^2 sigma^2 / S gives the theory curve.
C independent chains run as one array (C,); V is the mean of (x - x*)^2 over chains and over
the steps after the burn-in. Runs: (eta, S), (eta, 4S), (eta/4, S); then, from the end state of
the first run, `decay-steps` more steps with the constant step and with eta / (1 + decay t).

The seven checks are one family: Holm over their p-values, family false-FAIL rate --alpha. The
iterates of one chain are autocorrelated (lag-1 correlation (1 - eta h)^2), so the T steps of a
chain are not T samples: each chain's time average is one sample (batch means with the chains as
batches; the chains are independent), SE = sd(chain means) / sqrt(C), and the test is a t-test
with C - 1 degrees of freedom. The naive SE (all C*T values as independent) and the effective
sample size are printed. The ratio checks use the delta method on two such means (t, C - 1).
The decaying run's final variance is one value per chain, (x_T - x*)^2 = V_T chi^2_1 (x_T is a
sum of many independent kicks): its mean over C chains is tested with the exact moments of
V_T chi^2_1 / C (Pearson III above, Maurer below). "Ends lower by --min-gain": a one-sided t-test
of const - min_gain * decay > 0. Settings that cannot support the tests are refused up front: a
burn-in too short for the slowest run (eta / factor) to forget its start, a kept window shorter
than 5 of its relaxation times (chain means too skewed for a t-test), or a decaying run that
theory says ends no lower than --min-gain, or too few chains to show its gain (each refusal
names the smallest setting that can).
Negative controls: `--theory approx` (eta sigma^2 / (2 S h), the small-step approximation, 5 %
lower at eta h = 0.1: the SE is ~0.3 % of V at the defaults) and `--theory no-batch` (the noise
variance sigma^2 not divided by S) FAIL. --burn-in 0 (the transient measured too) and --decay 0
(no decay) are refused up front: they cannot measure what the claim is about.

    python demos/noise_floor.py --help
    python demos/noise_floor.py --batch-size 16 --lr 0.05
    gdstudy demo noise-floor --theory approx   # eta sigma^2/(2 S h): FAIL (5 % off, SE 0.3 %)
    gdstudy demo noise-floor --theory no-batch # sigma^2 not divided by S: FAIL
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

NAME = "noise-floor"
TITLE = "Noise floor of constant-step SGD: eta sigma^2 / (S h (2 - eta h)); a decaying step goes lower"
CLAIM = ("Constant-step SGD on a quadratic stalls in a noise ball whose variance is "
         "eta sigma^2 / (S h (2 - eta h)) (t-test against the chains' own standard error); it "
         "shrinks with larger S and smaller eta, and a decaying step size ends at least 10x lower.")

PARAMS = [
    Param("n", 1000, "number of examples N", min=2, max=1_000_000),
    Param("curvature", 1.0, "curvature h of the quadratic", min=1e-3, max=1e3),
    Param("sigma", 1.0, "std of the per-example gradient at the minimum", min=1e-3, max=1e3),
    Param("lr", 0.1, "constant step eta (stable for eta h < 2)", min=1e-5, max=10.0),
    Param("batch_size", 4, "mini-batch size S (drawn with replacement)", min=1, max=4096),
    Param("factor", 4, "the comparison runs use S * factor and eta / factor", min=2, max=64),
    Param("chains", 2000, "independent SGD chains run as one array (the sample size)", min=10,
          max=1_000_000),
    Param("steps", 600, "steps per constant-step run", min=10, max=1_000_000),
    Param("burn_in", 0.4, "fraction of each run discarded before averaging", min=0.0, max=0.95),
    Param("start", 1.0, "start distance x0 - x*", min=0.0, max=1e3),
    Param("decay", 0.1, "decaying run: eta / (1 + decay t) [a fixed 0.1, not tied to eta h]",
          min=0.0, max=100.0),
    Param("decay_steps", 400, "steps of the constant and decaying continuations", min=1, max=1_000_000),
    Param("alpha", 1e-3, "false-FAIL rate of the seven checks together (Holm)", min=1e-12, max=0.5),
    Param("min_gain", 10.0, "the decaying run must end this many times lower", min=1.0, max=1e6),
    Param("theory", "exact", "exact: eta sigma^2/(S h (2 - eta h)); approx: eta sigma^2/(2 S h) "
          "(the small-step approximation: a wrong answer at this precision); no-batch: "
          "eta sigma^2/(h (2 - eta h)), the noise not divided by S (a wrong formula)",
          choices=("exact", "approx", "no-batch")),
]


def check(p):
    if p.lr * p.curvature >= 2:
        raise DemoError(f"--lr * --curvature = {p.lr * p.curvature:g} >= 2: constant-step SGD "
                        "diverges, there is no stationary variance")
    if int(p.burn_in * p.steps) >= p.steps - 1:
        raise DemoError("--burn-in leaves fewer than 2 steps to average")
    need = _steps_needed(p, p.steps)
    if need > p.steps:
        fix = f"the smallest that can is --steps {need}" if need <= 10 ** 7 else "raise --burn-in or --lr"
        raise DemoError(f"--steps {p.steps} with --burn-in {p.burn_in:g}: the runs have not forgotten their "
                        f"start (bias above 1/20 of the SE; relaxation 1/(eta h/{p.factor}) steps); {fix}")
    kept, slow = p.steps - int(p.burn_in * p.steps), 1 / (p.lr * p.curvature / p.factor)
    if kept < 5 * slow:
        need = math.ceil(5 * slow / max(1 - p.burn_in, 1e-9)) + 1
        raise DemoError(f"--steps {p.steps} with --burn-in {p.burn_in:g} keeps {kept} steps, fewer than 5 "
                        f"relaxation times ({slow:.0f} steps each) of the run at eta/{p.factor}: its chain "
                        f"means are too skewed for the t-test; the smallest that can is --steps {need}")
    gain, g = _theory_gain(p), p.min_gain
    if gain <= g:
        raise DemoError(f"theory says the decaying step ends only {gain:.3g}x lower (--decay {p.decay:g}, "
                        f"--decay-steps {p.decay_steps}), not the --min-gain {g:g}x the check asks: raise "
                        "--decay or --decay-steps, or lower --min-gain")
    # the gain check must PASS when the claim holds: expected t >= its Holm level + a 1 - alpha margin
    need = _z_one(p.alpha / 7) + _z_one(p.alpha / 10)
    chains = math.ceil(2 * (gain ** 2 + g ** 2) * (need / (gain - g)) ** 2)
    if p.chains < chains:
        raise DemoError(f"--chains {p.chains}: too few to show the decaying step's {gain:.3g}x gain over "
                        f"--min-gain {g:g} at alpha {p.alpha:g}; the smallest that can is --chains {chains}")


def _z_one(a: float) -> float:
    from gdstudy.demo.result import _z_crit
    return _z_crit(2 * a)


def _bias_ratio(p, steps) -> float:
    """|transient bias of the averaged variance| / its expected SE, for the slowest run (eta/F):
    E(x_t - x*)^2 - V = rho^t (start^2 - V), rho = (1 - eta h)^2; SE of the mean of m
    autocorrelated Gaussian squares over C chains = V sqrt(2 (1 + rho) / ((1 - rho) m C))."""
    burn = int(p.burn_in * steps)
    m = steps - burn
    worst = 0.0
    for lr, S in ((p.lr, p.batch_size), (p.lr / p.factor, p.batch_size), (p.lr, p.batch_size * p.factor)):
        a = lr * p.curvature
        rho = (1 - a) ** 2
        V = _theory(lr, S, p.curvature, p.sigma ** 2)
        tail = rho ** (burn + 1) * (1 - rho ** m) / (1 - rho) / m if rho < 1 else 1.0
        bias = abs(p.start ** 2 - V) * tail
        se = V * math.sqrt(2 * (1 + rho) / max(1 - rho, 1e-300) / m / p.chains)
        se = min(se, V * math.sqrt(2 / p.chains))       # at most: every step the same value
        worst = max(worst, bias / se)
    return worst


def _steps_needed(p, steps) -> int:
    """The smallest step budget (at the same burn-in fraction) whose transient bias is below
    1/20 of the SE; `steps` itself if it is enough."""
    if _bias_ratio(p, steps) <= 0.05:
        return steps
    n = steps
    while n < 10 ** 9 and _bias_ratio(p, n) > 0.05:
        n *= 2
    lo, hi = n // 2, n
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _bias_ratio(p, mid) <= 0.05 else (mid, hi)
    return hi


def _theory_gain(p) -> float:
    """Theory of the constant / decaying final variance after --decay-steps from stationarity."""
    sigma2 = p.sigma ** 2
    v0 = _theory(p.lr, p.batch_size, p.curvature, sigma2)
    return v0 / float(_recursion(p, sigma2, v0)[-1])


def peak_bytes(p) -> int:
    """Data (N,), per-step means, and ~12 arrays of C chains (x, g, index batch C x S*factor)."""
    f = 8
    return int(f * (p.n + 2 * max(p.steps, p.decay_steps) + 12 * p.chains
                    + 3 * p.chains * p.batch_size * p.factor)) + (1 << 20)


def run(p, ctx) -> DemoResult:
    be = ctx.be
    a = ctx.rng(1).standard_normal(p.n)
    a = (a - a.mean()) / a.std() * (p.sigma / p.curvature) + 1.0   # (N,) data, x* = 1
    x_star = float(a.mean())
    sigma2 = float(p.curvature ** 2 * a.var())                     # per-example gradient variance
    data = be.asarray(a)
    F = p.factor
    configs = [("base", p.lr, p.batch_size), (f"S x {F}", p.lr, p.batch_size * F),
               (f"eta / {F}", p.lr / F, p.batch_size)]
    runs = []
    n_phases = len(configs) + 2
    burn = int(p.burn_in * p.steps)
    for k, (label, lr, S) in enumerate(configs):
        x = be.asarray(np.full(p.chains, x_star + p.start))
        stats, x = _sgd(be, data, x, x_star, p.curvature, lambda t, lr=lr: lr, S, p.steps, burn,
                        ctx, ctx.phase(k, n_phases, f"SGD {label}"))
        if k == 0:
            x_end = x
        runs.append((label, lr, S, stats))
    cont = []
    tail = max(1, p.decay_steps // 20)
    for k, (label, decay) in enumerate([("constant", 0.0), ("decaying", p.decay)]):
        sched = lambda t, d=decay: p.lr / (1.0 + d * t)
        start = p.decay_steps - (tail if decay == 0.0 else 1)   # constant: the last 5 %; decaying: the end
        stats, _ = _sgd(be, data, be.copy(x_end), x_star, p.curvature, sched, p.batch_size,
                        p.decay_steps, start, ctx,
                        ctx.phase(len(configs) + k, n_phases, f"{label} step"))
        cont.append((label, decay, stats))
    return _result(p, runs, cont, sigma2, x_star, burn)


def _sgd(be, data, x, x_star, h, schedule, S, steps, burn, ctx, progress):
    """`steps` SGD steps on C chains at once. -> stats (mean over chains of (x - x*)^2 after each
    step (steps,); per chain the mean of (x - x*)^2 and of (x - x*)^4 over steps >= burn, (C,)
    each, numpy float64) and the final x (C,)."""
    from gdstudy.core import SGD
    C, n = x.shape[0], data.shape[0]
    params = {"x": x}
    opt = SGD(params, lr=schedule)                     # x -= eta_t * g
    msd = be.zeros(steps)                              # (steps,) stays on the device
    acc, acc2 = be.zeros(C), be.zeros(C)               # (C,) per-chain sums after the burn-in
    for t in range(steps):
        idx = be.randint(n, (C, S))                    # (C, S) with replacement
        g = h * (params["x"] - data.take(idx).mean(1))  # (C,) = h (x - x*) + xi, Var xi = sigma^2/S
        opt.step({"x": g})
        d = params["x"] - x_star
        dd = d * d
        msd[t] = dd.mean()
        if t >= burn:
            acc += dd
            acc2 += dd * dd
        if t % 256 == 255:
            ctx.check_cancel()
            progress(t + 1, steps)
    progress(steps, steps)
    m = steps - burn
    host = lambda v: be.to_numpy(v).astype(np.float64)  # noqa: E731
    return {"msd": host(msd), "chain": host(acc) / m, "chain2": host(acc2) / m, "m": m}, params["x"]


def _mean_se(stats):
    """Mean over chains and steps, its SE from the chains' time averages (independent batches),
    and the naive SE that treats all C*m values as independent."""
    c = stats["chain"]
    v = float(c.mean())
    se = float(c.std(ddof=1) / math.sqrt(len(c)))
    var_all = max(float(stats["chain2"].mean()) - v * v, 0.0)
    naive = math.sqrt(var_all / (len(c) * stats["m"]))
    return v, se, naive


def _theory(lr, S, h, sigma2, kind="exact"):
    if kind == "approx":
        return lr * sigma2 / (2 * S * h)
    if kind == "no-batch":
        return lr * sigma2 / (h * (2 - lr * h))
    return lr * sigma2 / (S * h * (2 - lr * h))


def _t_verdict(name, measured, expected, se, df, detail=""):
    """-> (Verdict without its pass flag decided, two-sided p) of a t-test with df degrees of freedom."""
    from gdstudy.demo.stats import t_sf
    t = (measured - expected) / se if se > 0 else (0.0 if measured == expected else math.inf)
    pval = min(1.0, 2 * t_sf(abs(t), df)) if math.isfinite(t) else 0.0
    return Verdict(name, True, measured, expected, None, f"t = {t:.2f} (t_{df}), SE {se:.3g}, p = {pval:.3g}"
                   + (f"; {detail}" if detail else "")), pval


def _result(p, runs, cont, sigma2, x_star, burn) -> DemoResult:
    from gdstudy.demo.stats import holm, positive_mean_pvalue, t_sf
    h = p.curvature
    rows, series, tests = [], [], []
    est = {}
    df = p.chains - 1
    for label, lr, S, st in runs:
        v, se, naive = _mean_se(st)
        th = _theory(lr, S, h, sigma2, p.theory)
        est[label] = (v, se)
        ess = len(st["chain"]) * st["m"] * (naive / se) ** 2 if se > 0 else math.inf
        rows.append([label, lr, S, v, se, th, v / th - 1])
        tests.append(_t_verdict(
            f"{label} (eta={lr:g}, S={S}): stationary variance vs {_formula(p.theory)}", v, th, se, df,
            f"{p.chains} chains x {st['m']} steps; SE from the chain means "
            f"(naive iid SE {naive:.2g} is {se / naive:.1f}x too small; effective "
            f"sample size {ess:,.0f} of {len(st['chain']) * st['m']:,})"))
        series += [_thin(f"{label} eta={lr:g} S={S}", st["msd"]),
                   Series(f"theory {label}", [1, p.steps], [th, th])]
    (lb, (vb, sb)), F = next(iter(est.items())), p.factor
    th_b = _theory(p.lr, p.batch_size, h, sigma2, p.theory)
    ratios = []
    for (label, lr, S, _), what in zip(runs[1:], ("larger S", "smaller eta")):
        v, se = est[label]
        ratio = v / vb
        ratios.append(ratio)
        se_r = ratio * math.hypot(se / v, sb / vb)             # independent runs: delta method
        tests.append(_t_verdict(f"variance ratio {label} / base (shrinks with {what})",
                                ratio, _theory(lr, S, h, sigma2, p.theory) / th_b, se_r, df,
                                "delta-method SE of a ratio of two means"))
    (_, _, s_const), (_, _, s_decay) = cont
    end_const, se_const, _ = _mean_se(s_const)
    end_decay, se_decay, _ = _mean_se(s_decay)
    th_decay = _recursion(p, sigma2, _theory(p.lr, p.batch_size, h, sigma2))  # starts stationary
    vt = float(th_decay[-1])
    p_dec, z_dec = positive_mean_pvalue(end_decay, (vt, 2 * vt * vt, 8 * vt ** 3), p.chains)
    tests.append((Verdict(f"decaying step eta/(1+{p.decay:g} t): final variance vs the variance recursion",
                          True, end_decay, vt, None,
                          f"z = {z_dec:.2f}, p = {p_dec:.3g} (mean of {p.chains} values V_T chi^2_1, exact "
                          f"moments); after {p.decay_steps} more steps"), p_dec))
    gain = end_const / end_decay if end_decay > 0 else math.inf
    se_g = math.hypot(se_const, p.min_gain * se_decay)
    t_g = (end_const - p.min_gain * end_decay) / se_g if se_g > 0 else math.inf
    p_gain = t_sf(t_g, df) if math.isfinite(t_g) else (0.0 if t_g > 0 else 1.0)
    tests.append((Verdict(f"decaying step ends lower by a factor (one-sided t-test of const - "
                          f"{p.min_gain:g} x decay > 0)", True, gain, f">= {p.min_gain:g}", None,
                          f"t = {t_g:.2f} (t_{df}), p = {p_gain:.3g}; constant {end_const:.3g} +- {se_const:.2g} "
                          f"vs decaying {end_decay:.3g} +- {se_decay:.2g}"), p_gain))
    # Holm over the six: the gain check rejects its null (gain < min_gain) to PASS; the others
    # FAIL when they reject theirs
    pvals = [pv for _, pv in tests]
    rej = holm(pvals, p.alpha)
    verdicts = []
    how = f"Holm over {len(tests)} checks, family alpha {p.alpha:g}"
    for j, ((v, pv), r) in enumerate(zip(tests, rej)):
        last = j == len(tests) - 1
        v.passed = bool(r) if last else not r
        v.tolerance = (f"p <= its Holm level ({how})" if last else f"p > its Holm level ({how})")
        verdicts.append(v)
    th_c = _theory(p.lr, p.batch_size, h, sigma2)
    rows += [["constant, continued", p.lr, p.batch_size, end_const, se_const, th_c, end_const / th_c - 1],
             ["decaying, end", p.lr, p.batch_size, end_decay, se_decay, float(th_decay[-1]),
              end_decay / th_decay[-1] - 1]]
    plots = [
        Plot("Mean (x - x*)^2 over chains: constant step", "step", "E (x - x*)^2", series, logy=True),
        Plot("From the noise ball: constant vs decaying step", "extra steps", "E (x - x*)^2",
             [_thin("constant", s_const["msd"]), _thin("decaying", s_decay["msd"]),
              _thin("theory decaying (variance recursion)", th_decay)], logy=True),
    ]
    table = Table(["run", "eta", "S", "measured E(x-x*)^2", "SE", "theory", "rel. gap"], rows)
    notes = [f"quadratic h = {h:g}, N = {p.n}, x* = {x_star:.4g}, per-example gradient variance "
             f"sigma^2 = {sigma2:.4g} (from the data); batches drawn with replacement; "
             f"first {burn} of {p.steps} steps discarded; theory {p.theory} = {_formula(p.theory)}.",
             f"{how}: the exact and the small-step formula differ by a factor (2 - eta h)/2 = "
             f"{(2 - p.lr * h) / 2:.4g}."]
    takeaway = (f"Constant-step SGD (eta {p.lr:g}, S {p.batch_size}) settled at E(x - x*)^2 = {vb:.3g} "
                f"against {th_b:.3g} from {_formula(p.theory)}; {F}x the batch gave {ratios[0]:.2f}x, "
                f"eta/{F} gave {ratios[1]:.2f}x, and the decaying step ended {gain:.3g}x lower.")
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=takeaway)


def _formula(kind):
    return {"approx": "eta sigma^2/(2 S h)", "no-batch": "eta sigma^2/(h (2 - eta h))"}.get(
        kind, "eta sigma^2/(S h (2 - eta h))")


def _recursion(p, sigma2, v0):
    """Theory for the decaying run: V_{t+1} = (1 - eta_t h)^2 V_t + eta_t^2 sigma^2 / S."""
    out, v = np.empty(p.decay_steps), v0
    for t in range(p.decay_steps):
        lr = p.lr / (1.0 + p.decay * t)
        v = (1 - lr * p.curvature) ** 2 * v + lr * lr * sigma2 / p.batch_size
        out[t] = v
    return out


def _thin(name, y, points: int = 400) -> Series:
    idx = np.unique(np.linspace(0, len(y) - 1, min(points, len(y))).astype(int))
    return Series(name, (idx + 1).tolist(), np.asarray(y)[idx].tolist())


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
