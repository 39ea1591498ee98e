"""Why weights are initialized randomly: symmetric initializations keep hidden units identical.

A one-hidden-layer MLP is trained by full-batch gradient descent on XOR-like data (or two
moons), which no single hidden unit can separate. Runs from three initializations:
  zero:      every weight 0. For tanh and ReLU the hidden activations are 0, so W1 gets exactly
             zero gradient and never moves (exact in floating point too: products with 0); the
             model is a constant and the loss stalls at the best constant predictor's.
  constant:  every weight equal (--constant). In exact arithmetic all hidden units compute the
             same function, get the same gradient and stay identical copies: effectively one unit.
  random:    Gaussian weights. Units differ and the loss falls low.
The symmetric starts (zero, constant) are run in float32 AND float64. In floating point the
copies can drift apart only through round-off (a BLAS kernel may sum the last columns of a
matrix in another order), and an unstable symmetric state amplifies that: e.g. sigmoid, moons,
hidden 5, n 160, seed 4 splits even in float64. The check of "identical copies" is therefore
that any asymmetry is round-off: at the first record where either precision shows a difference
between units, float64's difference must be below sqrt(eps64/eps32) = 4.4e-5 times float32's
(round-off scales with the machine epsilon, 2^-52 / 2^-23 = 1.9e-9; a real perturbation is the
same in both, ratio 1). A float32 difference of exactly 0 counts as one float32 ulp of the
weights (it is below float32's resolution, not zero: float32 bitwise equal against float64's
1e-17 was an infinite ratio, a false FAIL). Random init breaks the symmetry: the units compute
different functions, i.e. the N x H hidden activations at the end have sigma2/sigma1 >= sqrt(eps)
(identical units: 0; copies split by round-off: ~eps). (The old "random init loss <= 0.1" was a
fixed threshold the claim does not imply: relu on moons missed it 14/60.) Every check is a bound
(no false FAIL expected); a run whose training diverges is refused with the reason (it cannot
test the claim). Negative controls: --jitter adds the same small noise to both precisions'
symmetric starts (the asymmetry is then not round-off), --random-init shared copies one random
draw to every unit (the bug of seeding each unit alike): both FAIL.

    python demos/symmetry.py --help
    python demos/symmetry.py --activation relu --dataset moons
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

NAME = "symmetry"
TITLE = "Zero or constant initialization keeps hidden units identical; random init breaks symmetry"
CLAIM = ("With zero initialization (tanh/ReLU) W1 gets exactly zero gradient and the loss stalls at "
         "the constant predictor's; a constant initialization keeps the hidden units identical copies "
         "in exact arithmetic (in floating point any asymmetry comes from round-off alone, and grows "
         "only where the symmetric state is unstable); random initialization breaks the symmetry: the "
         "hidden units compute different functions.")

PARAMS = [
    Param("dataset", "xor", "training data", choices=("xor", "moons")),
    Param("n", 200, "number of examples", min=8, max=2000),
    Param("hidden", 8, "hidden units H", min=2, max=32),
    Param("activation", "tanh", "hidden activation", choices=("tanh", "relu", "sigmoid")),
    Param("steps", 1500, "full-batch gradient steps per run", min=10, max=3000),
    Param("lr", 0.5, "learning rate", min=1e-6, max=5.0),
    Param("momentum", 0.9, "heavy-ball momentum", min=0.0, max=0.999),
    Param("constant", 0.5, "value of every weight in the constant run", min=-10.0, max=10.0),
    Param("jitter", 0.0, "noise added to the zero/constant starts (breaks symmetry)", min=0.0, max=10.0),
    Param("random_init", "independent", "random run: every unit drawn independently, or 'shared': one "
          "random draw copied to every unit (a negative control: the bug a per-unit seed makes)",
          choices=("independent", "shared")),
    Param("records", 10, "times the weights are recorded per run (plus steps 1, 2, 4, 8, ...)",
          min=1, max=100),
]

ROUNDOFF_RATIO = math.sqrt(2.0 ** -52 / 2.0 ** -23)   # 4.4e-5: halfway (in log) from eps64/eps32 to 1
EPS32 = 2.0 ** -23

INITS = ("zero", "constant", "random")
RUNS = (("zero", "float32"), ("zero", "float64"), ("constant", "float32"), ("constant", "float64"),
        ("random", None))                                  # None: the run's own --dtype


def peak_bytes(p) -> int:
    """Activations and their gradients (N x H, a few copies, float64) for one run at a time."""
    return int(8 * (12 * p.n * p.hidden + 8 * p.n) + 16e6)


def record_steps(p) -> list[int]:
    """Steps at which the weights are recorded: 0, powers of 2, and `records` even steps."""
    seg = max(1, p.steps // p.records)
    geo = {2 ** k for k in range(int(math.log2(p.steps)) + 1)}
    return sorted({0, p.steps} | geo | set(range(seg, p.steps + 1, seg)))


def unit_spread(be, params) -> float:
    """max over units j of max |u_j - u_0|, u_j = (W1[:, j], b1[j], W2[j]): 0 iff all identical."""
    W1, b1, W2 = (be.to_numpy(params[k]).astype(np.float64) for k in ("W1", "b1", "W2"))
    U = np.vstack([W1, b1[None, :], W2[None, :]])          # (D + 2, H): one column per unit
    return float(np.abs(U - U[:, :1]).max())


def unit_scale(be, params) -> float:
    """max |u_j| over all units' weights: one float32 ulp of them is eps32 * this."""
    return float(max(np.abs(be.to_numpy(params[k]).astype(np.float64)).max() for k in ("W1", "b1", "W2")))


