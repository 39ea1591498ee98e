"""Ill-conditioning: GD zig-zags along the steep axis and crawls along the flat one; heavy-ball
momentum fixes it.

The function is the core's 2-D quadratic f = 0.5 (x^2 + kappa y^2): curvatures mu = 1 (x, flat)
and L = kappa (y, steep). Three runs from the same start:
  GD at eta = lr_scale / L:   y is multiplied by (1 - eta L) < 0 per step (a sign flip every
                              step when lr_scale > 1), x by 1 - eta (barely below 1)
  GD at eta = 2 / (L + mu):   the best constant step, rate (kappa - 1) / (kappa + 1)
  heavy ball (core SGD with momentum) at eta = 4 / (sqrt L + sqrt mu)^2 and
  beta = ((sqrt kappa - 1) / (sqrt kappa + 1))^2:  rate (sqrt kappa - 1) / (sqrt kappa + 1)
The measured rate is the spectral radius of the iteration as the run shows it: on this diagonal
quadratic each coordinate's error e_t obeys a linear recurrence (GD: e_t+1 = a e_t; heavy ball:
e_t+1 = a e_t + b e_t-1, whose solutions include (c + d t) rho^t at a double root), so a is fitted
by least squares from the recorded iterates (scaled to equal weight per step) and the rate is the
largest |root| of z^2 - a z - b over both coordinates. The run is deterministic (no data, a fixed
start): the only error is float round-off, so the tolerance is the rate's largest change over the
box of coefficients +- h, h the larger of z standard errors of the fit's residuals (alpha 1e-3)
and a stated rounding bound: each step's rounding (a count of the update's roundings times eps,
numeric_step_error) plus the float64 least-squares solve's backward error n eps64 (1 + |a| + |b|),
carried to the coefficients by sqrt(n) / sigma_min of the fit's design matrix. (The old floor of
16 ulps was below the fit's own error in float64 at kappa >= 300: a false FAIL.) No window, so no
(c + d t) prefactor bias. --beta-scale 1.05 (momentum 5 % above its optimum: rate 2.5 % worse)
and 0.5 FAIL, at every --steps; so does --lr-scale 2.05 (GD expands instead of contracting).
The table also shows the exact spectral radius of each run's 2x2 iteration matrices.

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
from gdstudy.errors import DemoError

NAME = "conditioning"
TITLE = "Ill-conditioning: GD zig-zags and crawls at rate max|1-eta*lambda|; heavy ball fixes it"
CLAIM = ("On a quadratic with condition number kappa, GD zig-zags along the steep axis and its "
         "per-step contraction is max(|1-eta mu|, |1-eta L|); heavy-ball momentum at its optimal "
         "settings contracts at (sqrt(kappa)-1)/(sqrt(kappa)+1), each within tolerance.")

PARAMS = [
    Param("kappa", 50.0, "condition number L / mu (mu = 1)", min=2.0, max=1e4),
    Param("lr_scale", 1.8, "step of the zig-zag GD run: eta = lr_scale / L (above 2: a negative "
          "control, GD expands)", min=0.05, max=2.5),
    Param("beta_scale", 1.0, "heavy ball's beta = beta_scale * optimal beta (1: optimal)",
          min=0.0, max=1.2),
    Param("steps", 0, "step budget of each run (0: until the slowest run's error is 1e-12 of the start; "
          "else at least 10)", min=0, max=20_000),
    Param("flip_steps", 20, "steps in which sign flips are counted", min=1, max=10_000),
    Param("alpha", 1e-3, "false-alarm rate of the rate checks (the fit's z * SE box)", min=1e-12, max=0.5),
]

START = (-1.5, 1.0)   # (flat x, steep y)
EPS64 = float(np.finfo(np.float64).eps)


def check(p):
    if 0 < p.steps < 10:
        raise DemoError(f"--steps {p.steps}: the recurrence fit needs at least 10 steps (or 0 for the automatic budget)")


def peak_bytes(p) -> int:
    """Three recorded paths of (T+1, 2) floats (backend + host lists of floats, ~60 bytes a step)."""
    return int(3 * 120 * (_budget(p) + 1) + 16e6)


def _budget(p) -> int:
    if p.steps:
        return p.steps
    sk = math.sqrt(p.kappa)
    rates = ((p.kappa - 1) / (p.kappa + 1), (sk - 1) / (sk + 1), _gd_rate(p.lr_scale / p.kappa, 1.0, p.kappa))
    slowest = max(r for r in rates if r < 1)       # a diverging run stops at its blow-up anyway
    return min(1_000_000, math.ceil(12 * math.log(10) / -math.log(slowest)) + 40)


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
    budget = _budget(p)
    runs = []
    for k, (label, eta, beta, theory) in enumerate(specs):
        ctx.check_cancel()
        path = _path(ctx, L, eta, beta, budget, ctx.phase(k, len(specs), label))  # (T+1, 2)
        runs.append((label, eta, beta, theory, path))
    ctx.check_cancel()
    return _result(p, runs, eps=float(np.finfo(ctx.dtype).eps))


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


def exact_rate(eta: float, beta: float, lams) -> float:
    """Spectral radius of the iteration: max over curvatures lam of the largest |eigenvalue| of
    [[1 + beta - eta lam, -beta], [1, 0]] (heavy ball; beta = 0 is GD)."""
    return max(float(np.max(np.abs(np.linalg.eigvals(np.array([[1 + beta - eta * lam, -beta], [1.0, 0.0]])))))
               for lam in lams)


def _root_radius(a: float, b: float) -> float:
    """Largest |root| of z^2 - a z - b."""
    return float(np.max(np.abs(np.roots([1.0, -a, -b]))))


def fitted_rate(e: np.ndarray, order: int, z: float, eps: float, step_err: float | None = None):
    """Fit e[t+1] = a e[t] (+ b e[t-1]) to one coordinate's errors; -> (rate, tolerance, n).
    Each equation is divided by the size of its terms (equal weight per step); steps whose errors
    are below 1e-30 of the start (underflow) are left out. The tolerance is the largest change of
    the rate over the box a +- h_a, b +- h_b (and the double-root curve inside it), where each
    half-width h is the larger of
      z standard errors from the fit's residuals (the statistical part), and
      the numerical bound: every scaled equation is off by at most r = step_err (the run's own
      rounding per step, `eps` times a count of roundings; see numeric_step_error) plus
      n * eps64 * (1 + |a| + |b|) (the backward error of the float64 least-squares solve, Higham
      Thm 20.3), so each coefficient is off by at most r sqrt(n) / sigma_min(A).
    The rate is floored at 4 ulps (the rounding of the theory value and of the root)."""
    e = np.asarray(e, dtype=np.float64)
    ok = np.isfinite(e) & (np.abs(e) > 1e-30 * np.abs(e[0]))
    t = np.arange(order, len(e) - 1)
    t = t[ok[t + 1] & ok[t] & ok[t - order + 1]] if len(t) else t
    if len(t) < order + 2:
        return math.nan, math.nan, len(t)
    cols = [e[t - k] for k in range(order)]                    # e_t, (e_t-1)
    scale = np.maximum.reduce([np.abs(c) for c in cols] + [np.abs(e[t + 1])])
    A = np.stack(cols, axis=1) / scale[:, None]                # (n, order)
    rhs = e[t + 1] / scale
    coef, *_ = np.linalg.lstsq(A, rhs, rcond=None)
    resid = rhs - A @ coef
    n = len(t)
    dof = max(1, n - order)
    s2 = float(resid @ resid) / dof
    try:
        cov = s2 * np.linalg.inv(A.T @ A)
        se = np.sqrt(np.maximum(np.diag(cov), 0.0))
        smin = float(np.linalg.svd(A, compute_uv=False)[-1])
    except np.linalg.LinAlgError:
        se, smin = np.full(order, math.inf), 0.0
    a, b = (coef[0], coef[1]) if order == 2 else (coef[0], 0.0)
    r = (step_err if step_err is not None else 8 * eps) + n * EPS64 * (1 + abs(a) + abs(b))
    num = r * math.sqrt(n) / smin if smin > 0 else math.inf
    half = np.maximum(z * se, num)
    ha, hb = (half[0], half[1]) if order == 2 else (half[0], 0.0)
    rho = _root_radius(a, b)
    if not (np.isfinite(ha) and np.isfinite(hb)):
        return rho, math.inf, n
    grid_a = a + ha * np.linspace(-1, 1, 11)
    grid_b = b + hb * np.linspace(-1, 1, 11)
    pts = [(x, y) for x in grid_a for y in grid_b]
    pts += [(x, -x * x / 4) for x in grid_a if abs(-x * x / 4 - b) <= hb]  # double roots in the box
    tol = max(abs(_root_radius(x, y) - rho) for x, y in pts)
    return rho, max(float(tol), 4 * EPS64 * max(rho, 1.0)), n


def numeric_step_error(eps: float, eta: float, lam: float, beta: float) -> float:
    """Bound on one step's rounding relative to the size of the recurrence's terms (the scale
    each fitted equation is divided by): GD/heavy ball compute g = lam w, v' = beta v + g,
    w' = w - eta v'; with |eta v'| <= 2 s and |eta beta v| <= 2 s (both are differences of
    iterates) the five roundings add up to at most (9 + 2 eta lam) u, u = eps/2, and the cast
    of eta and beta to the run's dtype changes a, b by (eta lam + 2 beta) u more; so
    eps (8 + 2 eta lam + beta), a little over their sum."""
    return eps * (8 + 2 * eta * lam + beta)


def _flips(v: np.ndarray) -> int:
    """Sign changes between consecutive entries of v."""
    s = np.sign(v)
    return int(np.sum(s[1:] * s[:-1] < 0))


def _result(p, runs, eps: float = 1.2e-7) -> DemoResult:
    from gdstudy.demo.result import _z_crit
    z = _z_crit(p.alpha)
    verdicts, rows, series = [], [], []
    notes = [f"f = 0.5 (x^2 + kappa y^2), kappa = {p.kappa:g} (mu = 1, L = {p.kappa:g}), start "
             f"{START}; rate = largest |root| of the recurrence fitted to each coordinate's errors, "
             f"tolerance = its change over the fit's +-{z:.2f} SE box (alpha {p.alpha:g})."]
    for i, (label, eta, beta, theory, path) in enumerate(runs):
        hb = i == len(runs) - 1                                # the heavy-ball run (beta may be 0)
        fits = [fitted_rate(path[:, c], 2 if beta > 0 else 1, z, eps, numeric_step_error(eps, eta, lam, beta))
                for c, lam in ((0, 1.0), (1, p.kappa))]              # flat x, steep y
        rate, tol, n = max(fits, key=lambda f: (f[0] if math.isfinite(f[0]) else -1.0))
        tol = max(f[1] for f in fits if math.isfinite(f[0]) and abs(f[0] - rate) <= f[1] + tol) \
            if math.isfinite(rate) else math.nan
        exact = exact_rate(eta, beta, (1.0, p.kappa))
        name = (f"{label}: rate vs (sqrt(kappa)-1)/(sqrt(kappa)+1)" if hb
                else f"{label}: rate vs max(|1-eta mu|, |1-eta L|)")
        ok = math.isfinite(rate) and abs(rate - theory) <= tol and rate < 1
        detail = f"fit over {n} steps; exact spectral radius of this run's iteration {exact:.6g}"
        if math.isfinite(rate) and rate >= 1:
            detail = f"diverges: the error grows x{rate:.4g} per step, no contraction; " + detail
        verdicts.append(Verdict(name, bool(ok), rate, theory, f"{tol:.3g} (fit SE box and rounding bound)", detail))
        err = np.linalg.norm(path, axis=1)                     # (T+1,) distance to w* = 0
        reach = np.flatnonzero(err / err[0] <= 1e-6)
        rows.append([label, eta, beta, theory, exact, rate, _flips(path[: p.flip_steps + 1, 1]),
                     _flips(path[: p.flip_steps + 1, 0]), int(reach[0]) if len(reach) else None])
        rel = err / err[0]
        ok_pts = np.flatnonzero(np.isfinite(rel) & (rel > 1e-30))   # float32 underflows below
        series.append(Series(label, ok_pts.tolist(), np.log10(rel[ok_pts]).tolist()))
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
    table = Table(["run", "eta", "beta", "theory rate", "exact spectral radius", "measured rate",
                   "y flips", "x flips", "steps to 1e-6"], rows)
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes,
                      takeaway=_takeaway(p, rows, verdicts, W))


def _takeaway(p, rows, verdicts, W) -> str:
    """One sentence from the table rows [label, eta, beta, theory, exact, measured, y flips, x flips, reach]."""
    gd, best, hb = rows
    flips = f"GD at {gd[0][3:]} flipped the steep coordinate's sign {gd[6]} times in {W} steps"
    def reach(r):
        return f"{r[8]} steps" if r[8] is not None else "more than the budget"
    rates = (f"the best constant step contracted x{best[5]:.4g} per step (theory {best[3]:.4g}) and needed "
             f"{reach(best)} to 1e-6, heavy ball x{hb[5]:.4g} (theory {hb[3]:.4g}) and {reach(hb)}")
    ok = all(v.passed for v in verdicts)
    return f"At kappa = {p.kappa:g}, {flips}; {rates}" + (", as the card says." if ok else
                                                         "; the FAIL lines below say what did not match.")


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
