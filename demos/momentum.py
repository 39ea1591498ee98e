"""Momentum on a quadratic: heavy ball and Nesterov at their tuned settings contract at the
sqrt(kappa) rates, and the measured rate matches the theory.

The function is the core's 2-D quadratic f = 0.5 (x^2 + kappa y^2): curvatures mu = 1 and
L = kappa. Two runs from the same start, both the core's SGD with momentum (torch convention):
  heavy ball (Polyak 1964):  eta = 4 / (sqrt L + sqrt mu)^2, beta = ((sqrt kappa - 1) / (sqrt kappa + 1))^2;
      each eigen-direction obeys e_t+1 = (1 + beta - eta lam) e_t - beta e_t-1, whose roots at
      lam = mu and lam = L are double roots of modulus sqrt(beta): rate (sqrt kappa - 1) / (sqrt kappa + 1)
  Nesterov (2004 §2.2.1, constant step scheme, strongly convex): eta = 1 / L, beta = (sqrt kappa - 1) / (sqrt kappa + 1);
      e_t+1 = (1 + beta)(1 - eta lam) e_t - beta (1 - eta lam) e_t-1; at lam = mu the roots are a
      double root 1 - 1/sqrt(kappa), for mu < lam <= L they are complex of smaller modulus: rate
      exactly 1 - 1/sqrt(kappa) (the torch form v = beta v + g, w -= eta (g + beta v) has the same
      characteristic polynomial).
The measured rate is the largest |root| of the recurrence fitted to each coordinate's recorded
errors (conditioning's fitted_rate: least squares, equal weight per step), its tolerance the
rate's change over the fit's +-z SE box or the stated rounding bound, whichever is wider (for
Nesterov the per-step rounding bound is doubled: two more roundings per step). The run is
deterministic (a fixed start, no data): the stated false-FAIL rate is 0, alpha sets z.
Negative control --beta-formula kappa: the momentum is set to (kappa - 1)/(kappa + 1) (GD's
rate formula mistaken for the momentum coefficient) for both methods: heavy ball then contracts
at sqrt(beta) ~ 1 - 1/kappa and Nesterov at another rate; both FAIL at every kappa and budget.

    python demos/momentum.py --help
    python demos/momentum.py --kappa 1000
    gdstudy demo momentum --beta-formula kappa
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

NAME = "momentum"
TITLE = "Momentum: heavy ball and Nesterov contract at the sqrt(kappa) rates on a quadratic"
CLAIM = ("On a quadratic with condition number kappa, heavy ball at eta = 4/(sqrt L + sqrt mu)^2, "
         "beta = ((sqrt kappa - 1)/(sqrt kappa + 1))^2 contracts at (sqrt kappa - 1)/(sqrt kappa + 1) "
         "per step, and Nesterov at eta = 1/L, beta = (sqrt kappa - 1)/(sqrt kappa + 1) at "
         "1 - 1/sqrt kappa, each within tolerance (GD's best is (kappa - 1)/(kappa + 1)).")

PARAMS = [
    Param("kappa", 100.0, "condition number L / mu (mu = 1)", min=2.0, max=1e4),
    Param("beta_formula", "optimal", "momentum coefficient: optimal (the tuned formulas) or kappa "
          "(negative control: beta = (kappa-1)/(kappa+1) for both)", choices=("optimal", "kappa")),
    Param("steps", 0, "step budget of each run (0: until the slower run's error is 1e-12 of the start; "
          "else at least 10)", min=0, max=20_000),
    Param("alpha", 1e-3, "sets z of the fit's z * SE box (the run is deterministic: no false FAIL "
          "is expected at any alpha)", min=1e-12, max=0.5),
]

START = (-1.5, 1.0)   # (flat x, steep y)


def _cond():
    """The conditioning demo's recurrence fit (one implementation of fitted_rate)."""
    from gdstudy.demo.registry import load_demo
    return load_demo("conditioning")


def check(p):
    if 0 < p.steps < 10:
        raise DemoError(f"--steps {p.steps}: the recurrence fit needs at least 10 steps (or 0 for the automatic budget)")


def settings(kappa: float, formula: str = "optimal"):
    """[(label, eta, beta, nesterov, theory rate)] for heavy ball and Nesterov (mu = 1, L = kappa)."""
    sk = math.sqrt(kappa)
    q = (sk - 1) / (sk + 1)
    wrong = (kappa - 1) / (kappa + 1)
    return [("heavy ball", 4 / (sk + 1) ** 2, q * q if formula == "optimal" else wrong, False, q),
            ("Nesterov", 1 / kappa, q if formula == "optimal" else wrong, True, 1 - 1 / sk)]


def _budget(p) -> int:
    if p.steps:
        return p.steps
    slowest = max(s[4] for s in settings(p.kappa))         # the theory, not the run under test
    return min(20_000, math.ceil(12 * math.log(10) / -math.log(slowest)) + 40)


def peak_bytes(p) -> int:
    return int(2 * 120 * (_budget(p) + 1) + 16e6)