def hidden_sv_ratio(be, params, Xh, activation: str) -> float:
    """sigma_2 / sigma_1 of the (N, H) hidden activations act(X W1 + b1), in float64 from the
    final weights: 0 iff every unit computes the same function (one effective unit)."""
    W1, b1 = (be.to_numpy(params[k]).astype(np.float64) for k in ("W1", "b1"))
    z = np.asarray(Xh, dtype=np.float64) @ W1 + b1
    h = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0.0),
         "sigmoid": lambda v: 0.5 * (1 + np.tanh(v / 2))}[activation](z)
    s = np.linalg.svd(h, compute_uv=False)
    return float(s[1] / s[0]) if len(s) > 1 and s[0] > 0 else 0.0


def run(p, ctx) -> DemoResult:
    from gdstudy.core import MLP, get_backend, make_moons, make_xor
    from gdstudy.errors import DemoError

    make = make_xor if p.dataset == "xor" else make_moons
    Xh, yh = make(p.n, seed=ctx.seed)
    runs, skipped = {}, []
    for k, (init, dt) in enumerate(RUNS):
        try:
            be = ctx.be if dt is None or dt == ctx.dtype else get_backend(ctx.backend, ctx.device, ctx.seed, dt)
        except DemoError as err:                            # e.g. no float64 on this device
            skipped.append(f"{init} init in {dt}: {err}")
            continue
        dt = dt or ctx.dtype
        prob = MLP(be, 2, p.hidden, p.activation)
        runs[(init, dt if init != "random" else "run")] = _train(p, ctx, be, prob, init, Xh, yh, k)
    ctx.check_cancel()
    diverged = [f"{k[0]} init ({v['dtype']}) {v['diverged']}" for k, v in runs.items() if "diverged" in v]
    if diverged:   # no verdict: a diverged run says nothing about symmetry (INCONCLUSIVE, not FAIL)
        raise DemoError(f"training diverged at --lr {p.lr:g}, --momentum {p.momentum:g} ("
                        + "; ".join(diverged) + "): this run cannot test the claim; lower --lr")
    return _result(p, runs, float(np.mean(yh)), skipped)


