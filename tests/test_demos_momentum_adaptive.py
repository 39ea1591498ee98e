"""Issue 23, topics 1, 2, 5: the momentum and adam demos and the core's Adam."""

import math

import numpy as np
import pytest

from gdstudy.core import SGD, Adam, get_backend, make_function, to_backend, train
from gdstudy.demo.registry import demo_names, load_demo
from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

SMALL = {"momentum": {"kappa": 30.0}, "adam": {"replicates": 400, "steps": 30}}
BROKEN = {  # key -> (demo, setting, text of a verdict that must fail)
    "momentum-wrong-beta-hb": ("momentum", {"beta_formula": "kappa"}, "heavy ball"),
    "momentum-wrong-beta-nesterov": ("momentum", {"beta_formula": "kappa"}, "Nesterov"),
    "adam-no-correction-step": ("adam", {"bias_correction": "off"}, "constant gradient: step"),
    "adam-no-correction-ratio": ("adam", {"bias_correction": "off"}, "uncorrected / tested"),
    "adam-no-correction-moments": ("adam", {"bias_correction": "off"}, "noisy gradient"),
    "adam-no-correction-equal-betas": ("adam", {"bias_correction": "off", "beta1": 0.99, "beta2": 0.99},
                                       "constant gradient: step"),
}


def test_registered():
    assert set(SMALL) <= set(demo_names())


@pytest.mark.parametrize("name", sorted(SMALL))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_demo_passes(name, dtype):
    r = run_demo(name, SMALL[name], seed=3, dtype=dtype)
    assert r.passed, "\n".join(v.line() for v in r.verdicts)
    assert r.verdicts and r.plots and r.table.rows and r.notes and r.takeaway
    assert all(s.x and len(s.x) == len(s.y) for p in r.plots for s in p.series)


@pytest.mark.parametrize("key", sorted(BROKEN))
def test_control_fails(key):
    name, setting, text = BROKEN[key]
    r = run_demo(name, {**SMALL[name], **setting}, seed=0)
    hit = [v for v in r.verdicts if text in v.name]
    assert hit and not any(v.passed for v in hit), "\n".join(v.line() for v in r.verdicts)


def test_momentum_theory_is_the_exact_spectral_radius():
    m = load_demo("momentum")
    for kappa in (2.0, 30.0, 1e4):
        for label, eta, beta, nesterov, theory in m.settings(kappa):
            assert m.exact_rate(eta, beta, nesterov, np.linspace(1.0, kappa, 401)) == pytest.approx(theory, abs=1e-6)
        wrong = m.settings(kappa, "kappa")
        assert all(abs(m.exact_rate(e, b, n, (1.0, kappa)) - t) > 0.005 for _, e, b, n, t in wrong)


def test_momentum_refuses_too_few_steps():
    with pytest.raises(DemoError, match="at least 10 steps"):
        run_demo("momentum", {"steps": 5})


def test_adam_ratio_formula_direction():
    m = load_demo("adam")
    assert m.uncorrected_ratio(0.9, 0.999, 1) == pytest.approx(0.1 / math.sqrt(0.001))   # 3.16: too large
    assert m.uncorrected_ratio(0.9, 0.9, 5) == pytest.approx(math.sqrt(1 - 0.9 ** 5))      # b1 = b2: too small
    assert m.uncorrected_ratio(0.9, 0.999, 10 ** 5) == pytest.approx(1.0, abs=1e-6)


def test_adam_refuses_too_few_replicates():
    with pytest.raises(DemoError, match="200"):
        run_demo("adam", {"replicates": 100})


def test_core_adam_first_step_is_lr_times_sign():
    be = get_backend("numpy", dtype="float64")
    p = {"w": be.asarray(np.zeros(3))}
    opt = Adam(p, lr=0.01, eps=0.0)
    opt.step({"w": be.asarray(np.array([5.0, -0.2, 1e-4]))})
    np.testing.assert_allclose(p["w"], [-0.01, 0.01, -0.01], rtol=1e-12)


def test_core_adam_trains_a_quadratic():
    be = get_backend("numpy", dtype="float64")
    f = make_function(be, "quadratic", kappa=10.0)
    params = to_backend(be, f.init_params(start=(1.0, 1.0)))
    r = train(f, params, Adam(params, lr=0.01), max_steps=3000)
    assert r.stopped == "done" and r.eval_losses[-1] < 1e-3 * r.eval_losses[0]


@pytest.mark.torch
@pytest.mark.parametrize("decoupled", [False, True])
def test_core_adam_matches_torch_optim(decoupled):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0, grads = rng.standard_normal(6), rng.standard_normal((20, 6))
    be = get_backend("numpy", dtype="float64")
    p = {"w": be.asarray(w0.copy())}
    opt = Adam(p, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, decoupled=decoupled)
    tw = torch.tensor(w0.copy(), requires_grad=True)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    topt = cls([tw], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)
    for g in grads:
        opt.step({"w": be.asarray(g)})
        tw.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(p["w"], tw.detach().numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(SMALL))
def test_torch_cpu_backend(name):
    pytest.importorskip("torch")
    r = run_demo(name, SMALL[name], backend="torch", device="cpu", seed=1)
    assert r.passed, "\n".join(v.line() for v in r.verdicts)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(SMALL))
def test_cuda_backend(name):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    r = run_demo(name, SMALL[name], backend="torch", device="cuda", seed=1)
    assert r.passed, "\n".join(v.line() for v in r.verdicts)


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_momentum_iterates_obey_the_demo_recurrence(nesterov):
    """The core's torch-form momentum: x_t obeys the demo's order-2 recurrence (Nesterov:
    x' = (1+b)(1-eta lam) x - b (1-eta lam) x_prev; heavy ball: x' = (1+b-eta lam) x - b x_prev)."""
    be = get_backend("numpy", dtype="float64")
    lam, eta, beta = 3.0, 0.1, 0.7
    p = {"w": be.asarray(np.array([1.0]))}
    opt = SGD(p, lr=eta, momentum=beta, nesterov=nesterov)
    xs = [1.0]
    for _ in range(30):
        opt.step({"w": lam * p["w"]})
        xs.append(float(p["w"][0]))
    x = np.array(xs)
    c = 1 - eta * lam
    a, b = ((1 + beta) * c, -beta * c) if nesterov else (1 + beta - eta * lam, -beta)
    wrong_a, wrong_b = ((1 + beta - eta * lam, -beta) if nesterov else ((1 + beta) * c, -beta * c))
    resid = x[3:] - a * x[2:-1] - b * x[1:-2]
    resid_wrong = x[3:] - wrong_a * x[2:-1] - wrong_b * x[1:-2]
    assert np.max(np.abs(resid)) < 1e-14 and np.max(np.abs(resid_wrong)) > 1e-6


def test_demo_browser_shows_a_claim_literally():
    """adam's claim has E[g]: the browser's claim line must not read it as markup (it dropped '[g]')."""
    import asyncio

    from textual.widgets import DataTable, Static

    from gdstudy.tui import make_app
    from tests.test_tui_fit import until

    async def main() -> str:
        app = make_app(start="demos")
        async with app.run_test(size=(160, 48)) as pilot:
            await until(pilot, lambda: app.screen.query("#demo-list"))
            table = app.screen.query_one(DataTable)
            table.move_cursor(row=list(table.rows).index(next(k for k in table.rows if k.value == "adam")))
            claim = app.screen.query_one("#demo-claim", Static)
            await until(pilot, lambda: "(adam)" in str(claim.render()))
            return str(claim.render())

    text = asyncio.run(main())
    assert "unbiased for E[g] and E[g^2]" in text, text