def exact_rate(eta: float, beta: float, nesterov: bool, lams) -> float:
    """Spectral radius of the iteration on the curvatures lams: the largest |root| of
    z^2 - (1 + beta - eta lam) z + beta (heavy ball) or
    z^2 - (1 + beta)(1 - eta lam) z + beta (1 - eta lam) (Nesterov)."""
    out = 0.0
    for lam in lams:
        c = 1 - eta * lam
        coeffs = [1.0, -(1 + beta) * c, beta * c] if nesterov else [1.0, -(1 + beta - eta * lam), beta]
        out = max(out, float(np.max(np.abs(np.roots(coeffs)))))
    return out


def run(p, ctx) -> DemoResult:
    from gdstudy.core import SGD, make_function, to_backend, train
    budget = _budget(p)
    specs = settings(p.kappa, p.beta_formula)
    runs = []
    for k, (label, eta, beta, nesterov, theory) in enumerate(specs):
        ctx.check_cancel()
        f = make_function(ctx.be, "quadratic", kappa=p.kappa)
        params = to_backend(ctx.be, f.init_params(start=START))
        res = train(f, params, SGD(params, lr=eta, momentum=beta, nesterov=nesterov), max_steps=budget,
                    check_every=256, record_path=True, progress=ctx.phase(k, len(specs), label),
                    cancel=ctx.cancelled)
        runs.append((label, eta, beta, nesterov, theory, np.asarray(res.path, dtype=np.float64)))
    ctx.check_cancel()
    return _result(p, runs, eps=float(np.finfo(ctx.dtype).eps))


def _result(p, runs, eps: float) -> DemoResult:
    from gdstudy.demo.result import _z_crit
    cond = _cond()
    z = _z_crit(p.alpha)
    verdicts, rows, series = [], [], []
    for label, eta, beta, nesterov, theory, path in runs:
        fits = [cond.fitted_rate(path[:, c], 2, z, eps,
                                 (2 if nesterov else 1) * cond.numeric_step_error(eps, eta, lam, beta))
                for c, lam in ((0, 1.0), (1, p.kappa))]
        rate, tol, n = max(fits, key=lambda f: (f[0] if math.isfinite(f[0]) else -1.0))
        tol = max(f[1] for f in fits if math.isfinite(f[0]) and abs(f[0] - rate) <= f[1] + tol) \
            if math.isfinite(rate) else math.nan
        exact = exact_rate(eta, beta, nesterov, (1.0, p.kappa))
        formula = "1 - 1/sqrt(kappa)" if nesterov else "(sqrt(kappa)-1)/(sqrt(kappa)+1)"
        ok = math.isfinite(rate) and abs(rate - theory) <= tol
        verdicts.append(Verdict(f"{label} (eta={eta:.4g}, beta={beta:.4g}): rate vs {formula}", bool(ok), rate,
                                theory, f"{tol:.3g} (fit SE box and rounding bound)",
                                f"fit over {n} steps; exact spectral radius of this run's iteration {exact:.6g}"))
        err = np.linalg.norm(path, axis=1)
        rel = err / err[0]
        reach = np.flatnonzero(rel <= 1e-6)
        rows.append([label, eta, beta, theory, exact, rate, int(reach[0]) if len(reach) else None,
                     1 / (1 - beta) if beta < 1 else math.inf])
        ok_pts = np.flatnonzero(np.isfinite(rel) & (rel > 1e-30))
        series.append(Series(label, ok_pts.tolist(), np.log10(rel[ok_pts]).tolist()))
    gd = (p.kappa - 1) / (p.kappa + 1)
    gd_steps = math.ceil(6 * math.log(10) / -math.log(gd))
    series.append(Series(f"GD eta=2/(L+mu) theory x{gd:.4g}/step", [0, len(runs[0][5]) - 1],
                         [0.0, (len(runs[0][5]) - 1) * math.log10(gd)]))
    notes = [(f"f = 0.5 (x^2 + kappa y^2), kappa = {p.kappa:g}, start {START}, beta formula {p.beta_formula}; "
              f"rate = largest |root| of the order-2 recurrence fitted to each coordinate's errors, tolerance "
              f"= its change over the fit's +-{z:.2f} SE box (alpha {p.alpha:g}) or the rounding bound."),
             (f"GD at its best constant step 2/(L+mu) contracts x{gd:.6g} per step (about {gd_steps} steps "
              f"to 1e-6); momentum's effective step is eta/(1-beta) (column 'amplification' = 1/(1-beta)).")]
    plots = [Plot("Error ||w - w*|| relative to the start (log10)", "step", "log10 error", series)]
    table = Table(["run", "eta", "beta", "theory rate", "exact spectral radius", "measured rate",
                   "steps to 1e-6", "amplification 1/(1-beta)"], rows)
    hb, nv = rows
    ok = all(v.passed for v in verdicts)
    take = (f"At kappa = {p.kappa:g}, heavy ball contracted x{hb[5]:.4g} per step (theory {hb[3]:.4g}) and "
            f"Nesterov x{nv[5]:.4g} (theory {nv[3]:.4g}), against GD's best x{gd:.4g}: momentum turns a "
            f"kappa-step problem into a sqrt(kappa)-step one")
    take += ", as the card says." if ok else "; the FAIL lines below say what did not match."
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=take)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
