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

Verdicts are z-tests against the run's own standard error. The iterates of one chain are
autocorrelated (lag-1 correlation (1 - eta h)^2), so the T steps of a chain are not T samples:
each chain's time average is one sample (batch means with the chains as batches; the chains are
independent), SE = sd(chain means) / sqrt(C). The naive SE (all C*T values as independent) and
the effective sample size are printed. The ratio checks use the delta method on two such means.
`--theory approx` (eta sigma^2 / (2 S h), the small-step approximation, 5 % lower at eta h = 0.1)
must FAIL: the SE is ~0.3 % of V at the defaults.

    python demos/noise_floor.py --help
    python demos/noise_floor.py --batch-size 16 --lr 0.05
    gdstudy demo noise-floor --theory approx   # eta sigma^2/(2 S h): FAIL (5 % off, SE 0.3 %)
    gdstudy demo noise-floor --burn-in 0       # measures the transient too: FAIL
    gdstudy demo noise-floor --decay 0         # the "decaying" schedule is constant: FAIL
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
         "eta sigma^2 / (S h (2 - eta h)) (z-test against the run's own standard error); it "
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
    Param("alpha", 1e-3, "false-alarm rate of each z-test (two-sided)", min=1e-12, max=0.5),
    Param("min_gain", 10.0, "the decaying run must end this many times lower", min=1.0, max=1e6),
    Param("theory", "exact", "exact: eta sigma^2/(S h (2 - eta h)); approx: eta sigma^2/(2 S h) "
          "(the small-step approximation: a wrong answer at this precision)",
          choices=("exact", "approx")),
]


def check(p):
    if p.lr * p.curvature >= 2:
        raise DemoError(f"--lr * --curvature = {p.lr * p.curvature:g} >= 2: constant-step SGD "
                        "diverges, there is no stationary variance")
    if int(p.burn_in * p.steps) >= p.steps - 1:
        raise DemoError("--burn-in leaves fewer than 2 steps to average")


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
    return lr * sigma2 / (S * h * (2 - lr * h))


def _result(p, runs, cont, sigma2, x_star, burn) -> DemoResult:
    h = p.curvature
    rows, verdicts, series = [], [], []
    est = {}
    for label, lr, S, st in runs:
        v, se, naive = _mean_se(st)
        th = _theory(lr, S, h, sigma2, p.theory)
        est[label] = (v, se)
        ess = len(st["chain"]) * st["m"] * (naive / se) ** 2 if se > 0 else math.inf
        rows.append([label, lr, S, v, se, th, v / th - 1])
        verdicts.append(Verdict.z_test(
            f"{label} (eta={lr:g}, S={S}): stationary variance vs {_formula(p.theory)}", v, th, se,
            p.alpha, detail=f"{p.chains} chains x {st['m']} steps; SE from the chain means "
                            f"(naive iid SE {naive:.2g} is {se / naive:.1f}x too small; effective "
                            f"sample size {ess:,.0f} of {len(st['chain']) * st['m']:,})"))
        series += [_thin(f"{label} eta={lr:g} S={S}", st["msd"]),
                   Series(f"theory {label}", [1, p.steps], [th, th])]
    (lb, (vb, sb)), F = next(iter(est.items())), p.factor
    th_b = _theory(p.lr, p.batch_size, h, sigma2, p.theory)
    for (label, lr, S, _), what in zip(runs[1:], ("larger S", "smaller eta")):
        v, se = est[label]
        ratio = v / vb
        se_r = ratio * math.hypot(se / v, sb / vb)             # independent runs: delta method
        verdicts.append(Verdict.z_test(f"variance ratio {label} / base (shrinks with {what})",
                                       ratio, _theory(lr, S, h, sigma2, p.theory) / th_b, se_r,
                                       p.alpha, detail="delta-method SE of a ratio of two means"))
    (_, _, s_const), (_, _, s_decay) = cont
    end_const, se_const, _ = _mean_se(s_const)
    end_decay, se_decay, _ = _mean_se(s_decay)
    th_decay = _recursion(p, sigma2, _theory(p.lr, p.batch_size, h, sigma2))  # starts stationary
    verdicts.append(Verdict.z_test(f"decaying step eta/(1+{p.decay:g} t): final variance vs the "
                                   "variance recursion", end_decay, float(th_decay[-1]), se_decay,
                                   p.alpha, detail=f"after {p.decay_steps} more steps; SE over "
                                                   f"{p.chains} chains"))
    gain = end_const / end_decay if end_decay > 0 else math.inf
    z = _zc(p.alpha)
    low = (end_const - z * se_const) / (end_decay + z * se_decay) if end_decay > 0 else math.inf
    verdicts.append(Verdict(f"decaying step ends lower by a factor (lower {z:.2f}-SE bound)",
                            bool(low >= p.min_gain), gain, f">= {p.min_gain:g}",
                            f"lower bound {low:.3g}",
                            f"constant {end_const:.3g} +- {se_const:.2g} vs decaying "
                            f"{end_decay:.3g} +- {se_decay:.2g}"))
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
             f"z-tests at alpha = {p.alpha:g} (two-sided, {z:.2f} SE): the exact and the "
             f"small-step formula differ by a factor (2 - eta h)/2 = {(2 - p.lr * h) / 2:.4g}."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


def _formula(kind):
    return "eta sigma^2/(2 S h)" if kind == "approx" else "eta sigma^2/(S h (2 - eta h))"


def _zc(alpha):
    from gdstudy.demo.result import _z_crit
    return _z_crit(alpha)


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