def _train(p, ctx, be, prob, init, Xh, yh, k) -> dict:
    from gdstudy.core import SGD, to_backend, train
    X, y = be.asarray(Xh), be.asarray(yh)
    start = prob.init_params(ctx.rng(1), init=init, value=p.constant)
    if init == "random" and p.random_init == "shared":      # the control: one draw for every unit
        start = {k: (np.broadcast_to(v[..., :1], np.shape(v)).copy() if np.ndim(v) else v)
                 for k, v in start.items()}
    if init != "random" and p.jitter > 0:
        noise = ctx.rng(2)                                   # the same noise for both precisions
        start = {name: v + p.jitter * noise.standard_normal(np.shape(v)) for name, v in start.items()}
    params = to_backend(be, start)
    opt = SGD(params, lr=p.lr, momentum=p.momentum)
    rec = {"step": [0], "loss": [float(prob.loss(params, X, y))], "spread": [unit_spread(be, params)],
           "scale": [unit_scale(be, params)],
           "w1": [float(np.abs(be.to_numpy(params["W1"])).max())], "dtype": be.dtype_name}
    done = 0
    for target in record_steps(p)[1:]:
        ctx.check_cancel()
        r = train(prob, params, opt, X, y, None, max_steps=target - done, eval_at_epoch_end=False,
                  progress=_sub(ctx, k, done, p.steps), cancel=ctx.cancelled)
        if r.diverged:
            rec["diverged"] = f"{r.message} of segment at step {done}"
            break
        done = target
        rec["step"].append(done)
        rec["loss"].append(r.final_loss)
        rec["spread"].append(unit_spread(be, params))
        rec["scale"].append(unit_scale(be, params))
        rec["w1"].append(float(np.abs(be.to_numpy(params["W1"])).max()))
    grads = prob.loss_and_grad(params, X, y)[1]
    rec["final_dw1"] = float(np.abs(be.to_numpy(grads["W1"])).max())
    rec["accuracy"] = prob.accuracy(params, X, y)
    rec["sv_ratio"] = hidden_sv_ratio(be, params, Xh, p.activation) if "diverged" not in rec else math.nan
    return rec


def _sub(ctx, k, done, total):
    init, dt = RUNS[k]
    phase = ctx.phase(k, len(RUNS), f"{init} init" + (f" ({dt})" if dt else ""))
    return lambda d, t: phase(done + d, total)


def roundoff_check(a: dict, b: dict):
    """-> (ratio, step, text): float64's unit difference over float32's at the first record where
    either is nonzero (0.0 and step None when both stay bitwise identical at every record).
    A float32 difference of exactly 0 means "below one float32 ulp of the weights", so float32's
    difference is taken as at least eps32 * max|u| there (else one lucky bitwise-equal float32
    record against float64's 1e-17 would read as an infinite ratio)."""
    for step, s32, s64, sc in zip(a["step"], a["spread"], b["spread"], a["scale"]):
        if s32 > 0 or s64 > 0:
            floor = EPS32 * sc
            ratio = s64 / max(s32, floor) if max(s32, floor) > 0 else math.inf
            shown = f"{s32:.3g}" if s32 > 0 else f"0 (< 1 ulp = {floor:.3g})"
            return ratio, step, f"at step {step}: float32 {shown}, float64 {s64:.3g}"
    return 0.0, None, "bitwise identical copies at every record in float32 and float64"


def _first_above(rec: dict, level: float):
    return next((st for st, v in zip(rec["step"], rec["spread"]) if v > level), None)


