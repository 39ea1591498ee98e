"""Ill-conditioning: GD zig-zags along the steep axis and crawls along the flat one; heavy-ball
momentum fixes it.

The function is the core's 2-D quadratic f = 0.5 (x^2 + kappa y^2): curvatures mu = 1 (x, flat)
and L = kappa (y, steep). Three runs from the same start:
  GD at eta = lr_scale / L:   y is multiplied by (1 - eta L) < 0 per step (a sign flip every
                              step when lr_scale > 1), x by 1 - eta (barely below 1)
  GD at eta = 2 / (L + mu):   the best constant step, rate (kappa - 1) / (kappa + 1)
  heavy ball (core SGD with momentum) at eta = 4 / (sqrt L + sqrt mu)^2 and
  beta = ((sqrt kappa - 1) / (sqrt kappa + 1))^2:  rate (sqrt kappa - 1) / (sqrt kappa + 1)
The measured rate is the geometric mean of the per-step ratios of the error norm ||w_t - w*||
over a window: from the first step where the error is 10^-window_from of the start to the first
where it is 10^-window_to (the burn-in drops the faster component). At the optimal settings
heavy ball's iteration matrix has a double eigenvalue, so its error is (a + b t) rho^t: the
window estimate is biased upwards by about (t2/t1)^(1/(t2 - t1)) (printed in the notes); the
heavy-ball tolerance (3 %) covers that, GD has no prefactor and gets 1 %.
--beta-scale 1.1 (momentum above its optimum: slower) or 0.5 (unstable) FAILs; so does
--kappa 2, where the prefactor bias of the short heavy-ball window exceeds 3 %.

    python demos/conditioning.py --help
    python demos/conditioning.py --kappa 100
    gdstudy demo conditioning --beta-scale 1.1
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

NAME = "conditioning"
TITLE = "Ill-conditioning: GD zig-zags and crawls at rate max|1-eta*lambda|; heavy ball fixes it"
CLAIM = ("On a quadratic with condition number kappa, GD zig-zags along the steep axis and its "
         "per-step contraction is max(|1-eta mu|, |1-eta L|); heavy-ball momentum at its optimal "
         "settings contracts at (sqrt(kappa)-1)/(sqrt(kappa)+1), each within tolerance.")

PARAMS = [
    Param("kappa", 50.0, "condition number L / mu (mu = 1)", min=2.0, max=1e4),
    Param("lr_scale", 1.8, "step of the zig-zag GD run: eta = lr_scale / L", min=1e-3, max=2.5),
    Param("beta_scale", 1.0, "heavy ball's beta = beta_scale * optimal beta (1: optimal)",
          min=0.0, max=1.2),
    Param("steps", 0, "step budget of each run (0: enough for the slowest run's window)",
          min=0, max=1_000_000),
    Param("window_from", 6.0, "rate window starts once the error is 10^-this of the start",
          min=0.0, max=30.0),
    Param("window_to", 24.0, "rate window ends once the error is 10^-this of the start",
          min=0.5, max=30.0),
    Param("flip_steps", 20, "steps in which sign flips are counted", min=1, max=10_000),
    Param("tol_gd", 0.01, "allowed relative gap of GD's measured rate", min=0.0, max=10.0),
    Param("tol_hb", 0.03, "allowed relative gap of heavy ball's measured rate", min=0.0, max=10.0),
]

START = (-1.5, 1.0)   # (flat x, steep y)


def check(p):
    from gdstudy.errors import DemoError
    if p.window_to <= p.window_from:
        raise DemoError("--window-to must be larger than --window-from")


def run(p, ctx) -> DemoResult:
    L, mu = p.kappa, 1.0
    sk = math.sqrt(p.kappa)
    hb_lr, hb_beta = 4 / (math.sqrt(L) + math.sqrt(mu)) ** 2, ((sk - 1) / (sk + 1)) ** 2
    specs = [  # (label, eta, beta, theory rate)
        (f"GD eta={p.lr_scale:g}/L", p.lr_scale / L, 0.0, _gd_rate(p.lr_scale / L, mu, L)),
        ("GD eta=2/(L+mu)", 2 / (L + mu), 0.0, (p.kappa - 1) / (p.kappa + 1)),
        ("heavy ball (optimal)" if p.beta_scale == 1 else f"heavy ball beta x{p.beta_scale:g}",
         hb_lr, hb_beta * p.beta_scale, (sk - 1) / (sk + 1)),
    ]
    slowest = max(r for *_, r in specs if r < 1)
    budget = p.steps or min(1_000_000, math.ceil(1.2 * p.window_to * math.log(10) / -math.log(slowest)) + 20)
    runs = []
    for k, (label, eta, beta, theory) in enumerate(specs):
        ctx.check_cancel()
        path = _path(ctx, L, eta, beta, budget, ctx.phase(k, len(specs), label))  # (T+1, 2)
        runs.append((label, eta, beta, theory, path))
    ctx.check_cancel()
    return _result(p, runs)


def _gd_rate(eta, mu, L) -> float:
    return max(abs(1 - eta * mu), abs(1 - eta * L))


def _path(ctx, L, eta, beta, steps, progress) -> np.ndarray:
    """The iterates w_0..w_T of GD / heavy ball from START: (T+1, 2) float64 on the host."""
    from gdstudy.core import SGD, make_function, to_backend, train
    f = make_function(ctx.be, "quadratic", kappa=L)
    params = to_backend(ctx.be, f.init_params(start=START))
    res = train(f, params, SGD(params, lr=eta, momentum=beta), max_steps=steps,
                check_every=256, record_path=True, progress=progress, cancel=ctx.cancelled)
    return np.asarray(res.path, dtype=np.float64)


def measured_rate(err: np.ndarray, lo: float, hi: float):
    """Geometric mean of err[t+1]/err[t] over the window [t1, t2] where err first falls to
    10^-lo and 10^-hi of err[0] (t2: the last step if never). -> (rate, t1, t2)."""
    e = err / err[0]
    below = np.flatnonzero(e <= 10.0 ** -lo)
    if len(below) == 0:
        return math.nan, None, None
    t1 = int(below[0])
    end = np.flatnonzero(e <= 10.0 ** -hi)
    t2 = int(end[0]) if len(end) else len(e) - 1
    if t2 <= t1 or not e[t2] > 0:
        return math.nan, t1, t2
    return float((e[t2] / e[t1]) ** (1.0 / (t2 - t1))), t1, t2


def _flips(v: np.ndarray) -> int:
    """Sign changes between consecutive entries of v."""
    s = np.sign(v)
    return int(np.sum(s[1:] * s[:-1] < 0))


def _result(p, runs) -> DemoResult:
    verdicts, rows, series = [], [], []
    notes = [f"f = 0.5 (x^2 + kappa y^2), kappa = {p.kappa:g} (mu = 1, L = {p.kappa:g}), start "
             f"{START}; rate window from error 1e-{p.window_from:g} to 1e-{p.window_to:g} of the start."]
    for i, (label, eta, beta, theory, path) in enumerate(runs):
        err = np.linalg.norm(path, axis=1)                     # (T+1,) distance to w* = 0
        rate, t1, t2 = measured_rate(err, p.window_from, p.window_to)
        hb = beta > 0
        tol = p.tol_hb if hb else p.tol_gd
        name = (f"{label}: rate vs (sqrt(kappa)-1)/(sqrt(kappa)+1)" if hb
                else f"{label}: rate vs max(|1-eta mu|, |1-eta L|)")
        verdicts.append(Verdict.close(name, rate, theory, tol, relative=True,
                                      detail=f"window steps {t1}..{t2}"))
        if hb and t1 and t2 and t2 > t1:
            bias = (t2 / t1) ** (1 / (t2 - t1))
            notes.append(f"{label}: a (a + b t) rho^t error over steps {t1}..{t2} inflates the "
                         f"estimate by up to x{bias:.4f} ({100 * (bias - 1):.2f} %).")
        reach = np.flatnonzero(err / err[0] <= 1e-6)
        rows.append([label, eta, beta, theory, rate, _flips(path[: p.flip_steps + 1, 1]),
                     _flips(path[: p.flip_steps + 1, 0]), int(reach[0]) if len(reach) else None])
        rel = err / err[0]
        ok = np.flatnonzero(np.isfinite(rel) & (rel > 1e-30))   # float32 underflows below
        series.append(Series(label, ok.tolist(), np.log10(rel[ok]).tolist()))
    label, eta, _, _, path = runs[0]
    window = path[: p.flip_steps + 1]                          # (W+1, 2)
    W = len(window) - 1
    expected = [W if 1 - eta * p.kappa < 0 else 0, W if 1 - eta < 0 else 0]
    verdicts.insert(0, Verdict.exact(f"{label}: sign flips in {W} steps [steep y, flat x]",
                                     [_flips(window[:, 1]), _flips(window[:, 0])], expected,
                                     f"y x (1 - eta L) = {1 - eta * p.kappa:.3g} per step, "
                                     f"x x (1 - eta) = {1 - eta:.3g}"))
    n = min(len(runs[0][4]), 41)
    plots = [Plot("Error ||w - w*|| relative to the start (log10)", "step", "log10 error", series),
             Plot(f"{label}: the first {n - 1} steps per axis", "step", "coordinate",
                  [Series("steep y (zig-zag)", list(range(n)), runs[0][4][:n, 1].tolist()),
                   Series("flat x (crawl)", list(range(n)), runs[0][4][:n, 0].tolist())])]
    table = Table(["run", "eta", "beta", "theory rate", "measured rate", "y flips", "x flips",
                   "steps to 1e-6"], rows)
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
