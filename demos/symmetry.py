"""Why weights are initialized randomly: symmetric initializations keep hidden units identical.

A one-hidden-layer MLP is trained by full-batch gradient descent on XOR-like data (or two
moons), which no single hidden unit can separate. Three runs from three initializations:
  zero:      every weight 0. For tanh and ReLU the hidden activations are 0, so W1 gets exactly
             zero gradient and never moves; the model is a constant and the loss stalls.
  constant:  every weight equal (--constant). All hidden units compute the same function, get
             the same gradient and stay identical copies: effectively one unit.
  random:    Gaussian weights. Units differ and the loss falls low.
The checks read the recorded weights. --jitter adds small noise to the symmetric starts: the
symmetry is broken and the "identical units" checks FAIL.

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
CLAIM = ("With zero initialization the hidden units stay identical (tanh/ReLU: W1 gets exactly zero "
         "gradient) and the loss stalls; a constant initialization keeps the units identical copies; "
         "random initialization makes the units differ and the loss falls low.")

PARAMS = [
    Param("dataset", "xor", "training data", choices=("xor", "moons")),
    Param("n", 200, "number of examples", min=8, max=100_000),
    Param("hidden", 8, "hidden units H", min=2, max=1024),
    Param("activation", "tanh", "hidden activation", choices=("tanh", "relu", "sigmoid")),
    Param("steps", 1500, "full-batch gradient steps per run", min=10, max=1_000_000),
    Param("lr", 0.5, "learning rate", min=1e-6, max=100.0),
    Param("momentum", 0.9, "heavy-ball momentum", min=0.0, max=0.999),
    Param("constant", 0.5, "value of every weight in the constant run", min=-10.0, max=10.0),
    Param("jitter", 0.0, "noise added to the zero/constant starts (breaks symmetry)", min=0.0, max=10.0),
    Param("low_loss", 0.1, "random init must end below this loss", min=0.0, max=10.0),
    Param("records", 10, "times the weights are recorded per run", min=1, max=1000),
]

INITS = ("zero", "constant", "random")


def unit_spread(be, params) -> float:
    """max over units j of max |u_j - u_0|, u_j = (W1[:, j], b1[j], W2[j]): 0 iff all identical."""
    W1, b1, W2 = (be.to_numpy(params[k]).astype(np.float64) for k in ("W1", "b1", "W2"))
    U = np.vstack([W1, b1[None, :], W2[None, :]])          # (D + 2, H): one column per unit
    return float(np.abs(U - U[:, :1]).max())


def run(p, ctx) -> DemoResult:
    from gdstudy.core import MLP, SGD, make_moons, make_xor, to_backend, train

    be = ctx.be
    make = make_xor if p.dataset == "xor" else make_moons
    Xh, yh = make(p.n, seed=ctx.seed)
    X, y = be.asarray(Xh), be.asarray(yh)
    prob = MLP(be, 2, p.hidden, p.activation)
    runs = {}
    for k, init in enumerate(INITS):
        start = prob.init_params(ctx.rng(1), init=init, value=p.constant)
        if init != "random" and p.jitter > 0:
            noise = ctx.rng(2)
            start = {name: v + p.jitter * noise.standard_normal(np.shape(v)) for name, v in start.items()}
        params = to_backend(be, start)
        opt = SGD(params, lr=p.lr, momentum=p.momentum)
        rec = {"step": [0], "loss": [float(prob.loss(params, X, y))], "spread": [unit_spread(be, params)],
               "w1": [float(np.abs(be.to_numpy(params["W1"])).max())]}
        seg = max(1, p.steps // p.records)
        done = 0
        while done < p.steps:
            ctx.check_cancel()
            m = min(seg, p.steps - done)
            r = train(prob, params, opt, X, y, None, max_steps=m, eval_at_epoch_end=False,
                      progress=_sub(ctx, k, done, p.steps), cancel=ctx.cancelled)
            if r.diverged:
                rec["diverged"] = f"{r.message} of segment at step {done}"
                break
            done += m
            rec["step"].append(done)
            rec["loss"].append(r.final_loss)
            rec["spread"].append(unit_spread(be, params))
            rec["w1"].append(float(np.abs(be.to_numpy(params["W1"])).max()))
        grads = prob.loss_and_grad(params, X, y)[1]
        rec["final_dw1"] = float(np.abs(be.to_numpy(grads["W1"])).max())
        rec["accuracy"] = prob.accuracy(params, X, y)
        runs[init] = rec
    ctx.check_cancel()
    return _result(p, runs, float(np.mean(yh)))


def _sub(ctx, k, done, total):
    phase = ctx.phase(k, len(INITS), f"{INITS[k]} init")
    return lambda d, t: phase(done + d, total)


def _result(p, runs, ybar) -> DemoResult:
    base = -(ybar * math.log(ybar) + (1 - ybar) * math.log(1 - ybar))  # constant-predictor loss
    z, c, r = runs["zero"], runs["constant"], runs["random"]
    tol = 1e-6
    verdicts = []
    if p.activation in ("tanh", "relu"):
        verdicts.append(Verdict.exact("zero init: max |W1| at every record and max |dW1| at the end",
                                      max(max(z["w1"]), z["final_dw1"]), 0.0,
                                      f"{p.activation}(0) = 0 so dL/dW1 = 0 exactly"))
    verdicts += [
        Verdict.at_most("zero init: max difference between hidden units", max(z["spread"]), tol),
        Verdict.at_least("zero init: final loss / constant-predictor loss (stalls)",
                         z["loss"][-1] / base, 0.9, f"constant predictor: {base:.4f}"),
        Verdict.at_most("constant init: max difference between hidden units", max(c["spread"]), tol,
                        f"every weight starts at {p.constant}"),
        Verdict.at_least("random init: difference between hidden units", r["spread"][-1], 0.01),
        Verdict.at_most("random init: final loss", r["loss"][-1], p.low_loss,
                        f"accuracy {r['accuracy']:.1%}"),
    ]
    plots = [Plot("Full loss during training", "step", "loss",
                  [Series(f"{k} init", v["step"], v["loss"]) for k, v in runs.items()], logy=True),
             Plot("Largest difference between hidden units", "step", "max |u_j - u_0|",
                  [Series(f"{k} init", v["step"], v["spread"]) for k, v in runs.items()])]
    rows = [[k, v["loss"][0], v["loss"][-1], v["accuracy"], max(v["spread"]), v["w1"][-1],
             v["final_dw1"], v.get("diverged", "")] for k, v in runs.items()]
    table = Table(["init", "initial loss", "final loss", "accuracy", "max unit difference",
                   "max |W1|", "max |dW1|", "note"], rows)
    return DemoResult(plots=plots, table=table, verdicts=verdicts,
                      notes=[f"{p.dataset}, N={p.n}, H={p.hidden}, {p.activation}, {p.steps} steps, "
                             f"lr {p.lr}, momentum {p.momentum}"])


if __name__ == "__main__":
    sys.exit(run_standalone(sys.modules[__name__]))
