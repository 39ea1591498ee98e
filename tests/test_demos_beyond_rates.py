"""rates (issue 23): the three bounds PASS at small sizes at three seeds and on float64; each
wrong formula / missing decay FAILs its own verdict; the theory helpers match the formulas."""

import math

import numpy as np
import pytest

from gdstudy.demo.registry import demo_names, load_demo
from gdstudy.demo.runner import run_demo
from gdstudy.errors import DemoError

SMALL = {}   # the default (0.2 s): the constant-step floor crosses the bound only after ~580 steps
CONTROLS = {  # setting -> verdicts (by prefix) that must FAIL
    "fast": ({"bound": "fast"}, ("GD convex", "GD strongly convex", "SGD")),
    "constant": ({"schedule": "constant"}, ("SGD",)),
}


def test_rates_is_registered():
    assert "rates" in demo_names()


@pytest.mark.parametrize("seed", (0, 1, 2))
def test_rates_passes(seed):
    r = run_demo("rates", SMALL, seed=seed)
    assert r.passed, "\n".join(v.line() for v in r.verdicts)
    assert len(r.verdicts) == 3 and all(v.is_check for v in r.verdicts)
    assert r.plots and r.table.rows and r.takeaway.endswith("as the card says.")


def test_rates_passes_in_float64():
    r = run_demo("rates", SMALL, seed=0, dtype="float64")
    assert r.passed, "\n".join(v.line() for v in r.verdicts)


@pytest.mark.parametrize("key", sorted(CONTROLS))
def test_rates_controls_fail(key):
    setting, failing = CONTROLS[key]
    r = run_demo("rates", {**SMALL, **setting}, seed=0)
    assert not r.passed
    for prefix in failing:
        assert any(v.name.startswith(prefix) and not v.passed for v in r.verdicts), [v.line() for v in r.verdicts]
    if key == "constant":   # GD is untouched by the SGD schedule
        assert all(v.passed for v in r.verdicts if v.name.startswith("GD"))


def test_sgd_bound_is_bottou_theorem_4_7():
    m = load_demo("rates")
    from gdstudy.demo.params import resolve_params
    p = resolve_params(m, {"dim": 4, "sgd_kappa": 10.0, "sigma": 2.0})
    lam = np.linspace(1.0, 10.0, 4)
    beta, L, mu, M = 2.0, 10.0, 1.0, 4 * 4.0
    gamma = beta * L - 1
    nu = max(beta ** 2 * L * M / (2 * (beta * mu - 1)), (gamma + 1) * 0.5 * lam.sum())
    assert m.sgd_bound(p, lam, 7) == pytest.approx(nu / (gamma + 7))
    assert m.sgd_bound(p, lam, 7, fast=True) == pytest.approx(nu / (gamma + 7) ** 2)
    steps = m.sgd_steps(p, 3)
    assert steps[0] == pytest.approx(1 / L) and steps[2] == pytest.approx(beta / (gamma + 3))


def test_gap_moments_match_sampling():
    m = load_demo("rates")
    lam, mean, var = np.array([1.0, 3.0]), np.array([0.5, -1.0]), np.array([0.2, 0.7])
    w = np.random.default_rng(0).normal(mean, np.sqrt(var), size=(400_000, 2))
    gap = 0.5 * (lam * w * w).sum(1)
    k1, k2, k3 = m._gap_moments(lam, mean, var)
    assert k1 == pytest.approx(gap.mean(), rel=5e-3)
    assert k2 == pytest.approx(gap.var(), rel=2e-2)
    assert k3 == pytest.approx(((gap - gap.mean()) ** 3).mean(), rel=6e-2)


def test_rates_refuses_oversized_runs():
    with pytest.raises(DemoError, match="--runs"):
        run_demo("rates", {"runs": 100_000, "dim": 1000}, seed=0)


def _torch_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@pytest.mark.cuda
@pytest.mark.skipif(not _torch_cuda(), reason="no CUDA device")
def test_rates_on_cuda():
    r = run_demo("rates", SMALL, seed=0, backend="torch", device="cuda")
    assert r.passed and not math.isnan(r.verdicts[2].measured)
