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

    python demos/noise_floor.py --help
    python demos/noise_floor.py --batch-size 16 --lr 0.05
    gdstudy demo noise-floor --burn-in 0       # measures the transient too: FAIL
    gdstudy demo noise-floor --decay 0         # the "decaying" schedule is constant: FAIL
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

NAME = "noise-floor"
TITLE = "Noise floor of constant-step SGD: eta sigma^2 / (S h (2 - eta h)); a decaying step goes lower"
CLAIM = ("Constant-step SGD on a quadratic stalls in a noise ball whose variance is "
         "eta sigma^2 / (S h (2 - eta h)) (within 10 %); it shrinks with larger S and smaller eta, "
         "and a decaying step size ends at least 10x lower.")

PARAMS = [
    Param("n", 1000, "number of examples N", min=2, max=1_000_000),
    Param("curvature", 1.0, "curvature h of the quadratic", min=1e-3, max=1e3),
    Param("sigma", 1.0, "std of the per-example gradient at the minimum", min=1e-3, max=1e3),
    Param("lr", 0.1, "constant step eta (stable for eta h < 2)", min=1e-5, max=10.0),
    Param("batch_size", 4, "mini-batch size S (drawn with replacement)", min=1, max=4096),
    Param("factor", 4, "the comparison runs use S * factor and eta / factor", min=2, max=64),
    Param("chains", 2000, "independent SGD chains run as one array", min=10, max=1_000_000),
    Param("steps", 1500, "steps per constant-step run", min=10, max=1_000_000),
    Param("burn_in", 0.5, "fraction of each run discarded before averaging", min=0.0, max=0.95),
    Param("start", 1.0, "start distance x0 - x*", min=0.0, max=1e3),
    Param("decay", 0.1, "decaying run: eta / (1 + decay t); default decay = eta h", min=0.0, max=100.0),
    Param("decay_steps", 1000, "steps of the constant and decaying continuations", min=1, max=1_000_000),
    Param("tol", 0.10, "allowed relative gap between measured and theoretical variance", min=0.0, max=10.0),
    Param("min_gain", 10.0, "the decaying run must end this many times lower", min=1.0, max=1e6),
]


def check(p):
    if p.lr * p.curvature >= 2:
        raise DemoError(f"--lr * --curvature = {p.lr * p.curvature:g} >= 2: constant-step SGD "
                        "diverges, there is no stationary variance")


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
    for k, (label, lr, S) in enumerate(configs):
        x = be.asarray(np.full(p.chains, x_star + p.start))
        msd, x = _sgd(be, data, x, x_star, p.curvature, lambda t, lr=lr: lr, S, p.steps,
                      ctx, ctx.phase(k, n_phases, f"SGD {label}"))
        if k == 0:
            x_end = x
        runs.append((label, lr, S, msd))
    cont = []
    for k, (label, decay) in enumerate([("constant", 0.0), ("decaying", p.decay)]):
        sched = lambda t, d=decay: p.lr / (1.0 + d * t)
        msd, _ = _sgd(be, data, be.copy(x_end), x_star, p.curvature, sched, p.batch_size,
                      p.decay_steps, ctx, ctx.phase(len(configs) + k, n_phases, f"{label} step"))
        cont.append((label, decay, msd))
    return _result(p, runs, cont, sigma2, x_star)


def _sgd(be, data, x, x_star, h, schedule, S, steps, ctx, progress):
    """`steps` SGD steps on C chains at once. Returns (mean over chains of (x - x*)^2 after each
    step, (steps,) numpy) and the final x (C,)."""
    from gdstudy.core import SGD
    C, n = x.shape[0], data.shape[0]
    params = {"x": x}
    opt = SGD(params, lr=schedule)                     # x -= eta_t * g
    msd = be.zeros(steps)                              # (steps,) stays on the device
    for t in range(steps):
        idx = be.randint(n, (C, S))                    # (C, S) with replacement
        g = h * (params["x"] - data[idx].mean(1))      # (C,) = h (x - x*) + xi, Var xi = sigma^2/S
        opt.step({"x": g})
        d = params["x"] - x_star
        msd[t] = (d * d).mean()
        if t % 256 == 255:
            ctx.check_cancel()
            progress(t + 1, steps)
    progress(steps, steps)
    return be.to_numpy(msd).astype(np.float64), params["x"]


def _theory(lr, S, h, sigma2):
    return lr * sigma2 / (S * h * (2 - lr * h))


def _result(p, runs, cont, sigma2, x_star) -> DemoResult:
    h, burn = p.curvature, int(p.burn_in * p.steps)
    rows, verdicts, series = [], [], []
    measured = {}
    for label, lr, S, msd in runs:
        v = float(msd[burn:].mean())
        th = _theory(lr, S, h, sigma2)
        measured[label] = v
        rows.append([label, lr, S, v, th, v / th - 1])
        verdicts.append(Verdict.close(f"{label} (eta={lr:g}, S={S}): stationary variance vs "
                                      "eta sigma^2/(S h (2 - eta h))", v, th, p.tol, relative=True,
                                      detail=f"{p.chains} chains x {p.steps - burn} steps averaged"))
        series += [_thin(f"{label} eta={lr:g} S={S}", msd),
                   Series(f"theory {label}", [1, p.steps], [th, th])]
    base, big_s, small_lr = (measured[r[0]] for r in runs)
    F = p.factor
    verdicts += [
        Verdict.at_most(f"variance ratio S x {F} / base (shrinks with larger S)", big_s / base, 1.0,
                        detail=f"theory {1 / F:.3g}"),
        Verdict.at_most(f"variance ratio eta / {F} / base (shrinks with smaller eta)", small_lr / base,
                        1.0, detail=f"theory {_theory(p.lr / F, p.batch_size, h, sigma2) / _theory(p.lr, p.batch_size, h, sigma2):.3g}"),
    ]
    (_, _, m_const), (_, _, m_decay) = cont
    tail = max(1, p.decay_steps // 20)
    end_const, end_decay = float(m_const[-tail:].mean()), float(m_decay[-1])
    gain = end_const / end_decay if end_decay > 0 else float("inf")
    th_decay = _recursion(p, sigma2, _theory(p.lr, p.batch_size, h, sigma2))  # starts stationary
    verdicts.append(Verdict.at_least(f"decaying step eta/(1+{p.decay:g} t) ends lower by a factor",
                                     gain, p.min_gain,
                                     detail=f"constant {end_const:.3g} vs decaying {end_decay:.3g} "
                                            f"after {p.decay_steps} more steps"))
    rows += [["constant, continued", p.lr, p.batch_size, end_const, _theory(p.lr, p.batch_size, h, sigma2),
              end_const / _theory(p.lr, p.batch_size, h, sigma2) - 1],
             ["decaying, end", p.lr, p.batch_size, end_decay, th_decay[-1], end_decay / th_decay[-1] - 1]]
    plots = [
        Plot("Mean (x - x*)^2 over chains: constant step", "step", "E (x - x*)^2", series, logy=True),
        Plot("From the noise ball: constant vs decaying step", "extra steps", "E (x - x*)^2",
             [_thin("constant", m_const), _thin("decaying", m_decay),
              _thin("theory decaying (variance recursion)", th_decay)], logy=True),
    ]
    table = Table(["run", "eta", "S", "measured E(x-x*)^2", "theory", "rel. gap"], rows)
    notes = [f"quadratic h = {h:g}, N = {p.n}, x* = {x_star:.4g}, per-example gradient variance "
             f"sigma^2 = {sigma2:.4g} (from the data); batches drawn with replacement; "
             f"first {burn} of {p.steps} steps discarded."]
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


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
