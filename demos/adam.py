"""Adam's bias correction: m_hat = m / (1 - b1^t) and v_hat = v / (1 - b2^t) are unbiased for
E[g] and E[g^2] from the first step on; without it the step is off by an exact factor.

Adam (Kingma & Ba 2015, Algorithm 1 and section 3) starts its moment averages at 0, so for
gradients with a stationary distribution E[m_t] = (1 - b1^t) E[g] and E[v_t] = (1 - b2^t) E[g^2].
Two parts, both on the core's Adam (gdstudy.core.Adam):
  constant gradient (no noise), coordinates G * (1, -1, 1e-3, 1e3): the bias-corrected step is
      exactly lr * G / (|G| + eps) at every t (so lr with eps = 0: Adam's step does not scale
      with the gradient), while the uncorrected step is lr (1 - b1^t) G / (sqrt(1 - b2^t) |G| + eps):
      with eps = 0 the ratio uncorrected / corrected is (1 - b1^t) / sqrt(1 - b2^t), which at the
      defaults b1 = 0.9, b2 = 0.999 is 3.2 at t = 1, 6.5 at t = 10 and still 1.26 at t = 1000: the
      early uncorrected steps are too LARGE (too small only when 1 - b1 < sqrt(1 - b2), e.g. b1 = b2).
      Both are checked against the exact formulas, step by step, within a stated rounding bound
      (float casts of b1, b2 and the EMA recursions; see _round_rel).
  noisy gradient g ~ N(G, sigma^2), --replicates independent coordinates: at checkpoint steps the
      mean over replicates of m_hat_t is tested against G (exact normal: m_hat is linear in the
      gradients) and of v_hat_t against G^2 + sigma^2 (the exact variance and third moment of a
      weighted sum of noncentral chi-squares, Pearson III above / Maurer below:
      gdstudy.demo.stats.positive_mean_pvalue), each widened by the rounding bound; Holm over all
      p-values: family false-FAIL rate --alpha.
Negative control --bias-correction off (Adam with the correction left out): every part FAILs.

    python demos/adam.py --help
    python demos/adam.py --beta1 0.99 --beta2 0.99
    gdstudy demo adam --bias-correction off
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
from gdstudy.demo.stats import holm, norm_sf, positive_mean_pvalue

NAME = "adam"
TITLE = "Adam's bias correction: unbiased moments from step 1; without it the step is off by (1-b1^t)/sqrt(1-b2^t)"
CLAIM = ("With bias correction Adam's m_hat_t and v_hat_t are unbiased for E[g] and E[g^2] at every "
         "step t, so a constant gradient gives a step of exactly lr G/(|G|+eps); without it the step "
         "is lr (1-b1^t) G/(sqrt(1-b2^t)|G|+eps), a factor (1-b1^t)/sqrt(1-b2^t) off (eps = 0).")

PARAMS = [
    Param("beta1", 0.9, "first-moment decay b1", min=0.0, max=0.999),
    Param("beta2", 0.999, "second-moment decay b2", min=0.5, max=0.99999),
    Param("eps", 1e-8, "Adam's eps (added to sqrt(v_hat))", min=0.0, max=1e-2),
    Param("lr", 1e-3, "learning rate", min=1e-6, max=1.0),
    Param("grad_mean", 1.0, "G: the mean gradient (the constant part uses G * (1, -1, 1e-3, 1e3))",
          min=1e-3, max=1e3),
    Param("noise", 1.0, "sigma: the gradient noise sd of the noisy part", min=0.01, max=100.0),
    Param("replicates", 4000, "independent noisy coordinates (at least 200: the Pearson III tail of "
          "the v_hat test is checked there)", min=200, max=200_000),
    Param("steps", 100, "Adam steps", min=1, max=10_000),
    Param("bias_correction", "on", "on (Adam) or off (negative control: m and v used as they are)",
          choices=("on", "off")),
    Param("alpha", 1e-3, "family false-FAIL rate of the moment tests (Holm)", min=1e-9, max=0.5),
]

CHECKPOINTS = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
SCALES = (1.0, -1.0, 1e-3, 1e3)


def peak_bytes(p) -> int:
    return int(12 * 8 * p.replicates + 64 * p.steps + 16e6)


def uncorrected_ratio(b1: float, b2: float, t: int, eps: float = 0.0, g: float = 1.0) -> float:
    """Uncorrected / corrected Adam step for a constant gradient g at step t:
    (1 - b1^t)(|g| + eps) / (sqrt(1 - b2^t)|g| + eps); (1 - b1^t)/sqrt(1 - b2^t) at eps = 0."""
    g = abs(g)
    return (1 - b1 ** t) * (g + eps) / (math.sqrt(1 - b2 ** t) * g + eps)


def _round_rel(eps_dtype: float, b1: float, b2: float, t: int) -> float:
    """A bound on the relative rounding error of m_hat, v_hat and the step at step t in a dtype of
    machine epsilon e (unit roundoff u = e/2): the cast of b to the dtype moves the EMA's weights,
    changing (1 - b^t)/(1 - b) by at most b u/(1 - b) relative, and the cast of 1 - b adds u; each
    recursion step rounds twice (<= 2u of its positive terms), and the errors of older steps decay
    by b per step, so the recursion adds at most 2u min(t, 2/(1-b)); v_hat enters through a square
    root (half its error); sqrt, + eps, / and lr * add 4u. The sum is doubled for the read-out of
    the step and the float64 host arithmetic."""
    u = eps_dtype / 2

    def ema(b):
        return u * (1 + b / (1 - b) + 2 * min(t, 2 / (1 - b)))
    return 2 * (ema(b1) + 0.5 * ema(b2) + 4 * u)


def run(p, ctx) -> DemoResult:
    from gdstudy.core import Adam
    be = ctx.be
    rng = ctx.rng(0)
    on = p.bias_correction == "on"
    G, s, R, T = p.grad_mean, p.noise, p.replicates, p.steps
    gc = G * np.asarray(SCALES)
    gc_b = be.asarray(gc)
    params = {"w": be.zeros(R), "c": be.zeros(len(SCALES))}
    ref = {"c": be.zeros(len(SCALES))}
    kw = {"lr": p.lr, "betas": (p.beta1, p.beta2), "eps": p.eps}
    opt, opt_ref = Adam(params, bias_correction=on, **kw), Adam(ref, bias_correction=False, **kw)
    steps = np.empty((T, len(SCALES)))
    steps_ref = np.empty((T, len(SCALES)))
    checks = [t for t in CHECKPOINTS if t <= T]
    if T not in checks:
        checks.append(T)
    means = {}
    progress = ctx.phase(0, 1, "Adam steps")
    for t in range(1, T + 1):
        if t % 64 == 0:
            ctx.check_cancel()
            progress(t, T)
        noise = be.asarray(G + s * rng.standard_normal(R))
        opt.step({"w": noise, "c": gc_b})
        opt_ref.step({"c": gc_b})
        steps[t - 1] = -be.to_numpy(params["c"]).astype(np.float64)     # the step from c = 0
        steps_ref[t - 1] = -be.to_numpy(ref["c"]).astype(np.float64)
        params["c"], ref["c"] = be.zeros(len(SCALES)), be.zeros(len(SCALES))
        if t in checks:
            m_hat, v_hat = (be.to_numpy(a).astype(np.float64) for a in opt.estimates["w"])
            means[t] = (float(m_hat.mean()), float(v_hat.mean()))
    progress(T, T)
    return _result(p, steps, steps_ref, means, float(np.finfo(ctx.dtype).eps))


def _moments(p, t: int):
    """Exact (mean, variance, third central moment) of one replicate's m_hat_t and v_hat_t under
    the claim (bias-corrected, g ~ N(G, sigma^2) iid): sums of w_s^k, w_s = (1-b) b^(t-s) / (1-b^t)."""
    G, s2 = p.grad_mean, p.noise ** 2
    b1, b2 = p.beta1, p.beta2

    def wsum(b, k):
        return (1 - b) ** k * (1 - b ** (k * t)) / (1 - b ** k) / (1 - b ** t) ** k if b > 0 else 1.0
    m = (G, s2 * wsum(b1, 2), 0.0)
    var_g2, third_g2 = 2 * s2 * s2 + 4 * G * G * s2, 8 * s2 ** 3 + 24 * G * G * s2 * s2
    v = (G * G + s2, var_g2 * wsum(b2, 2), third_g2 * wsum(b2, 3))
    return m, v


def _shrink(x: float, mu: float, bound: float) -> float:
    """x moved toward mu by up to the rounding bound (a deviation the rounding can explain is not evidence)."""
    d = x - mu
    return mu + math.copysign(max(0.0, abs(d) - bound), d)


def _result(p, steps, steps_ref, means, eps) -> DemoResult:
    T = len(steps)
    b1, b2, e = p.beta1, p.beta2, p.eps
    ts = np.arange(1, T + 1)
    gc = p.grad_mean * np.asarray(SCALES)                                    # (4,)
    want = p.lr * gc / (np.abs(gc) + e)                                      # corrected step, (4,)
    want_ref = np.array([[p.lr * (1 - b1 ** t) * g / (math.sqrt(1 - b2 ** t) * abs(g) + e) for g in gc] for t in ts])
    tol = np.array([_round_rel(eps, b1, b2, t) for t in ts])                 # (T,)
    dev = np.abs(steps / want[None, :] - 1) / tol[:, None]                   # in units of the bound
    ratio = steps_ref / steps
    ratio_want = want_ref / want[None, :]
    dev_r = np.abs(ratio / ratio_want - 1) / (2 * tol[:, None])

    def worst(d, rel):
        i, j = np.unravel_index(int(np.nanargmax(d)) if np.isfinite(d).any() else 0, d.shape)
        return i, j, float(d[i, j]), float(rel[i, j])
    i, j, dA, relA = worst(dev, np.abs(steps / want[None, :] - 1))
    okA = bool(np.all(np.isfinite(dev)) and dA <= 1)
    vA = Verdict(f"constant gradient: step = lr G/(|G|+eps) at every t <= {T}", okA,
                 float(steps[i, j]), float(want[j]), f"{_round_rel(eps, b1, b2, i + 1):.3g} rel (rounding bound)",
                 f"worst at t = {i + 1}, G x {SCALES[j]:g}: relative error {relA:.3g}")
    i2, j2, dB, _ = worst(dev_r, np.abs(ratio / ratio_want - 1))
    okB = bool(np.all(np.isfinite(dev_r)) and dB <= 1)
    vB = Verdict("uncorrected / tested step = (1-b1^t)(|G|+eps)/(sqrt(1-b2^t)|G|+eps)", okB,
                 float(ratio[i2, j2]), float(ratio_want[i2, j2]),
                 f"{2 * _round_rel(eps, b1, b2, i2 + 1):.3g} rel (rounding bound)",
                 f"worst at t = {i2 + 1}, G x {SCALES[j2]:g}")
    pvals, tests, rows = [], [], []
    for t, (mm, vm) in sorted(means.items()):
        (m0, mvar, _), vmom = _moments(p, t)
        r = _round_rel(eps, b1, b2, t)
        xm = _shrink(mm, m0, r * abs(m0) + 0.0)
        se = math.sqrt(mvar / p.replicates)
        zm = (xm - m0) / se
        pm = min(1.0, 2 * norm_sf(abs(zm)))
        xv = _shrink(vm, vmom[0], r * vmom[0])
        pv, zv = positive_mean_pvalue(xv, vmom, p.replicates)
        pvals += [pm, pv]
        tests += [(t, "m_hat", mm, m0, zm), (t, "v_hat", vm, vmom[0], zv)]
        rows.append([t, mm, m0, vm, vmom[0], uncorrected_ratio(b1, b2, t), uncorrected_ratio(b1, b2, t, e, p.grad_mean)])
    rej = holm(pvals, p.alpha)
    bad = [f"{name}_{t} mean {x:.5g} vs {mu:.5g} (z {z:.3g})" for (t, name, x, mu, z), r in zip(tests, rej) if r]
    k = int(np.argmin(pvals))
    vC = Verdict(f"noisy gradient: mean m_hat_t = E[g], mean v_hat_t = E[g^2] at t in {sorted(means)}",
                 not any(rej), tests[k][2], tests[k][3], f"Holm, family alpha {p.alpha:g}",
                 ("rejected: " + "; ".join(bad[:3])) if bad else f"smallest p {min(pvals):.3g} ({tests[k][1]}_{tests[k][0]})")
    verdicts = [vA, vB, vC]
    ok = all(v.passed for v in verdicts)
    r_plot = [uncorrected_ratio(b1, b2, int(t)) for t in ts]
    plots = [Plot("Step / lr for a constant gradient G", "step t",
                  "step / lr", [Series("tested Adam", ts.tolist(), (steps[:, 0] / p.lr).tolist()),
                                Series("uncorrected", ts.tolist(), (steps_ref[:, 0] / p.lr).tolist()),
                                Series("(1-b1^t)/sqrt(1-b2^t)", ts.tolist(), r_plot)])]
    table = Table(["t", "mean m_hat", "E[g]", "mean v_hat", "E[g^2]", "(1-b1^t)/sqrt(1-b2^t)",
                   "uncorrected/corrected step (eps)"], rows)
    notes = [(f"b1 = {b1:g}, b2 = {b2:g}, eps = {e:g}, lr = {p.lr:g}, G = {p.grad_mean:g}, sigma = {p.noise:g}, "
              f"{p.replicates} replicates, {T} steps, bias correction {p.bias_correction}.")]
    r1 = uncorrected_ratio(b1, b2, 1)
    peak_t = int(ts[int(np.argmax(r_plot))])
    take = (f"Without bias correction Adam's step is (1-b1^t)/sqrt(1-b2^t) times the corrected one: "
            f"{r1:.3g}x at t = 1 and {max(r_plot):.3g}x at t = {peak_t} here ("
            + ("too large" if r1 > 1 else "too small") + " early on)")
    take += (", and with it the moments were unbiased from the first step, as the card says." if ok
             else "; the FAIL lines below say what did not match.")
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes, takeaway=take)


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