def _result(p, runs, ybar, skipped) -> DemoResult:
    base = -(ybar * math.log(ybar) + (1 - ybar) * math.log(1 - ybar))  # constant-predictor loss
    rnd = runs[("random", "run")]
    verdicts = []
    zeros = [v for (i, _), v in runs.items() if i == "zero"]
    if p.activation in ("tanh", "relu"):
        verdicts.append(Verdict.exact("zero init: max |W1| at every record and max |dW1| at the end",
                                      max(max(max(z["w1"]), z["final_dw1"]) for z in zeros), 0.0,
                                      f"{p.activation}(0) = 0 so dL/dW1 = 0 exactly "
                                      f"({', '.join(z['dtype'] for z in zeros)})"))
        worst = min(z["loss"][-1] for z in zeros) / base
        verdicts.append(Verdict.at_least("zero init: final loss / constant-predictor loss (stalls)",
                                         worst, 1 - 1e-4, f"constant predictor: {base:.4f}, the best "
                                         "a constant model can do; 1e-4 leaves room for float32 round-off"))
    for init in ("zero", "constant"):
        a, b = runs.get((init, "float32")), runs.get((init, "float64"))
        if a is None or b is None:
            continue
        ratio, step, text = roundoff_check(a, b)
        verdicts.append(Verdict(
            f"{init} init: any difference between hidden units is round-off (float64 / float32)",
            bool(ratio <= ROUNDOFF_RATIO), ratio, f"<= {ROUNDOFF_RATIO:.2g}", None,
            f"{text}; round-off scales with eps (ratio ~1.9e-9), a real perturbation does not (ratio ~1)"))
    eps_run = float(np.finfo(rnd["dtype"]).eps)
    sv_tol = math.sqrt(eps_run)                        # halfway (in log) from round-off eps to 1
    sv = rnd["sv_ratio"] if "diverged" not in rnd else math.nan
    verdicts.append(Verdict.at_least(
        "random init: the hidden units compute different functions (sigma2/sigma1 of activations)",
        sv, sv_tol, f"second/first singular value of the N x H hidden activations at the end: 0 for "
        f"identical units, round-off ~{eps_run:.1g} for copies split by round-off; bound sqrt(eps) = "
        f"{sv_tol:.2g}; final loss {rnd['loss'][-1]:.4g} (constant predictor {base:.4f}), accuracy "
        f"{rnd['accuracy']:.1%}"))
    name = {("random", "run"): f"random ({rnd['dtype']})"}
    plots = [Plot("Full loss during training", "step", "loss",
                  [Series(f"{name.get(k, f'{k[0]} ({k[1]})')} init", v["step"], v["loss"]) for k, v in runs.items()],
                  logy=True),
             Plot("Largest difference between hidden units (zero = identical; not shown on log axis)",
                  "step", "max |u_j - u_0|",
                  [Series(f"{name.get(k, f'{k[0]} ({k[1]})')}", v["step"], v["spread"]) for k, v in runs.items()],
                  logy=True)]
    rows = [[k[0], v["dtype"], v["loss"][0], v["loss"][-1], v["accuracy"], v["spread"][-1],
             _first_above(v, 0.0), _first_above(v, 1e-3), v["final_dw1"], v.get("diverged", "")]
            for k, v in runs.items()]
    table = Table(["init", "dtype", "initial loss", "final loss", "accuracy", "final unit difference",
                   "first step > 0", "first step > 1e-3", "max |dW1|", "note"], rows)
    notes = [f"{p.dataset}, N={p.n}, H={p.hidden}, {p.activation}, {p.steps} steps, lr {p.lr}, "
             f"momentum {p.momentum}; symmetric starts run in float32 and float64"] + skipped
    return DemoResult(plots=plots, table=table, verdicts=verdicts, notes=notes,
                      takeaway=_takeaway(p, runs, rnd, base, sv, verdicts))


def _takeaway(p, runs, rnd, base, sv, verdicts) -> str:
    c64 = runs.get(("constant", "float64"))
    sym_ok = all(v.passed for v in verdicts if "is round-off" in v.name)
    copies = ("the constant-init units were not run in float64" if c64 is None else
              f"the constant-init units {'stayed copies up to round-off' if sym_ok else 'differed by more than round-off'}"
              f" (max difference {c64['spread'][-1]:.2g} in float64)")
    rand = (f"random init's units {'differed' if sv >= math.sqrt(float(np.finfo(rnd['dtype']).eps)) else 'stayed copies'}"
            f" (sigma2/sigma1 = {sv:.2g}) and reached loss {rnd['loss'][-1]:.3g} against the constant "
            f"predictor's {base:.3f}")
    if p.activation in ("tanh", "relu"):
        z = max(max(max(v["w1"]), v["final_dw1"]) for (i, _), v in runs.items() if i == "zero")
        head = f"Zero init left W1 at max |W1| = {z:.2g} ({'exactly 0' if z == 0 else 'not 0'})"
    else:
        head = f"With {p.activation}(0) = 0.5 zero init is just another constant init"
    ok = all(v.passed for v in verdicts)
    tail = ", as the card says." if ok else "; the FAIL lines below say which part did not hold."
    return f"{head}, {copies}, and {rand}{tail}"


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
